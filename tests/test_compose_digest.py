"""compose_digest: the top stories of a spec, each article once per message, already-posted ones left out."""

from __future__ import annotations

import random
from datetime import timedelta

from bot.compose.digest import compose_digest
from bot.compose.model import Digest
from bot.compose.stories import StoryIndex
from bot.digests.spec import DigestSpec, RankingWeights
from tests.article_factory import NOW, make_article, make_related, related_to

HEADLINE = "Acme unveils a robot that folds laundry in thirty seconds"


def _spec(**overrides: object) -> DigestSpec:
    return DigestSpec(name="robots-daily", channel="C1", **overrides)  # type: ignore[arg-type]


def _all_urls(digest: Digest) -> list[str]:
    return [url for story in digest.stories for url in story.urls]


def test_top_max_items_best_first_with_total_and_title() -> None:
    articles = [make_article(quality=float(q)) for q in (10, 90, 50, 70, 30)]
    index = StoryIndex.build(articles)
    digest = compose_digest(index, _spec(max_items=3), NOW, since=None)
    assert [s.lead.quality for s in digest.stories] == [90.0, 70.0, 50.0]
    assert digest.total == 5
    assert digest.title == "robots-daily"
    assert compose_digest(index, _spec(title="Robots Daily"), NOW, since=None).title == "Robots Daily"
    assert len(compose_digest(index, _spec(max_items=3), NOW, since=None, max_items=1).stories) == 1
    assert digest.stories[0].score > digest.stories[1].score > 0


def test_exclude_urls_drops_stories_already_posted_by_lead_or_merged_url() -> None:
    first = make_article(HEADLINE, quality=90.0, hours_ago=3)
    copy = make_article(f"UPDATE: {HEADLINE}", quality=20.0)
    other = make_article("Bank chatbots face new rules", quality=10.0)
    index = StoryIndex.build([first, copy, other])
    assert compose_digest(index, _spec(), NOW, since=None).total == 2
    for posted in (first.url, copy.url):
        digest = compose_digest(index, _spec(), NOW, since=None, exclude_urls=frozenset({posted}))
        assert [s.lead.title for s in digest.stories] == [other.title]
        assert digest.total == 1


def test_no_article_twice_in_a_message() -> None:
    top = make_article("Acme unveils a laundry robot", quality=120.0)
    # The second story lists the first story's article and the third's among its related reading.
    third = make_article("Regulators question bank chatbots", quality=10.0)
    second = make_article("Chip makers race to build AI accelerators", quality=5.0)
    shared = make_related()
    second_with = make_article(
        second.title, quality=5.0, related=(related_to(top), related_to(third), shared, make_related())
    )
    top_with = make_article(top.title, quality=120.0, url=top.url, related=(shared,))
    index = StoryIndex.build([top_with, second_with, third])
    digest = compose_digest(index, _spec(), NOW, since=None)
    assert [s.lead.title for s in digest.stories] == [top.title, second.title, third.title]
    urls = _all_urls(digest)
    assert len(urls) == len(set(urls))
    assert shared.url in [c.url for c in digest.stories[0].coverage]
    assert len(digest.stories[1].coverage) == 1  # only its own unshared related item is left


def test_a_story_shown_alone_keeps_coverage_that_another_message_would_drop() -> None:
    top = make_article("Acme unveils a laundry robot", quality=120.0)
    second = make_article(
        "Chip makers race to build AI accelerators", quality=10.0, related=(related_to(top),)
    )
    index = StoryIndex.build([top, second])
    digest = compose_digest(index, _spec(topics=("AI",), max_items=1), NOW, since=None)
    assert [s.lead.url for s in digest.stories] == [top.url]
    only_second = compose_digest(index, _spec(), NOW, since=None, exclude_urls=frozenset({top.url}))
    assert [c.url for c in only_second.stories[0].coverage] == [top.url]


def test_digest_weights_reorder_the_same_stories() -> None:
    scored = make_article("High quality alone", quality=150.0)
    covered = make_article(
        "Low quality, widely covered", quality=5.0, related=tuple(make_related() for _ in range(9))
    )
    index = StoryIndex.build([scored, covered])
    default = compose_digest(index, _spec(), NOW, since=None)
    assert default.stories[0].lead.title == covered.title
    by_quality = compose_digest(index, _spec(weights=RankingWeights(breadth=0.0)), NOW, since=None)
    assert [s.lead.title for s in by_quality.stories] == [scored.title, covered.title]


def test_random_corpora_never_repeat_an_article_or_outlet() -> None:
    rng = random.Random(7)
    pool = [make_related() for _ in range(30)]
    heads = [f"Story {n} about robots, chips and banks number {n}" for n in range(40)]
    articles = []
    for _ in range(200):
        related = tuple(rng.sample(pool, rng.randint(0, 6)))
        title = rng.choice(heads)
        if rng.random() < 0.3:
            title = "UPDATE: " + title
        articles.append(
            make_article(
                title, hours_ago=rng.uniform(0, 20), quality=rng.choice([None, 10.0, 60.0]), related=related
            )
        )
    articles += [make_article(a.title, related=(related_to(a),)) for a in rng.sample(articles, 20)]
    index = StoryIndex.build(articles)
    for max_items in (1, 5, 50):
        digest = compose_digest(index, _spec(max_items=max_items), NOW + timedelta(hours=1), since=None)
        urls = _all_urls(digest)
        assert len(urls) == len(set(urls))
        for story in digest.stories:
            outlets = [c.domain.casefold() for c in story.coverage]
            assert len(outlets) == len(set(outlets))
            assert story.lead.domain.casefold() not in outlets
            assert story.lead.url not in [c.url for c in story.coverage]
