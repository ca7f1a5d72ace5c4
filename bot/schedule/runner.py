"""The scheduler: which occurrences are due comes from the store; ``tick(now)`` posts them.

Nothing about what was posted lives in memory: every tick recomputes the due occurrences from the
digest definitions and the post records, so a restart, a second process on the same database, or a
tick that runs late all converge on "each occurrence posted once". The store's claim makes the race
between processes safe; the posting service makes a retry after an uncertain failure safe.

Rules for one occurrence (an instant at which a digest should post) in the look-back window:

- posted or skipped in the store: final, nothing to do;
- never attempted and older than ``grace``: the bot was down; skip it (logged). Its stories go into the
  next digest, which carries everything since the last *posted* one;
- attempted before (a failed or abandoned claim): retried until the digest's next occurrence is due,
  then skipped as superseded, so a long Slack outage delays a digest instead of losing it;
- otherwise: posted now.

The window never starts before the digest was created or its schedule last changed (from the audit
log), so a digest subscribed at noon does not owe the morning's post.

Channels post in parallel; one channel's digests post in order. The posting service never sleeps on a
429: it answers "deferred" with ``retry_at``; ``run_forever`` ticks again as soon as that time passes.
"""

from __future__ import annotations

import logging
import random
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Protocol

import schedule

from bot.digests.spec import DigestSpec
from bot.errors import NewsbotError
from bot.metrics import Metrics
from bot.schedule.occurrences import occurrences_between
from bot.services.posting import (
    DONE_STATUSES,
    FINAL_RECORD_STATUSES,
    RETRY_STATUSES,
    PostOutcome,
    PostStatus,
)
from bot.store.base import AuditEntry, Store

log = logging.getLogger(__name__)
_Key = tuple[str, str]  # (team, channel)

MISSED_REASON = "missed: bot was down beyond the grace window"
SUPERSEDED_REASON = "superseded: the next occurrence is due before this one could be posted"
# Audit actions that (re)start a digest's schedule; "update" counts only when it changed these fields.
_STARTING_ACTIONS = frozenset({"create", "file_override", "enable"})
_SCHEDULE_FIELDS = frozenset({"time", "timezone", "days", "enabled"})
_AUDIT_SCAN_LIMIT = 10_000


