"""Reads feeds into article files: each feed downloaded, parsed and written in a thread pool.

``FeedReader.read(feeds, now)`` fetches each feed once (a conditional GET when its validators are
known), maps its entries to article files and records what it did in the state file. A feed that
cannot be read or parsed is reported with its reason and changes nothing on disk (a failed write
keeps the files already written, recorded); the others go on. Files are never deleted: an entry
that leaves its feed keeps its file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from bot.errors import FeedError
from bot.feeds.config import FeedSource
from bot.feeds.entries import CategoryTopics, EntryDoc
from bot.feeds.fetch import Fetched, FetchLimits, fetch
from bot.feeds.mapping import Mapped, map_feed, parse_pool
from bot.feeds.state import EntryState, StateFile
from bot.feeds.writer import file_name, render, write_atomic
from bot.topics import TopicMatcher

log = logging.getLogger(__name__)

WORKERS = 8  # threads: downloads and writes wait on the network and the disk
PROCESSES = min(4, os.cpu_count() or 1)  # parsing is CPU work; 1 keeps it in the threads
FORGET_AFTER = timedelta(days=30)  # an entry out of its feed this long is forgotten (its file stays)
PROCESS_MIN_FEEDS = 16  # below this, starting worker processes costs more than it saves
Outcome = Literal["ok", "not-modified", "failed"]
Download = Callable[..., Fetched]


@dataclass(frozen=True, slots=True)
class FeedReport:
    """What one read of one feed did. ``new``/``updated``: file names written."""

    feed: FeedSource
    outcome: Outcome
    new: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: int = 0
    dropped: int = 0  # entries without a title or a usable link
    error: str | None = None
    retry_after: float | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "url": self.feed.url,
            "name": self.feed.name,
            "outcome": self.outcome,
            "new": list(self.new),
            "updated": list(self.updated),
            "unchanged": self.unchanged,
            "dropped": self.dropped,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class _Prepared:
    """One feed downloaded and mapped; ``mapped`` None means 304 Not Modified."""

    fetched: Fetched
    mapped: Mapped | None


class FeedReader:
    """Feeds → article files in ``out``. ``known_topics`` gives the topic names entry categories may
    match (called once per read, so a running bot can pass the current articles' topics)."""

    def __init__(
        self,
        out: Path,
        *,
        known_topics: Callable[[], Iterable[str]] = tuple,
        limits: FetchLimits = FetchLimits(),  # noqa: B008 - frozen
        workers: int = WORKERS,
        processes: int = PROCESSES,
        download: Download = fetch,
    ) -> None:
        self.out = out
        self.state = StateFile(out)
        self._known_topics = known_topics
        self._limits = limits
        self._workers = workers
        self._processes = processes
        self._download = download

    def read(self, feeds: Sequence[FeedSource], now: datetime) -> list[FeedReport]:
        """Read every feed once; reports in the order of ``feeds``. Saves the state file.

        Workers download, parse and map each feed, then write its files; in between, this thread
        decides in feed order which feed owns a URL that several carry (the first listed), so the
        outcome never depends on which download finished first.
        """
        if not feeds:
            return []
        aliases = TopicMatcher.default_aliases()
        known = {*self._known_topics(), *aliases.values(), *(t for f in feeds for t in f.topics)}
        categories = CategoryTopics(TopicMatcher(known, aliases))
        by_url = self.state.files_by_url()
        for feed in feeds:
            self.state.feed(feed.url)  # created here, so workers only ever touch their own feed's record
        workers = min(self._workers, len(feeds))
        processes = self._processes if len(feeds) >= PROCESS_MIN_FEEDS else 0
        with contextlib.ExitStack() as stack:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=workers, thread_name_prefix="feeds"))
            parsers = stack.enter_context(parse_pool(processes, known, aliases)) if processes > 1 else None
            prepared = [pool.submit(self._prepare, feed, categories, parsers, now) for feed in feeds]
            stored: list[Future[FeedReport] | FeedReport] = []
            for feed, future in zip(feeds, prepared, strict=True):
                result = future.result()
                if isinstance(result, FeedReport):
                    stored.append(result)
                    continue
                docs, duplicates = self._claim(feed, result.mapped.docs if result.mapped else (), by_url)
                stored.append(pool.submit(self._store, feed, result, docs, duplicates, now))
            reports = [item if isinstance(item, FeedReport) else item.result() for item in stored]
        self.state.save()
        return reports

    def _prepare(
        self,
        feed: FeedSource,
        categories: CategoryTopics,
        parsers: ProcessPoolExecutor | None,
        now: datetime,
    ) -> _Prepared | FeedReport:
        """Download, parse and map one feed (in a worker thread; touches no shared state)."""
        state = self.state.feeds[feed.url]
        try:
            fetched = self._download(feed.url, etag=state.etag, modified=state.modified, limits=self._limits)
            if fetched.not_modified or fetched.body is None:
                return _Prepared(fetched, None)
            body, kind, base = fetched.body, fetched.content_type, fetched.url
            if parsers is not None:
                future = parsers.submit(map_feed, feed, body, content_type=kind, final_url=base, now=now)
                mapped = future.result()
            else:
                mapped = map_feed(
                    feed, body, content_type=kind, final_url=base, now=now, categories=categories
                )
            return _Prepared(fetched, mapped)
        except FeedError as err:
            return self._failed(feed, err.reason, err.retry_after, now)
        except Exception as err:
            log.exception("unexpected error reading %s", feed.url)
            return self._failed(feed, f"unexpected error ({type(err).__name__}: {err})", None, now)

    def _claim(
        self, feed: FeedSource, docs: Sequence[EntryDoc], by_url: dict[str, str]
    ) -> tuple[list[EntryDoc], int]:
        """The entries this feed writes: a URL already written under another key or by another feed
        (or claimed by a feed listed earlier) is written once, by its first owner."""
        entries = self.state.feeds[feed.url].entries
        mine: list[EntryDoc] = []
        duplicates = 0
        for doc in docs:
            if doc.key not in entries:
                if doc.url in by_url:
                    duplicates += 1
                    continue
                by_url[doc.url] = doc.key
            mine.append(doc)
        return mine, duplicates

    def _store(
        self, feed: FeedSource, prepared: _Prepared, docs: Sequence[EntryDoc], duplicates: int, now: datetime
    ) -> FeedReport:
        """Write one feed's new and changed entries (in a worker) and record them in its state."""
        state = self.state.feeds[feed.url]
        stamp = now.astimezone(UTC).isoformat()
        state.last_attempt = stamp
        mapped = prepared.mapped
        if mapped is None:
            state.last_success, state.failures = stamp, 0
            return FeedReport(feed, "not-modified", unchanged=len(state.entries))
        new: list[str] = []
        updated: list[str] = []
        unchanged = duplicates
        try:
            for doc in docs:
                known = state.entries.get(doc.key)
                if known is not None and not doc.dated:
                    doc = dataclasses.replace(doc, published=datetime.fromisoformat(known.first_seen))
                fingerprint = doc.fingerprint()
                if known is not None and known.fingerprint == fingerprint:
                    known.last_seen = stamp
                    unchanged += 1
                    continue
                name = known.file if known is not None else file_name(doc)
                write_atomic(self.out / name, render(doc))
                (updated if known is not None else new).append(name)
                state.entries[doc.key] = EntryState(
                    file=name,
                    fingerprint=fingerprint,
                    url=doc.url,
                    first_seen=known.first_seen if known is not None else _first_seen(doc, now),
                    last_seen=stamp,
                )
        except OSError as err:  # disk full, permissions: what was written stays recorded
            return self._failed(feed, f"cannot write into {self.out} ({err.strerror or err})", None, now)
        # Validators only after every file is written: a failed write must not turn the next fetch into a 304.
        state.etag, state.modified = prepared.fetched.etag, prepared.fetched.modified
        state.last_success, state.failures = stamp, 0
        state.name = feed.name or mapped.title or None
        _forget_old(state.entries, now)
        return FeedReport(feed, "ok", tuple(new), tuple(updated), unchanged, mapped.dropped)

    def _failed(self, feed: FeedSource, reason: str, retry_after: float | None, now: datetime) -> FeedReport:
        state = self.state.feed(feed.url)
        stamp = now.astimezone(UTC).isoformat()
        state.last_attempt = state.last_error_at = stamp
        state.last_error = reason
        state.failures += 1
        return FeedReport(feed, "failed", error=reason, retry_after=retry_after)


def _forget_old(entries: dict[str, EntryState], now: datetime) -> None:
    """Drop entries gone from their feed for FORGET_AFTER, so the state stays the size of the feeds."""
    cutoff = now - FORGET_AFTER
    for key in [
        k for k, e in entries.items() if datetime.fromisoformat(e.last_seen or e.first_seen) < cutoff
    ]:
        del entries[key]


def _first_seen(doc: EntryDoc, now: datetime) -> str:
    return (doc.published if not doc.dated else now.astimezone(UTC)).isoformat()
