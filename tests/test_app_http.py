"""Scenario tests: the real app over HTTP with signed requests, against the Slack Web API stand-in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.compose.limits import check_payload
from bot.listeners.share_action import SHARE_ACTION_ID
from tests.fakeslack import FakeSlack
from tests.slackbot import (
    NOW,
    RunningBot,
    action_body,
    command_body,
    http,
    running_bot,
    signed_headers,
)

LISTED_ADMIN = "ULISTED01"
WORKSPACE_ADMIN = "UADMIN001"
MEMBER = "UMEMBER01"


@pytest.fixture
def bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    fake_slack.add_user(WORKSPACE_ADMIN, is_admin=True)
    fake_slack.add_user(MEMBER)
    fake_slack.add_user(LISTED_ADMIN)
    with running_bot(tmp_path, fake_slack, admins=LISTED_ADMIN) as running:
        yield running


def texts(payload: dict[str, object]) -> str:
    return json.dumps(payload, ensure_ascii=False)


# --- signatures ----------------------------------------------------------------------------------
def test_signed_news_command_is_acked_empty_and_answered_at_the_response_url(bot: RunningBot) -> None:
    reply = bot.command("/news", "robotics", user=MEMBER, key="q1")
    assert reply.status == 200
    assert reply.body == ""  # the ack carries nothing; the answer follows
    [answer] = bot.responses("q1")
    assert answer["response_type"] == "ephemeral"
    assert "Robot arms learn to fold laundry" in texts(answer)
    assert "AI in Robotics" in texts(answer)
    assert "Cameras that read sign language" not in texts(answer)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: signed_headers(body, secret="not-the-secret"), id="bad-signature"),
        pytest.param(lambda body: {"Content-Type": "application/x-www-form-urlencoded"}, id="missing"),
        pytest.param(lambda body: signed_headers(body, timestamp=int(time.time()) - 6 * 60), id="stale"),
        pytest.param(
            lambda body: {**signed_headers(body), "X-Slack-Signature": "v0=" + "0" * 64}, id="forged-hash"
        ),
    ],
)
def test_unverified_requests_are_rejected_with_401_and_do_nothing(bot: RunningBot, headers: object) -> None:
    body = command_body("/news", "robotics", user=MEMBER, response_url=bot.fake.response_url("forged"))
    reply = bot.send(body, headers(body))  # type: ignore[operator]
    assert reply.status == 401
    time.sleep(0.2)
    assert bot.fake.responses("forged") == []


def test_a_body_changed_after_signing_is_rejected(bot: RunningBot) -> None:
    body = command_body("/news", "robotics", user=MEMBER, response_url=bot.fake.response_url("x"))
    headers = signed_headers(body)
    assert bot.send(body.replace(b"robotics", b"finance"), headers).status == 401


# --- /news ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "help", "  HELP "])
def test_news_help_explains_usage_and_lists_top_topics(bot: RunningBot, text: str) -> None:
    assert bot.command("/news", text, user=MEMBER, key="help").status == 200
    [answer] = bot.responses("help")
    assert answer["response_type"] == "ephemeral"
    assert "/news TOPIC" in answer["text"]
    top = answer["text"].split("Top topics:")[1]
    # AI is on every article, then AI in Robotics (2): most stories first.
    assert top.index("AI (5)") < top.index("AI in Robotics (2)") < top.index("Computer Vision (1)")


def test_news_answer_is_a_valid_payload_with_a_share_button(bot: RunningBot) -> None:
    bot.command("/news", "computer vision", user=MEMBER, key="cv")
    [answer] = bot.responses("cv")
    payload = {k: v for k, v in answer.items() if k != "response_type"}
    assert check_payload(payload) == []
    buttons = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [SHARE_ACTION_ID]
    value = json.loads(buttons[0]["value"])
    assert value == {"q": "computer vision", "t": NOW.isoformat()}
    # Article text is escaped: the excerpt's "<b>" cannot become markup.
    assert "<b>" not in texts(answer)


def test_news_without_a_match_suggests_topics_and_offers_no_share(bot: RunningBot) -> None:
    bot.command("/news", "zzqx", user=MEMBER, key="none")
    [answer] = bot.responses("none")
    assert not [b for b in answer["blocks"] if b["type"] == "actions"]


def test_share_button_posts_the_same_answer_in_channel_and_removes_the_ephemeral(bot: RunningBot) -> None:
    bot.command("/news", "robotics", user=MEMBER, key="ask")
    [ephemeral] = bot.responses("ask")
    value = next(e["value"] for b in ephemeral["blocks"] if b["type"] == "actions" for e in b["elements"])
    body = action_body(SHARE_ACTION_ID, value, user=MEMBER, response_url=bot.fake.response_url("click"))
    assert bot.send(body).status == 200
    shared, removed = bot.responses("click", count=2)
    assert shared["response_type"] == "in_channel"
    assert shared["replace_original"] is False
    story_blocks = [b for b in ephemeral["blocks"] if b["type"] != "actions"]
    assert [b for b in shared["blocks"] if b.get("block_id") != "shared-by"] == story_blocks
    assert f"<@{MEMBER}>" in texts(shared)
    assert not [b for b in shared["blocks"] if b["type"] == "actions"]
    assert removed["delete_original"] is True
    assert "blocks" not in removed


def test_share_button_with_a_broken_value_answers_politely(bot: RunningBot) -> None:
    body = action_body(SHARE_ACTION_ID, "not json", user=MEMBER, response_url=bot.fake.response_url("bad"))
    assert bot.send(body).status == 200
    [answer] = bot.responses("bad")
    assert answer["response_type"] == "ephemeral"
    assert "/news again" in answer["text"]


# --- health --------------------------------------------------------------------------------------
def test_healthz_reports_posting_and_articles(bot: RunningBot) -> None:
    reply = http(f"{bot.url}/healthz")
    assert reply.status == 200
    assert reply.json() == {"ok": True, "posting": "ok", "articles": 5, "last_reload": NOW.isoformat()}


def test_healthz_is_503_while_posting_is_paused(bot: RunningBot) -> None:
    bot.services.health.pause("token_revoked")
    reply = http(f"{bot.url}/healthz")
    assert reply.status == 503
    assert reply.json()["posting"] == "paused: token_revoked"
    assert reply.json()["ok"] is False


def test_unknown_paths_and_methods(bot: RunningBot) -> None:
    assert http(f"{bot.url}/nope").status == 404
    assert http(f"{bot.url}/slack/events").status == 405
