"""Exactly-once posting of one digest occurrence: claim → compose → post → finish or release.

The store's claim makes sure one caller at a time works on an occurrence (threads, processes,
restarts); the claim's ``post_key`` travels in the message metadata, so an attempt after one that may
have reached Slack finds the earlier message instead of posting again. Nothing here sleeps or reads
the clock: a 429 releases the claim with ``retry_at`` and the caller moves on to other channels.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.digests.spec import DigestSpec
from bot.errors import NewsbotError
from bot.metrics import Metrics
from bot.services.unseen import DigestComposer, compose_unseen
from bot.slack.health import PostingHealth
from bot.slack.notices import channel_gone_notice
from bot.slack.results import AuthFailed, ChannelGone, Posted, PostFailed, PostResult, RateLimited
from bot.store.base import Claim, Store

log = logging.getLogger(__name__)

ACTOR = "newsbot"
EMPTY_REASON = "no matching story the channel has not seen yet"
AUTH_RETRY = timedelta(minutes=5)
REFUSED_RETRY = timedelta(hours=1)
MAX_BACKOFF = timedelta(minutes=30)


class PostStatus(enum.StrEnum):
    """What one post_occurrence call came to (a StrEnum: logs and JSON show the plain word)."""

    POSTED = "posted"
    ALREADY = "already"  # posted or skipped before
    BUSY = "busy"  # another holder's live claim
    EMPTY = "empty"
    DEFERRED = "deferred"  # retry from ``retry_at``
    DISABLED = "disabled"  # the digest is off, or its channel is gone
    PAUSED = "paused"  # Slack rejected the token
    FAILED = "failed"  # a manual post given up (bot.services.manual): final, not posted


# The occurrence is settled: nothing more to do for it.
DONE_STATUSES = frozenset({PostStatus.POSTED, PostStatus.ALREADY, PostStatus.EMPTY})
# The occurrence is owed: try again from ``retry_at``.
RETRY_STATUSES = frozenset({PostStatus.DEFERRED, PostStatus.PAUSED})
# Store record statuses (PostRecord.status) after which an occurrence is never claimed again.
FINAL_RECORD_STATUSES = frozenset({"posted", "skipped"})


class Poster(Protocol):
    """What the service needs from bot.slack.poster.SlackPoster."""

    health: PostingHealth

    def post(
        self,
        channel: str,
        payload: Mapping[str, Any],
        *,
        post_key: str,
        check_history: bool,
        since: datetime | None = None,
    ) -> PostResult: ...

    def notify(self, user: str, text: str) -> bool: ...

    def check_auth(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class PostOutcome:
    """``detail``: words for a log or a person. ``rate_limited``: the deferral came from a 429 (Slack
    asked to wait ``retry_at - now``), as opposed to an error being backed off. ``uncertain``
    (deferred, failed): the last attempt may have reached Slack, which could not confirm it."""

    status: PostStatus
    ts: str | None = None
    retry_at: datetime | None = None
    detail: str = ""
    digest: str = ""
    occurrence: datetime | None = None
    rate_limited: bool = False
    uncertain: bool = False
    team_id: str = ""
    post_key: str = ""


class PostingService:
    def __init__(
        self,
        store: Store,
        poster: Poster,
        composer: DigestComposer,
        *,
        owner: str,
        lease: timedelta = timedelta(minutes=5),
        posters: Callable[[str], Poster | None] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """``posters``: each workspace's poster (bot.slack.teams; None for a workspace without a
        token); without it every workspace posts through ``poster``."""
        self.store = store
        self.poster = poster
        self.composer = composer
        self.owner = owner
        self.lease = lease
        self.posters = posters
        self.metrics = metrics
        self._auth_lock = threading.Lock()
        self._next_auth_check: dict[str, datetime] = {}

    def poster_for(self, team_id: str) -> Poster | None:
        return self.posters(team_id) if self.posters is not None else self.poster

    def post_now(self, spec: DigestSpec, now: datetime) -> PostOutcome:
        """`/news-admin post`, `newsbot post`: the occurrence is now, and an empty digest is not posted."""
        return self.post_occurrence(spec, now, now=now, manual=True)

    def post_occurrence(
        self, spec: DigestSpec, occurrence: datetime, *, now: datetime, manual: bool = False
    ) -> PostOutcome:
        """Post one occurrence at most once. ``manual`` (/news-admin post, newsbot post): the caller
        passes ``occurrence=now``, and an empty digest is never posted whatever ``post_when_empty`` says."""
        outcome = self._post(spec, occurrence, now=now, manual=manual)
        # key=value fields, so that the lines of several processes and workspaces can be grepped.
        log.info(
            "post team=%s digest=%r occurrence=%s post_key=%s outcome=%s %s",
            spec.team_id or "-",
            spec.name,
            occurrence.isoformat(),
            outcome.post_key or "-",
            outcome.status,
            outcome.detail,
        )
        if self.metrics is not None:
            self.metrics.posts.labels(str(outcome.status)).inc()
            if outcome.status is PostStatus.POSTED and not manual:
                self.metrics.scheduler_lag_seconds.observe(max(0.0, (now - occurrence).total_seconds()))
        return outcome

    def _post(self, spec: DigestSpec, occurrence: datetime, *, now: datetime, manual: bool) -> PostOutcome:
        def outcome(status: PostStatus, **kwargs: Any) -> PostOutcome:
            return PostOutcome(
                status, digest=spec.name, occurrence=occurrence, team_id=spec.team_id, **kwargs
            )

        if not spec.enabled:
            return outcome(PostStatus.DISABLED, detail="the digest is disabled")
        poster = self.poster_for(spec.team_id)
        if poster is None:
            return outcome(PostStatus.PAUSED, detail="newsbot is not installed in this workspace")
        if poster.health.paused and not self._auth_recovered(poster, spec.team_id, now):
            return outcome(PostStatus.PAUSED, detail=f"posting is paused: {poster.health.reason}")
        claim = self.store.claim(
            spec.team_id,
            spec.name,
            occurrence,
            channel=spec.channel,
            owner=self.owner,
            now=now,
            lease=self.lease,
        )
        if claim is None:
            return self._not_claimed(spec, occurrence, outcome)
        if self.metrics is not None and claim.taken_over_from:
            self.metrics.claims_taken_over.inc()
        post_key = claim.post_key

        def claimed(status: PostStatus, **kwargs: Any) -> PostOutcome:
            return outcome(status, post_key=post_key, **kwargs)

        try:
            payload, urls = compose_unseen(self.store, self.composer, spec, now)
        except NewsbotError as err:
            self.store.release(claim, retry_at=now + REFUSED_RETRY, error=f"compose: {err}", now=now)
            raise
        if not urls and (manual or not spec.post_when_empty):
            self.store.skip(
                spec.team_id, spec.name, occurrence, channel=spec.channel, reason=EMPTY_REASON, now=now
            )
            return claimed(PostStatus.EMPTY, detail=EMPTY_REASON)

        # No attempt at an occurrence is made before it is due (a manual post's occurrence is the
        # moment it was asked for), so the occurrence bounds the first attempt from below: the
        # history check reads the channel from there, however busy it has been since.
        result = poster.post(
            spec.channel,
            payload,
            post_key=claim.post_key,
            check_history=claim.attempt > 1,
            since=claim.occurrence,
        )
        return self._record(spec, claim, result, urls, now, claimed)

    def _auth_recovered(self, poster: Poster, team_id: str, now: datetime) -> bool:
        """While paused, ask Slack again (auth.test) at most every AUTH_RETRY; True once the token works."""
        with self._auth_lock:
            due = self._next_auth_check.get(team_id)
            if due is not None and now < due:
                return False
            self._next_auth_check[team_id] = now + AUTH_RETRY
        if not poster.check_auth():
            return False
        log.info("the Slack token works again: posting resumes")
        return True

    def _not_claimed(
        self, spec: DigestSpec, occurrence: datetime, outcome: Callable[..., PostOutcome]
    ) -> PostOutcome:
        record = self.store.get_post(spec.team_id, spec.name, occurrence)
        if record is None:
            return outcome(PostStatus.BUSY, detail="another worker holds the claim")
        if record.status in FINAL_RECORD_STATUSES:
            return outcome(
                PostStatus.ALREADY, ts=record.ts, detail=f"{record.status} {record.detail}".strip()
            )
        if record.status == "failed":
            return outcome(PostStatus.DEFERRED, retry_at=record.retry_at, detail=record.detail)
        return outcome(PostStatus.BUSY, detail=f"claimed by another worker (attempt {record.attempts})")

    def _record(
        self,
        spec: DigestSpec,
        claim: Claim,
        result: PostResult,
        urls: Sequence[str],
        now: datetime,
        outcome: Callable[..., PostOutcome],
    ) -> PostOutcome:
        match result:
            case Posted(ts=ts, existing=existing, without_images=plain):
                self.store.finish(claim, ts=ts, urls=urls, now=now)
                notes = [
                    n
                    for n, on in (("found from an earlier attempt", existing), ("without images", plain))
                    if on
                ]
                return outcome(PostStatus.POSTED, ts=ts, detail="; ".join(notes))
            case RateLimited(retry_after=seconds):
                retry_at = now + timedelta(seconds=seconds)
                self.store.release(claim, retry_at=retry_at, error="ratelimited", now=now)
                return outcome(
                    PostStatus.DEFERRED,
                    retry_at=retry_at,
                    detail=f"rate limited for {seconds}s",
                    rate_limited=True,
                )
            case ChannelGone(code=code):
                self.store.release(claim, retry_at=now + REFUSED_RETRY, error=code, now=now)
                self._disable(spec, code, now)
                return outcome(PostStatus.DISABLED, detail=code)
            case AuthFailed(code=code):
                retry_at = now + AUTH_RETRY
                with self._auth_lock:
                    self._next_auth_check[spec.team_id] = retry_at
                self.store.release(claim, retry_at=retry_at, error=code, now=now)
                return outcome(PostStatus.PAUSED, retry_at=retry_at, detail=code)
            case PostFailed(code=code, retryable=retryable, maybe_sent=maybe_sent):
                retry_at = now + (backoff(claim.attempt) if retryable else REFUSED_RETRY)
                self.store.release(claim, retry_at=retry_at, error=code, now=now)
                return outcome(PostStatus.DEFERRED, retry_at=retry_at, detail=code, uncertain=maybe_sent)
        raise AssertionError(f"unknown post result {result!r}")

    def _disable(self, spec: DigestSpec, code: str, now: datetime) -> None:
        """A gone channel will not come back by retrying: stop the digest and tell whoever set it up."""
        self.store.set_enabled(spec.team_id, spec.name, False, actor=ACTOR, reason=code, now=now)
        log.warning("digest %r disabled: Slack answered %s for channel %s", spec.name, code, spec.channel)
        poster = self.poster_for(spec.team_id)
        # A personal digest's recipient is the one gone: nobody to tell.
        if spec.created_by and spec.recipient is None and poster is not None:
            poster.notify(spec.created_by, channel_gone_notice(spec, code))


def backoff(attempt: int) -> timedelta:
    """Wait before the next attempt after a failed one: 1, 2, 4 … minutes, at most MAX_BACKOFF."""
    return min(timedelta(minutes=2 ** max(0, attempt - 1)), MAX_BACKOFF)
