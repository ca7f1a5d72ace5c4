"""Ranking: the score's terms, the decay, the now-independent order, tie-breaks and the filters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.compose import ranking
from bot.compose.digest import compose_digest
from bot.compose.stories import StoryIndex
from bot.digests.spec import DigestSpec, RankingWeights
from tests.article_factory import NOW, make_article, make_related

DEFAULT = RankingWeights()


def _titles(index: StoryIndex) -> list[str]:
    return [entry.lead.title for entry in index.stories]


def _spec(**overrides: object) -> DigestSpec:
    return DigestSpec(name="test", channel="C1", **overrides)  # type: ignore[arg-type]


def test_quality_term_saturates_and_defaults_missing_to_40() -> None:
    assert ranking.quality_term(None) == ranking.quality_term(40.0)
    assert ranking.quality_term(50.0) == pytest.approx(0.5)
    assert ranking.quality_term(0.0) == 0.0
    assert ranking.quality_term(-5.0) == 0.0
    assert ranking.quality_term(100.0) < ranking.quality_term(189.0) < 1.0


def test_breadth_term_counts_outlets() -> None:
    assert ranking.breadth_term(0) == 0.0
    assert ranking.breadth_term(3) == pytest.approx(0.5)
    assert ranking.breadth_term(1) < ranking.breadth_term(2) < ranking.breadth_term(30) < 1.0


def test_score_halves_every_half_life() -> None:
    weights = RankingWeights(half_life_hours=12.0)
    base = ranking.base_score(50.0, 0, weights)
    published = NOW - timedelta(hours=12)
    assert ranking.decayed_score(base, published, NOW, weights) == pytest.approx(base / 2)
    assert ranking.decayed_score(base, published, NOW + timedelta(hours=12), weights) == pytest.approx(
        base / 4
    )


def test_order_key_agrees_with_the_score_at_any_now() -> None:
    old_good = (ranking.base_score(150.0, 5, DEFAULT), NOW - timedelta(hours=30))
    new_weak = (ranking.base_score(10.0, 0, DEFAULT), NOW - timedelta(hours=2))
    by_key = ranking.order_key(*old_good, DEFAULT) > ranking.order_key(*new_weak, DEFAULT)
    for later in (0, 5, 500):
        now = NOW + timedelta(hours=later)
        by_score = ranking.decayed_score(*old_good, now, DEFAULT) > ranking.decayed_score(
            *new_weak, now, DEFAULT
        )
        assert by_score == by_key


def test_higher_quality_newer_and_wider_coverage_rank_first() -> None:
    low = make_article("Low quality", quality=20.0)
    high = make_article("High quality", quality=120.0)
    older = make_article("Same quality older", quality=120.0, hours_ago=11)
    wide = make_article("Low quality wide coverage", quality=20.0, related=(make_related(),))
    index = StoryIndex.build([low, older, wide, high])
    assert _titles(index) == [
        "High quality",
        "Same quality older",
        "Low quality wide coverage",
        "Low quality",
    ]


def test_missing_quality_ranks_like_40() -> None:
    unscored = make_article("Unscored", quality=None)
    below = make_article("Thirty nine", quality=39.0)
    above = make_article("Forty one", quality=41.0)
    assert _titles(StoryIndex.build([below, unscored, above])) == ["Forty one", "Unscored", "Thirty nine"]


def test_ties_break_on_newest_then_url() -> None:
    flat = RankingWeights(quality=0.0, breadth=0.0)  # every score is 0: only the tie-breaks order
    a = make_article("Alpha story", url="https://b.example/2", hours_ago=5)
    b = make_article("Bravo story", url="https://a.example/1", hours_ago=5)
    c = make_article("Charlie story", url="https://z.example/9", hours_ago=1)
    assert _titles(StoryIndex.build([a, b, c], weights=flat)) == [
        "Charlie story",
        "Bravo story",
        "Alpha story",
    ]


def test_topic_filter_matches_any_topic_case_insensitively() -> None:
    robots = make_article("Robot arms", topics=("AI", "AI in Robotics"))
    vision = make_article("Camera vision", topics=("AI", "Computer Vision"))
    money = make_article("Bank bots", topics=("AI in Finance",))
    index = StoryIndex.build([robots, vision, money])
    digest = compose_digest(index, _spec(topics=("ai in robotics", "COMPUTER VISION")), NOW, since=None)
    assert {s.lead.title for s in digest.stories} == {"Robot arms", "Camera vision"}
    everything = compose_digest(index, _spec(), NOW, since=None)
    assert everything.total == 3


def test_min_quality_treats_missing_as_40() -> None:
    index = StoryIndex.build([make_article("Unscored", quality=None), make_article("Scored", quality=45.0)])
    assert compose_digest(index, _spec(min_quality=40.0), NOW, since=None).total == 2
    assert [
        s.lead.title for s in compose_digest(index, _spec(min_quality=41.0), NOW, since=None).stories
    ] == ["Scored"]


def test_a_negative_quality_counts_as_0_for_the_minimum_as_for_the_score() -> None:
    # The score reads a negative quality as 0; the default minimum (0, "no minimum") must not
    # silently drop such an article from every digest while /news still finds it.
    index = StoryIndex.build([make_article("Below zero", quality=-5.0), make_article("Zero", quality=0.0)])
    assert {s.lead.title for s in compose_digest(index, _spec(), NOW, since=None).stories} == {
        "Below zero",
        "Zero",
    }
    assert compose_digest(index, _spec(min_quality=1.0), NOW, since=None).total == 0


def test_window_is_since_last_post_else_window_hours_and_never_the_future() -> None:
    fresh = make_article("Fresh", hours_ago=2)
    day_old = make_article("Day old", hours_ago=30)
    future = make_article("From the future", hours_ago=-3)
    index = StoryIndex.build([fresh, day_old, future])

    def titles(**kwargs: object) -> set[str]:
        spec = _spec(window_hours=kwargs.pop("window_hours", 24.0))
        return {s.lead.title for s in compose_digest(index, spec, NOW, **kwargs).stories}  # type: ignore[arg-type]

    assert titles(since=None) == {"Fresh"}
    assert titles(since=None, window_hours=48.0) == {"Fresh", "Day old"}
    assert titles(since=NOW - timedelta(hours=40)) == {"Fresh", "Day old"}
    assert titles(since=NOW - timedelta(hours=1)) == set()


def test_type_filter() -> None:
    index = StoryIndex.build([make_article("A clip", type="video"), make_article("A text", type="article")])
    digest = compose_digest(index, _spec(types=("Video",)), NOW, since=None)
    assert [s.lead.title for s in digest.stories] == ["A clip"]


def test_outlet_key_prefers_domain_then_provider_then_host() -> None:
    assert ranking.outlet_key("WWW.Example.com", "Example", "https://x.test/a") == "example.com"
    assert ranking.outlet_key("", "The Verge", "https://x.test/a") == "the verge"
    assert ranking.outlet_key("", "", "https://x.test/a") == "x.test"
