"""The /news-admin grammar: every form it accepts and every error path."""

from __future__ import annotations

import re
from datetime import time

import pytest

from bot.channel_refs import ChannelRef
from bot.digests.spec import ALL_DAYS, WEEKDAYS, DigestSpec
from bot.errors import QueryError
from bot.grammar.news_admin import ADMIN_USAGE, USAGES, AdminCommand, parse_admin_command, resolve_subscribe
from bot.topics import TopicMatcher

SUBSCRIBE_USAGE = f"Usage: {USAGES['subscribe']}"


@pytest.fixture(scope="module")
def matcher() -> TopicMatcher:
    return TopicMatcher.with_default_aliases(
        ["AI", "AI in Robotics", "Computer Vision", "AI in Autos", "AI in Finance"]
    )


def fails(text: str) -> str:
    with pytest.raises(QueryError) as err:
        parse_admin_command(text)
    return str(err.value)


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "help subscribe"])
def test_help(text: str) -> None:
    assert parse_admin_command(text) == AdminCommand("help")


def test_usage_text_names_every_command() -> None:
    for action, usage in USAGES.items():
        assert usage in ADMIN_USAGE, action


def test_full_subscribe() -> None:
    cmd = parse_admin_command(
        'subscribe <#C0123|ai-news> name="Morning AI" topics="Computer Vision, robotics" time=07:30 '
        "timezone=europe/berlin days=mon,wed,fri max_items=3 min_quality=1.5"
    )
    assert cmd == AdminCommand(
        action="subscribe",
        channel=ChannelRef("C0123", "ai-news"),
        options={
            "name": "Morning AI",
            "topics": "Computer Vision, robotics",
            "time": "07:30",
            "timezone": "europe/berlin",
            "days": "mon,wed,fri",
            "max_items": "3",
            "min_quality": "1.5",
        },
        name="Morning AI",
        topics=("Computer Vision", "robotics"),
        time=time(7, 30),
        timezone="Europe/Berlin",
        days=frozenset({0, 2, 4}),
        max_items=3,
        min_quality=1.5,
    )


def test_bare_subscribe_gives_nothing() -> None:
    assert parse_admin_command("Subscribe") == AdminCommand("subscribe")


@pytest.mark.parametrize(
    ("token", "channel"),
    [
        ("<#C0123|ai-news>", ChannelRef("C0123", "ai-news")),
        ("<#C0123>", ChannelRef("C0123", None)),
        ("<#G0123|>", ChannelRef("G0123", None)),
        ("#ai-news", ChannelRef(None, "ai-news")),
        ("C0123", ChannelRef("C0123", None)),
        ("G0123ABC", ChannelRef("G0123ABC", None)),
    ],
)
@pytest.mark.parametrize("action", ["subscribe", "unsubscribe", "preview", "post"])
def test_channel_forms(action: str, token: str, channel: ChannelRef) -> None:
    assert parse_admin_command(f"{action} {token}").channel == channel
    # The channel may come after the options too.
    assert parse_admin_command(f"{action} name=x {token}") == AdminCommand(
        action,  # type: ignore[arg-type]
        channel=channel,
        options={"name": "x"},
        name="x",
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("subscribe topics=“Computer Vision, AI in Robotics”", "Computer Vision, AI in Robotics"),
        ("subscribe topics=‘Computer Vision, AI’", "Computer Vision, AI"),
        ("subscribe topics='Computer Vision'", "Computer Vision"),
        ('subscribe "topics=Computer Vision"', "Computer Vision"),
        ("subscribe topics=„Computer Vision“", "Computer Vision"),
        ("subscribe\u00a0topics=AI", "AI"),
    ],
)
def test_quotes(text: str, value: str) -> None:
    assert parse_admin_command(text).options["topics"] == value


def test_curly_apostrophe_inside_a_word_is_text() -> None:
    assert parse_admin_command("subscribe name=‘Bob’s digest’").name == "Bob’s digest"
    assert parse_admin_command("subscribe name=Bob’s").name == "Bob’s"


def test_backslash_and_hash_are_text() -> None:
    cmd = parse_admin_command(r"subscribe name=a\b #news")
    assert (cmd.name, cmd.channel) == (r"a\b", ChannelRef(None, "news"))


def test_slack_entities_are_unescaped_in_free_text_only() -> None:
    cmd = parse_admin_command("subscribe name=R&amp;D&lt;3&gt; topics=a&amp;b")
    assert (cmd.name, cmd.topics) == ("R&D<3>", ("a&b",))
    # Other values are echoed as Slack sent them, so an error never turns them into markup.
    assert fails("subscribe time=&lt;!channel&gt;").startswith("time: '&lt;!channel&gt;' is not a time")


def test_key_spellings() -> None:
    cmd = parse_admin_command("subscribe TZ=UTC Max-Items=2 topic=ai Day=daily")
    assert (cmd.timezone, cmd.max_items, cmd.topics, cmd.days) == ("UTC", 2, ("ai",), ALL_DAYS)
    assert set(cmd.options) == {"timezone", "max_items", "topics", "days"}


