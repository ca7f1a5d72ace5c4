"""The `/news follow | unfollow | following` grammar and the form checks it shares with subscribe."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.channel_refs import ChannelRef
from bot.digests.spec import WEEKDAYS
from bot.errors import QueryError
from bot.grammar.follow import is_follow_command, parse_follow
from bot.grammar.news_admin import parse_admin_command, subscribe_from_fields


def test_follow_reads_topics_with_spaces_and_options_anywhere() -> None:
    cmd = parse_follow("follow AI in Robotics, computer vision time=07:30 days=weekdays max_items=3")
    assert cmd.action == "follow"
    assert cmd.topics == ("AI in Robotics", "computer vision")
    assert (cmd.options.time, cmd.options.days, cmd.options.max_items) == (dt.time(7, 30), WEEKDAYS, 3)
    assert dict(cmd.fields) == {"time": "07:30", "days": "weekdays", "max_items": "3"}
    assert parse_follow("follow time=06:00 robotics").topics == ("robotics",)
    assert parse_follow("Follow nlp").options.time is None  # not given: the digest keeps or defaults it


def test_unfollow_and_following() -> None:
    assert parse_follow("unfollow all").everything
    assert parse_follow("unfollow robotics, nlp").topics == ("robotics", "nlp")
    assert parse_follow("following").action == "following"
    for text in ("unfollow", "unfollow robotics time=07:00", "following robotics"):
        with pytest.raises(QueryError):
            parse_follow(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("follow robotics time=7pm", "time: '7pm' is not a time"),
        ("follow robotics max_items=0", "max_items: '0' is not a whole number from 1 to 20"),
        ("follow robotics days=funday", "days: 'funday' is not a day"),
        ("follow robotics time=07:00 time=08:00", "given twice"),
        ("follow robotics timezone=Europe/Berlin", "Unknown option timezone="),
        ("follow time=07:00", "Name at least one topic"),
    ],
)
def test_bad_follow_commands_name_the_problem_and_the_usage(text: str, words: str) -> None:
    with pytest.raises(QueryError) as err:
        parse_follow(text)
    assert words in str(err.value)
    assert "/news follow TOPIC" in str(err.value)


def test_is_follow_command_only_for_the_verbs() -> None:
    assert is_follow_command("follow robotics") and is_follow_command("FOLLOWING")
    assert not is_follow_command("followers of robotics") and not is_follow_command("")


def test_form_fields_are_checked_by_the_subscribe_rules_one_message_per_field() -> None:
    cmd, errors = subscribe_from_fields(
        ChannelRef("C0123", None),
        {"time": "25:99", "max_items": "0", "days": "mon,wed", "timezone": "Mars/X"},
    )
    assert cmd is None
    assert set(errors) == {"time", "max_items", "timezone"}
    assert errors["time"].startswith("time: '25:99' is not a time")
    assert "unknown time zone" in errors["timezone"]


def test_valid_form_fields_make_the_command_the_grammar_makes() -> None:
    fields = {"time": "07:30", "timezone": "europe/berlin", "days": "mon,fri", "max_items": "4", "name": "ai"}
    cmd, errors = subscribe_from_fields(ChannelRef("C0123", None), {**fields, "min_quality": " "})
    typed = parse_admin_command(
        "subscribe <#C0123> time=07:30 timezone=europe/berlin days=mon,fri max_items=4 name=ai"
    )
    assert errors == {}
    assert cmd is not None
    assert (cmd.channel, cmd.name, cmd.time, cmd.timezone, cmd.days, cmd.max_items, cmd.min_quality) == (
        typed.channel,
        typed.name,
        typed.time,
        typed.timezone,
        typed.days,
        typed.max_items,
        None,  # a blank field is not given
    )
