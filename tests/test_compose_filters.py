"""Digest filters: include / exclude keywords and exclude_outlets, applied to articles before stories."""

from __future__ import annotations

import pytest

from bot.compose.digest import compose_digest, newest_story
from bot.compose.filters import StoryFilter, contains_phrase, domain_of, fold
from bot.compose.stories import StoryIndex
from bot.digests.spec import DigestSpec, RankingWeights
from tests.article_factory import NOW, make_article, make_related

HEADLINE = "Acme unveils a robot that folds laundry in thirty seconds"


def _spec(**overrides: object) -> DigestSpec:
    return DigestSpec(name="d", channel="C1", **overrides)  # type: ignore[arg-type]


def _titles(index: StoryIndex, **overrides: object) -> list[str]:
    return [s.lead.title for s in compose_digest(index, _spec(**overrides), NOW, since=None).stories]


@pytest.mark.parametrize(
    ("text", "phrase", "found"),
    [
        ("Tesla settles with Zoox", "tesla", True),
        ("Tesla's lawsuit", "tesla", True),
        ("AI-driven cars", "ai", True),
        ("He said so", "ai", False),  # not inside a word
        ("Teslas everywhere", "tesla", False),  # whole words only
        ("self driving cars", "self driving", True),
        ("self-driving cars", "self driving", False),
        ("self-driving cars", "self-driving", True),
        ("Learn C++ today", "c++", True),
        ("Café culture", "café", True),
        ("Cafés open", "café", False),  # é is a letter: no boundary inside "Cafés"
        ("Grüße aus Zürich", "zürich", True),
        ("Zürichsee", "zürich", False),
        ("ボット", "ボ", False),  # letters of other scripts are word characters too
        ("cafe\u0301 noir", "café", True),  # decomposed accent, NFKC-composed
        ("naïve\u0308x", "naïve", False),  # a combining mark continues the word
    ],
)
def test_whole_word_matching_is_unicode_safe(text: str, phrase: str, found: bool) -> None:
    assert contains_phrase(fold(text), fold(phrase)) is found


def test_fold_is_casefold_with_one_space() -> None:
    assert fold("  STRASSE\u00a0 Bob’s ") == "strasse bob's"
    assert contains_phrase(fold("Die Straße ist zu"), fold("STRASSE"))


@pytest.mark.parametrize(
    ("entry", "domain"),
    [
        ("example.com", "example.com"),
        ("www.Example.com", "example.com"),
        ("https://news.example.com/path", "news.example.com"),
        ("Example News", None),
        ("Reuters", None),
    ],
)
def test_outlet_entries_are_domains_or_names(entry: str, domain: str | None) -> None:
    assert domain_of(entry) == domain


def test_exclude_keyword_drops_matching_articles_in_title_or_excerpt() -> None:
    tesla = make_article("Tesla settles lawsuit", quality=90.0)
    hidden = make_article("Quiet week", excerpt="Nothing but TESLA news.", quality=80.0)
    said = make_article("The CEO said little", quality=70.0)
    index = StoryIndex.build([tesla, hidden, said])
    assert _titles(index) == [tesla.title, hidden.title, said.title]
    assert _titles(index, exclude=("tesla",)) == [said.title]
    digest = compose_digest(index, _spec(exclude=("tesla",)), NOW, since=None)
    assert digest.total == 1


def test_include_keeps_articles_with_any_of_the_words() -> None:
    robot = make_article("A robot folds towels", quality=90.0)
    drone = make_article("Drones deliver parcels", excerpt="A drone flew.", quality=80.0)
    other = make_article("Markets fall", quality=70.0)
    index = StoryIndex.build([robot, drone, other])
    assert _titles(index, include=("robot", "drone")) == [robot.title, drone.title]
    assert _titles(index, include=("robot",), exclude=("towels",)) == []


