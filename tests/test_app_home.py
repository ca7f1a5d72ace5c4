"""Scenario tests of the App Home tab, its buttons and the digest modals: the real app over HTTP
with signed requests, against the Slack stand-in (which refuses any view failing check_view)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.compose.block_checks import check_view
from bot.digests.spec import DigestSpec
from bot.views import ids
from tests.fakeslack import FakeSlack, Fault
from tests.home_payloads import action_ids, button, click, home_opened, submit, suggest
from tests.slackbot import NOW, RunningBot, running_bot, wait_for

ADMIN = "UADMIN001"
MEMBER = "UMEMBER01"
NEWSROOM = "CNEWS0001"
LOBBY = "CLOBBY001"
SECRET = "GSECRET01"
ATTIC = "CATTIC001"


@pytest.fixture
def bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    fake_slack.add_user(ADMIN, is_admin=True, tz="Europe/Berlin")
    fake_slack.add_user(MEMBER, tz="America/New_York")
    fake_slack.add_channel(NEWSROOM, "newsroom")
    fake_slack.add_channel(LOBBY, "lobby", is_member=False)
    fake_slack.add_channel(SECRET, "secret", is_private=True, is_member=False)
    fake_slack.add_channel(ATTIC, "attic", is_archived=True)
    with running_bot(tmp_path, fake_slack) as running:
        yield running


def texts(view: object) -> str:
    return json.dumps(view, ensure_ascii=False)


def home_of(bot: RunningBot, user: str) -> dict[str, Any]:
    view = bot.fake.home(user)
    assert view is not None, f"no Home view for {user}"
    return view


def opened_home(bot: RunningBot, user: str) -> dict[str, Any]:
    """The Home view after the user opens the tab (waits for the publish)."""
    before = bot.fake.home(user)
    assert home_opened(bot, user).status == 200
    view = wait_for(lambda: (found := bot.fake.home(user)) is not before and found)
    assert view, f"no Home view published for {user}"
    return dict(view)


def refreshed(bot: RunningBot, user: str, old: dict[str, Any] | None, contains: str = "") -> dict[str, Any]:
    view = wait_for(
        lambda: (v := bot.fake.home(user)) is not None and v != old and contains in texts(v) and v
    )
    assert view, f"the Home view of {user} was not refreshed (wanted {contains!r})"
    return dict(view)


def new_modal(bot: RunningBot, user: str, count: int) -> dict[str, Any]:
    """The ``count``-th modal opened in the test (waits for it)."""
    views = wait_for(lambda: len(bot.fake.opened_views()) >= count and bot.fake.opened_views())
    assert views, "no modal was opened"
    return dict(views[count - 1])


def create_channel_digest(bot: RunningBot, **fields: Any) -> DigestSpec:
    home = opened_home(bot, ADMIN)
    count = len(bot.fake.opened_views()) + 1
    click(bot, ADMIN, ids.HOME_DIGEST_NEW)
    modal = new_modal(bot, ADMIN, count)
    values = {"channel": NEWSROOM, "topics": ["AI in Robotics"], **fields}
    reply = submit(bot, ADMIN, modal, **values)
    assert reply.status == 200 and reply.body == "", reply.body
    refreshed(bot, ADMIN, home, "Channel digests")
    specs = [s for s in bot.services.store.list_digests() if s.recipient is None]
    assert len(specs) == 1
    return specs[0]


# --- the Home tab -------------------------------------------------------------------------------
def test_admin_and_member_get_different_home_views_both_within_limits(bot: RunningBot) -> None:
    admin_view = opened_home(bot, ADMIN)
    member_view = opened_home(bot, MEMBER)
    for view in (admin_view, member_view):
        assert check_view(view) == []
        assert "Your digest" in texts(view) and "Look up a topic" in texts(view)
        assert ids.HOME_PERSONAL_NEW in action_ids(view)
        assert "AI in Robotics (2)" in texts(view)  # topics with their story counts
    assert "Channel digests" in texts(admin_view)
    assert ids.HOME_DIGEST_NEW in action_ids(admin_view)
    assert "Channel digests" not in texts(member_view)
    assert not {a for a in action_ids(member_view) if a.startswith("home.digest.")}


def test_the_messages_tab_event_publishes_nothing(bot: RunningBot) -> None:
    assert home_opened(bot, MEMBER, tab="messages").status == 200
    opened_home(bot, ADMIN)  # a later event is handled, so the first one has been too
    assert bot.fake.home(MEMBER) is None


def test_a_file_digest_is_read_only_on_the_home_tab(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.add_user(ADMIN, is_admin=True)
    (tmp_path / "digests").mkdir()
    (tmp_path / "digests" / "morning.yaml").write_text(
        "name: morning\nchannel: newsroom\ntopics: [AI in Robotics]\ntime: '07:00'\n", encoding="utf-8"
    )
    fake_slack.add_channel(NEWSROOM, "newsroom")
    with running_bot(tmp_path, fake_slack) as bot:
        view = opened_home(bot, ADMIN)
        assert "digests/morning.yaml" in texts(view) and "read-only" in texts(view)
        assert {ids.HOME_DIGEST_PREVIEW, ids.HOME_DIGEST_POST} <= action_ids(view)
        assert not {ids.HOME_DIGEST_EDIT, ids.HOME_DIGEST_DELETE, ids.HOME_DIGEST_PAUSE} & action_ids(view)
        click(bot, ADMIN, ids.row_action(ids.HOME_DIGEST_EDIT, 0), "morning")  # forged: no such button
        notice = new_modal(bot, ADMIN, 1)
        assert notice["callback_id"] == ids.NOTICE_CALLBACK and "morning.yaml" in texts(notice)
        click(bot, ADMIN, ids.row_action(ids.HOME_DIGEST_DELETE, 0), "morning")
        wait_for(lambda: len(bot.fake.opened_views()) >= 2)
        assert bot.services.store.get_digest("", "morning") is not None


def test_many_digests_are_trimmed_with_a_pointer_to_the_list(bot: RunningBot) -> None:
    for n in range(60):  # two blocks each: more than 100
        spec = DigestSpec(name=f"digest-{n:02d}", channel=NEWSROOM, source="slack")
        bot.services.store.save_digest(spec, actor=ADMIN, now=NOW)
    view = opened_home(bot, ADMIN)
    assert check_view(view) == []
    assert len(view["blocks"]) <= 100
    assert "more — `/news-admin list` shows them all" in texts(view)


# --- the channel digest buttons -----------------------------------------------------------------
def test_new_channel_digest_from_the_home_tab_joins_the_public_channel_and_is_audited(
    bot: RunningBot,
) -> None:
    spec = create_channel_digest(bot, channel=LOBBY, time="07:45", days=["mon", "wed"], max_items="3")
    assert (spec.name, spec.channel, spec.topics) == ("lobby", LOBBY, ("AI in Robotics",))
    assert (f"{spec.time:%H:%M}", spec.timezone, spec.days, spec.max_items) == (
        "07:45",
        "Europe/Berlin",  # the admin's own zone from users.info, the modal's default
        frozenset({0, 2}),
        3,
    )
    assert (
        channel := bot.fake.channel(LOBBY)
    ) is not None and channel.is_member  # joined, as /news-admin subscribe does
    [entry] = bot.services.store.audit_log("")
    assert (entry.actor, entry.action, entry.digest) == (ADMIN, "create", "lobby")
    home = home_of(bot, ADMIN)
    assert "*lobby*" in texts(home) and ids.row_action(ids.HOME_DIGEST_EDIT, 0) in texts(home)


def test_edit_opens_the_filled_modal_and_saves_the_change(bot: RunningBot) -> None:
    create_channel_digest(bot, time="07:00")
    home = home_of(bot, ADMIN)
    edit = button(home, ids.HOME_DIGEST_EDIT)
    count = len(bot.fake.opened_views()) + 1
    click(bot, ADMIN, edit["action_id"], edit["value"])
    modal = new_modal(bot, ADMIN, count)
    assert modal["callback_id"] == ids.CHANNEL_DIGEST_CALLBACK
    assert '"initial_time": "07:00"' in texts(modal) and "Editing the digest" in texts(modal)
    assert submit(bot, ADMIN, modal, time="18:30").body == ""
    refreshed(bot, ADMIN, home, "18:30")
    spec = bot.services.store.get_digest("", "newsroom")
    assert spec is not None and f"{spec.time:%H:%M}" == "18:30" and spec.topics == ("AI in Robotics",)
    assert bot.services.store.audit_log("")[0].action == "update"


def test_preview_shows_the_next_digest_to_the_admin_only(bot: RunningBot) -> None:
    create_channel_digest(bot)
    preview = button(home_of(bot, ADMIN), ids.HOME_DIGEST_PREVIEW)
    count = len(bot.fake.opened_views()) + 1
    click(bot, ADMIN, preview["action_id"], preview["value"])
    modal = new_modal(bot, ADMIN, count)
    assert modal["callback_id"] == ids.ANSWER_CALLBACK
    assert "Robot arms learn to fold laundry" in texts(modal)
    assert bot.fake.messages(NEWSROOM) == []


def test_post_now_posts_once_and_the_home_tab_shows_the_last_post(bot: RunningBot) -> None:
    create_channel_digest(bot)
    home = home_of(bot, ADMIN)
    post = button(home, ids.HOME_DIGEST_POST)
    assert post["confirm"]  # Slack asks before it posts
    click(bot, ADMIN, post["action_id"], post["value"])
    assert wait_for(lambda: bot.fake.messages(NEWSROOM))
    updated = wait_for(lambda: "Posted" in texts(bot.fake.modals(ADMIN)))
    assert updated, bot.fake.modals(ADMIN)
    refreshed(bot, ADMIN, home, "<!date^")  # "Last post" is now a date
    assert len(bot.fake.messages(NEWSROOM)) == 1


def test_pause_resume_and_delete(bot: RunningBot) -> None:
    create_channel_digest(bot)
    home = home_of(bot, ADMIN)
    pause = button(home, ids.HOME_DIGEST_PAUSE)
    click(bot, ADMIN, pause["action_id"], pause["value"])
    home = refreshed(bot, ADMIN, home, "(paused)")
    assert not bot.services.store.get_digest("", "newsroom").enabled  # type: ignore[union-attr]
    resume = button(home, ids.HOME_DIGEST_RESUME)
    click(bot, ADMIN, resume["action_id"], resume["value"])
    home = refreshed(bot, ADMIN, home, ids.HOME_DIGEST_PAUSE)
    assert bot.services.store.get_digest("", "newsroom").enabled  # type: ignore[union-attr]
    delete = button(home, ids.HOME_DIGEST_DELETE)
    assert delete["confirm"]
    click(bot, ADMIN, delete["action_id"], delete["value"])
    refreshed(bot, ADMIN, home, "No channel digests yet")
    assert bot.services.store.get_digest("", "newsroom") is None
    actions = [e.action for e in bot.services.store.audit_log("")]
    assert actions[:3] == ["delete", "enable", "disable"]


def test_subscribe_without_arguments_opens_the_channel_modal(bot: RunningBot) -> None:
    assert bot.command("/news-admin", "subscribe", user=ADMIN, key="s").status == 200
    modal = new_modal(bot, ADMIN, 1)
    assert modal["callback_id"] == ids.CHANNEL_DIGEST_CALLBACK
    assert check_view(modal) == []
    channel = next(b for b in modal["blocks"] if b.get("block_id") == "digest.channel")
    assert channel["element"]["initial_conversation"] == NEWSROOM  # where the command was run
    assert bot.command("/news-admin", "subscribe", user=MEMBER, key="m").body  # refused in the ack
    assert len(bot.fake.opened_views()) == 1


# --- invalid submissions: errors under the field, nothing saved -----------------------------------
@pytest.mark.parametrize(
    ("fields", "block", "words"),
    [
        ({"max_items": "50"}, "digest.max_items", "from 1 to 20"),
        ({"min_quality": "-1"}, "digest.min_quality", "at least 0"),
        ({"timezone": "Mars/Olympus"}, "digest.timezone", "unknown time zone"),
        ({"time": "25:00"}, "digest.time", "not a time"),
        ({"topics": ["AI in"]}, "digest.topics", "ambiguous"),
        ({"channel": SECRET}, "digest.channel", "cannot see"),
        ({"channel": ATTIC}, "digest.channel", "archived"),
        ({"name": "x" * 81}, "digest.name", "at most 80"),
    ],
)
def test_an_invalid_channel_form_answers_errors_under_the_field_and_saves_nothing(
    bot: RunningBot, fields: dict[str, Any], block: str, words: str
) -> None:
    click(bot, ADMIN, ids.HOME_DIGEST_NEW)
    modal = new_modal(bot, ADMIN, 1)
    values = {"channel": NEWSROOM, "topics": ["AI in Robotics"], **fields}
    answer = submit(bot, ADMIN, modal, **values).json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [block]
    assert words in answer["errors"][block]
    assert bot.services.store.list_digests() == []
    assert bot.services.store.audit_log("") == []
    assert not bot.fake.calls_to("conversations.join")


def test_a_private_channel_without_the_bot_is_refused_under_the_channel_field(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("GPRIVATE1", "private-news", is_private=True, is_member=False)
    # Slack shows the admin (a member) the channel in the menu; the bot cannot see it.
    click(bot, ADMIN, ids.HOME_DIGEST_NEW)
    answer = submit(bot, ADMIN, new_modal(bot, ADMIN, 1), channel="GPRIVATE1", topics=["AI"]).json()
    assert "invite me" in answer["errors"]["digest.channel"].lower()
    assert bot.services.store.list_digests() == []


def test_a_new_digest_may_not_overwrite_one_of_the_same_name(bot: RunningBot) -> None:
    create_channel_digest(bot)
    before = bot.services.store.list_digests()
    count = len(bot.fake.opened_views()) + 1
    click(bot, ADMIN, ids.HOME_DIGEST_NEW)
    modal = new_modal(bot, ADMIN, count)
    answer = submit(bot, ADMIN, modal, channel=NEWSROOM, topics=["Computer Vision"]).json()
    assert "already exists" in answer["errors"]["digest.name"]
    assert bot.services.store.list_digests() == before


def test_a_form_with_unreadable_metadata_asks_to_open_it_again(bot: RunningBot) -> None:
    click(bot, ADMIN, ids.HOME_DIGEST_NEW)
    modal = new_modal(bot, ADMIN, 1)
    answer = submit(bot, ADMIN, modal, metadata="{}", channel=NEWSROOM, topics=["AI"]).json()
    assert "out of date" in answer["errors"]["digest.topics"]
    assert bot.services.store.list_digests() == []


# --- forged admin payloads ----------------------------------------------------------------------
def test_a_member_forging_admin_buttons_and_submissions_changes_nothing(bot: RunningBot) -> None:
    create_channel_digest(bot)
    before = bot.services.store.list_digests()
    audit = bot.services.store.audit_log("")
    opened = len(bot.fake.opened_views())
    for verb in (ids.HOME_DIGEST_DELETE, ids.HOME_DIGEST_PAUSE, ids.HOME_DIGEST_POST, ids.HOME_DIGEST_EDIT):
        assert click(bot, MEMBER, ids.row_action(verb, 0), "newsroom").status == 200
    assert click(bot, MEMBER, ids.HOME_DIGEST_NEW).status == 200
    modal = bot.fake.opened_views()[0]  # the admin's New channel digest modal, replayed by the member
    answer = submit(bot, MEMBER, modal, channel=LOBBY, topics=["Computer Vision"]).json()
    assert "only workspace admins" in answer["errors"]["digest.channel"].lower()
    opened_home(bot, MEMBER)  # later requests are served, so the forged ones have been handled
    assert bot.services.store.list_digests() == before
    assert bot.services.store.audit_log("") == audit
    assert bot.fake.messages(NEWSROOM) == []
    assert len(bot.fake.opened_views()) == opened
    assert (lobby := bot.fake.channel(LOBBY)) is not None and not lobby.is_member


# --- the options listener -----------------------------------------------------------------------
def test_external_menus_get_matching_options(bot: RunningBot) -> None:
    zones = suggest(bot, ADMIN, ids.TIMEZONE_ACTION, "berl").json()
    assert [o["value"] for o in zones["options"]] == ["Europe/Berlin"]
    topics = suggest(bot, ADMIN, ids.TOPICS_ACTION, "robot").json()
    assert [o["text"]["text"] for o in topics["options"]] == ["AI in Robotics (2)"]
    everything = suggest(bot, ADMIN, ids.TIMEZONE_ACTION, "").json()
    assert len(everything["options"]) == 100  # Slack's most per menu


# --- the topic buttons --------------------------------------------------------------------------
def test_a_topic_button_answers_like_news_topic_in_a_modal(bot: RunningBot) -> None:
    home = opened_home(bot, MEMBER)
    topic = button(home, ids.HOME_TOPIC)
    click(bot, MEMBER, topic["action_id"], topic["value"])
    modal = new_modal(bot, MEMBER, 1)
    assert modal["callback_id"] == ids.ANSWER_CALLBACK
    assert modal["title"]["text"] == topic["value"][:24]
    assert "Robot arms learn to fold laundry" in texts(modal)
    assert "Warehouse robots get a sense of touch" in texts(modal)


# --- a digest made in a modal posts on schedule, once ---------------------------------------------
def test_a_modal_digest_posts_on_schedule_exactly_once_across_a_restart(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user(ADMIN, is_admin=True, tz="UTC")
    fake_slack.add_channel(NEWSROOM, "newsroom")
    due = NOW + timedelta(minutes=10)  # 09:10 UTC
    with running_bot(tmp_path, fake_slack) as first:
        create_channel_digest(first, time="09:10")
        assert first.services.scheduler.tick(due - timedelta(minutes=1)) == []
        [outcome] = first.services.scheduler.tick(due + timedelta(minutes=1))
        assert outcome.status == "posted"
        assert first.services.scheduler.tick(due + timedelta(minutes=2)) == []
    with running_bot(tmp_path, fake_slack) as restarted:
        assert restarted.services.scheduler.tick(due + timedelta(minutes=5)) == []
    [message] = fake_slack.messages(NEWSROOM)
    assert "Robot arms learn to fold laundry" in json.dumps(message)


# --- filters in the modal go through the grammar's filter rules -------------------------------------
def test_the_modal_filters_are_saved_shown_and_cleared(bot: RunningBot) -> None:
    spec = create_channel_digest(bot, exclude="laundry, Crypto", exclude_outlets="outlet3.example.com")
    assert spec.exclude == ("laundry", "Crypto") and spec.exclude_outlets == ("outlet3.example.com",)
    preview = button(home_of(bot, ADMIN), ids.HOME_DIGEST_PREVIEW)
    count = len(bot.fake.opened_views()) + 1
    click(bot, ADMIN, preview["action_id"], preview["value"])
    shown = texts(new_modal(bot, ADMIN, count))
    assert "Robot arms learn to fold laundry" not in shown  # excluded keyword
    assert "Warehouse robots get a sense of touch" in shown
    edit = button(home_of(bot, ADMIN), ids.HOME_DIGEST_EDIT)
    count = len(bot.fake.opened_views()) + 1
    click(bot, ADMIN, edit["action_id"], edit["value"])
    modal = new_modal(bot, ADMIN, count)
    assert "laundry, Crypto" in texts(modal)  # the form shows the current filter
    assert submit(bot, ADMIN, modal, exclude="").body == ""  # emptied: the filter is cleared
    saved = wait_for(lambda: (s := bot.services.store.get_digest("", "newsroom")) and not s.exclude and s)
    assert saved and saved.exclude_outlets == ("outlet3.example.com",)


def test_a_bad_filter_is_refused_under_its_field(bot: RunningBot) -> None:
    click(bot, ADMIN, ids.HOME_DIGEST_NEW)
    modal = new_modal(bot, ADMIN, 1)
    answer = submit(bot, ADMIN, modal, channel=NEWSROOM, topics=["AI"], include="x" * 81).json()
    assert list(answer["errors"]) == ["digest.include"]
    assert bot.services.store.list_digests() == []


def test_more_than_100_topics_use_a_search_menu_served_by_the_options_listener(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(120):
        (folder / f"a{n}.md").write_text(
            f'---\ntitle: "Story {n}"\npublishedDateTime: 2026-11-27T08:00:00Z\n'
            f'webUrl: "https://example.com/{n}"\ntopics:\n  - Topic {n:03d}\n---\n',
            encoding="utf-8",
        )
    fake_slack.add_user(ADMIN, is_admin=True)
    with running_bot(tmp_path, fake_slack, article_folder=folder) as bot:
        home = opened_home(bot, ADMIN)
        assert "100 more topics" in texts(home)  # 20 buttons, the rest a /news away
        click(bot, ADMIN, ids.HOME_DIGEST_NEW)
        modal = new_modal(bot, ADMIN, 1)
        topics = next(b for b in modal["blocks"] if b.get("block_id") == "digest.topics")
        assert topics["element"]["type"] == "multi_external_select"
        found = suggest(bot, ADMIN, ids.TOPICS_ACTION, "topic 11").json()
        expected = {f"Topic {n} (1)" for n in range(110, 120)}  # "Topic 011" does not contain it
        assert {o["text"]["text"] for o in found["options"]} == expected
        assert len(suggest(bot, ADMIN, ids.TOPICS_ACTION, "").json()["options"]) == 100


def test_post_now_deferred_by_slack_reports_how_it_ended_in_the_notice(bot: RunningBot) -> None:
    create_channel_digest(bot)
    post = button(home_of(bot, ADMIN), ids.HOME_DIGEST_POST)
    bot.fake.fail("chat.postMessage", Fault.rate_limited(retry_after=1))
    click(bot, ADMIN, post["action_id"], post["value"])
    assert wait_for(lambda: "retrying" in texts(bot.fake.modals(ADMIN)), timeout=10)
    assert wait_for(lambda: bot.fake.messages(NEWSROOM), timeout=15)
    assert wait_for(lambda: "Posted" in texts(bot.fake.modals(ADMIN)), timeout=10), bot.fake.modals(ADMIN)
    assert len([m for m in bot.fake.messages(NEWSROOM) if m.get("metadata")]) == 1
