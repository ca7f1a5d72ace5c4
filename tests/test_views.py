"""The App Home and digest modal builders: golden views, limits, trimming, escaping, and the
submission parser read back through the same block and action IDs the builders wrote.

The golden files in tests/golden/views/ pin the exact views. After an intended change:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_views.py
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.compose.block_checks import check_view
from bot.compose.render import Templates, render_query
from bot.compose.slack_limits import MAX_VIEW_BLOCKS
from bot.errors import QueryError
from bot.views import ids
from bot.views.data import AdminHomeData, DigestForm, DigestRow, HomeData, PersonalDigestView
from bot.views.elements import from_value, option_value
from bot.views.home import MAX_HOME_TOPICS, home_view
from bot.views.modals import (
    ModalMetadata,
    answer_modal,
    channel_digest_modal,
    external_options,
    personal_digest_modal,
)
from bot.views.submission import errors_response, parse_submission
from tests.compose_fixtures import answer, story

GOLDEN = Path(__file__).parent / "golden" / "views"
NOW = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
TOPICS = (("AI in Robotics", 12), ("Computer Vision", 7), ("AI Ethics", 3))
ZONES = ("Europe/Berlin", "UTC", "America/New_York")


def row(i: int, **changes: Any) -> DigestRow:
    values: dict[str, Any] = {
        "name": f"digest-{i}",
        "channel": f"C{i:07d}",
        "topics": ("AI in Robotics",),
        "schedule": "08:00 Europe/Berlin, weekdays",
        "source": "slack",
        "last_post": NOW,
        "next_post": datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
    }
    values.update(changes)
    return DigestRow(**values)


PERSONAL = PersonalDigestView(
    ("AI Ethics", "Computer Vision"), "08:00 on weekdays, your time", filters="without crypto"
)
FILE_ROW = row(
    2, name="morning", channel="news", source="file", origin="digests/morning.yaml", editable=False
)


def all_action_ids(view: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for block in view["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}, block.get("element") or {}]:
            if isinstance(element, dict) and "action_id" in element:
                found.append(element["action_id"])
    return found


def buttons(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        e["action_id"]: e
        for b in view["blocks"]
        for e in [*b.get("elements", []), b.get("accessory") or {}]
        if isinstance(e, dict) and e.get("type") == "button"
    }


def golden_cases() -> dict[str, dict[str, Any]]:
    many_topics = tuple((f"Topic {i}", 150 - i) for i in range(150))
    return {
        "home_admin": home_view(
            HomeData(
                PERSONAL, TOPICS, AdminHomeData((row(0), row(1, enabled=False, last_post=None), FILE_ROW))
            )
        ),
        "home_member": home_view(HomeData(None, TOPICS)),
        "modal_channel_new": channel_digest_modal(
            DigestForm(channel="C0000001"), topics=TOPICS, timezones=ZONES
        ),
        "modal_channel_edit_external": channel_digest_modal(
            DigestForm(
                topics=("Topic 3",),
                time="07:30",
                timezone="Europe/Berlin",
                days=frozenset({0, 2, 4}),
                max_items=8,
                min_quality=0.5,
                exclude=("crypto",),
                exclude_outlets=("Forbes",),
                include=("OpenAI",),
                channel="C0000001",
            ),
            topics=many_topics,
            timezones=tuple(f"Zone/{i}" for i in range(101)),
            editing="morning & <news>",
        ),
        "modal_personal": personal_digest_modal(
            DigestForm(topics=("AI Ethics",), days=frozenset(range(5))),
            topics=TOPICS,
            editing=True,
            timezone_label="Europe/Berlin",
        ),
    }


@pytest.mark.parametrize("name", sorted(golden_cases()))
def test_golden_views(name: str) -> None:
    view = golden_cases()[name]
    assert check_view(view) == []
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(view, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered, (
        f"regenerate with UPDATE_GOLDEN=1 if intended ({path})"
    )


def test_admin_part_only_for_admins() -> None:
    member = home_view(HomeData(PERSONAL, TOPICS))
    admin = home_view(HomeData(PERSONAL, TOPICS, AdminHomeData((row(0),))))

    assert not [a for a in all_action_ids(member) if a.startswith("home.digest")]
    assert ids.HOME_DIGEST_NEW in all_action_ids(admin)
    assert {ids.HOME_PERSONAL_EDIT, ids.HOME_PERSONAL_OFF} <= set(all_action_ids(member))


def test_personal_digest_states() -> None:
    none = all_action_ids(home_view(HomeData(None, TOPICS)))
    off = all_action_ids(home_view(HomeData(PersonalDigestView(("AI",), "08:00", enabled=False), TOPICS)))

    assert ids.HOME_PERSONAL_NEW in none and ids.HOME_PERSONAL_EDIT not in none
    assert ids.HOME_PERSONAL_ON in off and ids.HOME_PERSONAL_OFF not in off


def test_digest_buttons_carry_the_name_and_file_digests_are_read_only() -> None:
    view = home_view(HomeData(None, TOPICS, AdminHomeData((row(0), FILE_ROW))))
    by_id = buttons(view)
    text = json.dumps(view)

    for base in (ids.HOME_DIGEST_EDIT, ids.HOME_DIGEST_PREVIEW, ids.HOME_DIGEST_POST, ids.HOME_DIGEST_PAUSE):
        assert by_id[ids.row_action(base, 0)]["value"] == "digest-0"
    assert by_id[ids.row_action(ids.HOME_DIGEST_DELETE, 0)]["confirm"]
    assert by_id[ids.row_action(ids.HOME_DIGEST_PREVIEW, 1)]["value"] == "morning"
    for base in (ids.HOME_DIGEST_EDIT, ids.HOME_DIGEST_PAUSE, ids.HOME_DIGEST_RESUME, ids.HOME_DIGEST_DELETE):
        assert ids.row_action(base, 1) not in by_id
    assert "digests/morning.yaml" in text and "read-only" in text


@pytest.mark.parametrize("count", [0, 1, 29, 30, 31, 45, 200])
def test_home_stays_within_100_blocks_and_says_how_many_more(count: int) -> None:
    digests = tuple(
        row(i, editable=i % 3 != 0, source="file" if i % 3 == 0 else "slack") for i in range(count)
    )
    view = home_view(HomeData(PERSONAL, tuple((f"T{i}", i) for i in range(40)), AdminHomeData(digests)))
    text = json.dumps(view, ensure_ascii=False)

    assert check_view(view) == []
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    shown = len(
        {b["block_id"] for b in view["blocks"] if re.fullmatch(r"home\.digest#\d+", b.get("block_id", ""))}
    )
    more = re.search(r"and (\d+) more — `/news-admin list`", text)
    assert shown + (int(more.group(1)) if more else 0) == count
    assert (more is None) == (shown == count)
    assert len([a for a in all_action_ids(view) if a.startswith(ids.HOME_TOPIC)]) == min(40, MAX_HOME_TOPICS)


def test_article_and_user_text_is_escaped() -> None:
    evil = "<!channel> & <@U1|x>"
    view = home_view(
        HomeData(
            PersonalDigestView((evil,), evil, filters=evil),
            ((evil, 1),),
            AdminHomeData((row(0, name=evil, topics=(evil,), schedule=evil, channel=evil, origin=evil),)),
        )
    )
    modal = channel_digest_modal(DigestForm(), topics=((evil, 1),), timezones=ZONES, editing=evil)

    assert check_view(view) == [] and check_view(modal) == []
    assert "&lt;!channel&gt; &amp; &lt;@U1|x&gt;" in json.dumps(view)


def slack_state(view: dict[str, Any], **typed: Any) -> dict[str, Any]:
    """What Slack sends back in view.state.values when the user keeps the initial values, with
    ``typed`` (block_id key → element state) replacing some."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] in ("plain_text_input", "number_input"):
            state["value"] = element.get("initial_value")
        elif element["type"] in ("multi_static_select", "multi_external_select", "checkboxes"):
            state["selected_options"] = element.get("initial_options", [])
        elif element["type"] in ("static_select", "external_select"):
            state["selected_option"] = element.get("initial_option")
        elif element["type"] == "timepicker":
            state["selected_time"] = element.get("initial_time")
        elif element["type"] == "conversations_select":
            state["selected_conversation"] = element.get("initial_conversation")
        key = block["block_id"].removeprefix("digest.")
        state.update(typed.get(key, {}))
        values[block["block_id"]] = {element["action_id"]: state}
    return {**view, "state": {"values": values}}


