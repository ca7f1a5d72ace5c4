"""Polling for `newsbot run`: each feed on its own interval, with backoff after failures.

``poll_due(now)`` reads the feeds that are due (all at once, in the reader's thread pool) and plans
each one's next read: ``every`` minutes after a success or a 304; after ``n`` failures in a row,
``every · 2^n`` minutes, at most ``MAX_BACKOFF`` (and never sooner than a Retry-After asked for).
``run(stop)`` loops on ``poll_due`` with the injected clock until ``stop`` is set. The new files are
picked up by the bot's regular article reload.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.feeds.config import FeedSource
from bot.feeds.reader import FeedReader, FeedReport
from bot.feeds.state import FeedStatus

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
MAX_WAIT_SECONDS = 60.0  # the loop wakes at least this often, so a stop or a clock jump is noticed


def next_read(feed: FeedSource, report: FeedReport, failures: int, now: datetime) -> datetime:
    """When to read ``feed`` again after ``report`` (``failures``: consecutive ones, this one included)."""
    every = timedelta(minutes=feed.every_minutes)
    if report.outcome != "failed":
        return now + every
    delay = min(every * (1 << min(failures, 16)), max(MAX_BACKOFF, every))
    if report.retry_after is not None:
        delay = max(delay, timedelta(seconds=min(report.retry_after, MAX_BACKOFF.total_seconds())))
    return now + delay


class FeedPoller:
    """Keeps ``feeds`` read into the reader's folder; thread-safe ``health()`` for /healthz."""

    def __init__(
        self, feeds: Sequence[FeedSource], reader: FeedReader, clock: Callable[[], datetime]
    ) -> None:
        self.feeds = tuple(feeds)
        self.reader = reader
        self.clock = clock
        self._lock = threading.Lock()
        self._due: dict[str, datetime] = {}
        for feed in self.feeds:
            planned = reader.state.feeds.get(feed.url)
            if planned is not None and planned.next_due:
                # A restart keeps each feed's plan (and its backoff) instead of reading everything at once.
                self._due[feed.url] = datetime.fromisoformat(planned.next_due)

    def due(self, now: datetime) -> list[FeedSource]:
        return [feed for feed in self.feeds if self._due.get(feed.url, now) <= now]

    def next_due(self) -> datetime | None:
        with self._lock:
            return min(self._due.values(), default=None)

    def poll_due(self, now: datetime) -> list[FeedReport]:
        """Read the feeds due at ``now``; returns their reports (empty when none is due)."""
        feeds = self.due(now)
        if not feeds:
            return []
        reports = self.reader.read(feeds, now)
        with self._lock:
            for feed, report in zip(feeds, reports, strict=True):
                state = self.reader.state.feed(feed.url)
                planned = next_read(feed, report, state.failures, now)
                self._due[feed.url] = planned
                state.next_due = planned.isoformat()
                if report.outcome == "failed":
                    log.warning(
                        "feed %s failed (%d in a row; next try %s): %s",
                        feed.label,
                        state.failures,
                        planned.isoformat(timespec="minutes"),
                        report.error,
                    )
                elif report.new or report.updated:
                    log.info("feed %s: %d new, %d updated", feed.label, len(report.new), len(report.updated))
            self.reader.state.save()
        return reports

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; a failing feed never ends the loop."""
        log.info("polling %d feeds into %s", len(self.feeds), self.reader.out)
        while not stop.is_set():
            now = self.clock()
            try:
                self.poll_due(now)
            except Exception:
                log.exception("feed polling failed; trying again in %.0f s", MAX_WAIT_SECONDS)
            upcoming = self.next_due()
            wait = MAX_WAIT_SECONDS if upcoming is None else (upcoming - self.clock()).total_seconds()
            stop.wait(min(max(wait, 1.0), MAX_WAIT_SECONDS))

    def health(self) -> list[FeedStatus]:
        """Each feed's last success, last error and entry count."""
        with self._lock:
            return [self.reader.state.status(feed.url, feed.name) for feed in self.feeds]