def test_exclude_outlets_by_name_domain_and_subdomain() -> None:
    sub = make_article("One", provider="Daily Planet", domain="news.example.com", url="https://a.test/1")
    top = make_article("Two", domain="", url="https://www.example.com/2", quality=49.0)
    named = make_article("Three", provider="The  Daily Bugle", domain="bugle.test", url="https://b.test/3")
    lookalike = make_article("Four", domain="notexample.com", url="https://c.test/4")
    index = StoryIndex.build([sub, top, named, lookalike])
    every = sorted(_titles(index))
    assert every == ["Four", "One", "Three", "Two"]
    assert sorted(_titles(index, exclude_outlets=("example.com",))) == ["Four", "Three"]
    assert _titles(index, exclude_outlets=("the daily bugle", "www.example.com")) == ["Four"]
    assert sorted(_titles(index, exclude_outlets=("Daily",))) == every


def test_excluded_lead_hands_the_story_to_its_best_remaining_article() -> None:
    lead = make_article(HEADLINE, quality=90.0, domain="bad.example", provider="Bad Outlet")
    copy = make_article(f"UPDATE: {HEADLINE}", quality=20.0, domain="good.example", provider="Good")
    index = StoryIndex.build([lead, copy])
    assert len(index) == 1
    [story] = compose_digest(index, _spec(exclude_outlets=("bad.example",)), NOW, since=None).stories
    assert story.lead.url == copy.url
    assert all("bad.example" not in url for url in story.urls)
    assert story.merged == ()


def test_related_coverage_from_excluded_outlets_or_words_is_not_shown() -> None:
    bad = make_related(domain="spam.example", provider="Spam")
    worded = make_related(title="Crypto angle on the robot")
    good = make_related()
    article = make_article(HEADLINE, related=(bad, worded, good))
    index = StoryIndex.build([article])
    plain = compose_digest(index, _spec(), NOW, since=None).stories[0]
    assert {c.url for c in plain.coverage} == {bad.url, worded.url, good.url}
    spec = _spec(exclude_outlets=("spam.example",), exclude=("crypto",))
    [story] = compose_digest(index, spec, NOW, since=None).stories
    assert [c.url for c in story.coverage] == [good.url]
    assert story.score < plain.score  # fewer outlets: less breadth


def test_filtered_stories_are_re_ranked_and_topic_checked() -> None:
    # The strong story loses its strong member and sinks below the other one.
    strong = make_article(HEADLINE, quality=150.0, domain="bad.example")
    weak_copy = make_article(f"UPDATE: {HEADLINE}", quality=1.0, topics=("Other",))
    middle = make_article("Chips get faster", quality=60.0)
    index = StoryIndex.build([strong, weak_copy, middle])
    assert _titles(index) == [strong.title, middle.title]
    assert _titles(index, exclude_outlets=("bad.example",)) == [middle.title, weak_copy.title]
    # The only member with the digest's topic is left out: the story is not on the topic any more.
    assert _titles(index, topics=("AI",), exclude_outlets=("bad.example",)) == [middle.title]
    weights = RankingWeights(quality=2.0)
    assert _titles(index, exclude_outlets=("bad.example",), weights=weights) == [
        middle.title,
        weak_copy.title,
    ]


def test_exclude_urls_still_judge_the_whole_story() -> None:
    lead = make_article(HEADLINE, quality=90.0, domain="bad.example")
    copy = make_article(f"UPDATE: {HEADLINE}", quality=20.0)
    index = StoryIndex.build([lead, copy])
    spec = _spec(exclude_outlets=("bad.example",))
    assert compose_digest(index, spec, NOW, since=None, exclude_urls=frozenset({lead.url})).stories == ()


def test_newest_story_respects_filters() -> None:
    old = make_article("Old robot", hours_ago=50)
    new = make_article("New crypto robot", hours_ago=40)
    index = StoryIndex.build([old, new])
    assert newest_story(index, _spec(), NOW) == new.published
    assert newest_story(index, _spec(exclude=("crypto",)), NOW) == old.published


def test_no_filter_compiles_to_none_and_leaves_entries_alone() -> None:
    assert StoryFilter.of(_spec()) is None
    article = make_article(HEADLINE, related=(make_related(),))
    index = StoryIndex.build([article])
    unfiltered = compose_digest(index, _spec(), NOW, since=None)
    passing = compose_digest(index, _spec(exclude=("zebra",)), NOW, since=None)
    assert unfiltered.stories == passing.stories
