"""The SQLite implementation of ``bot.store.base.Store`` (read that module's contract first).

Concurrency (see bot.store.connection): a connection per thread, WAL mode, and every
read-modify-write in ``BEGIN IMMEDIATE``, so two threads or two processes cannot both see
"unclaimed" and both claim. The file must be on a local disk: WAL relies on shared memory that
network file systems do not provide.

Precedence of digest definitions: a digest defined in digests/*.yaml is owned by the file. On every
``sync_file_digests`` the file's definition replaces a Slack-created digest of the same name (with an
audit entry), and a file digest whose file entry is gone is deleted.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.digests.spec import DigestSpec
from bot.store.base import AuditEntry, Claim, PostRecord
from bot.store.codec import dt_from_db, dt_to_db, opt_dt_from_db, spec_diff, spec_from_dict, spec_to_dict
from bot.store.connection import Connections
from bot.store.migrate import migrate

FILE_ACTOR = "digests/*.yaml"
_DIGEST_BY_NAME = "SELECT spec, enabled FROM digests WHERE team_id = ? AND name = ?"


class SQLiteStore:
    """``SQLiteStore(path)`` opens (creating and migrating) the database file at ``path``."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self._db = Connections(self.path, busy_timeout=busy_timeout)
        migrate(self._db.get())

    def close(self) -> None:
        self._db.close()

    def open_connections(self) -> int:
        """How many connections are open (one per live thread that used the store); diagnostics."""
        return self._db.open_count()

    # --- the transaction hooks bot.store.workspaces uses ------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[_Tx]:
        with self._db.write() as conn:
            yield _Tx(conn)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._db.read(sql, params)]

    def _dt(self, value: datetime) -> str:
        return dt_to_db(value)

    def _from_dt(self, value: Any) -> datetime:
        return dt_from_db(str(value))

    def _json(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, default=str)

    def _flag(self, value: bool) -> int:
        return int(value)

    # --- digests -------------------------------------------------------------------------------
    def save_digest(self, spec: DigestSpec, *, actor: str, now: datetime) -> None:
        at = dt_to_db(now, "now")
        with self._db.write() as conn:
            old = _digest(conn, spec.team_id, spec.name)
            _put_digest(conn, spec, at)
            if old is None:
                _audit(conn, spec.team_id, at, actor, "create", spec.name, {"new": spec_to_dict(spec)})
            else:
                _audit(conn, spec.team_id, at, actor, "update", spec.name, {"changed": spec_diff(old, spec)})

    def delete_digest(self, team_id: str, name: str, *, actor: str, now: datetime) -> DigestSpec | None:
        at = dt_to_db(now, "now")
        with self._db.write() as conn:
            old = _digest(conn, team_id, name)
            if old is not None:
                conn.execute("DELETE FROM digests WHERE team_id = ? AND name = ?", (team_id, name))
                _audit(conn, team_id, at, actor, "delete", name, {"old": spec_to_dict(old)})
        return old

    def get_digest(self, team_id: str, name: str) -> DigestSpec | None:
        rows = self._db.read(_DIGEST_BY_NAME, (team_id, name))
        return _spec(rows[0]) if rows else None

    def list_digests(self, team_id: str | None = None) -> list[DigestSpec]:
        if team_id is None:
            rows = self._db.read("SELECT spec, enabled FROM digests ORDER BY team_id, name")
        else:
            rows = self._db.read(
                "SELECT spec, enabled FROM digests WHERE team_id = ? ORDER BY name", (team_id,)
            )
        return [_spec(row) for row in rows]

    def set_enabled(
        self, team_id: str, name: str, enabled: bool, *, actor: str, reason: str, now: datetime
    ) -> None:
        at = dt_to_db(now, "now")
        with self._db.write() as conn:
            old = _digest(conn, team_id, name)
            if old is None or old.enabled == enabled:
                return
            conn.execute(
                "UPDATE digests SET enabled = ?, updated_at = ? WHERE team_id = ? AND name = ?",
                (int(enabled), at, team_id, name),
            )
            details = {"changed": {"enabled": [old.enabled, enabled]}, "reason": reason}
            _audit(conn, team_id, at, actor, "enable" if enabled else "disable", name, details)

    def sync_file_digests(self, specs: Sequence[DigestSpec], *, now: datetime) -> None:
        """A file digest whose definition did not change keeps its ``enabled`` state, so that a digest
        disabled after ``channel_not_found`` stays disabled across restarts until its file is edited
        (or it is re-enabled). The ``spec`` column holds the definition as written; ``enabled`` the state.
        """
        at = dt_to_db(now, "now")
        wanted = {(s.team_id, s.name): dataclasses.replace(s, source="file") for s in specs}
        with self._db.write() as conn:
            rows = conn.execute("SELECT spec, enabled FROM digests").fetchall()
            stored = {(d.team_id, d.name): (d, json.loads(r["spec"])) for r in rows for d in [_spec(r)]}
            for key, (old, _) in stored.items():
                if old.source == "file" and key not in wanted:
                    conn.execute("DELETE FROM digests WHERE team_id = ? AND name = ?", key)
                    _audit(conn, key[0], at, FILE_ACTOR, "delete", key[1], {"old": spec_to_dict(old)})
            for key, spec in wanted.items():
                if key not in stored:
                    _put_digest(conn, spec, at)
                    _audit(conn, key[0], at, FILE_ACTOR, "create", key[1], {"new": spec_to_dict(spec)})
                    continue
                old, declared = stored[key]
                if old.source != "file":
                    _put_digest(conn, spec, at)
                    details = {"replaced_slack_digest": spec_to_dict(old), "changed": spec_diff(old, spec)}
                    _audit(conn, key[0], at, FILE_ACTOR, "file_override", key[1], details)
                elif declared != spec_to_dict(spec):
                    _put_digest(conn, spec, at)
                    _audit(conn, key[0], at, FILE_ACTOR, "update", key[1], {"changed": spec_diff(old, spec)})

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
        """A live claim blocks every caller, the same owner included (threads of one process share it)."""
        occ, at = dt_to_db(occurrence, "occurrence"), dt_to_db(now, "now")
        expires = dt_to_db(now + lease, "expires")
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT * FROM posts WHERE team_id = ? AND digest = ? AND occurrence = ?",
                (team_id, digest, occ),
            ).fetchone()
            if row is None:
                post_key, attempt = uuid.uuid4().hex, 1
                conn.execute(
                    "INSERT INTO posts (team_id, digest, occurrence, channel, status, post_key, attempts,"
                    " owner, expires, updated_at) VALUES (?, ?, ?, ?, 'claimed', ?, 1, ?, ?, ?)",
                    (team_id, digest, occ, channel, post_key, owner, expires, at),
                )
            else:
                status = row["status"]
                dead_owner = status == "claimed" and dt_from_db(row["expires"]) <= now
                retry_due = status == "failed" and (
                    row["retry_at"] is None or dt_from_db(row["retry_at"]) <= now
                )
                if not (dead_owner or retry_due):
                    return None
                post_key, attempt = row["post_key"], row["attempts"] + 1
                conn.execute(
                    "UPDATE posts SET status = 'claimed', channel = ?, attempts = ?, owner = ?, expires = ?,"
                    " retry_at = NULL, updated_at = ? WHERE id = ?",
                    (channel, attempt, owner, expires, at, row["id"]),
                )
        return Claim(team_id, digest, dt_from_db(occ), channel, post_key, attempt, owner, dt_from_db(expires))

    def finish(self, claim: Claim, *, ts: str, urls: Sequence[str], now: datetime) -> None:
        """Records the post even if the lease ran out meanwhile: the message is in the channel."""
        occ, at = dt_to_db(claim.occurrence, "occurrence"), dt_to_db(now, "now")
        key = (claim.team_id, claim.digest, occ)
        with self._db.write() as conn:
            conn.execute(
                "UPDATE posts SET status = 'posted', ts = ?, posted_at = ?, channel = ?, expires = NULL,"
                " retry_at = NULL, detail = '', updated_at = ?"
                " WHERE team_id = ? AND digest = ? AND occurrence = ? AND status != 'posted'",
                (ts, at, claim.channel, at, *key),
            )
            conn.executemany(
                "INSERT OR IGNORE INTO post_urls (team_id, channel, url, digest, occurrence)"
                " VALUES (?, ?, ?, ?, ?)",
                [(claim.team_id, claim.channel, url, claim.digest, occ) for url in dict.fromkeys(urls)],
            )

    def release(self, claim: Claim, *, retry_at: datetime, error: str, now: datetime) -> None:
        """Only the current holder (same attempt, still claimed) can release; otherwise a no-op."""
        occ, at = dt_to_db(claim.occurrence, "occurrence"), dt_to_db(now, "now")
        retry = dt_to_db(retry_at, "retry_at")
        with self._db.write() as conn:
            conn.execute(
                "UPDATE posts SET status = 'failed', retry_at = ?, detail = ?, expires = NULL, updated_at = ?"
                " WHERE team_id = ? AND digest = ? AND occurrence = ?"
                " AND status = 'claimed' AND attempts = ?",
                (retry, error, at, claim.team_id, claim.digest, occ, claim.attempt),
            )

    def skip(
        self, team_id: str, digest: str, occurrence: datetime, *, channel: str, reason: str, now: datetime
    ) -> None:
        """A posted occurrence stays posted; anything else becomes skipped for good."""
        occ, at = dt_to_db(occurrence, "occurrence"), dt_to_db(now, "now")
        with self._db.write() as conn:
            conn.execute(
                "INSERT INTO posts (team_id, digest, occurrence, channel, status, post_key, attempts, detail,"
                " updated_at) VALUES (?, ?, ?, ?, 'skipped', ?, 0, ?, ?)"
                " ON CONFLICT (team_id, digest, occurrence) DO UPDATE SET status = 'skipped',"
                " detail = excluded.detail, expires = NULL, retry_at = NULL, updated_at = excluded.updated_at"
                " WHERE posts.status != 'posted'",
                (team_id, digest, occ, channel, uuid.uuid4().hex, reason, at),
            )

    def get_post(self, team_id: str, digest: str, occurrence: datetime) -> PostRecord | None:
        occ = dt_to_db(occurrence, "occurrence")
        rows = self._db.read(
            "SELECT * FROM posts WHERE team_id = ? AND digest = ? AND occurrence = ?", (team_id, digest, occ)
        )
        return self._record(rows[0]) if rows else None

    def last_posted(self, team_id: str, digest: str) -> PostRecord | None:
        rows = self._db.read(
            "SELECT * FROM posts WHERE team_id = ? AND digest = ? AND status = 'posted'"
            " ORDER BY occurrence DESC LIMIT 1",
            (team_id, digest),
        )
        return self._record(rows[0]) if rows else None

    def posted_urls(self, team_id: str, channel: str) -> frozenset[str]:
        rows = self._db.read(
            "SELECT url FROM post_urls WHERE team_id = ? AND channel = ?", (team_id, channel)
        )
        return frozenset(row["url"] for row in rows)

    def post_history(self, team_id: str, digest: str | None = None, limit: int = 50) -> list[PostRecord]:
        rows = self._db.read(
            "SELECT * FROM posts WHERE team_id = ? AND (? IS NULL OR digest = ?)"
            " ORDER BY occurrence DESC, id DESC LIMIT ?",
            (team_id, digest, digest, limit),
        )
        return [self._record(row) for row in rows]

    def _record(self, row: sqlite3.Row) -> PostRecord:
        urls = self._db.read(
            "SELECT url FROM post_urls WHERE team_id = ? AND digest = ? AND occurrence = ? ORDER BY rowid",
            (row["team_id"], row["digest"], row["occurrence"]),
        )
        return PostRecord(
            team_id=row["team_id"],
            digest=row["digest"],
            occurrence=dt_from_db(row["occurrence"]),
            channel=row["channel"],
            status=row["status"],
            post_key=row["post_key"],
            attempts=row["attempts"],
            ts=row["ts"],
            posted_at=opt_dt_from_db(row["posted_at"]),
            detail=row["detail"],
            urls=tuple(u["url"] for u in urls),
            retry_at=opt_dt_from_db(row["retry_at"]),
        )

    # --- audit ---------------------------------------------------------------------------------
    def audit(
        self, team_id: str, *, actor: str, action: str, digest: str, details: Mapping[str, Any], now: datetime
    ) -> None:
        at = dt_to_db(now, "now")
        with self._db.write() as conn:
            _audit(conn, team_id, at, actor, action, digest, details)

    def audit_log(self, team_id: str, limit: int = 100) -> list[AuditEntry]:
        rows = self._db.read(
            "SELECT * FROM audit WHERE team_id = ? ORDER BY id DESC LIMIT ?", (team_id, limit)
        )
        return [
            AuditEntry(
                r["team_id"],
                dt_from_db(r["at"]),
                r["actor"],
                r["action"],
                r["digest"],
                json.loads(r["details"]),
            )
            for r in rows
        ]