def test_submission_reads_back_what_the_modal_showed() -> None:
    form = DigestForm(
        topics=("Computer Vision",),
        time="07:30",
        timezone="Europe/Berlin",
        days=frozenset({0, 2, 4}),
        max_items=8,
        min_quality=0.5,
        exclude=("crypto", "layoffs"),
        exclude_outlets=("Forbes",),
        include=("OpenAI",),
        channel="C0000001",
    )
    modal = channel_digest_modal(form, topics=TOPICS, timezones=ZONES, editing="morning")
    got = parse_submission(slack_state(modal))

    assert got.metadata == ModalMetadata("channel", "morning", editing=True)
    assert (got.channel, got.topics, got.time, got.timezone) == (
        "C0000001",
        ("Computer Vision",),
        "07:30",
        "Europe/Berlin",
    )
    assert got.days == ("mon", "wed", "fri") and (got.max_items, got.min_quality) == ("8", "0.5")
    assert got.grammar_options() == {
        "topics": "Computer Vision",
        "time": "07:30",
        "timezone": "Europe/Berlin",
        "days": "mon,wed,fri",
        "max_items": "8",
        "min_quality": "0.5",
        "include": "OpenAI",
        "exclude": "crypto, layoffs",
        "exclude_outlets": "Forbes",
    }