def test_topics_all_clears_the_filter() -> None:
    assert parse_admin_command("subscribe topics=all").topics == ()


def test_simple_actions() -> None:
    assert parse_admin_command("list") == AdminCommand("list")
    assert parse_admin_command("unsubscribe name=morning") == AdminCommand(
        "unsubscribe", options={"name": "morning"}, name="morning"
    )
    assert parse_admin_command("post") == AdminCommand("post")
    assert parse_admin_command("preview #x").channel == ChannelRef(None, "x")


# --- error paths ------------------------------------------------------------------------------


def test_unknown_action() -> None:
    assert fails("subscibe #x") == (
        "Unknown command 'subscibe'. Did you mean subscribe? "
        "Commands: subscribe, unsubscribe, list, preview, post, help. See /news-admin help."
    )
    assert fails("frobnicate").startswith("Unknown command 'frobnicate'. Commands: ")
    assert fails("#general subscribe").startswith("Unknown command '#general'.")


def test_unknown_key() -> None:
    assert fails("subscribe tme=08:00") == f"Unknown option 'tme'. Did you mean time=HH:MM? {SUBSCRIBE_USAGE}"
    assert fails("subscribe colour=red") == f"Unknown option 'colour'. {SUBSCRIBE_USAGE}"
    assert fails("subscribe max_item=3").startswith(
        "Unknown option 'max_item'. Did you mean max_items=N (1-20)?"
    )


def test_key_of_another_action() -> None:
    assert fails("unsubscribe time=08:00") == (
        "Option time does not apply to unsubscribe. Usage: /news-admin unsubscribe [#channel] [name=NAME]"
    )
    assert fails("list name=x") == "Option name does not apply to list. Usage: /news-admin list"


def test_key_without_equals() -> None:
    assert fails("subscribe time 08:00") == (
        f"Option time needs a value: time=HH:MM (no spaces around '='). {SUBSCRIBE_USAGE}"
    )
    assert fails("subscribe tz").startswith("Option timezone needs a value: timezone=Area/City")


def test_empty_value() -> None:
    assert fails("subscribe name=") == f"Option name has no value: write name=NAME. {SUBSCRIBE_USAGE}"
    assert fails('subscribe topics=""').startswith("Option topics has no value")
    assert fails("subscribe topics=,").startswith("topics: name at least one topic")


def test_repeated_key() -> None:
    assert (
        fails("subscribe time=07:00 Time=08:00")
        == f"Option time is given twice; give it once. {SUBSCRIBE_USAGE}"
    )


@pytest.mark.parametrize(
    ("text", "start"),
    [
        (
            "subscribe time=25:00",
            "time: '25:00' is not a time; use HH:MM on a 24-hour clock, e.g. time=07:30.",
        ),
        ("subscribe time=7.30", "time: '7.30' is not a time; use HH:MM"),
        (
            "subscribe timezone=Berlin",
            "timezone: unknown time zone 'Berlin'; use Area/City, e.g. Europe/Berlin. ",
        ),
        ("subscribe timezone=Mars/Olympus", "timezone: unknown time zone 'Mars/Olympus'; use Area/City"),
        ("subscribe days=funday", "days: 'funday' is not a day; use daily, weekdays, weekends"),
        ("subscribe days=mon,,fri", "days: '' is not a day"),
        ("subscribe max_items=21", "max_items: '21' is not a whole number from 1 to 20."),
        ("subscribe max_items=0", "max_items: '0' is not a whole number from 1 to 20."),
        ("subscribe max_items=three", "max_items: 'three' is not a whole number"),
        ("subscribe min_quality=abc", "min_quality: 'abc' is not a number of at least 0."),
        ("subscribe min_quality=-2", "min_quality: '-2' is not a number of at least 0."),
    ],
)
def test_bad_values(text: str, start: str) -> None:
    message = fails(text)
    assert message.startswith(start)
    assert message.endswith(SUBSCRIBE_USAGE)


def test_unknown_timezone_suggests() -> None:
    assert "Did you mean Europe/Berlin?" in fails("subscribe timezone=Berlin")


@pytest.mark.parametrize(
    "text", ['subscribe topics="Computer Vision', "subscribe name=“Morning", "subscribe name='x"]
)
def test_unbalanced_quotes(text: str) -> None:
    assert fails(text).startswith("A quote is not closed: put a value with spaces between two quotes")


def test_two_channels() -> None:
    assert fails("subscribe #a <#C0123|b>") == f"Give one channel, not #a and <#C0123>. {SUBSCRIBE_USAGE}"


def test_bare_word_is_not_a_channel() -> None:
    message = fails("subscribe general")
    assert message.startswith("Unexpected 'general': write a channel as #channel (or <#C0123>)")
    assert re.search(r"Unexpected '<@U0123>'", fails("post <@U0123>"))
    assert fails("preview #").startswith("Unexpected '#'")


