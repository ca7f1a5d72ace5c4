"""Odd inputs a real user sends, over HTTP against the real app and the Slack stand-in."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.compose.block_checks import check_payload
from bot.listeners.share_action import SHARE_ACTION_ID
from tests.fakeslack import FakeSlack
from tests.slackbot import RunningBot, action_body, running_bot, signed_headers, wait_for

ADMIN = "UADMIN001"
MEMBER = "UMEMBER01"
NEWSROOM = "CNEWS0001"


@pytest.fixture
def bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    fake_slack.add_user(ADMIN, is_admin=True)
    fake_slack.add_user(MEMBER)
    fake_slack.add_channel(NEWSROOM, "newsroom")
    with running_bot(tmp_path, fake_slack) as running:
        yield running


def admin(bot: RunningBot, text: str, key: str, count: int = 1) -> list[dict[str, Any]]:
    assert bot.command("/news-admin", text, user=ADMIN, key=key).status == 200
    answers = bot.responses(key, count)
    assert len(answers) == count
    return answers


def message(payload: dict[str, Any]) -> dict[str, Any]:
    """A response_url body as the chat.postMessage payload check_payload judges."""
    return {k: v for k, v in payload.items() if k not in ("response_type", "replace_original")}


def share_button(answer: dict[str, Any]) -> str:
    return str(next(e["value"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]))


def test_a_shared_answer_passes_check_payload_and_pings_nobody(bot: RunningBot) -> None:
    bot.command("/news", "robotics", user=MEMBER, key="ask")
    [answer] = bot.responses("ask")
    click = action_body(
        SHARE_ACTION_ID, share_button(answer), user=MEMBER, response_url=bot.fake.response_url("c")
    )
    assert bot.send(click).status == 200
    shared, _ = bot.responses("c", count=2)
    assert shared["response_type"] == "in_channel"
    assert check_payload(message(shared)) == []
    assert "<@" not in json.dumps(shared)
    assert shared["blocks"][-1]["elements"][0]["text"] == f"Shared by @{MEMBER.lower()} with /news"


def test_sharing_an_answer_whose_stories_are_gone_posts_nothing_in_channel(bot: RunningBot) -> None:
    bot.command("/news", "robotics", user=MEMBER, key="ask")
    [answer] = bot.responses("ask")
    for path in (bot.settings.articles[0]).glob("*.md"):
        if "Robot" in path.read_text(encoding="utf-8"):
            path.unlink()
    bot.services.reload()  # the robotics articles left the folder since the answer
    click = action_body(
        SHARE_ACTION_ID, share_button(answer), user=MEMBER, response_url=bot.fake.response_url("c")
    )
    assert bot.send(click).status == 200
    [reply] = bot.responses("c")
    assert reply["response_type"] == "ephemeral"
    assert "no longer available" in reply["text"] and "/news again" in reply["text"]
    assert not [r for r in bot.fake.responses("c") if r.get("response_type") == "in_channel"]


def test_list_shows_who_created_a_digest_as_a_mention_not_as_escaped_text(bot: RunningBot) -> None:
    admin(bot, "subscribe topics=robotics", "setup")
    [listing] = admin(bot, "list", "list")
    assert f"_slack, by <@{ADMIN}>_" in listing["text"]
    assert "&lt;@" not in listing["text"]


def test_preview_of_more_digests_than_one_response_url_takes_names_the_rest(bot: RunningBot) -> None:
    for n in range(6):
        admin(bot, f"subscribe name=d{n} topics=AI", f"setup{n}")
    answers = admin(bot, "preview", "preview", count=5)
    assert [a["text"].split(":")[0] for a in answers[:4]] == ["d0", "d1", "d2", "d3"]
    note = answers[4]["text"]
    assert note.startswith("…and 2 more: *d4*, *d5*.") and "/news-admin preview name=NAME" in note
    assert all(check_payload(message(a)) == [] for a in answers[:4])


def test_post_with_nothing_in_the_window_does_not_claim_the_channel_saw_it(bot: RunningBot) -> None:
    admin(bot, "subscribe name=quiet topics=finance min_quality=1000", "setup")
    [answer] = admin(bot, "post name=quiet", "post")
    assert answer["text"] == (
        f"Nothing new to post for *quiet*: no matching story that <#{NEWSROOM}> has not seen yet."
    )
    assert bot.fake.messages(NEWSROOM) == []


def test_a_long_unknown_command_is_quoted_short(bot: RunningBot) -> None:
    [answer] = admin(bot, "x" * 4000, "long")
    assert answer["text"].startswith(":warning: Unknown command 'xxxxx")
    assert len(answer["text"]) < 300


def test_a_digest_name_longer_than_80_characters_is_refused(bot: RunningBot) -> None:
    [answer] = admin(bot, f"subscribe name={'n' * 81} topics=AI", "long")
    assert answer["text"].startswith(":warning: name: at most 80 characters (got 81), e.g. name=morning-ai.")
    assert bot.services.store.list_digests() == []


def test_subscribe_in_a_direct_message_asks_for_a_channel(bot: RunningBot) -> None:
    body_key = "dm"
    assert (
        bot.command(
            "/news-admin", "subscribe topics=AI", user=ADMIN, key=body_key, channel="DABC12345"
        ).status
        == 200
    )
    [answer] = bot.responses(body_key)
    assert answer["text"] == (
        ":warning: Digests post to channels, not to direct messages: name the channel, e.g. "
        "`/news-admin subscribe #ai-news topics=robotics`."
    )
    assert bot.services.store.list_digests() == []


def test_a_digest_name_typed_without_name_equals_gets_the_right_form(bot: RunningBot) -> None:
    admin(bot, "subscribe name=morning topics=AI", "setup")
    [answer] = admin(bot, "post morning", "post")
    assert "a digest as name=morning" in answer["text"]
    assert bot.fake.messages(NEWSROOM) == []


@pytest.mark.parametrize(("typed", "hint"), [("lsit", "Did you mean list?"), ("frobnicate", "Commands:")])
def test_a_member_who_mistypes_a_command_is_corrected_not_refused(
    bot: RunningBot, typed: str, hint: str
) -> None:
    reply = bot.command("/news-admin", typed, user=MEMBER, key="typo")
    assert reply.status == 200 and reply.body == ""  # not refused in the acknowledgement
    [answer] = bot.responses("typo")
    assert answer["text"].startswith(f":warning: Unknown command '{typed}'.") and hint in answer["text"]
    assert bot.fake.calls_to("users.info") == []


def test_a_member_is_still_refused_a_malformed_admin_command(bot: RunningBot) -> None:
    reply = bot.command("/news-admin", "subscribe time=99:99", user=MEMBER, key="bad")
    assert "only workspace admins and owners" in reply.json()["text"]
    assert bot.services.store.list_digests() == []


def test_news_ignores_emoji_codes_slack_puts_in_the_text(bot: RunningBot) -> None:
    bot.command("/news", ":robot_face: robotics :tada:", user=MEMBER, key="emoji")
    [answer] = bot.responses("emoji")
    assert "Robot arms learn to fold laundry" in json.dumps(answer)
    assert json.loads(share_button(answer))["q"] == "robotics"
    bot.command("/news", ":tada:", user=MEMBER, key="only")  # nothing else: looked up as typed
    [alone] = bot.responses("only")
    assert alone["text"].startswith("No topic or story matches “:tada:”")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=not-json", "application/x-www-form-urlencoded"),
        (b"payload=%7B%22type%22%3A1", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
    ],
)
@pytest.mark.parametrize("signed", [True, False])
def test_a_malformed_body_is_a_400_not_a_server_error(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str, signed: bool
) -> None:
    headers = (
        {**signed_headers(body), "Content-Type": content_type} if signed else {"Content-Type": content_type}
    )
    reply = bot.send(body, headers)
    assert reply.status == 400
    assert reply.json() == {"error": "malformed request"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    bot.command("/news", "robotics", user=MEMBER, key="after")  # still serving
    assert bot.responses("after")


def test_an_update_shows_days_and_topics_as_typed(bot: RunningBot) -> None:
    admin(bot, "subscribe topics=all", "setup")  # bare `subscribe` opens the form
    [answer] = admin(bot, "subscribe topics=robotics days=weekdays min_quality=50", "update")
    assert answer["text"].startswith(
        "Updated *newsroom* (topics: `all topics` → `AI in Robotics`; days: `daily` → `weekdays`; "
        "min_quality: `0` → `50`)."
    )


def test_skipped_article_files_are_logged_once_and_an_empty_load_is_flagged(
    tmp_path: Path, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "only-bad"
    folder.mkdir()
    (folder / "notes.md").write_text("just notes\n", encoding="utf-8")
    with (
        caplog.at_level(logging.WARNING, logger="bot.services.catalog"),
        running_bot(tmp_path, fake_slack, article_folder=folder) as running,
    ):
        running.services.reload()  # unchanged: nothing new to say
        warnings = [r.getMessage() for r in caplog.records if r.name == "bot.services.catalog"]
        assert (
            warnings.count(
                f"article file skipped: {folder / 'notes.md'}: no front matter (the first line is not ---)"
            )
            == 1
        )
        assert any(w.startswith(f"no usable articles in {folder} (1 files)") for w in warnings)
        running.command("/news", "", user=MEMBER, key="help")
        assert "No articles are loaded yet." in running.responses("help")[0]["text"]


def test_a_double_click_on_share_posts_the_answer_once(bot: RunningBot) -> None:
    bot.command("/news", "robotics", user=MEMBER, key="ask")
    [answer] = bot.responses("ask")
    value = share_button(answer)
    bodies = [
        action_body(SHARE_ACTION_ID, value, user=MEMBER, response_url=bot.fake.response_url(f"c{n}"))
        for n in range(3)
    ]
    both = [threading.Thread(target=bot.send, args=(body,)) for body in bodies[:2]]
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    assert bot.send(bodies[2]).status == 200  # and once more, later

    def shared() -> list[dict[str, Any]]:
        return [
            r for n in range(3) for r in bot.fake.responses(f"c{n}") if r.get("response_type") == "in_channel"
        ]

    wait_for(lambda: len(shared()) > 1, timeout=1.0)  # a second post would arrive well within this
    assert len(shared()) == 1