def test_submission_of_a_new_digest_and_empty_fields() -> None:
    modal = channel_digest_modal(DigestForm(), topics=TOPICS, timezones=ZONES)
    got = parse_submission(
        slack_state(
            modal,
            name={"value": "  evening "},
            topics={"selected_options": []},
            channel={"selected_conversation": None},
        )
    )

    assert got.metadata == ModalMetadata("channel", None, editing=False)
    assert (got.name, got.channel, got.topics, got.exclude) == ("evening", None, (), "")
    assert "topics" not in got.grammar_options()


def test_personal_submission_has_no_channel_or_zone() -> None:
    modal = personal_digest_modal(DigestForm(topics=("AI Ethics",)), topics=TOPICS, editing=False)
    got = parse_submission(slack_state(modal))

    assert got.metadata == ModalMetadata("personal", None, editing=False)
    assert (got.channel, got.timezone, got.topics, got.time) == (None, None, ("AI Ethics",), "08:00")
    assert not {ids.block_id("channel"), ids.block_id("timezone")} & {
        b.get("block_id") for b in modal["blocks"]
    }


def test_errors_are_keyed_to_blocks_of_the_modal() -> None:
    modal = channel_digest_modal(DigestForm(), topics=TOPICS, timezones=ZONES)
    answer = errors_response({"time": "time: use HH:MM", "topics": "Unknown topic 'robtics'"})

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) <= {b.get("block_id") for b in modal["blocks"]}
    with pytest.raises(ValueError, match="unknown modal field"):
        errors_response({"colour": "x"})


@pytest.mark.parametrize("metadata", ["", "not json", '{"v": 2, "kind": "channel"}', '{"v": 1, "kind": "x"}'])
def test_stale_metadata_is_a_clear_error(metadata: str) -> None:
    with pytest.raises(QueryError, match="open it again"):
        parse_submission({"private_metadata": metadata, "state": {"values": {}}})


def test_metadata_too_long_for_slack_is_refused() -> None:
    with pytest.raises(QueryError, match="too long"):
        ModalMetadata("channel", "n" * 3000, editing=True).encode()


