"""Rendering digests and query answers with the default template and with overrides; golden payloads.

The golden files in tests/golden/compose/ pin the default template's exact output. After an intended
change to the template or the renderer, regenerate them with:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_compose_render.py

and review the diff before committing.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.compose.block_checks import check_payload
from bot.compose.render import Templates, render_digest, render_query
from bot.errors import ConfigError
from tests.compose_fixtures import answer, coverage, digest, story

GOLDEN = Path(__file__).parent / "golden" / "compose"


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.load(None)


def section_texts(payload: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def context_texts(payload: dict[str, Any]) -> list[str]:
    return [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]]


def test_digest_layout(templates: Templates) -> None:
    payload = render_digest(digest((story(1), story(2, image=None))), templates)
    assert payload["unfurl_links"] is False and payload["unfurl_media"] is False
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds == ["header", "section", "context", "divider", "section", "context", "divider", "context"]
    assert payload["blocks"][0]["text"] == {
        "type": "plain_text",
        "text": "Robotics Morning · Tuesday 5 March 2024",
        "emoji": True,
    }
    first = section_texts(payload)[0]
    assert first.startswith(
        "*<https://news1.example.com/story/1?a=1&amp;b=2|Robots learn to fold laundry, part 1>*\n"
    )
    assert (
        "Outlet 1 · <!date^1709620200^{date_short_pretty} {time}|2024-03-05 06:30 UTC> · AI, AI in Robotics"
        in first
    )
    assert payload["blocks"][1]["accessory"] == {
        "type": "image",
        "image_url": "https://img.example.com/1.jpg",
        "alt_text": "Robots learn to fold laundry, part 1",
    }
    assert "accessory" not in payload["blocks"][4]
    assert [b.get("block_id") for b in payload["blocks"]][3:5] == ["story-2-divider", "story-2"]
    assert payload["text"].startswith("Robotics Morning: Robots learn to fold laundry, part 1; Robots learn")


def test_header_date_is_in_the_digest_time_zone(templates: Templates) -> None:
    late = datetime(2024, 3, 5, 23, 30, tzinfo=UTC)
    tokyo = render_digest(digest((story(1),), now=late, timezone="Asia/Tokyo"), templates)
    assert tokyo["blocks"][0]["text"]["text"].endswith("Wednesday 6 March 2024")
    unknown = render_digest(digest((story(1),), now=late, timezone="Mars/Olympus"), templates)
    assert unknown["blocks"][0]["text"]["text"].endswith("Tuesday 5 March 2024")


def test_related_line_links_five_outlets_and_counts_the_rest(templates: Templates) -> None:
    many = replace(story(1), coverage=tuple(coverage(i) for i in range(8)))
    related = context_texts(render_digest(digest((many,)), templates))[0]
    assert related.startswith("Related: <https://cover0.example.org/a/0|Cover Outlet 0>, <https://cover1")
    assert related.count("<https://") == 5
    assert related.endswith(" +3 more")
    none = render_digest(digest((story(1, related=0),)), templates)
    assert [b["type"] for b in none["blocks"]] == ["header", "section", "divider", "context"]


def test_empty_digest_says_so(templates: Templates) -> None:
    payload = render_digest(digest((), total=0), templates)
    assert section_texts(payload)[0].startswith("No new stories on AI in Robotics since <!date^")
    assert payload["text"] == "Robotics Morning: no new stories"
    assert check_payload(payload) == []


def test_query_answer_says_what_matched(templates: Templates) -> None:
    payload = render_query(
        answer(tuple(story(i) for i in range(1, 6)), matched="Topic: Computer Vision"), templates
    )
    assert section_texts(payload)[0] == "*Topic: Computer Vision* — 42 stories, showing 5"
    assert len(section_texts(payload)) == 6
    assert payload["text"].startswith("Topic: Computer Vision: Robots learn")


def test_query_without_match_suggests_closest_topics(templates: Templates) -> None:
    unmatched = answer((), text="robtics", kind="none", matched="", topics=(), total=0)
    payload = render_query(replace(unmatched, suggestions=("AI in Robotics", "AI Ethics")), templates)
    assert section_texts(payload) == [
        "No topic or story matches “robtics”. Closest topics: AI in Robotics, AI Ethics.\n"
        "Try /news ai in robotics"
    ]
    largest = replace(unmatched, text="xyzzy", suggestions=("Power Apps", "AI"), suggestion_kind="largest")
    assert section_texts(render_query(largest, templates)) == [
        "No topic or story matches “xyzzy”. Topics with the most stories: Power Apps, AI.\n"
        "Try /news power apps"
    ]
    names = tuple(f"AI in Topic {i}" for i in range(7))
    ambiguous = replace(unmatched, text="ai in", suggestions=names, suggestion_kind="ambiguous")
    payload = render_query(ambiguous, templates)
    assert section_texts(payload) == [
        "“ai in” could mean several topics: AI in Topic 0, AI in Topic 1, AI in Topic 2, AI in Topic 3, "
        "AI in Topic 4, ….\nTry /news ai in topic 0"
    ]
    assert payload["text"] == "“ai in” could mean several topics"


def test_query_topic_without_stories_says_so(templates: Templates) -> None:
    payload = render_query(answer((), total=0), templates)
    assert section_texts(payload) == [
        "*Topic: AI in Robotics* — no stories yet.\n/news help lists the topics that have stories."
    ]
    assert payload["text"] == "Topic: AI in Robotics: no stories yet"


def test_override_template_replaces_only_the_macros_it_defines(tmp_path: Path) -> None:
    (tmp_path / "terse.j2").write_text(
        "{% macro story(story) %}{{ link(story.lead.url, story.lead.title) }}{% endmacro %}", encoding="utf-8"
    )
    templates = Templates.load(tmp_path)
    assert set(templates.names()) == {"default", "terse"}
    payload = render_digest(digest((story(1),), template="terse"), templates)
    assert section_texts(payload) == [
        "<https://news1.example.com/story/1?a=1&amp;b=2|Robots learn to fold laundry, part 1>"
    ]
    assert context_texts(payload)[-1].startswith("Top 1 of 8 stories since")


def test_override_that_forgets_to_escape_still_pings_nobody(tmp_path: Path) -> None:
    (tmp_path / "careless.j2").write_text(
        "{% macro story(story) %}{{ story.lead.title }}{% endmacro %}", encoding="utf-8"
    )
    payload = render_digest(
        digest((story(1, title="<!channel> hi"),), template="careless"), Templates.load(tmp_path)
    )
    assert section_texts(payload)[0] == "&lt;!channel&gt; hi"


def test_unknown_or_broken_templates_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown template 'nope'; available: default"):
        render_digest(digest((story(1),), template="nope"), Templates.load(None))
    (tmp_path / "broken.j2").write_text("{% macro story(story) %}{{ oops( }}{% endmacro %}", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.j2"):
        Templates.load(tmp_path)
    (tmp_path / "broken.j2").write_text(
        "{% macro story(story) %}{{ story.nothing_here }}{% endmacro %}", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="template 'broken', macro 'story'"):
        render_digest(digest((story(1),), template="broken"), Templates.load(tmp_path))


def golden_cases(templates: Templates) -> dict[str, dict[str, Any]]:
    stories = (
        replace(story(1), coverage=tuple(coverage(i) for i in range(7))),
        story(2, image=None, title="Ethics & <robots>: a *primer*", topics=("AI", "AI Ethics")),
        story(3, related=0, excerpt="Ünïcödé 🤖 excerpt"),
    )
    return {
        "digest": render_digest(digest(stories), templates),
        "digest_empty": render_digest(digest((), total=0, since=None), templates),
        "query": render_query(answer(stories[:2], matched="Topic: AI in Robotics", total=2), templates),
        "query_no_match": render_query(
            answer(
                (),
                text="robtics",
                kind="none",
                matched="",
                topics=(),
                suggestions=("AI in Robotics",),
                total=0,
            ),
            templates,
        ),
    }


@pytest.mark.parametrize("name", ["digest", "digest_empty", "query", "query_no_match"])
def test_golden_payloads(name: str, templates: Templates) -> None:
    payload = golden_cases(templates)[name]
    assert check_payload(payload) == []
    path = GOLDEN / f"{name}.json"
    rendered = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == rendered, (
        f"regenerate with UPDATE_GOLDEN=1 if intended ({path})"
    )


def test_rendering_is_deterministic(templates: Templates) -> None:
    stories = tuple(story(i) for i in range(1, 4))
    assert render_digest(digest(stories), templates) == render_digest(digest(stories), Templates.load(None))


def test_terminal_rendering_reads_like_the_message(templates: Templates) -> None:
    from bot.compose.terminal import render_text

    text = render_text(render_digest(digest((story(1),)), templates))
    lines = text.splitlines()
    assert lines[0] == "Robotics Morning · Tuesday 5 March 2024"
    assert "Robots learn to fold laundry, part 1 (https://news1.example.com/story/1?a=1&b=2)" in lines
    assert "Outlet 1 · 2024-03-05 06:30 UTC · AI, AI in Robotics" in lines
    assert "[image: https://img.example.com/1.jpg]" in lines
    # Related outlets by name only, as Slack shows them; no markup or entities left anywhere.
    assert "  Related: Cover Outlet 100, Cover Outlet 101" in lines
    assert "<" not in text and "&amp;" not in text
