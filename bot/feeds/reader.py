"""Reads feeds into article files: download and parse in a thread pool, write in the caller's thread.

``FeedReader.read(feeds, now)`` fetches each feed once (a conditional GET when its validators are
known), maps its entries to article files and records what it did in the state file. A feed that
fails is reported with its reason and changes nothing on disk; the others go on. Files are never
deleted: an entry that leaves its feed keeps its file.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from bot.errors import FeedError
from bot.feeds.config import FeedSource
from bot.feeds.entries import EntryDoc, entry_doc
from bot.feeds.fetch import Fetched, FetchLimits, fetch
from bot.feeds.parse import ParsedFeed, parse_feed
from bot.feeds.state import EntryState, StateFile
from bot.feeds.writer import file_name, render, write_atomic
from bot.topics import TopicMatcher

log = logging.getLogger(__name__)

WORKERS = 8
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
class _Downloaded:
    fetched: Fetched
    parsed: ParsedFeed | None


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
        download: Download = fetch,
    ) -> None:
        self.out = out
        self.state = StateFile(out)
        self._known_topics = known_topics
        self._limits = limits
        self._workers = workers
        self._download = download

    def read(self, feeds: Sequence[FeedSource], now: datetime) -> list[FeedReport]:
        """Read every feed once; reports in the order of ``feeds``. Saves the state file."""
        if not feeds:
            return []
        matcher = self._matcher(feeds)
        by_url = self.state.files_by_url()
        reports: list[FeedReport] = []
        with ThreadPoolExecutor(
            max_workers=min(self._workers, len(feeds)), thread_name_prefix="feeds"
        ) as pool:
            futures = [pool.submit(self._get, feed) for feed in feeds]
            for feed, future in zip(feeds, futures, strict=True):
                try:
                    downloaded = future.result()
                    report = self._store(feed, downloaded, matcher, by_url, now)
                except FeedError as err:
                    report = self._failed(feed, err.reason, err.retry_after, now)
                except OSError as err:  # writing a file: disk full, permissions
                    report = self._failed(
                        feed, f"cannot write into {self.out} ({err.strerror or err})", None, now
                    )
                reports.append(report)
        self.state.save()
        return reports

    def _matcher(self, feeds: Sequence[FeedSource]) -> TopicMatcher:
        aliases = TopicMatcher.default_aliases()
        known = {*self._known_topics(), *aliases.values(), *(t for f in feeds for t in f.topics)}
        return TopicMatcher(known, aliases)

    def _get(self, feed: FeedSource) -> _Downloaded:
        """Download and parse (runs in a worker thread; touches no shared state)."""
        state = self.state.feeds.get(feed.url)
        try:
            fetched = self._download(
                feed.url,
                etag=state.etag if state else None,
                modified=state.modified if state else None,
                limits=self._limits,
            )
            if fetched.not_modified or fetched.body is None:
                return _Downloaded(fetched, None)
            return _Downloaded(
                fetched,
                parse_feed(feed.url, fetched.body, content_type=fetched.content_type, final_url=fetched.url),
            )
        except FeedError:
            raise
        except Exception as err:
            log.exception("unexpected error reading %s", feed.url)
            raise FeedError(feed.url, f"unexpected error ({type(err).__name__}: {err})") from err

    def _store(
        self,
        feed: FeedSource,
        downloaded: _Downloaded,
        matcher: TopicMatcher,
        by_url: dict[str, str],
        now: datetime,
    ) -> FeedReport:
        state = self.state.feed(feed.url)
        stamp = now.astimezone(UTC).isoformat()
        state.last_attempt = stamp
        if downloaded.parsed is None:
            state.last_success, state.failures = stamp, 0
            return FeedReport(feed, "not-modified", unchanged=len(state.entries))
        parsed, fetched = downloaded.parsed, downloaded.fetched
        new: list[str] = []
        updated: list[str] = []
        unchanged = dropped = 0
        for entry in parsed.entries:
            doc = entry_doc(entry, feed, parsed, base=fetched.url, matcher=matcher, now=now)
            if doc is None:
                dropped += 1
                continue
            known = state.entries.get(doc.key)
            if known is None and doc.url in by_url:
                unchanged += 1  # the same article under another guid or from another feed: written once
                continue
            if known is not None and not doc.dated:
                doc = dataclasses.replace(doc, published=datetime.fromisoformat(known.first_seen))
            fingerprint = doc.fingerprint()
            if known is not None and known.fingerprint == fingerprint:
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
            )
            by_url[doc.url] = name
        # Validators only after every file is written: a failed write must not turn the next fetch into a 304.
        state.etag, state.modified = fetched.etag, fetched.modified
        state.last_success, state.failures = stamp, 0
        state.name = feed.name or parsed.title or None
        return FeedReport(feed, "ok", tuple(new), tuple(updated), unchanged, dropped)

    def _failed(self, feed: FeedSource, reason: str, retry_after: float | None, now: datetime) -> FeedReport:
        state = self.state.feed(feed.url)
        stamp = now.astimezone(UTC).isoformat()
        state.last_attempt = state.last_error_at = stamp
        state.last_error = reason
        state.failures += 1
        return FeedReport(feed, "failed", error=reason, retry_after=retry_after)


def _first_seen(doc: EntryDoc, now: datetime) -> str:
    return (doc.published if not doc.dated else now.astimezone(UTC)).isoformat()
