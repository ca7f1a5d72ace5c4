"""StoryIndex: the articles of one load, merged into stories and ranked once, with lookup tables.

Built once per article load (``StoryIndex.build(articles)``); a digest or a query then walks a
precomputed, best-first list and stops after ``max_items`` stories, so answering is cheap
whatever the corpus size. Which articles merge is ``bot.compose.merging``; the score is
``bot.compose.ranking``.

A story's lead is its best-ranked member (ranked with the index's weights); the other members
and the members' related items form its coverage candidates: deduplicated by URL, never the
lead's outlet, never a member's own URL. ``to_stories`` turns the picked entries of one message
into ``Story`` records, so that no article appears twice in the message and no story lists an
outlet twice (by domain or by the name shown) or the lead's own.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.compose import ranking
from bot.compose.merging import cluster_articles
from bot.compose.model import Coverage, Story
from bot.compose.titles import search_words
from bot.digests.spec import RankingWeights
from bot.models import Article, Related


@dataclass(frozen=True, slots=True)
class StoryEntry:
    """One story of the index. ``topics`` are the case-folded topics of every member."""

    lead: Article
    merged: tuple[Article, ...]
    candidates: tuple[Article | Related, ...]  # turned into Coverage only for the stories a message shows
    candidate_outlets: tuple[str, ...]
    outlets: int
    order: float
    topics: frozenset[str]

    @property
    def member_urls(self) -> tuple[str, ...]:
        return (self.lead.url, *(a.url for a in self.merged))


def _outlet(item: Article | Related) -> str:
    return ranking.outlet_key(item.domain, item.provider, item.url)


def _shown_name(item: Article | Related) -> str:
    """The outlet name a reader sees (the templates show the provider, else the domain), folded."""
    return " ".join((item.provider or item.domain).split()).casefold()


def _coverage(item: Article | Related) -> Coverage:
    return Coverage(item.title, item.url, item.provider, item.domain, item.published)


def make_entry(
    members: Sequence[Article],
    weights: RankingWeights,
    keep_related: Callable[[Related], bool] | None = None,
) -> StoryEntry:
    """The story of ``members`` (one merge group, or what a digest's filters left of one): its lead
    ranked with ``weights``; related items that ``keep_related`` refuses neither count nor show."""
    related = {
        id(a): a.related if keep_related is None else tuple(filter(keep_related, a.related)) for a in members
    }
    outlets = {_outlet(a) for a in members} | {_outlet(r) for a in members for r in related[id(a)] if r.url}
    others = len(outlets) - 1  # every outlet but the lead's, whichever member leads

    def key(article: Article) -> ranking.RankKey:
        return ranking.story_rank_key(article.quality, others, article.published, article.url, weights)

    ranked: list[Article] = []
    for article in sorted(members, key=key):
        if all(article.url != kept.url for kept in ranked):
            ranked.append(article)
    lead = ranked[0]
    lead_outlet = _outlet(lead)
    member_urls = {a.url for a in ranked}
    seen_urls: set[str] = set()
    candidates: list[Article | Related] = []
    outlets_of: list[str] = []
    offered: list[Article | Related] = [*ranked[1:]]
    offered += (r for a in ranked for r in related[id(a)] if r.url not in member_urls)
    for item in offered:
        outlet = _outlet(item)
        if item.url and outlet != lead_outlet and item.url not in seen_urls:
            seen_urls.add(item.url)
            candidates.append(item)
            outlets_of.append(outlet)
    base = ranking.base_score(lead.quality, others, weights)
    return StoryEntry(
        lead=lead,
        merged=tuple(ranked[1:]),
        candidates=tuple(candidates),
        candidate_outlets=tuple(outlets_of),
        outlets=others,
        order=ranking.order_key(base, lead.published, weights),
        topics=frozenset(t.casefold() for a in ranked for t in a.topics),
    )


@dataclass(frozen=True, slots=True)
class StoryIndex:
    """Stories best first (by ``weights``), per-topic and per-word lists of their positions."""

    stories: tuple[StoryEntry, ...] = field(repr=False)
    weights: RankingWeights
    topic_names: tuple[str, ...]
    by_topic: dict[str, tuple[int, ...]] = field(repr=False)
    topic_times: dict[str, tuple[float, ...]] = field(repr=False)
    by_word: dict[str, tuple[int, ...]] = field(repr=False)

    @classmethod
    def build(cls, articles: Iterable[Article], *, weights: RankingWeights | None = None) -> StoryIndex:
        weights = weights or RankingWeights()
        pool = list(articles)
        entries = [make_entry([pool[i] for i in group], weights) for group in cluster_articles(pool)]
        entries.sort(key=lambda e: ranking.rank_key(e.order, e.lead.published, e.lead.url))
        names: dict[str, str] = {}
        topic_lists: defaultdict[str, list[int]] = defaultdict(list)
        word_lists: defaultdict[str, list[int]] = defaultdict(list)
        for pos, entry in enumerate(entries):
            words: set[str] = set()
            for article in (entry.lead, *entry.merged):
                for topic in article.topics:
                    names.setdefault(topic.casefold(), topic)
                words |= search_words(f"{article.title} {article.excerpt}")
            for topic in entry.topics:
                topic_lists[topic].append(pos)
            for word in words:
                word_lists[word].append(pos)
        times = {
            topic: tuple(sorted(entries[pos].lead.published.timestamp() for pos in positions))
            for topic, positions in topic_lists.items()
        }
        return cls(
            stories=tuple(entries),
            weights=weights,
            topic_names=tuple(sorted(names.values(), key=str.casefold)),
            by_topic={topic: tuple(positions) for topic, positions in topic_lists.items()},
            topic_times=times,
            by_word={word: tuple(positions) for word, positions in word_lists.items()},
        )

    def __len__(self) -> int:
        return len(self.stories)

    def ranked(self, topics: Sequence[str] = ()) -> Iterator[int]:
        """Positions of the stories of any of ``topics`` (all stories when empty), best first."""
        if not topics:
            return iter(range(len(self.stories)))
        lists = [self.by_topic.get(t.casefold(), ()) for t in dict.fromkeys(topics)]
        if len(lists) == 1:
            return iter(lists[0])
        return _unique(heapq.merge(*lists))

    def count_in_window(self, topics: Sequence[str], start: datetime | None, now: datetime) -> int:
        """How many stories of ``topics`` have a lead published in (start, now]; cheap for one topic."""
        keys = list(dict.fromkeys(t.casefold() for t in topics))
        if len(keys) == 1:
            stamps = self.topic_times.get(keys[0], ())
            low = bisect_right(stamps, start.timestamp()) if start is not None else 0
            return max(0, bisect_right(stamps, now.timestamp()) - low) if stamps else 0
        return sum(
            1 for pos in self.ranked(keys) if ranking.in_window(self.stories[pos].lead.published, start, now)
        )

    def with_words(self, words: Iterable[str]) -> list[int]:
        """Positions of the stories whose titles or excerpts hold every word, best first."""
        lists = sorted((self.by_word.get(w, ()) for w in set(words)), key=len)
        if not lists:
            return []
        rest = [set(other) for other in lists[1:]]
        return [pos for pos in lists[0] if all(pos in other for other in rest)]


def _unique(positions: Iterable[int]) -> Iterator[int]:
    last = -1
    for pos in positions:
        if pos != last:
            yield pos
            last = pos


def to_stories(entries: Sequence[StoryEntry], now: datetime, weights: RankingWeights) -> tuple[Story, ...]:
    """The ``Story`` records of one message: no article twice, no outlet twice within a story."""
    shown = {url for entry in entries for url in entry.member_urls}
    placed: set[str] = set()
    stories = []
    for entry in entries:
        own = set(entry.member_urls)
        # An outlet is known by its domain and by the name shown: "PR Newswire" on prnewswire.com
        # and on prnewswire.co.uk is one outlet to a reader.
        outlets = {_outlet(entry.lead)}
        names = {_shown_name(entry.lead)}
        coverage = []
        for item, outlet in zip(entry.candidates, entry.candidate_outlets, strict=True):
            name = _shown_name(item)
            if outlet in outlets or (name and name in names):
                continue
            if item.url in placed or (item.url in shown and item.url not in own):
                continue
            coverage.append(_coverage(item))
            outlets.add(outlet)
            names.add(name)
            placed.add(item.url)
        base = ranking.base_score(entry.lead.quality, entry.outlets, weights)
        score = ranking.decayed_score(base, entry.lead.published, now, weights)
        stories.append(Story(entry.lead, score, entry.merged, tuple(coverage)))
    return tuple(stories)
