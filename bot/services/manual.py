"""Posts someone asked for (`/news-admin post`, `newsbot post`): posted exactly once, or the person
is told, within a bounded time, that it was not posted and why.

Why a retry loop here and not the Scheduler: a manual post's occurrence is the moment it was asked
for, which no schedule produces, so the Scheduler's tick (which recomputes the due occurrences from
the digests' schedules) never looks at it again; and someone is waiting to hear how it went, which
only this caller knows. The exactly-once machinery is the one scheduled posts use: every attempt goes
through ``PostingService.post_occurrence`` with the same occurrence, so it re-claims the same row in
the store (same post_key in the message metadata) and, from the second attempt on, searches the
channel's history for that key before posting again. A 429 is waited out after its Retry-After; a
5xx or a timeout is retried after the service's backoff. Two processes asking for the same occurrence
cannot both post it (the claim); a retry that finds the message answers "posted".

Bound: ``max_wait`` (default 10 minutes, well inside a response_url's 30 minutes; with
``retry_failures=False``, as on the command line, only 429s are waited out, since the poster has
already retried a 5xx or dropped connection a few times within seconds). When the next
attempt would be later than that, or newsbot is stopping, the occurrence is marked skipped in the store
(final: nothing posts it later) and the outcome is ``failed`` with the reason. ``report`` hears the
final outcome of a post that was not settled at once (the listener words it for the person).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Protocol

from bot.digests.spec import DigestSpec
from bot.errors import NewsbotError
from bot.services.posting import FINAL_RECORD_STATUSES, PostOutcome, PostStatus
from bot.store.base import Store

log = logging.getLogger(__name__)

MAX_WAIT = timedelta(minutes=10)
ACTOR = "newsbot"
AUDIT_ACTION = "manual_post_deferred"
AUDIT_SCAN = 1000
# A holder of the claim that is not us (another process posting the same digest): look again soon.
BUSY_RETRY = timedelta(seconds=2)
WORKERS = 4
STOPPING = "newsbot is stopping"

Report = Callable[[PostOutcome], None]


class Posting(Protocol):
    def post_occurrence(
        self, spec: DigestSpec, occurrence: datetime, *, now: datetime, manual: bool = False
    ) -> PostOutcome: ...


class ManualPosts:
    """``post`` answers the first attempt at once and follows up in the background; ``post_and_wait``
    (the command line) blocks until the post is settled or given up.

    ``wait(seconds)`` sleeps and returns True when newsbot is stopping (default: the stop event);
    ``clock`` measures the time waited: an attempt's ``now`` is the occurrence plus the time since
    the first attempt, and at least the ``retry_at`` waited for (so `newsbot post --now` in the past
    works, and a clock that tests hold still still moves the post along).
    """

    def __init__(
        self,
        posting: Posting,
        store: Store,
        *,
        clock: Callable[[], datetime],
        max_wait: timedelta = MAX_WAIT,
        retry_failures: bool = True,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self._posting = posting
        self._store = store
        self._clock = clock
        self._max_wait = max_wait
        self._retry_failures = retry_failures
        self._stop = threading.Event()
        self._wait = wait or self._stop.wait
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="newsbot-manual")

    def post(
        self, spec: DigestSpec, now: datetime, *, report: Report | None = None, asked_by: str = ""
    ) -> PostOutcome:
        """Post now. When the outcome is ``deferred`` (or ``busy``), retries follow in the background
        and ``report`` hears how it ended. The deferral is written to the audit log (with
        ``asked_by``), so that a restart meanwhile resumes the retries (``resume``)."""
        outcome = self._posting.post_occurrence(spec, now, now=now, manual=True)
        if _unsettled(outcome) and self._hopeless(outcome, now, now):
            return self._settle(spec, now, outcome, None)  # given up at once: no follow-up needed
        if _unsettled(outcome):
            details = {"occurrence": now.isoformat(), "asked_by": asked_by, "detail": outcome.detail}
            self._store.audit(
                spec.team_id,
                actor=asked_by or ACTOR,
                action=AUDIT_ACTION,
                digest=spec.name,
                details=details,
                now=now,
            )
            self._pool.submit(self._follow, spec, now, outcome, report)
        return outcome

    def resume(self, now: datetime, report: Callable[[str, DigestSpec, PostOutcome], None]) -> int:
        """After a restart: retry the manual posts deferred within ``max_wait`` before ``now`` that
        are not settled yet (an earlier process died while waiting). ``report(asked_by, spec,
        outcome)`` hears how each ended. Returns how many were resumed."""
        resumed = 0
        for team_id in sorted({s.team_id for s in self._store.list_digests()}):
            for entry in self._store.audit_log(team_id, AUDIT_SCAN):
                if entry.at < now - self._max_wait:
                    break  # newest first: the rest are older still
                if entry.action != AUDIT_ACTION:
                    continue
                occurrence = datetime.fromisoformat(str(entry.details.get("occurrence")))
                record = self._store.get_post(team_id, entry.digest, occurrence)
                spec = self._store.get_digest(team_id, entry.digest)
                if record is None or record.status in FINAL_RECORD_STATUSES or spec is None:
                    continue
                asked_by = str(entry.details.get("asked_by") or "")
                pending = PostOutcome(PostStatus.DEFERRED, retry_at=record.retry_at, digest=spec.name)
                tell = functools.partial(report, asked_by, spec)
                log.info("resuming the manual post of %r asked for at %s", spec.name, occurrence.isoformat())
                self._pool.submit(self._follow, spec, occurrence, pending, tell)
                resumed += 1
        return resumed

    def post_and_wait(
        self, spec: DigestSpec, now: datetime, *, progress: Report | None = None
    ) -> PostOutcome:
        """Post now and wait (at most ``max_wait``) until it is posted or given up."""
        outcome = self._posting.post_occurrence(spec, now, now=now, manual=True)
        return self._settle(spec, now, outcome, progress)

    def stop(self) -> None:
        """Waiting retries give up (the person is told); attempts in flight finish and are recorded."""
        self._stop.set()
        self._pool.shutdown(wait=True)

    # --- internals ------------------------------------------------------------------------------
    def _follow(
        self, spec: DigestSpec, occurrence: datetime, outcome: PostOutcome, report: Report | None
    ) -> None:
        try:
            final = self._settle(spec, occurrence, outcome, None)
        except Exception:  # a background thread: log, and tell the person something
            log.exception("manual post of %r crashed", spec.name)
            final = PostOutcome(
                PostStatus.FAILED, digest=spec.name, occurrence=occurrence, detail="internal error"
            )
        if report is not None:
            try:
                report(final)
            except Exception:
                log.exception("could not report the manual post of %r", spec.name)

    def _settle(
        self, spec: DigestSpec, occurrence: datetime, outcome: PostOutcome, progress: Report | None
    ) -> PostOutcome:
        started = self._clock()

        now = occurrence

        def elapsed() -> datetime:  # the post's own time line: from the occurrence, as the clock moves
            return max(now, occurrence + max(timedelta(0), self._clock() - started))

        while _unsettled(outcome):
            retry_at = outcome.retry_at or now + BUSY_RETRY
            if self._hopeless(outcome, occurrence, now):
                return self._give_up(spec, occurrence, outcome, elapsed(), _why(outcome))
            if progress is not None:
                progress(outcome)
            if self._wait(max(0.0, (retry_at - elapsed()).total_seconds())):
                return self._give_up(spec, occurrence, outcome, elapsed(), STOPPING)
            now = max(elapsed(), retry_at)
            try:
                outcome = self._posting.post_occurrence(spec, occurrence, now=now, manual=True)
            except NewsbotError as err:
                return self._give_up(spec, occurrence, outcome, now, str(err))
        return outcome

    def _hopeless(self, outcome: PostOutcome, occurrence: datetime, now: datetime) -> bool:
        """The next attempt would come after the bound (or is not to be made at all)."""
        retry_at = outcome.retry_at or now + BUSY_RETRY
        backing_off = outcome.status is PostStatus.DEFERRED and not outcome.rate_limited
        return retry_at > occurrence + self._max_wait or (backing_off and not self._retry_failures)

    def _give_up(
        self, spec: DigestSpec, occurrence: datetime, last: PostOutcome, now: datetime, why: str
    ) -> PostOutcome:
        """Final: the occurrence is skipped in the store, so no later attempt can post it."""
        reason = f"manual post given up: {why}"
        self._store.skip(spec.team_id, spec.name, occurrence, channel=spec.channel, reason=reason, now=now)
        record = self._store.get_post(spec.team_id, spec.name, occurrence)
        if record is not None and record.status == "posted":  # an attempt in flight elsewhere won
            return PostOutcome(PostStatus.POSTED, ts=record.ts, digest=spec.name, occurrence=occurrence)
        log.warning("manual post of %r to %s not posted: %s", spec.name, spec.channel, why)
        uncertain = last.uncertain and not last.rate_limited
        return PostOutcome(
            PostStatus.FAILED,
            digest=spec.name,
            occurrence=occurrence,
            detail=why,
            uncertain=uncertain,
        )


def _unsettled(outcome: PostOutcome) -> bool:
    return outcome.status in (PostStatus.DEFERRED, PostStatus.BUSY)


def _why(outcome: PostOutcome) -> str:
    if outcome.rate_limited:
        return f"Slack kept answering 429, {outcome.detail}"
    if outcome.status is PostStatus.BUSY:
        return "another worker held the post too long"
    return outcome.detail or "Slack failed"
