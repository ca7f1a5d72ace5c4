"""The SQLite implementation of ``bot.store.base.Store`` (read that module's contract first).

The queries and rules are bot.store.sql's; this module supplies transactions and SQLite's types:
datetimes as fixed-width UTC ISO text (text order is time order), JSON as text, flags as 0/1.

Concurrency (see bot.store.connection): a connection per thread, WAL mode, and every
read-modify-write in ``BEGIN IMMEDIATE``, so two threads or two processes cannot both see
"unclaimed" and both claim. The file must be on a local disk: WAL relies on shared memory that
network file systems do not provide.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.errors import StoreError
from bot.store.codec import dt_from_db, dt_to_db
from bot.store.connection import Connections, dict_cursor
from bot.store.migrate import migrate
from bot.store.owners import local_owner_dead
from bot.store.sql import FILE_ACTOR, Row, SqlStore, dumps
from bot.store.target import describe_db

__all__ = ["FILE_ACTOR", "SQLiteStore"]


class _Tx:
    __slots__ = ("_cursor",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._cursor = dict_cursor(conn)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows: list[Row] = self._cursor.execute(sql, params).fetchall()
        return rows

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(sql, params)

    def run_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(sql, params)


class SQLiteStore(SqlStore):
    """``SQLiteStore(path)`` opens (creating and migrating) the database file at ``path``; from then
    on the file must stay (bot.store.connection)."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 30.0,
        owner_dead: Callable[[str | None], bool] = local_owner_dead,
    ) -> None:
        super().__init__(owner_dead=owner_dead)
        if isinstance(path, str) and "://" in path:
            raise StoreError(f"{describe_db(path)} is a URL, not a SQLite file; open it with open_store()")
        self.path = Path(path)
        self._db = Connections(self.path, busy_timeout=busy_timeout)
        migrate(self._db.get())
        self._db.pin()

    @property
    def problem(self) -> str | None:
        error = self._db.problem
        return None if error is None else str(error)

    def close(self) -> None:
        self._db.close()

    def open_connections(self) -> int:
        """How many connections are open (one per live thread that used the store); diagnostics."""
        return self._db.open_count()

    @contextmanager
    def _write(self) -> Iterator[_Tx]:
        with self._db.write() as conn:
            yield _Tx(conn)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return self._db.read(sql, params)

    def _dt(self, value: datetime) -> str:
        return dt_to_db(value)

    def _from_dt(self, value: Any) -> datetime:
        return dt_from_db(value)

    def _json(self, value: Any) -> str:
        return dumps(value)

    def _flag(self, value: bool) -> int:
        return int(value)
