"""Digest filters through the real app over HTTP: subscribe with exclude=; list, preview and post agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeslack import FakeSlack
from tests.slackbot import RunningBot, running_bot

ADMIN = "UADMIN001"
NEWSROOM = "CNEWS0001"


@pytest.fixture
def bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    fake_slack.add_user(ADMIN, is_admin=True)
    fake_slack.add_channel(NEWSROOM, "newsroom")
    with running_bot(tmp_path, fake_slack) as running:
        yield running


def _reply(bot: RunningBot, text: str, key: str) -> dict[str, object]:
    assert bot.command("/news-admin", text, user=ADMIN, key=key).status == 200
    [answer] = bot.responses(key)
    return answer


def test_excluded_keyword_keeps_stories_out_of_list_preview_and_post(bot: RunningBot) -> None:
    subscribed = _reply(
        bot, 'subscribe topics=robotics exclude="laundry" exclude_outlets=outlet9.example.com', "s"
    )
    assert str(subscribed["text"]).startswith("Subscribed")
    spec = bot.services.store.get_digest("", "newsroom")
    assert spec is not None and spec.exclude == ("laundry",)
    listing = str(_reply(bot, "list", "list")["text"])
    assert "without laundry" in listing and "not from outlet9.example.com" in listing
    preview = json.dumps(_reply(bot, "preview", "p"), ensure_ascii=False)
    assert "Warehouse robots get a sense of touch" in preview
    assert "Robot arms learn to fold laundry" not in preview
    assert str(_reply(bot, "post", "post")["text"]).startswith("Posted *newsroom*")
    [message] = bot.fake.messages(NEWSROOM)
    posted = json.dumps(message, ensure_ascii=False)
    assert "Warehouse robots get a sense of touch" in posted
    assert "laundry" not in posted.casefold()


def test_subscribe_to_a_topic_no_article_has_yet_saves_it_with_a_warning(bot: RunningBot) -> None:
    answer = str(_reply(bot, "subscribe topics=gardening,robotics", "s")["text"])
    assert answer.startswith("Subscribed")
    assert "No loaded article has the topic 'gardening' yet" in answer
    spec = bot.services.store.get_digest("", "newsroom")
    assert spec is not None and spec.topics == ("gardening", "AI in Robotics")
    misspelt = str(_reply(bot, "subscribe topics=robtcs", "t")["text"])
    assert misspelt.startswith(":warning:") and "Did you mean: AI in Robotics?" in misspelt
    assert bot.services.store.get_digest("", "newsroom") == spec