def test_list_takes_no_channel() -> None:
    assert fails("list #x") == "list takes no arguments (got '#x'). Usage: /news-admin list"


# --- resolve_subscribe ------------------------------------------------------------------------


def test_resolve_new_digest(matcher: TopicMatcher) -> None:
    cmd = parse_admin_command("subscribe topics=robotics,cars time=09:00 days=weekdays")
    spec = resolve_subscribe(
        cmd, matcher, default_channel=ChannelRef("C0123", "ai-news"), team_id="T1", created_by="U1"
    )
    assert spec == DigestSpec(
        name="ai-news",
        channel="C0123",
        topics=("AI in Robotics", "AI in Autos"),
        time=time(9, 0),
        days=WEEKDAYS,
        team_id="T1",
        source="slack",
        created_by="U1",
    )


def test_resolve_updates_existing(matcher: TopicMatcher) -> None:
    existing = DigestSpec(
        name="morning", channel="C0123", topics=("AI",), max_items=9, timezone="Asia/Tokyo", created_by="U0"
    )
    cmd = parse_admin_command("subscribe <#C0999|other> max_items=4")
    spec = resolve_subscribe(cmd, matcher, default_channel=ChannelRef("C0123", "x"), existing=existing)
    assert (spec.name, spec.channel, spec.topics, spec.max_items) == ("morning", "C0999", ("AI",), 4)
    assert (spec.timezone, spec.created_by, spec.source) == ("Asia/Tokyo", "U0", "slack")


def test_resolve_name_and_channel_defaults(matcher: TopicMatcher) -> None:
    by_id = resolve_subscribe(
        parse_admin_command("subscribe <#C0777>"), matcher, default_channel=ChannelRef("C1", "x")
    )
    assert (by_id.name, by_id.channel) == ("C0777", "C0777")
    named = resolve_subscribe(
        parse_admin_command("subscribe #news name=n"), matcher, default_channel=ChannelRef("C1", "x")
    )
    assert (named.name, named.channel) == ("n", "news")


def test_resolve_topic_errors(matcher: TopicMatcher) -> None:
    cmd = parse_admin_command('subscribe topics="robtcs, ai in"')
    with pytest.raises(QueryError) as err:
        resolve_subscribe(cmd, matcher, default_channel=ChannelRef("C1", "x"))
    message = str(err.value)
    assert message.startswith("topics: Unknown topic 'robtcs'. Did you mean: AI in Robotics?")
    assert "'ai in' is ambiguous: AI in Autos, AI in Finance, AI in Robotics" in message
    assert message.endswith(SUBSCRIBE_USAGE)


def test_resolve_rejects_other_actions(matcher: TopicMatcher) -> None:
    with pytest.raises(QueryError, match="list does not create a digest"):
        resolve_subscribe(AdminCommand("list"), matcher, default_channel=ChannelRef("C1", "x"))


# --- filters ---------------------------------------------------------------------------------


def test_filter_keys(matcher: TopicMatcher) -> None:
    cmd = parse_admin_command(
        'subscribe include="robot, self driving" exclude=crypto,nft '
        'exclude-outlets="AT&amp;T News, example.com"'
    )
    assert cmd.include == ("robot", "self driving")
    assert cmd.exclude == ("crypto", "nft")
    assert cmd.exclude_outlets == ("AT&T News", "example.com")
    spec = resolve_subscribe(cmd, matcher, default_channel=ChannelRef("C1", "x"))
    assert (spec.include, spec.exclude, spec.exclude_outlets) == (
        cmd.include,
        cmd.exclude,
        cmd.exclude_outlets,
    )
    existing = spec
    cleared = resolve_subscribe(
        parse_admin_command("subscribe exclude=none max_items=3"),
        matcher,
        default_channel=ChannelRef("C1", "x"),
        existing=existing,
    )
    assert (cleared.include, cleared.exclude, cleared.max_items) == (existing.include, (), 3)
    assert "exclude=" in SUBSCRIBE_USAGE and "exclude_outlets=" in SUBSCRIBE_USAGE


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("subscribe exclude=a,,b", "exclude: 'a,,b' has an empty entry (two commas in a row?)"),
        ("subscribe include=", "Option include has no value: write include="),
        ("subscribe exclude=" + "y" * 81, "exclude: 'yyyy"),
        (
            "subscribe exclude=" + ",".join(f"w{i}" for i in range(51)),
            "exclude: 51 entries is too many; at most 50",
        ),
        ('subscribe exclude_outlets="..."', "exclude_outlets: '...' has no letter or digit"),
        ("subscribe exclud=x", "Unknown option 'exclud'. Did you mean exclude="),
    ],
)
def test_bad_filter_values(text: str, start: str) -> None:
    message = fails(text)
    assert message.startswith(start)
    assert message.endswith(SUBSCRIBE_USAGE)