def _spec(row: sqlite3.Row) -> DigestSpec:
    return dataclasses.replace(spec_from_dict(json.loads(row["spec"])), enabled=bool(row["enabled"]))


def _digest(conn: sqlite3.Connection, team_id: str, name: str) -> DigestSpec | None:
    row = conn.execute(_DIGEST_BY_NAME, (team_id, name)).fetchone()
    return _spec(row) if row else None


def _put_digest(conn: sqlite3.Connection, spec: DigestSpec, at: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO digests (team_id, name, spec, source, enabled, created_by, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            spec.team_id,
            spec.name,
            json.dumps(spec_to_dict(spec)),
            spec.source,
            int(spec.enabled),
            spec.created_by,
            at,
        ),
    )


def _audit(
    conn: sqlite3.Connection,
    team_id: str,
    at: str,
    actor: str,
    action: str,
    digest: str,
    details: Mapping[str, Any],
) -> None:
    conn.execute(
        "INSERT INTO audit (team_id, at, actor, action, digest, details) VALUES (?, ?, ?, ?, ?, ?)",
        (team_id, at, actor, action, digest, json.dumps(dict(details), sort_keys=True, default=str)),
    )


class _Tx:
    """Statements in one write transaction, rows as dicts (the interface bot.store.workspaces uses)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self._conn.execute(sql, params).fetchall()]

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(sql, params)
