"""Fault injection through the real app and the Slack stand-in: manual posts (`/news-admin post`),
shared `/news` answers, read-only look-ups and /healthz. Each fault: the message is in the channel
once (or not at all, and the person who asked is told why). Scheduled posts under the same faults:
tests/test_schedule_runner.py, tests/test_posting_service.py, tests/test_slack_poster.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.listeners.share_action import SHARE_ACTION_ID
from tests.fakeslack import FakeSlack, Fault
from tests.slackbot import NOW, RunningBot, action_body, http, running_bot, wait_for

ADMIN = "UADMIN001"
NEWSROOM = "CNEWS0001"


@pytest.fixture
def bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    fake_slack.add_user(ADMIN, is_admin=True)
    fake_slack.add_channel(NEWSROOM, "newsroom")
    with running_bot(tmp_path, fake_slack) as running:
        yield running


def subscribe(bot: RunningBot) -> None:
    bot.command("/news-admin", "subscribe topics=robotics", user=ADMIN, key="setup")
    [answer] = bot.responses("setup")
    assert answer["text"].startswith("Subscribed"), answer


def digests(bot: RunningBot) -> list[dict[str, Any]]:
    return [m for m in bot.fake.messages(NEWSROOM) if (m.get("metadata") or {}).get("event_type")]


def post(bot: RunningBot, key: str, count: int = 1, timeout: float = 5.0) -> list[str]:
    assert bot.command("/news-admin", "post", user=ADMIN, key=key).status == 200
    answers = bot.responses(key, count=count, timeout=timeout)
    assert all(a["response_type"] == "ephemeral" for a in answers)
    return [str(a["text"]) for a in answers]


# --- /news-admin post ----------------------------------------------------------------------------
def test_manual_post_under_two_429s_and_a_500_appears_once_soon_after_and_the_admin_is_told(
    bot: RunningBot,
) -> None:
    subscribe(bot)
    bot.fake.fail(
        "chat.postMessage", Fault.rate_limited(retry_after=1), Fault.rate_limited(1), Fault.server_error()
    )

    first, final = post(bot, "post", count=2, timeout=8)  # Retry-After 1 s, twice

    assert "retrying" in first and "tell you here" in first
    assert final.startswith("Posted *newsroom*") and "after Slack asked me to wait" in final
    [message] = digests(bot)
    assert "Robot arms learn to fold laundry" in json.dumps(message)
    assert [c.status for c in bot.fake.calls_to("chat.postMessage")] == [429, 429, 500, 200]
    record = bot.services.store.last_posted("", "newsroom")
    assert record is not None and record.ts == message["ts"] and record.attempts == 3


def test_manual_post_500_after_slack_posted_is_found_not_posted_again(bot: RunningBot) -> None:
    subscribe(bot)
    bot.fake.fail("chat.postMessage", Fault.server_error_after())

    [answer] = post(bot, "post")

    assert answer.startswith("Posted *newsroom*")
    assert len(digests(bot)) == 1 and len(bot.fake.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("after", [False, True], ids=["reset-before", "reset-after-posting"])
def test_manual_post_survives_a_connection_reset(bot: RunningBot, after: bool) -> None:
    subscribe(bot)
    bot.fake.fail("chat.postMessage", Fault.reset(after=after))

    [answer] = post(bot, "post")

    assert answer.startswith("Posted *newsroom*")
    assert len(digests(bot)) == 1
    assert len(bot.fake.calls_to("chat.postMessage")) == (1 if after else 2)


def test_manual_post_retries_invalid_blocks_without_images(bot: RunningBot) -> None:
    subscribe(bot)
    bot.fake.fail("chat.postMessage", Fault.error("invalid_blocks"))

    [answer] = post(bot, "post")

    assert answer.startswith("Posted *newsroom*") and len(digests(bot)) == 1


def test_manual_post_to_a_gone_channel_says_so_and_disables_the_digest(bot: RunningBot) -> None:
    subscribe(bot)
    bot.fake.fail("chat.postMessage", Fault.error("channel_not_found"))

    [answer] = post(bot, "post")

    assert "disabled" in answer and "channel_not_found" in answer
    assert digests(bot) == []
    spec = bot.services.store.get_digest("", "newsroom")
    assert spec is not None and not spec.enabled


def test_manual_post_with_a_revoked_token_says_posting_is_paused(bot: RunningBot) -> None:
    subscribe(bot)
    bot.fake.fail("chat.postMessage", Fault.error("token_revoked"))

    [answer] = post(bot, "post")

    assert "paused" in answer and "token_revoked" in answer
    assert digests(bot) == []
    assert http(f"{bot.url}/healthz").json()["state"] == "token_rejected"


def test_manual_post_slack_keeps_refusing_is_given_up_and_the_admin_is_told(bot: RunningBot) -> None:
    """A Retry-After beyond the bound (10 minutes): the admin hears at once that it is not posted,
    and the occurrence is final, so nothing posts it later behind their back."""
    subscribe(bot)
    bot.fake.fail("chat.postMessage", Fault.rate_limited(retry_after=900))

    [answer] = post(bot, "post")

    assert "was *not* posted" in answer and "429" in answer
    assert digests(bot) == []
    [record] = bot.services.store.post_history("", "newsroom")
    assert record.status == "skipped" and "given up" in record.detail


def test_manual_post_waiting_when_newsbot_stops_tells_the_admin(bot: RunningBot) -> None:
    subscribe(bot)
    bot.fake.fail("chat.postMessage", Fault.rate_limited(retry_after=300))
    [first] = post(bot, "post")
    assert "retrying" in first

    bot.services.manual.stop()

    final = bot.responses("post", count=2)[1]["text"]
    assert "was *not* posted" in final and "stopping" in final
    assert digests(bot) == []


# --- read-only look-ups retry ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "text"),
    [
        ("users.info", "subscribe topics=robotics"),
        ("conversations.info", f"subscribe <#{NEWSROOM}|newsroom> topics=robotics"),
        ("conversations.list", "subscribe #newsroom topics=robotics"),
    ],
)
def test_one_429_on_a_read_does_not_fail_the_admin_command(bot: RunningBot, method: str, text: str) -> None:
    bot.fake.fail(method, Fault.rate_limited(retry_after=1))

    bot.command("/news-admin", text, user=ADMIN, key="sub")

    [answer] = bot.responses("sub", timeout=10)
    assert answer["text"].startswith("Subscribed"), answer
    assert [c.status for c in bot.fake.calls_to(method)][:2] == [429, 200]
    assert bot.services.store.get_digest("", "newsroom") is not None


def test_a_500_on_a_read_is_retried_too(bot: RunningBot) -> None:
    bot.fake.fail("conversations.info", Fault.server_error())

    bot.command("/news-admin", f"subscribe <#{NEWSROOM}|newsroom>", user=ADMIN, key="sub")

    [answer] = bot.responses("sub", timeout=10)
    assert answer["text"].startswith("Subscribed"), answer


# --- /healthz -------------------------------------------------------------------------------------
def test_healthz_tells_slack_unreachable_and_since_when(tmp_path: Path) -> None:
    fake = FakeSlack().start()
    with running_bot(tmp_path, fake) as bot:
        assert bot.services.poster.check_auth()
        assert http(f"{bot.url}/healthz").json()["state"] == "ok"
        fake.stop()  # Slack is gone: nothing listens on its port

        assert not bot.services.poster.check_auth()

        reply = http(f"{bot.url}/healthz")
        assert reply.status == 503
        body = reply.json()
        assert body["ok"] is False and body["state"] == "unreachable"
        assert body["since"] == NOW.isoformat() and "Connection refused" in body["reason"]


def test_healthz_tells_a_rejected_token(bot: RunningBot) -> None:
    bot.fake.fail("auth.test", Fault.error("invalid_auth"))

    assert not bot.services.poster.check_auth()

    reply = http(f"{bot.url}/healthz")
    assert reply.status == 503
    body = reply.json()
    assert (body["state"], body["reason"], body["since"]) == (
        "token_rejected",
        "invalid_auth",
        NOW.isoformat(),
    )
    assert wait_for(lambda: bot.services.poster.check_auth())  # the token works again
    assert http(f"{bot.url}/healthz").json()["state"] == "ok"


def test_healthz_tells_a_database_file_problem_and_a_manual_post_says_it_did_not_work(
    bot: RunningBot,
) -> None:
    subscribe(bot)
    assert isinstance(bot.settings.db_path, Path)
    bot.settings.db_path.unlink()

    [answer] = post(bot, "post")

    assert answer.startswith(":warning: That did not work") and digests(bot) == []
    reply = http(f"{bot.url}/healthz")
    assert reply.status == 503
    body = reply.json()
    assert body["state"] == "database" and "deleted" in body["reason"] and body["since"] == NOW.isoformat()


# --- the Share button under a /news answer --------------------------------------------------------
MEMBER = "UMEMBER01"


def click_share(bot: RunningBot, key: str, *faults: Fault, count: int = 2) -> list[dict[str, Any]]:
    """Ask /news, then click Share with ``faults`` queued for the click's response_url; what that
    received (its in_channel answers land in the channel)."""
    bot.command("/news", "robotics", user=MEMBER, key=f"ask-{key}")
    [answer] = bot.responses(f"ask-{key}")
    bot.fake.fail("response_url", *faults)
    value = next(e["value"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    url = bot.fake.response_url(key, channel=NEWSROOM)
    assert bot.send(action_body(SHARE_ACTION_ID, value, user=MEMBER, response_url=url)).status == 200
    return bot.responses(key, count=count, timeout=10)


def shared(bot: RunningBot) -> list[dict[str, Any]]:
    return [m for m in bot.fake.messages(NEWSROOM) if "Shared by" in json.dumps(m)]


def test_share_waits_out_a_429_and_appears_once(bot: RunningBot) -> None:
    answer, removed = click_share(bot, "click", Fault.rate_limited(retry_after=1))

    assert answer["response_type"] == "in_channel" and removed["delete_original"] is True
    assert len(shared(bot)) == 1
    assert [c.status for c in bot.fake.calls_to("response_url")][-3:] == [429, 200, 200]


@pytest.mark.parametrize(
    "fault",
    [Fault.server_error_after(), Fault.reset(after=True)],
    ids=["500-after-posting", "reset-after-posting"],
)
def test_share_after_an_unconfirmed_post_is_found_in_history_not_sent_again(
    bot: RunningBot, fault: Fault
) -> None:
    answer, removed = click_share(bot, "click", fault)

    assert answer["response_type"] == "in_channel" and removed["delete_original"] is True
    assert len(shared(bot)) == 1
    assert bot.fake.calls_to("conversations.history")


@pytest.mark.parametrize(
    "fault", [Fault.server_error(), Fault.reset()], ids=["500-before-posting", "reset-before-posting"]
)
def test_share_after_a_failure_that_posted_nothing_is_sent_again_once(bot: RunningBot, fault: Fault) -> None:
    click_share(bot, "click", fault)

    assert len(shared(bot)) == 1


def test_share_that_slack_may_have_taken_in_a_channel_it_cannot_read_tells_the_person(
    bot: RunningBot,
) -> None:
    bot.fake.fail("conversations.history", Fault.error("not_in_channel"))

    [told] = click_share(bot, "click", Fault.server_error(), count=1)

    assert told["response_type"] == "ephemeral" and "look there before sharing again" in told["text"]
    assert shared(bot) == []  # not sent again blindly


def test_share_slack_keeps_refusing_tells_the_person(bot: RunningBot) -> None:
    [told] = click_share(bot, "click", Fault.rate_limited(retry_after=120), count=1)

    assert "did not take the shared message" in told["text"] and "429" in told["text"]
    assert shared(bot) == []
