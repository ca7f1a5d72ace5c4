"""Every concrete `/news …` and `/news-admin subscribe …` example of README.md and docs/*.md works on
the bundled sample articles: a lookup finds stories, a subscription resolves every topic."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from bot.articles import load_articles, sample_dir
from bot.channel_refs import ChannelRef
from bot.compose.query import answer_query
from bot.compose.stories import StoryIndex
from bot.digests.values import absent_topics, parse_topics
from bot.grammar.follow import is_follow_command, parse_follow
from bot.grammar.news_admin import parse_admin_command, resolve_subscribe
from bot.services.catalog import build_snapshot
from bot.topics import TopicMatcher
from tests.articles_helpers import REPO

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_EXAMPLE = re.compile(r"`(/news(?:-admin)?(?: [^`]*)?)`")
# Usage lines, not examples: placeholders in capitals or [optional] parts.
_SCHEMATIC = re.compile(r"\[|\b(?:TEXT|TOPIC|NAME|HH:MM|A,B)\b")
_HELP = {"/news", "/news help"}


def _examples() -> list[str]:
    found: dict[str, None] = {}
    for doc in DOCS:
        for example in _EXAMPLE.findall(doc.read_text(encoding="utf-8")):
            if not _SCHEMATIC.search(example):
                found.setdefault(" ".join(example.split()), None)
    return list(found)


EXAMPLES = _examples()


@pytest.fixture(scope="module")
def sample() -> tuple[StoryIndex, TopicMatcher]:
    snapshot = build_snapshot(load_articles([sample_dir()]).articles)
    return snapshot.index, snapshot.matcher


def test_the_docs_have_examples() -> None:
    lookups = [e for e in EXAMPLES if _lookup(e)]
    assert "/news computer vision" in lookups and len(lookups) >= 2
    assert any(e.startswith("/news-admin subscribe") and "topics=" in e for e in EXAMPLES)


def _lookup(example: str) -> bool:
    return example.startswith("/news ") and example not in _HELP and not is_follow_command(example[6:])


@pytest.mark.parametrize(
    "example", [e for e in EXAMPLES if e.startswith("/news ") and is_follow_command(e[6:])]
)
def test_follow_examples_parse_and_name_sample_topics(
    sample: tuple[StoryIndex, TopicMatcher], example: str
) -> None:
    _, matcher = sample
    cmd = parse_follow(example.removeprefix("/news "))
    if cmd.topics:
        assert absent_topics(parse_topics(list(cmd.topics), matcher), matcher) == (), example


@pytest.mark.parametrize("example", [e for e in EXAMPLES if _lookup(e)])
def test_news_examples_find_stories_on_the_sample(
    sample: tuple[StoryIndex, TopicMatcher], example: str
) -> None:
    index, matcher = sample
    answer = answer_query(index, matcher, example.removeprefix("/news "), datetime(2030, 1, 1, tzinfo=UTC))
    assert answer.kind != "none" and answer.stories, f"{example}: {answer.suggestions}"


@pytest.mark.parametrize("example", [e for e in EXAMPLES if e.startswith("/news-admin ")])
def test_admin_examples_parse_and_resolve_on_the_sample(
    sample: tuple[StoryIndex, TopicMatcher], example: str
) -> None:
    _, matcher = sample
    cmd = parse_admin_command(example.removeprefix("/news-admin "))
    if cmd.action == "subscribe":
        spec = resolve_subscribe(cmd, matcher, default_channel=ChannelRef("C0123", "general"))
        assert absent_topics(spec.topics, matcher) == (), example


def test_a_lookup_that_matches_nothing_suggests_real_topics(sample: tuple[StoryIndex, TopicMatcher]) -> None:
    index, matcher = sample
    answer = answer_query(index, matcher, "robotics", datetime(2030, 1, 1, tzinfo=UTC))
    assert answer.kind == "none" and answer.suggestion_kind == "largest"
    assert answer.suggestions == ("AI", "Computer Vision", "AI in Autos")
