"""Per-thread SQLite connections to one database file, and the transaction helpers the store uses.

Each thread gets its own connection (a sqlite3 connection must not be shared by threads running
statements at once); a thread's connection is closed when the thread ends, so short-lived worker
threads (a pool per scheduler tick) do not leak file handles. Connections are in autocommit mode;
writes open ``BEGIN IMMEDIATE`` themselves, which takes SQLite's write lock up front: a
read-modify-write (a claim) can never interleave with another thread's or process's. ``busy_timeout``
makes a contender wait for the lock instead of failing, and WAL mode lets readers go on while one
writer works.

The file under a running store: only the first connection (start-up, which migrates) may create the
file; every later one opens it with ``mode=rw``, so a deleted file is an error instead of a fresh
empty database. Every read and write first checks (one ``stat``; a 16-byte read when size or mtime
moved) that the path is still the file that was opened (same device and inode, still an SQLite
header), and every write checks again after its commit: a write that went to a deleted or replaced
file is reported as failed, never as done. Deleted, replaced or corrupt stays broken until restart
(``DatabaseFileError``); read-only lasts while the file has no write permission.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.errors import DatabaseFileError, StoreError

_MAGIC = b"SQLite format 3\x00"
_STICKY = {
    "deleted": "was deleted while newsbot was running",
    "replaced": "was replaced by another file while newsbot was running",
    "corrupt": "is no longer a valid SQLite database",
}


class _Holder:
    """Lives in the thread-local; when its thread ends it is collected and its finalizer closes ``conn``."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {column[0]: value for column, value in zip(cursor.description, row, strict=True)}


def dict_cursor(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """A cursor whose rows are dicts (the form bot.store.sql reads on every backend)."""
    cursor = conn.cursor()
    cursor.row_factory = _dict_row
    return cursor


class Connections:
    def __init__(self, path: Path, *, busy_timeout: float) -> None:
        if not path.parent.is_dir():
            raise StoreError(f"cannot open the database {path}: folder {path.parent} does not exist")
        if path.is_dir():
            raise StoreError(
                f"cannot open the database {path}: it is a folder, not a file; "
                f"give a file path such as {path / 'newsbot.db'}"
            )
        self.path = path
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._local = threading.local()
        self._all: weakref.WeakSet[_Holder] = weakref.WeakSet()
        self._pid = os.getpid()
        self._closed = False
        self._identity: tuple[int, int] | None = None  # (device, inode) once start-up is done
        self._header = False
        self._verified: tuple[int, int] | None = None  # (size, mtime) when the header was last read
        self._broken: DatabaseFileError | None = None  # deleted, replaced, corrupt: until restart
        self._readonly: DatabaseFileError | None = None  # while the file stays read-only
        # The header is read through one descriptor kept open until close(): closing any other
        # descriptor of the file would drop this process's POSIX locks on it, SQLite's included,
        # and another process closing its last connection would then delete the WAL under us.
        self._fd: int | None = None

    @property
    def problem(self) -> DatabaseFileError | None:
        return self._broken or self._readonly

    def pin(self) -> None:
        """Start-up is done: from now on the file must exist and stay the same file."""
        st = self.path.stat()
        self._identity = (st.st_dev, st.st_ino)
        self._fd = os.open(self.path, os.O_RDONLY)
        self._header = _header(self._fd) == _MAGIC  # (always true once migrated; cheap to be sure)

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
        mode = "rwc" if self._identity is None else "rw"
        uri = f"file:{quote(str(self.path.absolute()))}?mode={mode}"
        try:
            conn = sqlite3.connect(
                uri, uri=True, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            _enable_wal(conn, self._busy_timeout)
            # NORMAL is durable across a process crash in WAL mode (an OS crash may lose the last commit).
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise self._error("cannot open the database", exc) from exc
        return conn

    def check(self, *, writing: bool) -> None:
        """Raise DatabaseFileError unless the path is still the file start-up opened (and writable)."""
        if self._broken is not None:
            raise self._broken
        if self._identity is None:
            return
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise self._break("deleted") from None
        except OSError as exc:
            raise StoreError(f"cannot check the database file {self.path}: {exc}") from exc
        if (st.st_dev, st.st_ino) != self._identity:
            raise self._break("replaced", f" (device/inode {self._identity} is now {(st.st_dev, st.st_ino)})")
        # Overwritten in place (cp garbage newsbot.db)? Read the header again only when size or mtime moved.
        seen = (st.st_size, st.st_mtime_ns)
        if self._header and self._fd is not None and seen != self._verified:
            if _header(self._fd) != _MAGIC:
                raise self._break("corrupt", " (its first bytes are not an SQLite header any more)")
            self._verified = seen
        if writing:
            if not (st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(
                self.path, os.W_OK
            ):
                raise self._read_only()
            self._readonly = None

    def _break(self, problem: str, extra: str = "") -> DatabaseFileError:
        self._broken = DatabaseFileError(
            str(self.path),
            problem,
            f"the database file {self.path} {_STICKY[problem]}{extra}; nothing more is written to it. "
            "Restore the file from a backup and restart newsbot (a restart with no file starts an empty "
            "database)",
        )
        return self._broken

    def _read_only(self) -> DatabaseFileError:
        self._readonly = DatabaseFileError(
            str(self.path),
            "read-only",
            f"the database file {self.path} is read-only; nothing was written. "
            "Give the newsbot user write permission on it (and on its folder)",
        )
        return self._readonly

    def _error(self, what: str, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "readonly" in text or "read-only" in text:
            return self._read_only()
        if self._identity is not None and ("not a database" in text or "malformed" in text):
            return self._break("corrupt", f" ({text})")
        return StoreError(f"{what} {self.path}: {text}")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any exception."""
        self.check(writing=True)
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
            raise self._error("database write failed:", exc) from exc
        self.check(writing=False)  # committed, but to the file we think it is?

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.check(writing=False)
        try:
            rows: list[dict[str, Any]] = dict_cursor(self.get()).execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self._error("database read failed:", exc) from exc
        return rows

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for holder in list(self._all):
                holder.conn.close()
            self._all = weakref.WeakSet()
            if self._fd is not None:  # after the connections: nothing of SQLite's is locked any more
                os.close(self._fd)
                self._fd = None

    def open_count(self) -> int:
        """Connections still open (one per live thread that used the store)."""
        return len(self._all)


def _header(fd: int) -> bytes:
    """The first bytes of the file, read at offset 0 through ``fd`` (never a new descriptor)."""
    try:
        return os.pread(fd, len(_MAGIC), 0)
    except OSError:
        return b""


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
