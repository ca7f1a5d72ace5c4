"""Per-thread SQLite connections to one database file, and the transaction helpers the store uses.

Each thread gets its own connection (a sqlite3 connection must not be shared by threads running
statements at once); a thread's connection is closed when the thread ends, so short-lived worker
threads (a pool per scheduler tick) do not leak file handles. Connections are in autocommit mode;
writes open ``BEGIN IMMEDIATE`` themselves, which takes SQLite's write lock up front: a
read-modify-write (a claim) can never interleave with another thread's or process's. ``busy_timeout``
makes a contender wait for the lock instead of failing, and WAL mode lets readers go on while one
writer works.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.errors import StoreError


class _Holder:
    """Lives in the thread-local; when its thread ends it is collected and its finalizer closes ``conn``."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class Connections:
    def __init__(self, path: Path, *, busy_timeout: float) -> None:
        if not path.parent.is_dir():
            raise StoreError(f"cannot open the database {path}: folder {path.parent} does not exist")
        self.path = path
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._local = threading.local()
        self._all: weakref.WeakSet[_Holder] = weakref.WeakSet()
        self._pid = os.getpid()
        self._closed = False

    def get(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        if self._closed:
            raise StoreError("the store is closed")
        if os.getpid() != self._pid:  # a forked child must not reuse the parent's connections
            self._local, self._all, self._pid = threading.local(), weakref.WeakSet(), os.getpid()
        holder: _Holder | None = getattr(self._local, "holder", None)
        if holder is None:
            holder = _Holder(self._open())
            weakref.finalize(holder, holder.conn.close)
            self._local.holder = holder
            with self._lock:
                self._all.add(holder)
        return holder.conn

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            _enable_wal(conn, self._busy_timeout)
            # NORMAL is durable across a process crash in WAL mode (an OS crash may lose the last commit).
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}") from exc
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any exception."""
        conn = self.get()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"database write failed ({self.path}): {exc}") from exc

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self.get().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"database read failed ({self.path}): {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for holder in list(self._all):
                holder.conn.close()
            self._all = weakref.WeakSet()

    def open_count(self) -> int:
        """Connections still open (one per live thread that used the store)."""
        return len(self._all)


def _enable_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Switch to WAL, waiting out another process that holds the lock meanwhile.

    SQLite does not call the busy handler for a journal-mode change on a fresh file, so two
    processes opening a new database at once would otherwise see "database is locked".
    """
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
