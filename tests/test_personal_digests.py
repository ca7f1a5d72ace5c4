"""Scenario tests of personal DM digests: `/news follow | unfollow | following`, the Home tab's
"Your digest", and the scheduled DM (once, at the user's time, through restarts, 429s and 500s;
disabled when the user leaves). The real app over HTTP against the Slack stand-in."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digests.spec import DigestSpec
from bot.services.personal import personal_name
from bot.views import ids
from tests.fakeslack import FakeSlack, Fault
from tests.home_payloads import action_ids, click, home_opened, submit
from tests.slackbot import NOW, RunningBot, running_bot, wait_for

ALICE = "UALICE001"  # New York: 07:30 there on 2026-11-27 is 12:30 UTC
BOB = "UBOB00001"
ALICE_DM = "DALICE001"
DUE = datetime(2026, 11, 27, 12, 30, tzinfo=UTC)


@pytest.fixture
def bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    fake_slack.add_user(ALICE, tz="America/New_York")
    fake_slack.add_user(BOB, tz="Asia/Tokyo")
    with running_bot(tmp_path, fake_slack) as running:
        yield running


def news(bot: RunningBot, text: str, user: str = ALICE) -> str:
    key = f"{user}-{len(bot.fake.calls)}"
    assert bot.command("/news", text, user=user, key=key).status == 200
    [answer] = bot.responses(key)
    assert answer["response_type"] == "ephemeral"
    return str(answer["text"])


def dm_texts(fake: FakeSlack, user: str = ALICE) -> list[str]:
    return [json.dumps(m, ensure_ascii=False) for m in fake.dm_messages(user)]


# --- the commands -------------------------------------------------------------------------------
def test_follow_creates_a_dm_digest_at_eight_in_the_users_zone(bot: RunningBot) -> None:
    answer = news(bot, "follow robotics, computer vision")
    assert "You follow *AI in Robotics*, *Computer Vision*" in answer
    assert "08:00 your time (America/New_York), daily" in answer
    spec = bot.services.store.get_digest("", personal_name(ALICE))
    assert spec is not None
    assert (spec.recipient, spec.channel, spec.timezone) == (ALICE, ALICE_DM, "America/New_York")
    assert bot.fake.calls_to("conversations.open")[0].params["users"] == ALICE
    [entry] = bot.services.store.audit_log("")
    assert (entry.actor, entry.action) == (ALICE, "create")
    # personal digests are their owners' business: /news-admin does not list them
    assert bot.command("/news-admin", "list", user=BOB, key="list").status == 200
    [listing] = bot.responses("list")
    assert listing["text"].startswith("No digests yet")


def test_follow_options_unfollow_and_following(bot: RunningBot) -> None:
    news(bot, "follow robotics time=07:30 days=weekdays max_items=3")
    answer = news(bot, "follow nlp")
    assert "*AI in Robotics*, *Natural Language Processing*" in answer
    assert "up to 3 stories" in answer and "07:30 your time" in answer and "weekdays" in answer
    assert "AI in Robotics" in news(bot, "following")
    assert "You follow *Natural Language Processing*" in news(bot, "unfollow robotics")
    assert "do not follow" in news(bot, "unfollow finance")
    assert "you follow nothing now" in news(bot, "unfollow all")
    assert bot.services.store.get_digest("", personal_name(ALICE)) is None
    assert "You follow no topics yet" in news(bot, "following")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("follow robotics time=25:00", "not a time"),
        ("follow robotics max_items=99", "from 1 to 20"),
        ("follow robotics days=someday", "not a day"),
        ("follow robotics colour=blue", "Unknown option colour="),
        ("follow computr visn", "did you mean: computer vision"),
        ("follow", "Name at least one topic"),
    ],
)
def test_a_bad_follow_says_what_is_wrong_and_saves_nothing(bot: RunningBot, text: str, words: str) -> None:
    answer = news(bot, text)
    assert answer.startswith(":warning:") and words.lower() in answer.lower()
    assert "/news follow" in answer or "topic" in answer.lower()
    assert bot.services.store.list_digests() == []


def test_help_mentions_follow(bot: RunningBot) -> None:
    assert "/news follow TOPIC" in news(bot, "help")


# --- the Home tab -------------------------------------------------------------------------------
def test_home_offers_a_digest_and_the_modal_creates_it(bot: RunningBot) -> None:
    assert home_opened(bot, BOB).status == 200
    home = wait_for(lambda: bot.fake.home(BOB))
    assert ids.HOME_PERSONAL_NEW in action_ids(home)
    click(bot, BOB, ids.HOME_PERSONAL_NEW)
    modal = wait_for(lambda: bot.fake.opened_views())[0]
    assert modal["callback_id"] == ids.PERSONAL_DIGEST_CALLBACK and "Asia/Tokyo" in json.dumps(modal)
    bad = submit(bot, BOB, modal, topics=["AI in Robotics"], max_items="0").json()
    assert list(bad["errors"]) == ["digest.max_items"]
    assert bot.services.store.list_digests() == []
    assert submit(bot, BOB, modal, topics=["AI in Robotics"], time="06:15", days=["sat"]).body == ""
    home = wait_for(lambda: "06:15" in json.dumps(bot.fake.home(BOB)) and bot.fake.home(BOB))
    assert {ids.HOME_PERSONAL_EDIT, ids.HOME_PERSONAL_OFF} <= action_ids(home)
    spec = bot.services.store.get_digest("", personal_name(BOB))
    assert spec is not None and spec.days == frozenset({5}) and spec.timezone == "Asia/Tokyo"


def test_home_edit_turn_off_and_on(bot: RunningBot) -> None:
    news(bot, "follow robotics max_items=4")
    assert home_opened(bot, ALICE).status == 200
    home = wait_for(lambda: bot.fake.home(ALICE))
    assert "AI in Robotics" in json.dumps(home) and "up to 4" in json.dumps(home)
    click(bot, ALICE, ids.HOME_PERSONAL_EDIT)
    modal = wait_for(lambda: bot.fake.opened_views())[0]
    max_items = next(b for b in modal["blocks"] if b.get("block_id") == "digest.max_items")
    assert max_items["element"]["initial_value"] == "4"
    assert "Editing" in modal["title"]["text"] or modal["title"]["text"] == "Edit your digest"
    assert submit(bot, ALICE, modal, topics=["Computer Vision"]).body == ""
    home = wait_for(lambda: "Computer Vision" in json.dumps(bot.fake.home(ALICE)) and bot.fake.home(ALICE))
    spec = bot.services.store.get_digest("", personal_name(ALICE))
    assert spec is not None and spec.topics == ("Computer Vision",) and spec.max_items == 4
    click(bot, ALICE, ids.HOME_PERSONAL_OFF)
    home = wait_for(lambda: ids.HOME_PERSONAL_ON in action_ids(bot.fake.home(ALICE) or {"blocks": []}))
    assert not bot.services.store.get_digest("", personal_name(ALICE)).enabled  # type: ignore[union-attr]
    click(bot, ALICE, ids.HOME_PERSONAL_ON)
    wait_for(lambda: ids.HOME_PERSONAL_OFF in action_ids(bot.fake.home(ALICE) or {"blocks": []}))
    assert bot.services.store.get_digest("", personal_name(ALICE)).enabled  # type: ignore[union-attr]


def test_the_time_zone_is_read_again_when_the_user_changes_it(bot: RunningBot) -> None:
    news(bot, "follow robotics")
    bot.fake.set_user_tz(ALICE, "Europe/Berlin")
    assert home_opened(bot, ALICE).status == 200
    assert wait_for(lambda: "Europe/Berlin" in json.dumps(bot.fake.home(ALICE)))
    spec = bot.services.store.get_digest("", personal_name(ALICE))
    assert spec is not None and spec.timezone == "Europe/Berlin"
    bot.fake.set_user_tz(ALICE, "Asia/Tokyo")  # and before scheduling, at most hourly
    bot.services.scheduler.tick(NOW + timedelta(hours=2))
    spec = bot.services.store.get_digest("", personal_name(ALICE))
    assert spec is not None and spec.timezone == "Asia/Tokyo"


# --- the scheduled DM ---------------------------------------------------------------------------
def follow_at_0730(bot: RunningBot) -> None:
    assert "07:30 your time" in news(bot, "follow robotics time=07:30")


def test_the_dm_digest_arrives_once_at_the_users_time_across_a_restart(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(ALICE, tz="America/New_York")
    with running_bot(tmp_path, fake_slack) as first:
        follow_at_0730(first)
        assert first.services.scheduler.tick(DUE - timedelta(minutes=1)) == []
        [outcome] = first.services.scheduler.tick(DUE + timedelta(minutes=1))
        assert outcome.status == "posted"
        assert first.services.scheduler.tick(DUE + timedelta(minutes=2)) == []
    with running_bot(tmp_path, fake_slack) as restarted:
        assert restarted.services.scheduler.tick(DUE + timedelta(minutes=5)) == []
    [message] = dm_texts(fake_slack)
    assert "Robot arms learn to fold laundry" in message
    assert "Computer Vision" not in message
    assert "Your news digest" in message and "dm:" not in message


def test_a_429_delays_the_dm_digest_and_a_500_after_posting_does_not_repeat_it(bot: RunningBot) -> None:
    follow_at_0730(bot)
    bot.fake.fail("chat.postMessage", Fault.rate_limited(30))
    [deferred] = bot.services.scheduler.tick(DUE + timedelta(minutes=1))
    assert deferred.status == "deferred" and deferred.rate_limited
    assert bot.fake.dm_messages(ALICE) == []
    bot.fake.fail("chat.postMessage", Fault.server_error_after())  # Slack posts, then answers 500
    for seconds in (31, 60, 120, 300):
        bot.services.scheduler.tick(DUE + timedelta(minutes=1, seconds=seconds))
    assert len(bot.fake.dm_messages(ALICE)) == 1
    record = bot.services.store.get_post("", personal_name(ALICE), DUE)
    assert record is not None and record.status == "posted"
    assert bot.fake.calls_to("conversations.history")  # looked in the DM before posting again


def test_a_story_already_sent_to_the_dm_is_not_sent_again(bot: RunningBot) -> None:
    follow_at_0730(bot)
    bot.services.scheduler.tick(DUE + timedelta(minutes=1))
    [first] = dm_texts(bot.fake)
    assert "Robot arms learn to fold laundry" in first
    outcomes = bot.services.scheduler.tick(DUE + timedelta(days=1, minutes=1))
    assert [o.status for o in outcomes] == ["empty"]  # the same articles: nothing new for that DM
    assert len(bot.fake.dm_messages(ALICE)) == 1


def test_a_user_who_left_has_the_digest_disabled_not_retried(bot: RunningBot) -> None:
    follow_at_0730(bot)
    bot.fake.remove_user(ALICE)
    later = DUE + timedelta(hours=2)  # past the hourly re-read: users.info answers user_not_found
    assert bot.services.scheduler.tick(later) == []
    spec = bot.services.store.get_digest("", personal_name(ALICE))
    assert spec is not None and not spec.enabled
    assert bot.services.store.audit_log("")[0].action == "disable"
    for hours in (3, 4, 30):
        bot.services.scheduler.tick(DUE + timedelta(hours=hours))
    assert not bot.fake.calls_to("chat.postMessage")


def test_a_user_who_left_just_before_the_post_is_disabled_on_account_inactive(bot: RunningBot) -> None:
    follow_at_0730(bot)
    bot.services.scheduler.tick(DUE - timedelta(minutes=5))  # users.info read: still here
    bot.fake.remove_user(ALICE, post_error="account_inactive")
    [outcome] = bot.services.scheduler.tick(DUE + timedelta(minutes=1))
    assert outcome.status == "disabled" and outcome.detail == "account_inactive"
    assert not bot.services.poster.health.paused  # the token is fine (auth.test), the user is gone
    assert not bot.services.store.get_digest("", personal_name(ALICE)).enabled  # type: ignore[union-attr]
    posts = len(bot.fake.calls_to("chat.postMessage"))
    for days in (1, 2):
        bot.services.scheduler.tick(DUE + timedelta(days=days, minutes=1))
    assert len(bot.fake.calls_to("chat.postMessage")) == posts


def test_the_dm_digest_uses_the_same_post_record_as_channel_digests(bot: RunningBot) -> None:
    follow_at_0730(bot)
    bot.services.scheduler.tick(DUE + timedelta(minutes=1))
    record = bot.services.store.get_post("", personal_name(ALICE), DUE)
    [message] = bot.fake.dm_messages(ALICE)
    assert record is not None and record.ts == message["ts"] and record.channel == ALICE_DM
    metadata: dict[str, Any] = message["metadata"]
    assert metadata["event_payload"]["post_key"] == record.post_key


def test_follow_with_a_filter_keeps_those_stories_out_of_the_dm(bot: RunningBot) -> None:
    answer = news(bot, 'follow robotics time=07:30 exclude="laundry"')
    assert "07:30" in answer and "Filters: without laundry." in answer
    spec = bot.services.store.get_digest("", personal_name(ALICE))
    assert spec is not None and spec.exclude == ("laundry",)
    bot.services.scheduler.tick(DUE + timedelta(minutes=1))
    [message] = dm_texts(bot.fake)
    assert "Warehouse robots get a sense of touch" in message
    assert "Robot arms learn to fold laundry" not in message


def test_slack_trouble_reading_the_user_still_draws_the_home_tab_and_saves_nothing_on_follow(
    bot: RunningBot,
) -> None:
    news(bot, "follow robotics")
    bot.fake.fail("users.info", Fault.server_error(), Fault.server_error())  # admin check, then the zone
    assert home_opened(bot, ALICE).status == 200
    home = wait_for(lambda: bot.fake.home(ALICE))
    assert "AI in Robotics" in json.dumps(home)  # drawn from what is stored
    bot.fake.fail("conversations.open", Fault.server_error())
    answer = news(bot, "follow nlp", user=BOB)
    assert "try again in a minute" in answer and "Nothing was saved" in answer
    assert bot.services.store.get_digest("", personal_name(BOB)) is None


def test_the_scheduler_asks_slack_about_a_recipient_at_most_hourly(bot: RunningBot) -> None:
    news(bot, "follow robotics")
    asked = len(bot.fake.calls_to("users.info"))
    for minutes in range(0, 60, 15):  # ticks within an hour of the follow (which read the zone)
        bot.services.scheduler.tick(NOW + timedelta(minutes=minutes))
    assert len(bot.fake.calls_to("users.info")) == asked
    bot.services.scheduler.tick(NOW + timedelta(minutes=61))
    assert len(bot.fake.calls_to("users.info")) == asked + 1


def test_a_personal_form_with_a_bad_value_saves_nothing(bot: RunningBot) -> None:
    click(bot, BOB, ids.HOME_PERSONAL_NEW)
    modal = wait_for(lambda: bot.fake.opened_views())[0]
    answer = submit(bot, BOB, modal, topics=["AI in"], min_quality="-3").json()
    assert set(answer["errors"]) == {"digest.topics", "digest.min_quality"}
    assert "ambiguous" in answer["errors"]["digest.topics"]
    assert bot.services.store.list_digests() == [] and bot.services.store.audit_log("") == []


def test_after_a_restart_recipients_are_re_read_twenty_a_tick(tmp_path: Path, fake_slack: FakeSlack) -> None:
    with running_bot(tmp_path, fake_slack) as first:
        for n in range(25):
            user = f"UUSER{n:04d}"
            fake_slack.add_user(user, tz="Europe/Paris")
            spec = DigestSpec(
                name=personal_name(user), channel="D" + user[1:], source="slack", recipient=user
            )
            first.services.store.save_digest(spec, actor=user, now=NOW)
    with running_bot(tmp_path, fake_slack) as restarted:
        restarted.services.scheduler.tick(NOW + timedelta(minutes=1))
        assert len(fake_slack.calls_to("users.info")) == 20
        restarted.services.scheduler.tick(NOW + timedelta(minutes=2))
        assert len(fake_slack.calls_to("users.info")) == 25
        zones = {s.timezone for s in restarted.services.store.list_digests()}
    assert zones == {"Europe/Paris"}  # each took its recipient's zone
