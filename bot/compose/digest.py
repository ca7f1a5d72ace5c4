"""Compose one digest: filter the index's stories for a spec, rank them, keep the top ``max_items``.

A spec's keyword and outlet filters (``bot.compose.filters``) apply to the articles of each story
before it is judged, so preview, `/news-admin post` and scheduled posts show the same stories.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from bot.compose import ranking
from bot.compose.filters import StoryFilter
from bot.compose.model import Digest
from bot.compose.stories import StoryEntry, StoryIndex, make_entry, to_stories
from bot.digests.spec import DigestSpec
from bot.models import Article


def _lead_filter(spec: DigestSpec) -> Callable[[Article], bool]:
    """The spec's quality and type filters, judged on a story's lead (topics are the index's lists)."""
    types = {t.casefold() for t in spec.types}

    def passes(lead: Article) -> bool:
        return ranking.passes_quality(lead.quality, spec.min_quality) and (
            not types or lead.type.casefold() in types
        )

    return passes


def filtered_entry(entry: StoryEntry, story_filter: StoryFilter, index: StoryIndex) -> StoryEntry | None:
    """What ``story_filter`` leaves of a story: the same entry when it keeps everything, None when it
    keeps no article, else the story of the remaining articles (best remaining one as lead)."""
    members = _members(entry)
    kept = [a for a in members if story_filter.keeps_article(a)]
    if not kept:
        return None
    dropped_related = any(not story_filter.keeps_related(r) for a in kept for r in a.related)
    if len(kept) == len(members) and not dropped_related:
        return entry
    return make_entry(kept, index.weights, story_filter.keeps_related)


def _filtered(
    index: StoryIndex, spec: DigestSpec, positions: Iterable[int]
) -> Iterator[tuple[StoryEntry, StoryEntry]]:
    """(index entry, what the spec's keyword and outlet filters leave of it) for each position."""
    story_filter = StoryFilter.of(spec)
    topics = {t.casefold() for t in spec.topics}
    for pos in positions:
        entry = index.stories[pos]
        if story_filter is None:
            yield entry, entry
            continue
        kept = filtered_entry(entry, story_filter, index)
        # Only the left-out articles may have carried the digest's topic.
        if kept is not None and (not topics or not kept.topics.isdisjoint(topics)):
            yield entry, kept


def _members(entry: StoryEntry) -> tuple[Article, ...]:
    return (entry.lead, *entry.merged)


def _eligible(
    index: StoryIndex, spec: DigestSpec, now: datetime, since: datetime | None
) -> Iterator[tuple[StoryEntry, StoryEntry]]:
    """(index entry, filtered entry) of the stories passing the spec's filters, in the index's order
    (see ``bot.compose.ranking``); a filtered story may rank lower than its position."""
    start = ranking.window_start(now, since, spec.window_hours)
    passes = _lead_filter(spec)
    positions: Iterable[int] = index.ranked(spec.topics)
    if StoryFilter.of(spec) is not None:
        # Filtering costs a text search per article: only for stories with a member in the window
        # (a filtered story's lead is one of its members).
        stories = index.stories
        positions = [
            pos
            for pos in positions
            if any(ranking.in_window(a.published, start, now) for a in _members(stories[pos]))
        ]
    for original, entry in _filtered(index, spec, positions):
        if ranking.in_window(entry.lead.published, start, now) and passes(entry.lead):
            yield original, entry


def newest_story(index: StoryIndex, spec: DigestSpec, now: datetime) -> datetime | None:
    """When the newest story passing every filter of the spec (topics, types, quality, keywords,
    outlets) was published, by ``now`` if any was, else at any time: what an empty preview can point to."""
    passes = _lead_filter(spec)
    # Newest member first: once a passing story by ``now`` is found, no story whose members are all
    # older can beat it, so filtering stops early.
    newest_first = sorted(
        ((max(a.published for a in _members(index.stories[pos])), pos) for pos in index.ranked(spec.topics)),
        reverse=True,
    )
    best_by_now: datetime | None = None
    best_any: datetime | None = None
    for newest_member, pos in newest_first:
        if best_by_now is not None and newest_member <= best_by_now:
            break
        for _, entry in _filtered(index, spec, [pos]):
            if passes(entry.lead):
                published = entry.lead.published
                best_any = max(best_any or published, published)
                if published <= now:
                    best_by_now = max(best_by_now or published, published)
    return best_by_now or best_any


def compose_digest(
    index: StoryIndex,
    spec: DigestSpec,
    now: datetime,
    *,
    since: datetime | None,
    exclude_urls: frozenset[str] = frozenset(),
    max_items: int | None = None,
) -> Digest:
    """The digest of ``spec`` at ``now``: stories published after ``since`` (the digest's last post),
    else within the last ``spec.window_hours``; best first, at most ``max_items`` (default the spec's).

    A story with an article in ``exclude_urls`` (already posted to the channel) is left out, even
    when that article is one the spec's filters leave out.
    ``Digest.total`` counts every story that qualified, before the cut to ``max_items``.
    """
    stories = [
        entry
        for original, entry in _eligible(index, spec, now, since)
        if not exclude_urls or exclude_urls.isdisjoint(original.member_urls)
    ]
    if StoryFilter.of(spec) is not None and spec.weights == index.weights:
        stories.sort(key=lambda e: ranking.rank_key(e.order, e.lead.published, e.lead.url))
    elif spec.weights != index.weights:
        # Another digest's weights: same filter, re-sorted (the lead of each story stays the index's).
        def key(entry: StoryEntry) -> ranking.RankKey:
            lead = entry.lead
            return ranking.story_rank_key(lead.quality, entry.outlets, lead.published, lead.url, spec.weights)

        stories.sort(key=key)
    limit = spec.max_items if max_items is None else max_items
    return Digest(
        name=spec.name,
        title=spec.title or spec.name,
        timezone=spec.timezone,
        now=now,
        since=since,
        topics=spec.topics,
        stories=to_stories(stories[: max(0, limit)], now, spec.weights),
        total=len(stories),
        template=spec.template,
    )
