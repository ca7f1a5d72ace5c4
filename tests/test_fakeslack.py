"""The Slack stand-in itself: what scenario tests and benchmarks rely on, through a real WebClient."""

from __future__ import annotations

import contextlib
import json
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import make_client
from tests.fakeslack import BOT_USER, FakeSlack, Fault


def client(fake: FakeSlack) -> WebClient:
    return make_client("xoxb-fake", fake.url)


def test_users_info_reports_admin_and_owner(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("UADMIN", is_admin=True)
    fake_slack.add_user("UOWNER", is_owner=True)
    fake_slack.add_user("UPLAIN")
    web = client(fake_slack)

    flags = {
        u: (web.users_info(user=u)["user"]["is_admin"], web.users_info(user=u)["user"]["is_owner"])
        for u in ("UADMIN", "UOWNER", "UPLAIN")
    }

    assert flags == {"UADMIN": (True, False), "UOWNER": (False, True), "UPLAIN": (False, False)}
    with pytest.raises(SlackApiError, match="user_not_found"):
        web.users_info(user="UNOBODY")


def test_history_returns_metadata_only_when_asked(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    meta = {"event_type": "newsbot_digest", "event_payload": {"post_key": "k"}}
    web.chat_postMessage(channel="C1", text="one", metadata=meta)
    web.chat_postMessage(channel="C1", text="two")

    plain = web.conversations_history(channel="C1")["messages"]
    full = web.conversations_history(channel="C1", include_all_metadata=True)["messages"]

    assert [m["text"] for m in plain] == ["two", "one"] and "metadata" not in plain[1]
    assert full[1]["metadata"] == meta and full[1]["user"] == BOT_USER


def test_join_info_ephemeral_and_response_url(fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C2", "general", is_member=False)
    fake_slack.add_channel("G3", "secret", is_private=True, is_member=False)
    web = client(fake_slack)

    assert web.conversations_join(channel="C2")["channel"]["is_member"] is True
    with pytest.raises(SlackApiError, match="channel_not_found"):
        web.conversations_info(channel="G3")
    web.chat_postEphemeral(channel="C2", user="U1", text="only you")
    request = urllib.request.Request(
        fake_slack.response_url("abc"),
        data=json.dumps({"text": "answer"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200

    assert fake_slack.ephemeral()[0]["text"] == "only you"
    assert fake_slack.responses("abc") == [{"text": "answer"}]


def test_queued_faults_apply_in_order_then_stop(fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", Fault.rate_limited(9), Fault.error("invalid_auth"))
    web = client(fake_slack)

    with pytest.raises(SlackApiError) as limited:
        web.auth_test()
    with pytest.raises(SlackApiError, match="invalid_auth"):
        web.auth_test()

    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "9"
    assert web.auth_test()["ok"] is True
    assert [c.fault for c in fake_slack.calls] == ["ratelimited", "error", None]


def test_random_fault_rates_are_seeded_and_roughly_right() -> None:
    with FakeSlack(seed=7) as fake:
        fake.set_fault_rates(rate_limited=0.2, server_error=0.1, methods=frozenset({"auth.test"}))
        web = client(fake)
        for _ in range(200):
            with contextlib.suppress(SlackApiError):
                web.auth_test()
        kinds = [c.fault for c in fake.calls]

    assert 20 <= kinds.count("ratelimited") <= 60
    assert 5 <= kinds.count("server_error") <= 35
