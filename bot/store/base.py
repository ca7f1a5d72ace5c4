"""The store contract. SQLite (bot.store.sqlite) and PostgreSQL (bot.store.postgres) implement it,
sharing their queries (bot.store.sql); bot.store.factory.open_store picks one from ``NEWSBOT_DB``.

Contract for every implementation:
- Every datetime passed in or returned is timezone-aware UTC (a naive datetime raises ValueError).
- Every record is keyed by workspace (``team_id``); "" is the single-workspace default.
- Errors: a database that cannot be opened, migrated or written raises ``bot.errors.StoreError``.
  Lookups of missing records return None or an empty collection; they never raise.
- Thread-safety: one store object may be used from many threads at once, and several processes may
  share one database. ``claim`` is atomic across both: for one occurrence at most one caller holds a
  live claim at a time.
  A claim whose owner (``host:pid:random``) is a process on this host that no longer exists may be
  taken over at once, before its lease ends (bot.store.owners).
- Writes that change digests also append an audit entry in the same transaction.
- A write either is durably in the database the store opened, or raises: never success for a write
  that went nowhere (SQLite: a deleted or replaced file raises ``bot.errors.DatabaseFileError``).
  ``problem`` says what is wrong meanwhile (for /healthz); None while the store works.
- Schema: numbered migrations (bot.store.migrate), one version numbering for every backend; a
  database from a newer newsbot is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.digests.spec import DigestSpec


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to post one occurrence of a digest, until ``expires``.

    ``post_key`` identifies the message (sent as message metadata) and stays the same across attempts.
    ``attempt`` counts from 1; above 1, an earlier attempt may have reached Slack, so the poster looks
    for ``post_key`` in the channel before posting again. ``dead_owner``: the owner whose claim was
    taken over before its lease ended because its process is gone (bot.store.owners), else None.
    """

    team_id: str
    digest: str
    occurrence: datetime
    channel: str
    post_key: str
    attempt: int
    owner: str
    expires: datetime
    dead_owner: str | None = None
    # The owner whose claim this one replaces (its lease ran out, or its process is gone); None
    # for a first attempt or a retry after a released (failed) one. Counted in bot.metrics.
    taken_over_from: str | None = None


@dataclass(frozen=True, slots=True)
class PostRecord:
    """What happened to one occurrence. ``status``: claimed, posted, skipped or failed."""

    team_id: str
    digest: str
    occurrence: datetime
    channel: str
    status: str
    post_key: str
    attempts: int
    ts: str | None
    posted_at: datetime | None
    detail: str
    urls: tuple[str, ...]
    retry_at: datetime | None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    team_id: str
    at: datetime
    actor: str
    action: str
    digest: str
    details: Mapping[str, Any]


class Store(Protocol):
    # --- digests -------------------------------------------------------------------------------
    def save_digest(self, spec: DigestSpec, *, actor: str, now: datetime) -> None:
        """Create or replace the digest (team_id, name); audit the change (old -> new values)."""

    def delete_digest(self, team_id: str, name: str, *, actor: str, now: datetime) -> DigestSpec | None:
        """Remove the digest and return it (None when there was none); audit it."""

    def get_digest(self, team_id: str, name: str) -> DigestSpec | None: ...

    def list_digests(self, team_id: str | None = None) -> list[DigestSpec]:
        """All digests (of one workspace, or of all when None), ordered by team then name."""

    def set_enabled(
        self, team_id: str, name: str, enabled: bool, *, actor: str, reason: str, now: datetime
    ) -> None:
        """Enable or disable a digest (e.g. channel_not_found), with an audit entry."""

    def sync_file_digests(self, specs: Sequence[DigestSpec], *, now: datetime) -> None:
        """Make the store's file-sourced digests equal ``specs`` (the file wins over Slack on a name)."""

    # --- posts ---------------------------------------------------------------------------------
    def claim(
        self,
        team_id: str,
        digest: str,
        occurrence: datetime,
        *,
        channel: str,
        owner: str,
        now: datetime,
        lease: timedelta,
    ) -> Claim | None:
        """Take the occurrence for posting. None when it is posted or skipped, when another owner's
        claim has not expired, or when an earlier failure asked not to retry before ``retry_at``."""

    def finish(self, claim: Claim, *, ts: str, urls: Sequence[str], now: datetime) -> None:
        """Record the posted message (ts) and every article URL shown. Idempotent for one claim."""

    def release(self, claim: Claim, *, retry_at: datetime, error: str, now: datetime) -> None:
        """Give the claim back after a failure; the occurrence may be claimed again from retry_at."""

    def skip(
        self, team_id: str, digest: str, occurrence: datetime, *, channel: str, reason: str, now: datetime
    ) -> None:
        """Mark an occurrence as not to be posted (missed beyond grace, empty, disabled). Final."""

    def get_post(self, team_id: str, digest: str, occurrence: datetime) -> PostRecord | None: ...

    def last_posted(self, team_id: str, digest: str) -> PostRecord | None:
        """The most recent occurrence with status posted (skipped ones do not count)."""

    def posted_urls(self, team_id: str, channel: str) -> frozenset[str]:
        """Every article URL ever shown in the channel (for "never repeat a story")."""

    def post_history(self, team_id: str, digest: str | None = None, limit: int = 50) -> list[PostRecord]: ...

    # --- audit ---------------------------------------------------------------------------------
    def audit(
        self, team_id: str, *, actor: str, action: str, digest: str, details: Mapping[str, Any], now: datetime
    ) -> None: ...

    def audit_log(self, team_id: str, limit: int = 100) -> list[AuditEntry]:
        """Newest first."""

    @property
    def problem(self) -> str | None:
        """None while the store works; else one sentence saying what is wrong and what to do."""

    def close(self) -> None: ...
