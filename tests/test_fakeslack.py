"""The Slack stand-in itself: what scenario tests and benchmarks rely on, through a real WebClient."""

from __future__ import annotations

import contextlib
import json
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.client import make_client
from bot.views.data import DigestForm, HomeData
from bot.views.home import home_view
from bot.views.modals import channel_digest_modal
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


# --- history paging -------------------------------------------------------------------------------
def post_many(web: WebClient, count: int, channel: str = "C1") -> list[str]:
    return [web.chat_postMessage(channel=channel, text=f"m{i}")["ts"] for i in range(count)]


def test_history_pages_newest_first_with_cursors_until_exhausted(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    stamps = post_many(web, 250)

    seen: list[str] = []
    pages: list[tuple[int, bool]] = []
    cursor = None
    while True:
        answer = web.conversations_history(channel="C1", limit=100, cursor=cursor)
        seen += [m["ts"] for m in answer["messages"]]
        pages.append((len(answer["messages"]), answer["has_more"]))
        cursor = (answer.get("response_metadata") or {}).get("next_cursor")
        if not answer["has_more"]:
            assert not cursor
            break

    assert pages == [(100, True), (100, True), (50, False)]
    assert seen == list(reversed(stamps))


def test_history_default_limit_is_100(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    post_many(web, 120)
    answer = web.conversations_history(channel="C1")
    assert len(answer["messages"]) == 100 and answer["has_more"] is True


def test_history_oldest_latest_and_inclusive(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    stamps = post_many(web, 10)

    def window(**kwargs: Any) -> list[str]:
        return [m["ts"] for m in web.conversations_history(channel="C1", **kwargs)["messages"]]

    assert window(oldest=stamps[6]) == stamps[7:][::-1]
    assert window(oldest=stamps[6], inclusive=True) == stamps[6:][::-1]
    assert window(latest=stamps[2]) == stamps[:2][::-1]
    assert window(oldest=stamps[2], latest=stamps[5], inclusive=True) == stamps[2:6][::-1]
    assert window(oldest=stamps[2], latest=stamps[5]) == stamps[3:5][::-1]
    # paging inside a window: the newest of the window first, then older ones, never outside it
    first = web.conversations_history(channel="C1", oldest=stamps[1], limit=3)
    second = web.conversations_history(
        channel="C1", oldest=stamps[1], limit=3, cursor=first["response_metadata"]["next_cursor"]
    )
    third = web.conversations_history(
        channel="C1", oldest=stamps[1], limit=3, cursor=second["response_metadata"]["next_cursor"]
    )
    got = [m["ts"] for page in (first, second, third) for m in page["messages"]]
    assert got == stamps[2:][::-1] and third["has_more"] is False


def test_history_refuses_a_bad_cursor_or_timestamp(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    post_many(web, 2)
    with pytest.raises(SlackApiError, match="invalid_cursor"):
        web.conversations_history(channel="C1", cursor="garbage!")
    with pytest.raises(SlackApiError, match="invalid_ts_oldest"):
        web.conversations_history(channel="C1", oldest="yesterday")


# --- users and direct messages --------------------------------------------------------------------
def test_users_info_time_zone_can_change(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("UBERLIN", tz="Europe/Berlin")
    web = client(fake_slack)

    before = web.users_info(user="UBERLIN")["user"]
    fake_slack.set_user_tz("UBERLIN", "Asia/Tokyo")
    after = web.users_info(user="UBERLIN")["user"]

    assert before["tz"] == "Europe/Berlin" and before["tz_offset"] in (3600, 7200)
    assert (after["tz"], after["tz_offset"]) == ("Asia/Tokyo", 9 * 3600)


def test_conversations_open_gives_a_dm_that_behaves_like_a_channel(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("UREADER1")
    web = client(fake_slack)

    opened = web.conversations_open(users="UREADER1")
    dm = opened["channel"]["id"]
    web.chat_postMessage(channel=dm, text="your digest")
    web.chat_postMessage(channel="UREADER1", text="by user ID")  # Slack posts this to the same DM
    again = web.conversations_open(users="UREADER1")

    assert dm.startswith("D") and again["channel"]["id"] == dm and again["already_open"] is True
    assert [m["text"] for m in web.conversations_history(channel=dm)["messages"]] == [
        "by user ID",
        "your digest",
    ]
    assert [m["text"] for m in fake_slack.dm_messages("UREADER1")] == ["your digest", "by user ID"]
    with pytest.raises(SlackApiError, match="user_not_found"):
        web.conversations_open(users="UNOBODY1")
    with pytest.raises(SlackApiError, match="cannot_dm_bot"):
        web.conversations_open(users=BOT_USER)


@pytest.mark.parametrize("post_error", ["account_inactive", "user_not_found"])
def test_departed_user(fake_slack: FakeSlack, post_error: str) -> None:
    fake_slack.add_user("ULEAVER1")
    web = client(fake_slack)
    dm = web.conversations_open(users="ULEAVER1")["channel"]["id"]

    fake_slack.remove_user("ULEAVER1", post_error=post_error)

    with pytest.raises(SlackApiError, match=post_error):
        web.chat_postMessage(channel=dm, text="digest")
    with pytest.raises(SlackApiError, match="user_not_found"):
        web.users_info(user="ULEAVER1")
    with pytest.raises(SlackApiError, match="user_not_found"):
        web.conversations_open(users="ULEAVER1")
    with pytest.raises(SlackApiError, match="user_not_found"):
        web.views_publish(user_id="ULEAVER1", view=a_home())
    assert fake_slack.dm_messages("ULEAVER1") == []


def test_departed_user_with_profile_kept_is_marked_deleted(fake_slack: FakeSlack) -> None:
    fake_slack.add_user("ULEAVER2")
    fake_slack.remove_user("ULEAVER2", keep_profile=True)
    assert client(fake_slack).users_info(user="ULEAVER2")["user"]["deleted"] is True


# --- views ----------------------------------------------------------------------------------------
def a_home(text: str = "Hello") -> dict[str, Any]:
    return {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def a_modal(title: str = "Title") -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }


def test_views_publish_records_the_home_per_user_and_refuses_invalid_views(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)

    answer = web.views_publish(user_id="U1", view=a_home("one"))
    web.views_publish(user_id="U2", view=a_home("two"))
    with pytest.raises(SlackApiError) as refused:
        web.views_publish(user_id="U1", view={"type": "home", "blocks": [{"type": "divider"}] * 101})
    with pytest.raises(SlackApiError, match="hash_conflict"):
        web.views_publish(user_id="U1", view=a_home("stale"), hash="not-the-hash")

    assert answer["view"]["id"].startswith("V") and answer["view"]["hash"]
    assert refused.value.response["error"] == "invalid_arguments"
    assert any("101 blocks > 100" in m for m in refused.value.response["response_metadata"]["messages"])
    home = fake_slack.home("U1")
    assert home is not None and home["blocks"][0]["text"]["text"] == "one"
    assert fake_slack.home("U3") is None


def test_views_open_push_update_and_triggers(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    trigger = fake_slack.mint_trigger("U1")

    opened = web.views_open(trigger_id=trigger, view=a_modal("First"))
    with pytest.raises(SlackApiError, match="exchanged_trigger_id"):
        web.views_open(trigger_id=trigger, view=a_modal())
    web.views_push(trigger_id=fake_slack.mint_trigger("U1"), view=a_modal("Second"))
    web.views_update(
        view_id=opened["view"]["id"], view=a_modal("First, updated"), hash=opened["view"]["hash"]
    )
    with pytest.raises(SlackApiError, match="hash_conflict"):
        web.views_update(view_id=opened["view"]["id"], view=a_modal(), hash=opened["view"]["hash"])
    with pytest.raises(SlackApiError, match="not_found"):
        web.views_update(view_id="VNOPE", view=a_modal())
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        web.views_open(trigger_id=fake_slack.mint_trigger("U1"), view=a_modal("t" * 25))
    with pytest.raises(SlackApiError, match="invalid_trigger_id"):
        web.views_open(trigger_id="", view=a_modal())
    web.views_open(trigger_id="1.2.3", view=a_modal("Unminted"))

    assert [m["title"]["text"] for m in fake_slack.modals("U1")] == ["First, updated", "Second"]
    assert [m["title"]["text"] for m in fake_slack.modals("")] == ["Unminted"]
    assert [m["title"]["text"] for m in fake_slack.opened_views()] == ["First", "Second", "Unminted"]


def test_views_push_needs_an_open_modal_and_stops_at_three(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    with pytest.raises(SlackApiError, match="not_found"):
        web.views_push(trigger_id=fake_slack.mint_trigger("U1"), view=a_modal())
    web.views_open(trigger_id=fake_slack.mint_trigger("U1"), view=a_modal())
    for _ in range(2):
        web.views_push(trigger_id=fake_slack.mint_trigger("U1"), view=a_modal())
    with pytest.raises(SlackApiError, match="push_limit_reached"):
        web.views_push(trigger_id=fake_slack.mint_trigger("U1"), view=a_modal())


def test_newsbot_views_are_accepted(fake_slack: FakeSlack) -> None:
    """The real builders pass the stand-in's check end to end (JSON over HTTP, as the app sends)."""
    web = client(fake_slack)
    web.views_publish(user_id="U1", view=home_view(HomeData(None, (("AI", 2),))))
    modal = channel_digest_modal(DigestForm(), topics=(("AI", 2),), timezones=("UTC",))
    web.views_open(trigger_id=fake_slack.mint_trigger("U1"), view=modal)

    assert fake_slack.modals("U1") == [modal]
