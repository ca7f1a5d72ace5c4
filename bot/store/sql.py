"""The Store implementation both databases share: every query, the claim rules and the row mapping.

A backend (bot.store.sqlite, bot.store.postgres) supplies transactions and the few things the two
databases spell differently: how a datetime, a JSON value and a flag are stored, how the claim
locks the row it is about to change, and how ``digests`` is locked for a read-modify-write. The SQL
here is the subset both understand (``?`` placeholders are translated for psycopg,
``INSERT … ON CONFLICT``, ``RETURNING``).

Claims: a plain read first answers the common "not yours" (posted, skipped, a live claim) without
a write lock. Otherwise a missing row is inserted with ``ON CONFLICT DO NOTHING`` (exactly one of
several racing callers inserts it); an existing row is read again under the backend's lock, judged
in Python (lease expired, owner provably dead, retry due) and updated in the same transaction, so
two callers on any number of hosts can never both take it.

Precedence of digest definitions: a digest defined in digests/*.yaml is owned by the file. On every
``sync_file_digests`` the file's definition replaces a Slack-created digest of the same name (with an
audit entry), and a file digest whose file entry is gone is deleted.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.digests.spec import DigestSpec
from bot.store.base import AuditEntry, Claim, PostRecord
from bot.store.codec import require_utc, spec_diff, spec_from_dict, spec_to_dict
from bot.store.owners import local_owner_dead

log = logging.getLogger(__name__)

FILE_ACTOR = "digests/*.yaml"
Row = dict[str, Any]
_DIGEST_BY_NAME = "SELECT spec, enabled FROM digests WHERE team_id = ? AND name = ?"
_POST_KEY = "team_id = ? AND digest = ? AND occurrence = ?"


class Tx(Protocol):
    """Statements inside one transaction of a backend."""

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def run_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None: ...


def dumps(value: Any) -> str:
    """JSON text for the audit log and specs: sorted keys, anything unknown as its str()."""
    return json.dumps(value, sort_keys=True, default=str)


def loads(value: Any) -> Any:
    """A JSON column as Python: SQLite hands back text, PostgreSQL (jsonb) the value itself."""
    return json.loads(value) if isinstance(value, str | bytes) else value


class SqlStore(ABC):
    """The shared part of every SQL backend; subclasses implement the hooks below."""

    #: appended to the claim's SELECT of an existing row (PostgreSQL: ``FOR UPDATE SKIP LOCKED``)
    CLAIM_LOCK = ""
    #: the insertion order of post_urls
    URL_ORDER = "rowid"

    def __init__(self, *, owner_dead: Callable[[str | None], bool] = local_owner_dead) -> None:
        self._owner_dead = owner_dead

    # --- hooks ---------------------------------------------------------------------------------
    @abstractmethod
    def _write(self) -> AbstractContextManager[Tx]:
        """One transaction: committed on success, rolled back on any exception (StoreError on failure)."""

    @abstractmethod
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    @abstractmethod
    def _dt(self, value: datetime) -> Any:
        """A UTC datetime as the database stores it."""

    @abstractmethod
    def _from_dt(self, value: Any) -> datetime: ...

    @abstractmethod
    def _json(self, value: Any) -> Any:
        """A JSON-ready value as the database stores it (serialised with :func:`dumps`)."""

    @abstractmethod
    def _flag(self, value: bool) -> Any: ...

    def _lock_digests(self, tx: Tx) -> None:  # noqa: B027 - an optional hook
        """Serialise read-modify-writes of ``digests`` (SQLite's BEGIN IMMEDIATE already does)."""

    @property
    @abstractmethod
    def problem(self) -> str | None: ...

    @abstractmethod
    def close(self) -> None: ...

    def _opt_dt(self, value: Any) -> datetime | None:
        return None if value is None else self._from_dt(value)

    # --- digests -------------------------------------------------------------------------------
    def save_digest(self, spec: DigestSpec, *, actor: str, now: datetime) -> None:
        at = self._dt(require_utc(now, "now"))
        with self._write() as tx:
            self._lock_digests(tx)
            old = self._digest(tx, spec.team_id, spec.name)
            self._put_digest(tx, spec, at)
            if old is None:
                self._audit(tx, spec.team_id, at, actor, "create", spec.name, {"new": spec_to_dict(spec)})
            else:
                changed = {"changed": spec_diff(old, spec)}
                self._audit(tx, spec.team_id, at, actor, "update", spec.name, changed)

    def delete_digest(self, team_id: str, name: str, *, actor: str, now: datetime) -> DigestSpec | None:
        at = self._dt(require_utc(now, "now"))
        with self._write() as tx:
            self._lock_digests(tx)
            old = self._digest(tx, team_id, name)
            if old is not None:
                tx.run("DELETE FROM digests WHERE team_id = ? AND name = ?", (team_id, name))
                self._audit(tx, team_id, at, actor, "delete", name, {"old": spec_to_dict(old)})
        return old

    def get_digest(self, team_id: str, name: str) -> DigestSpec | None:
        rows = self._read(_DIGEST_BY_NAME, (team_id, name))
        return _spec(rows[0]) if rows else None

    def list_digests(self, team_id: str | None = None) -> list[DigestSpec]:
        if team_id is None:
            rows = self._read("SELECT spec, enabled FROM digests ORDER BY team_id, name")
        else:
            rows = self._read("SELECT spec, enabled FROM digests WHERE team_id = ? ORDER BY name", (team_id,))
        return [_spec(row) for row in rows]

    def set_enabled(
        self, team_id: str, name: str, enabled: bool, *, actor: str, reason: str, now: datetime
    ) -> None:
        at = self._dt(require_utc(now, "now"))
        with self._write() as tx:
            self._lock_digests(tx)
            old = self._digest(tx, team_id, name)
            if old is None or old.enabled == enabled:
                return
            tx.run(
                "UPDATE digests SET enabled = ?, updated_at = ? WHERE team_id = ? AND name = ?",
                (self._flag(enabled), at, team_id, name),
            )
            details = {"changed": {"enabled": [old.enabled, enabled]}, "reason": reason}
            self._audit(tx, team_id, at, actor, "enable" if enabled else "disable", name, details)

    def sync_file_digests(self, specs: Sequence[DigestSpec], *, now: datetime) -> None:
        """A file digest whose definition did not change keeps its ``enabled`` state, so that a digest
        disabled after ``channel_not_found`` stays disabled across restarts until its file is edited
        (or it is re-enabled). The ``spec`` column holds the definition as written; ``enabled`` the state.
        """
        at = self._dt(require_utc(now, "now"))
        wanted = {(s.team_id, s.name): dataclasses.replace(s, source="file") for s in specs}
        with self._write() as tx:
            self._lock_digests(tx)
            rows = tx.rows("SELECT spec, enabled FROM digests")
            stored = {(d.team_id, d.name): (d, loads(r["spec"])) for r in rows for d in [_spec(r)]}
            for key, (old, _) in stored.items():
                if old.source == "file" and key not in wanted:
                    tx.run("DELETE FROM digests WHERE team_id = ? AND name = ?", key)
                    self._audit(tx, key[0], at, FILE_ACTOR, "delete", key[1], {"old": spec_to_dict(old)})
            for key, spec in wanted.items():
                if key not in stored:
                    self._put_digest(tx, spec, at)
                    self._audit(tx, key[0], at, FILE_ACTOR, "create", key[1], {"new": spec_to_dict(spec)})
                    continue
                old, declared = stored[key]
                if old.source != "file":
                    self._put_digest(tx, spec, at)
                    details = {"replaced_slack_digest": spec_to_dict(old), "changed": spec_diff(old, spec)}
                    self._audit(tx, key[0], at, FILE_ACTOR, "file_override", key[1], details)
                elif declared != spec_to_dict(spec):
                    self._put_digest(tx, spec, at)
                    changed = {"changed": spec_diff(old, spec)}
                    self._audit(tx, key[0], at, FILE_ACTOR, "update", key[1], changed)

    def _digest(self, tx: Tx, team_id: str, name: str) -> DigestSpec | None:
        rows = tx.rows(_DIGEST_BY_NAME, (team_id, name))
        return _spec(rows[0]) if rows else None

    def _put_digest(self, tx: Tx, spec: DigestSpec, at: Any) -> None:
        tx.run(
            "INSERT INTO digests (team_id, name, spec, source, enabled, created_by, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (team_id, name) DO UPDATE SET spec = excluded.spec,"
            " source = excluded.source, enabled = excluded.enabled, created_by = excluded.created_by,"
            " updated_at = excluded.updated_at",
            (
                spec.team_id,
                spec.name,
                self._json(spec_to_dict(spec)),
                spec.source,
                self._flag(spec.enabled),
                spec.created_by,
                at,
            ),
        )

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
        """A live claim blocks every caller, the same owner included (threads of one process share it),
        unless its owner is a process on this host that no longer exists (bot.store.owners)."""
        occ_utc, now_utc = require_utc(occurrence, "occurrence"), require_utc(now, "now")
        expires = require_utc(now + lease, "expires")
        occ, at, until = self._dt(occ_utc), self._dt(now_utc), self._dt(expires)
        # Most calls lose (posted already, or another process holds it): say so from a plain read,
        # without taking a write lock. Only "maybe claimable" goes on to the locked decision below.
        seen = self._read(f"SELECT * FROM posts WHERE {_POST_KEY}", (team_id, digest, occ))  # noqa: S608
        if seen and self._claimable(seen[0], now_utc) is None:
            return None
        with self._write() as tx:
            inserted = tx.rows(
                "INSERT INTO posts (team_id, digest, occurrence, channel, status, post_key, attempts,"
                " owner, expires, updated_at) VALUES (?, ?, ?, ?, 'claimed', ?, 1, ?, ?, ?)"
                " ON CONFLICT (team_id, digest, occurrence) DO NOTHING RETURNING post_key",
                (team_id, digest, occ, channel, uuid.uuid4().hex, owner, until, at),
            )
            if inserted:
                post_key, attempt, dead_owner = inserted[0]["post_key"], 1, None
                taken_over = None
            else:
                select = f"SELECT * FROM posts WHERE {_POST_KEY}{self.CLAIM_LOCK}"  # noqa: S608 - constants
                rows = tx.rows(select, (team_id, digest, occ))
                verdict = self._claimable(rows[0], now_utc) if rows else None
                if verdict is None:
                    return None  # (no row: another caller holds it locked this very moment)
                row = rows[0]
                post_key, attempt, dead_owner = row["post_key"], row["attempts"] + 1, verdict or None
                taken_over = str(row["owner"]) if row["status"] == "claimed" else None
                if dead_owner:
                    log.info("taking over the claim of %s at once: that process no longer exists", dead_owner)
                tx.run(
                    "UPDATE posts SET status = 'claimed', channel = ?, attempts = ?, owner = ?, expires = ?,"
                    " retry_at = NULL, updated_at = ? WHERE id = ?",
                    (channel, attempt, owner, until, at, row["id"]),
                )
        return Claim(
            team_id, digest, occ_utc, channel, post_key, attempt, owner, expires, dead_owner, taken_over
        )

    def _claimable(self, row: Row, now: datetime) -> str | None:
        """None: not claimable now; "": claimable; an owner: claimable because that owner is dead."""
        if row["status"] == "failed":
            return "" if row["retry_at"] is None or self._from_dt(row["retry_at"]) <= now else None
        if row["status"] != "claimed":
            return None
        if self._from_dt(row["expires"]) <= now:
            return ""
        return str(row["owner"]) if self._owner_dead(row["owner"]) else None

    def finish(self, claim: Claim, *, ts: str, urls: Sequence[str], now: datetime) -> None:
        """Records the post even if the lease ran out meanwhile: the message is in the channel."""
        occ, at = self._dt(require_utc(claim.occurrence, "occurrence")), self._dt(require_utc(now, "now"))
        with self._write() as tx:
            tx.run(
                "UPDATE posts SET status = 'posted', ts = ?, posted_at = ?, channel = ?, expires = NULL,"
                " retry_at = NULL, detail = '', updated_at = ?"
                " WHERE team_id = ? AND digest = ? AND occurrence = ? AND status != 'posted'",
                (ts, at, claim.channel, at, claim.team_id, claim.digest, occ),
            )
            tx.run_many(
                "INSERT INTO post_urls (team_id, channel, url, digest, occurrence) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (team_id, digest, occurrence, url) DO NOTHING",
                [(claim.team_id, claim.channel, url, claim.digest, occ) for url in dict.fromkeys(urls)],
            )

    def release(self, claim: Claim, *, retry_at: datetime, error: str, now: datetime) -> None:
        """Only the current holder (same attempt, still claimed) can release; otherwise a no-op."""
        occ, at = self._dt(require_utc(claim.occurrence, "occurrence")), self._dt(require_utc(now, "now"))
        retry = self._dt(require_utc(retry_at, "retry_at"))
        with self._write() as tx:
            tx.run(
                "UPDATE posts SET status = 'failed', retry_at = ?, detail = ?, expires = NULL, updated_at = ?"
                " WHERE team_id = ? AND digest = ? AND occurrence = ?"
                " AND status = 'claimed' AND attempts = ?",
                (retry, error, at, claim.team_id, claim.digest, occ, claim.attempt),
            )

    def skip(
        self, team_id: str, digest: str, occurrence: datetime, *, channel: str, reason: str, now: datetime
    ) -> None:
        """A posted occurrence stays posted; anything else becomes skipped for good."""
        occ, at = self._dt(require_utc(occurrence, "occurrence")), self._dt(require_utc(now, "now"))
        with self._write() as tx:
            tx.run(
                "INSERT INTO posts (team_id, digest, occurrence, channel, status, post_key, attempts, detail,"
                " updated_at) VALUES (?, ?, ?, ?, 'skipped', ?, 0, ?, ?)"
                " ON CONFLICT (team_id, digest, occurrence) DO UPDATE SET status = 'skipped',"
                " detail = excluded.detail, expires = NULL, retry_at = NULL, updated_at = excluded.updated_at"
                " WHERE posts.status != 'posted'",
                (team_id, digest, occ, channel, uuid.uuid4().hex, reason, at),
            )

    def get_post(self, team_id: str, digest: str, occurrence: datetime) -> PostRecord | None:
        occ = self._dt(require_utc(occurrence, "occurrence"))
        rows = self._read(
            "SELECT * FROM posts WHERE team_id = ? AND digest = ? AND occurrence = ?", (team_id, digest, occ)
        )
        return self._record(rows[0]) if rows else None

    def last_posted(self, team_id: str, digest: str) -> PostRecord | None:
        rows = self._read(
            "SELECT * FROM posts WHERE team_id = ? AND digest = ? AND status = 'posted'"
            " ORDER BY occurrence DESC LIMIT 1",
            (team_id, digest),
        )
        return self._record(rows[0]) if rows else None

    def posted_urls(self, team_id: str, channel: str) -> frozenset[str]:
        rows = self._read("SELECT url FROM post_urls WHERE team_id = ? AND channel = ?", (team_id, channel))
        return frozenset(row["url"] for row in rows)

    def post_history(self, team_id: str, digest: str | None = None, limit: int = 50) -> list[PostRecord]:
        if digest is None:
            rows = self._read(
                "SELECT * FROM posts WHERE team_id = ? ORDER BY occurrence DESC, id DESC LIMIT ?",
                (team_id, limit),
            )
        else:
            rows = self._read(
                "SELECT * FROM posts WHERE team_id = ? AND digest = ?"
                " ORDER BY occurrence DESC, id DESC LIMIT ?",
                (team_id, digest, limit),
            )
        return [self._record(row) for row in rows]

    def _record(self, row: Row) -> PostRecord:
        urls = self._read(
            f"SELECT url FROM post_urls WHERE {_POST_KEY} ORDER BY {self.URL_ORDER}",  # noqa: S608 - constants
            (row["team_id"], row["digest"], row["occurrence"]),
        )
        return PostRecord(
            team_id=row["team_id"],
            digest=row["digest"],
            occurrence=self._from_dt(row["occurrence"]),
            channel=row["channel"],
            status=row["status"],
            post_key=row["post_key"],
            attempts=row["attempts"],
            ts=row["ts"],
            posted_at=self._opt_dt(row["posted_at"]),
            detail=row["detail"],
            urls=tuple(u["url"] for u in urls),
            retry_at=self._opt_dt(row["retry_at"]),
        )

    # --- audit ---------------------------------------------------------------------------------
    def audit(
        self, team_id: str, *, actor: str, action: str, digest: str, details: Mapping[str, Any], now: datetime
    ) -> None:
        at = self._dt(require_utc(now, "now"))
        with self._write() as tx:
            self._audit(tx, team_id, at, actor, action, digest, details)

    def audit_log(self, team_id: str, limit: int = 100) -> list[AuditEntry]:
        rows = self._read("SELECT * FROM audit WHERE team_id = ? ORDER BY id DESC LIMIT ?", (team_id, limit))
        return [
            AuditEntry(
                r["team_id"],
                self._from_dt(r["at"]),
                r["actor"],
                r["action"],
                r["digest"],
                loads(r["details"]),
            )
            for r in rows
        ]

    def _audit(
        self, tx: Tx, team_id: str, at: Any, actor: str, action: str, digest: str, details: Mapping[str, Any]
    ) -> None:
        tx.run(
            "INSERT INTO audit (team_id, at, actor, action, digest, details) VALUES (?, ?, ?, ?, ?, ?)",
            (team_id, at, actor, action, digest, self._json(dict(details))),
        )


def _spec(row: Row) -> DigestSpec:
    return dataclasses.replace(spec_from_dict(loads(row["spec"])), enabled=bool(row["enabled"]))