class Posting(Protocol):
    def post_occurrence(
        self, spec: DigestSpec, occurrence: datetime, *, now: datetime, manual: bool = False
    ) -> PostOutcome: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """``tick(now)`` posts every due occurrence once; ``run_forever`` drives it with the schedule library."""

    def __init__(
        self,
        store: Store,
        posting: Posting,
        *,
        owner: str,
        grace: timedelta = timedelta(hours=3),
        lookback: timedelta = timedelta(days=7),
        max_workers: int = 8,
        metrics: Metrics | None = None,
        prepare: Callable[[Sequence[DigestSpec], datetime], list[DigestSpec]] | None = None,
    ) -> None:
        """``prepare``: brings the stored digests up to date before each tick looks at them (a
        personal digest takes its recipient's current time zone, or is disabled when they left)."""
        self.store = store
        self._prepare = prepare
        self.posting = posting
        self.owner = owner
        self.grace = grace
        self.lookback = max(lookback, grace)
        self.max_workers = max_workers
        self.metrics = metrics
        self._stop = threading.Event()
        # Caches of facts the store never changes: final records, and each spec version's start time.
        self._final: set[tuple[str, str, datetime]] = set()
        self._starts: dict[tuple[str, str], tuple[DigestSpec, datetime | None]] = {}
        self._tick_lock = threading.Lock()
        # When the soonest deferred post (429 Retry-After, backoff) of the last tick may be retried.
        self._earliest_retry: datetime | None = None
        self._pending_retries: list[datetime] = []

    # --- one tick ------------------------------------------------------------------------------
    def tick(self, now: datetime) -> list[PostOutcome]:
        """Post what is due at ``now`` (timezone-aware UTC); skip what is missed. Returns post outcomes."""
        with self._tick_lock:
            if self._stop.is_set():
                return []
            # Final records older than the window are never looked at again.
            self._final = {key for key in self._final if key[2] > now - self.lookback}
            self._pending_retries = []
            queues = self._due_by_channel(now)
            if self.metrics is not None:
                oldest = min((occ for items in queues.values() for _, occ in items), default=now)
                self.metrics.scheduler_lag.set(max(0.0, (now - oldest).total_seconds()))
            if not queues:
                self._earliest_retry = min(self._pending_retries, default=None)
                return []
            workers = min(self.max_workers, len(queues))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="newsbot-post") as pool:
                futures = [pool.submit(self._post_channel, items, now) for items in self._spread(queues)]
                outcomes = [outcome for future in futures for outcome in future.result()]
            retries = [
                o.retry_at for o in outcomes if o.status is PostStatus.DEFERRED and o.retry_at is not None
            ]
            self._earliest_retry = min(self._pending_retries + retries, default=None)
            return outcomes

    def _spread(
        self, queues: dict[_Key, list[tuple[DigestSpec, datetime]]]
    ) -> list[list[tuple[DigestSpec, datetime]]]:
        """The channel queues in this process's own order (seeded by its owner id): several
        processes then start on different channels instead of all racing for the same claims."""
        ordered = [queues[key] for key in sorted(queues)]
        random.Random(self.owner).shuffle(ordered)
        return ordered

    def stop(self) -> None:
        """Take no new posts; posts in flight finish (and are recorded)."""
        self._stop.set()

    def _due_by_channel(self, now: datetime) -> dict[tuple[str, str], list[tuple[DigestSpec, datetime]]]:
        specs = self.store.list_digests()
        if self._prepare is not None:
            specs = self._prepare(specs, now)
        specs = [s for s in specs if s.enabled]
        self._refresh_starts(specs)
        queues: dict[tuple[str, str], list[tuple[DigestSpec, datetime]]] = defaultdict(list)
        for spec in specs:
            try:
                for occurrence in self._due(spec, now):
                    queues[(spec.team_id, spec.channel)].append((spec, occurrence))
            except NewsbotError as err:
                log.error("digest %r (team %r) cannot be scheduled: %s", spec.name, spec.team_id, err)
        for items in queues.values():
            items.sort(key=lambda item: (item[1], item[0].name))
        return queues

    def _due(self, spec: DigestSpec, now: datetime) -> list[datetime]:
        start = now - self.lookback
        started = self._starts[(spec.team_id, spec.name)][1]
        if started is not None:
            start = max(start, started)
        occurrences = occurrences_between(spec, start, now)
        due: list[datetime] = []
        for index, occurrence in enumerate(occurrences):
            key = (spec.team_id, spec.name, occurrence)
            if key in self._final:
                continue
            record = self.store.get_post(spec.team_id, spec.name, occurrence)
            if record is not None and record.status in FINAL_RECORD_STATUSES:
                self._final.add(key)
                continue
            superseded = index < len(occurrences) - 1
            if record is None and now - occurrence > self.grace:
                self._skip(spec, occurrence, MISSED_REASON, now)
            elif record is not None and superseded and now - occurrence > self.grace:
                self._skip(spec, occurrence, SUPERSEDED_REASON, now)
            elif record is not None and record.retry_at is not None and record.retry_at > now:
                self._pending_retries.append(record.retry_at)  # deferred (429 or backoff): retried later
            else:
                due.append(occurrence)
        return due

    def _skip(self, spec: DigestSpec, occurrence: datetime, reason: str, now: datetime) -> None:
        self.store.skip(spec.team_id, spec.name, occurrence, channel=spec.channel, reason=reason, now=now)
        self._final.add((spec.team_id, spec.name, occurrence))
        log.warning(
            "digest %r (team %r) occurrence %s skipped: %s",
            spec.name,
            spec.team_id,
            occurrence.isoformat(),
            reason,
        )

    def _post_channel(self, items: Sequence[tuple[DigestSpec, datetime]], now: datetime) -> list[PostOutcome]:
        """One channel's posts, in order: Slack allows about one message per second per channel."""
        outcomes: list[PostOutcome] = []
        for spec, occurrence in items:
            if self._stop.is_set():
                break
            try:
                outcome = self.posting.post_occurrence(spec, occurrence, now=now)
            except NewsbotError as err:
                log.error("digest %r occurrence %s failed: %s", spec.name, occurrence.isoformat(), err)
                continue
            except Exception:  # one digest's bug must not stop the other channels
                log.exception("digest %r occurrence %s crashed", spec.name, occurrence.isoformat())
                continue
            outcomes.append(outcome)
            if outcome.status in DONE_STATUSES:
                self._final.add((spec.team_id, spec.name, occurrence))
            elif outcome.status in RETRY_STATUSES:
                break  # the channel (or all posting) waits; the rest of this queue goes next tick
        return outcomes

    # --- when a digest's schedule started --------------------------------------------------------
    def _refresh_starts(self, specs: Sequence[DigestSpec]) -> None:
        """Know when each digest was created, re-enabled or got its current time/days/timezone.

        Read from the audit log once per workspace, and again only for a digest whose spec changed.
        """
        live = {(s.team_id, s.name) for s in specs}
        self._starts = {k: v for k, v in self._starts.items() if k in live}
        stale = [s for s in specs if self._starts.get((s.team_id, s.name), (None, None))[0] != s]
        for team_id in sorted({s.team_id for s in stale}):
            starts = schedule_starts_from_audit(self.store.audit_log(team_id, _AUDIT_SCAN_LIMIT))
            for spec in stale:
                if spec.team_id == team_id:
                    self._starts[(team_id, spec.name)] = (spec, starts.get(spec.name))

    # --- the loop --------------------------------------------------------------------------------
    def run_forever(
        self,
        stop_event: threading.Event,
        *,
        clock: Callable[[], datetime] = utc_now,
        reload: Callable[[], object] | None = None,
        tick_seconds: int = 15,
        reload_seconds: int = 300,
    ) -> None:
        """Tick every ``tick_seconds`` and reload every ``reload_seconds`` until ``stop_event`` is set.

        The schedule library only paces the calls; what is due is decided by ``tick(clock())``.
        """
        # Posts check this event between posts, so SIGTERM mid-tick lets in-flight posts finish only.
        if self._stop.is_set():
            stop_event.set()
        self._stop = stop_event

        def tick_now() -> None:
            self._guarded(lambda: self.tick(clock()))

        jobs = schedule.Scheduler()
        jobs.every(tick_seconds).seconds.do(tick_now)
        if reload is not None:
            jobs.every(reload_seconds).seconds.do(self._guarded, reload)
        tick_now()
        while not stop_event.is_set():
            jobs.run_pending()
            retry = self._earliest_retry
            if retry is not None and clock() >= retry and not stop_event.is_set():
                # A Retry-After of 1 s should not wait for the next 15 s tick.
                tick_now()
            idle = jobs.idle_seconds
            stop_event.wait(timeout=1.0 if idle is None else min(1.0, max(idle, 0.05)))
        # Wait for a tick another thread may be running (its posts in flight finish and are recorded).
        with self._tick_lock:
            pass

    def _guarded(self, job: Callable[[], object]) -> None:
        try:
            job()
        except NewsbotError as err:
            log.error("scheduled job failed: %s", err)
        except Exception:  # the loop must outlive one failed tick
            log.exception("scheduled job crashed")


def schedule_starts_from_audit(entries: Sequence[AuditEntry]) -> dict[str, datetime]:
    """Per digest name, the newest audit entry that (re)started its schedule (``entries`` newest first)."""
    starts: dict[str, datetime] = {}
    for entry in entries:
        if entry.digest in starts:
            continue
        changed = entry.details.get("changed")
        if entry.action in _STARTING_ACTIONS or (
            entry.action == "update" and isinstance(changed, dict) and _SCHEDULE_FIELDS & changed.keys()
        ):
            starts[entry.digest] = entry.at
    return starts
