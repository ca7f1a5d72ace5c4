"""Scenario tests: the real app over HTTP with signed requests, against the Slack Web API stand-in."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.compose.block_checks import check_payload
from bot.listeners.share_action import SHARE_ACTION_ID
from tests.fakeslack import FakeSlack, Fault
from tests.slackbot import (
    NOW,
    MovableClock,
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
    assert [b for b in shared["blocks"] if not b.get("block_id", "").startswith("shared-by")] == story_blocks
    assert (
        check_payload({k: v for k, v in shared.items() if k not in ("response_type", "replace_original")})
        == []
    )
    # Says who shared it in plain text: a mention would notify the person sharing.
    assert shared["blocks"][-1]["elements"] == [
        {"type": "plain_text", "text": f"Shared by @{MEMBER.lower()} with /news", "emoji": False}
    ]
    assert "<@" not in texts(shared)
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
    assert reply.json() == {
        "ok": True,
        "state": "ok",
        "since": None,
        "reason": None,
        "posting": "ok",
        "articles": 5,
        "last_reload": NOW.isoformat(),
        "process": "test",
    }


def test_healthz_is_503_while_posting_is_paused(bot: RunningBot) -> None:
    bot.services.health.pause("token_revoked")
    reply = http(f"{bot.url}/healthz")
    assert reply.status == 503
    assert reply.json()["posting"] == "paused: token_revoked"
    assert reply.json()["ok"] is False


def test_unknown_paths_and_methods(bot: RunningBot) -> None:
    assert http(f"{bot.url}/nope").status == 404
    assert http(f"{bot.url}/slack/events").status == 405


# --- /news-admin ---------------------------------------------------------------------------------
NEWSROOM = "CNEWS0001"  # where the commands are run (the bot is a member)
GENERAL = "CGENERAL1"  # public, the bot is not in it yet
SECRET = "GSECRET01"  # private, the bot is not in it
ARCHIVED = "CARCHIVE1"


@pytest.fixture
def admin_bot(bot: RunningBot) -> RunningBot:
    bot.fake.add_channel(NEWSROOM, "newsroom")
    bot.fake.add_channel(GENERAL, "general", is_member=False)
    bot.fake.add_channel(SECRET, "secret", is_private=True, is_member=False)
    bot.fake.add_channel(ARCHIVED, "old-news", is_archived=True)
    return bot


def admin_reply(bot: RunningBot, text: str, *, user: str = WORKSPACE_ADMIN, key: str = "admin") -> str:
    reply = bot.command("/news-admin", text, user=user, key=key)
    assert reply.status == 200
    [answer] = bot.responses(key)
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


def test_admin_subscribe_saves_the_digest_with_resolved_topics(admin_bot: RunningBot) -> None:
    text = admin_reply(
        admin_bot,
        "subscribe topics=“robotics, computer vision” time=08:30 timezone=europe/berlin "
        "days=weekdays max_items=3",
    )
    assert text.startswith("Subscribed")
    spec = admin_bot.services.store.get_digest("", "newsroom")
    assert spec is not None
    assert spec.channel == NEWSROOM
    assert spec.topics == ("AI in Robotics", "Computer Vision")
    assert (spec.time.hour, spec.time.minute, spec.timezone, spec.max_items) == (8, 30, "Europe/Berlin", 3)
    assert spec.days == frozenset(range(5))
    assert spec.source == "slack" and spec.created_by == WORKSPACE_ADMIN
    [entry] = admin_bot.services.store.audit_log("")
    assert (entry.actor, entry.action, entry.digest) == (WORKSPACE_ADMIN, "create", "newsroom")


def test_admin_subscribe_of_a_public_channel_joins_it(admin_bot: RunningBot) -> None:
    text = admin_reply(admin_bot, f"subscribe <#{GENERAL}|general> topics=nlp", user=LISTED_ADMIN)
    assert "I joined" in text
    assert [c.params["channel"] for c in admin_bot.fake.calls_to("conversations.join")] == [GENERAL]
    spec = admin_bot.services.store.get_digest("", "general")
    assert spec is not None and spec.channel == GENERAL and spec.topics == ("Natural Language Processing",)
    # NEWSBOT_ADMINS needs no users.info look-up.
    assert admin_bot.fake.calls_to("users.info") == []


def test_non_admin_is_refused_politely_and_nothing_changes(admin_bot: RunningBot) -> None:
    for n, text in enumerate(["subscribe topics=robotics", "unsubscribe", "post", "subscribe time=99:99"]):
        reply = admin_bot.command("/news-admin", text, user=MEMBER, key=f"refused{n}")
        assert reply.status == 200
        answer = reply.json()
        assert answer["response_type"] == "ephemeral"
        assert "only workspace admins and owners" in answer["text"]
    assert admin_bot.services.store.list_digests() == []
    assert admin_bot.services.store.audit_log("") == []
    assert admin_bot.fake.calls_to("conversations.join") == []
    assert admin_bot.fake.calls_to("chat.postMessage") == []
    # users.info is asked once, then cached.
    assert len(admin_bot.fake.calls_to("users.info")) == 1


def test_list_preview_and_help_are_open_to_everyone(admin_bot: RunningBot) -> None:
    admin_reply(admin_bot, "subscribe topics=robotics", key="setup")
    listing = admin_reply(admin_bot, "list", user=MEMBER, key="list")
    assert "*newsroom*" in listing and f"<#{NEWSROOM}>" in listing and "slack, by" in listing
    assert "subscribe" in admin_reply(admin_bot, "help", user=MEMBER, key="help")
    assert "subscribe" in admin_reply(admin_bot, "", user=MEMBER, key="bare")
    admin_bot.command("/news-admin", "preview", user=MEMBER, key="preview")
    [preview] = admin_bot.responses("preview")
    assert preview["response_type"] == "ephemeral"
    assert "Robot arms learn to fold laundry" in texts(preview)
    assert admin_bot.fake.calls_to("chat.postMessage") == []


def test_admin_post_posts_once_then_has_nothing_new(admin_bot: RunningBot) -> None:
    admin_reply(admin_bot, "subscribe topics=robotics", key="setup")
    assert admin_reply(admin_bot, "post", key="post1").startswith("Posted *newsroom*")
    assert isinstance(admin_bot.clock, MovableClock)
    admin_bot.clock.now = NOW + timedelta(minutes=10)
    assert "Nothing new" in admin_reply(admin_bot, "post", key="post2")
    [message] = admin_bot.fake.messages(NEWSROOM)
    assert "Robot arms learn to fold laundry" in texts(message)


def test_admin_unsubscribe_deletes_and_audits(admin_bot: RunningBot) -> None:
    admin_reply(admin_bot, "subscribe topics=robotics", key="setup")
    assert admin_reply(admin_bot, "unsubscribe", key="unsub").startswith("Unsubscribed")
    assert admin_bot.services.store.get_digest("", "newsroom") is None
    assert [e.action for e in admin_bot.services.store.audit_log("")] == ["delete", "create"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("subscribe colour=red", "Unknown option 'colour'"),
        ("subscribe time=25:00", "time=07:30"),
        ("subscribe timezone=Mars/Olympus", "timezone"),
        ("subscribe topics=robtcs", "Did you mean: AI in Robotics?"),
        ("subscribe days=someday", "days"),
        ("subscribe max_items=0", "max_items"),
        ('subscribe topics="robotics', "quote is not closed"),
        ("subscrbe topics=robotics", "Did you mean subscribe?"),
        (f"subscribe <#{SECRET}|secret>", "/invite @newsbot"),
        (f"subscribe <#{ARCHIVED}|old-news>", "archived"),
        ("subscribe #no-such-channel", "cannot see"),
        ("unsubscribe", "No digest posts to this channel"),
        ("post name=ghost", "no digest named 'ghost'"),
        ("list everything", "list takes no arguments"),
    ],
)
def test_every_admin_error_is_an_ephemeral_message_and_saves_nothing(
    admin_bot: RunningBot, text: str, expected: str
) -> None:
    answer = admin_reply(admin_bot, text)
    assert answer.startswith(":warning:")
    assert expected in answer
    assert admin_bot.services.store.list_digests() == []
    assert admin_bot.services.store.audit_log("") == []
    assert admin_bot.fake.calls_to("chat.postMessage") == []


@pytest.mark.parametrize(
    ("text", "echoed"),
    [
        ("subscribe time=<!channel>", "&lt;!channel&gt;"),
        ("<!here> now", "&lt;!here&gt;"),
        ("post name=<!everyone>", "&lt;!everyone&gt;"),
        ("subscribe <@UMEMBER01|member>", "&lt;@UMEMBER01|member&gt;"),
        ("subscribe topics=<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
        ("unsubscribe name=&lt;b&gt;", "&lt;b&gt;"),
    ],
)
def test_admin_errors_echo_what_was_typed_as_text_never_as_a_mention_or_link(
    admin_bot: RunningBot, text: str, echoed: str
) -> None:
    answer = admin_reply(admin_bot, text)
    assert answer.startswith(":warning:")
    assert echoed in answer
    assert "<!" not in answer and "<@" not in answer and "<http" not in answer and "<b>" not in answer


def test_admin_errors_keep_channel_links(admin_bot: RunningBot) -> None:
    answer = admin_reply(admin_bot, f"subscribe <#{ARCHIVED}|old-news>")
    assert f"<#{ARCHIVED}> is archived" in answer


# --- the whole path: Slack command → store → scheduler → Slack ----------------------------------
def test_a_digest_subscribed_in_slack_posts_once_despite_a_500_after_posting_and_a_restart(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(WORKSPACE_ADMIN, is_admin=True)
    fake_slack.add_channel(NEWSROOM, "newsroom")
    due = NOW + timedelta(minutes=5)
    with running_bot(tmp_path, fake_slack) as first:
        answer = admin_reply(first, "subscribe topics=robotics time=09:05 timezone=UTC")
        assert answer.startswith("Subscribed")
        assert first.services.scheduler.tick(due - timedelta(minutes=1)) == []  # not due yet
        fake_slack.fail("chat.postMessage", Fault.server_error_after())  # Slack posts, then answers 500
        for minutes in (1, 2, 5):
            first.services.scheduler.tick(due + timedelta(minutes=minutes))
        assert len(fake_slack.messages(NEWSROOM)) == 1
        assert fake_slack.calls_to("chat.postMessage")[0].fault == "server_error_after"
        assert fake_slack.calls_to("conversations.history")  # looked before posting again
    with running_bot(tmp_path, fake_slack) as restarted:  # same database file
        assert restarted.services.scheduler.tick(due + timedelta(minutes=10)) == []
        record = restarted.services.store.get_post("", "newsroom", due)
        assert record is not None and record.status == "posted"
    [message] = fake_slack.messages(NEWSROOM)
    assert "Robot arms learn to fold laundry" in texts(message)
    assert record.ts == message["ts"]


def test_after_a_manual_post_the_scheduled_digest_is_skipped_when_empty_then_carries_only_newer(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(WORKSPACE_ADMIN, is_admin=True)
    fake_slack.add_channel(NEWSROOM, "newsroom")
    with running_bot(tmp_path, fake_slack) as bot:
        admin_reply(bot, "subscribe topics=robotics time=09:30 timezone=UTC", key="setup")
        assert admin_reply(bot, "post", key="post").startswith("Posted *newsroom*")  # at 09:00

        [skipped] = bot.services.scheduler.tick(NOW + timedelta(minutes=31))
        assert skipped.status == "empty"
        assert len(fake_slack.messages(NEWSROOM)) == 1
        record = bot.services.store.get_post("", "newsroom", NOW + timedelta(minutes=30))
        assert record is not None and record.status == "skipped"

        newer = (NOW + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        (tmp_path / "articles" / "article-new.md").write_text(
            '---\ntitle: "Robot hands learn to knit"\n'
            f'publishedDateTime: {newer}\nwebUrl: "https://outlet9.example.com/knit"\n'
            "provider:\n  name: Outlet 9\n  domain: outlet9.example.com\ntopics:\n  - AI in Robotics\n---\n",
            encoding="utf-8",
        )
        bot.services.reload()
        [posted] = bot.services.scheduler.tick(NOW + timedelta(days=1, minutes=31))
        assert posted.status == "posted"
    first, second = fake_slack.messages(NEWSROOM)
    assert "Robot arms learn to fold laundry" in texts(first)
    assert "Robot hands learn to knit" in texts(second)
    assert "Robot arms learn to fold laundry" not in texts(second)
    assert "Warehouse robots" not in texts(second)


# --- the error handler ---------------------------------------------------------------------------
def test_an_unexpected_error_is_logged_and_answered_politely(bot: RunningBot) -> None:
    def broken(ack: Any, command: dict[str, Any]) -> None:
        ack()
        raise RuntimeError("a bug")

    bot.app.command("/broken")(broken)
    assert bot.command("/broken", "", user=MEMBER, key="boom").status == 200
    [answer] = bot.responses("boom")
    assert answer["response_type"] == "ephemeral"
    assert "something went wrong" in answer["text"]


def test_news_text_arrives_escaped_and_is_read_unescaped(bot: RunningBot) -> None:
    bot.command("/news", "fold laundry &amp; more", user=MEMBER, key="amp")
    [answer] = bot.responses("amp")
    assert "Robot arms learn to fold laundry" in texts(answer)
    assert "fold laundry &amp; more" in texts(answer)  # shown once escaped, not "&amp;amp;"
    assert "&amp;amp;" not in texts(answer)