def test_external_options_filter_and_cap_at_100() -> None:
    topics = tuple((f"Topic {i}", i) for i in range(300))
    zones = ("Europe/Berlin", "America/New_York", "Asia/Tokyo")

    found = external_options(ids.TOPICS_ACTION, "topic 1", topics=topics, timezones=zones)["options"]
    assert len(found) == 100 and all("Topic 1" in o["text"]["text"] for o in found)
    assert (
        external_options(ids.TIMEZONE_ACTION, "new york", topics=topics, timezones=zones)["options"][0][
            "value"
        ]
        == "America/New_York"
    )
    assert external_options("other", "x", topics=topics, timezones=zones) == {"options": []}


def test_long_topic_names_survive_the_150_character_option_value() -> None:
    long = "A" * 200
    modal = channel_digest_modal(DigestForm(topics=(long,)), topics=((long, 2), ("B", 1)), timezones=ZONES)
    got = parse_submission(slack_state(modal), topic_names=[long, "B"])

    assert check_view(modal) == []
    assert len(option_value(long)) <= 150 and from_value(option_value(long), [long]) == long
    assert got.topics == (long,)


def test_action_patterns_match_row_forms_only() -> None:
    pattern = ids.action_pattern(ids.HOME_DIGEST_EDIT)
    assert pattern.match("home.digest.edit") and pattern.match("home.digest.edit#12")
    assert not pattern.match("home.digest.editor") and not pattern.match("home.digest.delete#1")


def test_a_topic_answer_as_a_modal() -> None:
    templates = Templates.load(None)
    stories = (story(1), story(2, title="Ethics & <robots>"))
    payload = render_query(answer(stories, matched="Topic: AI in Robotics", total=2), templates)
    share = {"type": "button", "text": {"type": "plain_text", "text": "Share"}, "action_id": "share"}
    shared = {**payload, "blocks": [*payload["blocks"], {"type": "actions", "elements": [share]}]}
    modal = answer_modal("AI in Robotics and a very long topic name", shared)

    assert check_view(modal) == []
    assert modal["title"]["text"] == "AI in Robotics and a ve…"
    assert [b for b in modal["blocks"] if b["type"] == "actions"] == []
    assert len(modal["blocks"]) == len([b for b in shared["blocks"] if b["type"] != "actions"]) > 0


def test_a_chosen_topic_absent_from_todays_articles_stays_chosen() -> None:
    modal = channel_digest_modal(DigestForm(topics=("Quantum",)), topics=TOPICS, timezones=ZONES)
    got = parse_submission(slack_state(modal))

    assert check_view(modal) == []
    assert got.topics == ("Quantum",)


def element_of(view: dict[str, Any], key: str) -> dict[str, Any]:
    element: dict[str, Any] = next(
        b["element"] for b in view["blocks"] if b.get("block_id") == ids.block_id(key)
    )
    return element


@pytest.mark.parametrize(("count", "kind"), [(100, "multi_static_select"), (101, "multi_external_select")])
def test_topic_menu_turns_external_above_100_topics(count: int, kind: str) -> None:
    topics = tuple((f"T{i}", i) for i in range(count))
    modal = channel_digest_modal(DigestForm(topics=("T5",)), topics=topics, timezones=ZONES)

    assert element_of(modal, "topics")["type"] == kind
    assert element_of(modal, "topics")["initial_options"][0]["value"] == "T5"
    assert check_view(modal) == []


def test_timezone_menu_defaults_to_the_given_zone() -> None:
    static = channel_digest_modal(DigestForm(timezone="Europe/Berlin"), topics=TOPICS, timezones=ZONES)
    external = channel_digest_modal(
        DigestForm(timezone="Asia/Tokyo"), topics=TOPICS, timezones=tuple(f"Z/{i}" for i in range(200))
    )

    assert element_of(static, "timezone")["type"] == "static_select"
    assert element_of(static, "timezone")["initial_option"]["value"] == "Europe/Berlin"
    assert element_of(external, "timezone")["type"] == "external_select"
    assert element_of(external, "timezone")["initial_option"]["value"] == "Asia/Tokyo"
