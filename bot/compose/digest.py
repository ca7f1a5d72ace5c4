"""Compose one digest: filter the index's stories for a spec, rank them, keep the top ``max_items``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from bot.compose import ranking
from bot.compose.model import Digest
from bot.compose.stories import StoryEntry, StoryIndex, to_stories
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


def _eligible(
    index: StoryIndex, spec: DigestSpec, now: datetime, since: datetime | None
) -> Iterator[StoryEntry]:
    """Stories passing the spec's filters, in the index's order (see ``bot.compose.ranking``)."""
    start = ranking.window_start(now, since, spec.window_hours)
    passes = _lead_filter(spec)
    for pos in index.ranked(spec.topics):
        entry = index.stories[pos]
        if ranking.in_window(entry.lead.published, start, now) and passes(entry.lead):
            yield entry


def newest_story(index: StoryIndex, spec: DigestSpec, now: datetime) -> datetime | None:
    """When the newest story passing the spec's topic, type and quality filters was published, by
    ``now`` if any was, else at any time: what an empty preview can point to."""
    passes = _lead_filter(spec)
    leads = (index.stories[pos].lead for pos in index.ranked(spec.topics))
    times = [lead.published for lead in leads if passes(lead)]
    return max((t for t in times if t <= now), default=None) or max(times, default=None)


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

    A story with an article in ``exclude_urls`` (already posted to the channel) is left out.
    ``Digest.total`` counts every story that qualified, before the cut to ``max_items``.
    """
    stories = [
        entry
        for entry in _eligible(index, spec, now, since)
        if not exclude_urls or exclude_urls.isdisjoint(entry.member_urls)
    ]
    if spec.weights != index.weights:
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
