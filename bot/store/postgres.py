"""The PostgreSQL implementation of ``bot.store.base.Store`` (read that module's contract first).

The queries and rules are bot.store.sql's; this module supplies a psycopg 3 connection pool,
transactions and PostgreSQL's types (timestamptz, jsonb, boolean). Several processes on several
hosts may share one database:

- claims lock the one row they judge with ``SELECT … FOR UPDATE SKIP LOCKED`` (a row another
  claimer holds this instant is simply not ours) after an ``INSERT … ON CONFLICT DO NOTHING`` that
  exactly one of several racing callers wins;
- read-modify-writes of digests (save, delete, enable, sync) take ``LOCK TABLE digests IN EXCLUSIVE
  MODE``: they are rare, and readers are never blocked;
- migrations run under a transaction-scoped advisory lock, so processes starting together apply
  each one once. The version lives in ``newsbot_schema``; numbering is shared with SQLite.

Every statement is parameterised (``?`` in bot.store.sql becomes psycopg's ``%s``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

from bot.errors import StoreError
from bot.store.codec import require_utc
from bot.store.migrate import Migration, bundled_migrations, pending, split_statements
from bot.store.owners import local_owner_dead
from bot.store.sql import Row, SqlStore, Tx, dumps
from bot.store.target import describe_db

# pg_advisory_xact_lock key for migrations: "news" in ASCII.
_MIGRATION_LOCK = 0x6E657773


@functools.lru_cache(maxsize=256)
def _pg(sql: str) -> str:
    if "%" in sql:
        raise ValueError(f"a literal % in SQL meant for psycopg must be doubled: {sql[:80]!r}")
    return sql.replace("?", "%s")


class _Tx:
    __slots__ = ("_cursor",)

    def __init__(self, cursor: psycopg.Cursor[Row]) -> None:
        self._cursor = cursor

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        self._cursor.execute(_pg(sql), params)
        return self._cursor.fetchall() if self._cursor.description else []

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(_pg(sql), params)

    def run_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        if params:
            self._cursor.executemany(_pg(sql), params)

    def script(self, sql: str) -> None:
        """A migration statement: no parameters, so psycopg leaves % and ? alone."""
        self._cursor.execute(sql.encode())


class PostgresStore(SqlStore):
    """``PostgresStore("postgresql://user:pass@host/db")`` connects, migrates and keeps a pool of
    up to ``pool_size`` connections (one per thread working at once is enough). An operation that
    cannot get a working connection within ``connect_timeout`` seconds raises StoreError."""

    CLAIM_LOCK = " FOR UPDATE SKIP LOCKED"
    URL_ORDER = "id"

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        connect_timeout: float = 10.0,
        owner_dead: Callable[[str | None], bool] = local_owner_dead,
        migrations: Sequence[Migration] | None = None,
    ) -> None:
        super().__init__(owner_dead=owner_dead)
        self.url = url
        self._where = describe_db(url)
        self._problem: str | None = None
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "row_factory": dict_row, "connect_timeout": int(connect_timeout)},
            open=False,
            name="newsbot",
            timeout=connect_timeout,  # for a free connection: all busy, or the server unreachable
            # One round trip per use (~5% of a claim) so that connections broken by a server restart
            # or failover are replaced before a statement fails on them.
            check=ConnectionPool.check_connection,
        )
        try:
            # One plain connection first: the pool would only say that it gave up after its
            # timeout, this says why (refused, no such database, password rejected) and at once.
            psycopg.connect(url, connect_timeout=max(1, int(connect_timeout))).close()
            self._pool.open(wait=True, timeout=connect_timeout)
        except psycopg.Error as exc:
            self._pool.close()
            raise StoreError(f"cannot connect to PostgreSQL at {self._where}: {_reason(exc)}") from exc
        try:
            self.schema = self._migrate(list(migrations) if migrations is not None else None)
        except BaseException:
            self._pool.close()
            raise

    @property
    def problem(self) -> str | None:
        return self._problem

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def _write(self) -> Iterator[_Tx]:
        try:
            with (
                self._pool.connection() as conn,
                conn.transaction(),
                conn.cursor(row_factory=dict_row) as cursor,
            ):
                yield _Tx(cursor)
        except psycopg.Error as exc:
            raise self._failed("write", exc) from exc
        self._problem = None

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        try:
            with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as cursor:
                rows = _Tx(cursor).rows(sql, params)
        except psycopg.Error as exc:
            raise self._failed("read", exc) from exc
        self._problem = None
        return rows

    def _failed(self, what: str, exc: psycopg.Error) -> StoreError:
        error = StoreError(f"database {what} failed (PostgreSQL at {self._where}): {_reason(exc)}")
        if isinstance(exc, psycopg.OperationalError):  # the server, not the statement
            self._problem = str(error)
        return error

    def _migrate(self, migrations: list[Migration] | None) -> int:
        known = migrations if migrations is not None else bundled_migrations("postgres")
        with self._write() as tx:
            tx.rows("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            tx.script("CREATE TABLE IF NOT EXISTS newsbot_schema (version INTEGER NOT NULL)")
            rows = tx.rows("SELECT version FROM newsbot_schema")
            current = int(rows[0]["version"]) if rows else 0
            todo = pending(current, known, where="database")
            for migration in todo:
                for statement in split_statements(migration.sql):
                    tx.script(statement)
            if todo:
                current = todo[-1].version
                if rows:
                    tx.run("UPDATE newsbot_schema SET version = ?", (current,))
                else:
                    tx.run("INSERT INTO newsbot_schema (version) VALUES (?)", (current,))
        return current

    def _lock_digests(self, tx: Tx) -> None:
        tx.run("LOCK TABLE digests IN EXCLUSIVE MODE")

    def _dt(self, value: datetime) -> datetime:
        return require_utc(value)

    def _from_dt(self, value: Any) -> datetime:
        if not isinstance(value, datetime):
            raise StoreError(f"expected a timestamptz from PostgreSQL, got {value!r}")
        return value.astimezone(UTC)

    def _json(self, value: Any) -> Jsonb:
        return Jsonb(value, dumps=dumps)

    def _flag(self, value: bool) -> bool:
        return value


def _reason(exc: psycopg.Error) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
