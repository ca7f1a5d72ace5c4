"""Feed bytes → the article fields of its entries: parse and map, in this thread or a worker process.

Parsing is pure CPU (feedparser in Python), so a read of many feeds hands it to a small pool of
processes (``parse_pool``), which the GIL does not serialise; downloads and writes stay in threads.
A worker process builds its topic matcher once, from the known topics it is started with.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from bot.feeds.config import FeedSource
from bot.feeds.entries import CategoryTopics, EntryDoc, entry_doc
from bot.feeds.parse import parse_feed
from bot.topics import TopicMatcher

_process_categories: CategoryTopics | None = None


@dataclass(frozen=True, slots=True)
class Mapped:
    """One feed's usable entries; ``dropped``: entries without a title or a usable link."""

    title: str
    docs: tuple[EntryDoc, ...]
    dropped: int


def map_feed(
    feed: FeedSource,
    body: bytes,
    *,
    content_type: str,
    final_url: str,
    now: datetime,
    categories: CategoryTopics | None = None,
) -> Mapped:
    """Parse ``body`` and map each entry. FeedError when the document is not a usable feed."""
    topics = categories or _process_categories
    assert topics is not None, "map_feed needs categories outside a parse_pool worker"
    parsed = parse_feed(feed.url, body, content_type=content_type, final_url=final_url)
    docs = [entry_doc(e, feed, parsed, base=final_url, categories=topics, now=now) for e in parsed.entries]
    kept = tuple(doc for doc in docs if doc is not None)
    return Mapped(parsed.title, kept, len(docs) - len(kept))


def _start_worker(known: tuple[str, ...], aliases: Mapping[str, str]) -> None:
    global _process_categories
    _process_categories = CategoryTopics(TopicMatcher(known, aliases))


def parse_pool(processes: int, known: Iterable[str], aliases: Mapping[str, str]) -> ProcessPoolExecutor:
    """Worker processes for ``map_feed``, started on first use ("spawn": safe beside threads)."""
    return ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(tuple(known), dict(aliases)),
    )
