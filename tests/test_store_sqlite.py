"""What only the SQLite store has: the file itself (WAL, paths, per-thread connections, its own
migration runner) and what happens when the file is deleted, replaced or made read-only under a
running store. Everything the Store contract says is in test_store_contract.py, on both backends."""

from __future__ import annotations

import gc
import os
import sqlite3
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.digests.spec import DigestSpec
from bot.errors import DatabaseFileError, StoreError
from bot.store.migrate import Migration, migrate, schema_version
from bot.store.sqlite import SQLiteStore

NOW = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "newsbot.db")
    yield s
    s.close()


def _spec(name: str = "ai-daily") -> DigestSpec:
    return DigestSpec(name=name, channel="C0123", topics=("AI",))


def test_file_is_in_wal_mode(tmp_path: Path) -> None:
    SQLiteStore(tmp_path / "db.sqlite").close()
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_unusable_paths_raise_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        SQLiteStore(tmp_path / "missing" / "db.sqlite")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        SQLiteStore(junk)


def test_a_folder_given_as_the_database_says_to_name_a_file(tmp_path: Path) -> None:
    # NEWSBOT_DB=/var/lib/newsbot (the folder) gave "unable to open database file".
    with pytest.raises(StoreError, match=r"is a folder, not a file; give a file path such as .*newsbot\.db"):
        SQLiteStore(tmp_path)


def test_failed_migration_leaves_previous_version_intact(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);\n-- trailing comment\n")
    assert migrate(conn, [good]) == 1
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n")
    with pytest.raises(StoreError, match="nowhere"):
        migrate(conn, [good, bad])
    assert schema_version(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'b'").fetchone()[0] == 0
    fixed = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);")
    assert migrate(conn, [good, fixed]) == 2
    assert migrate(conn, [good, fixed]) == 2
    conn.close()


def test_connections_of_finished_threads_are_closed(store: SQLiteStore) -> None:
    fd_dir = Path("/proc/self/fd")
    before = len(list(fd_dir.iterdir())) if fd_dir.is_dir() else 0
    for _ in range(30):  # the scheduler makes a new pool of worker threads on every tick
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: store.list_digests(), range(8)))
    gc.collect()
    assert store.open_connections() <= 2
    if fd_dir.is_dir():
        assert len(list(fd_dir.iterdir())) - before < 10
    store.list_digests()  # the main thread's connection still works


# --- the file under a running store (issue 8, item 9) ------------------------------------------
def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_deleted_file_fails_every_write_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    store = SQLiteStore(path)
    store.save_digest(_spec("before"), actor="U1", now=NOW)
    worker = ThreadPoolExecutor(max_workers=1)  # a thread that already holds a connection
    assert [d.name for d in worker.submit(store.list_digests).result()] == ["before"]
    for leftover in tmp_path.glob("newsbot.db*"):
        leftover.unlink()
    assert store.problem is None  # nothing has noticed yet

    with pytest.raises(DatabaseFileError, match="was deleted") as raised:
        store.save_digest(_spec("after"), actor="U1", now=NOW)
    assert (raised.value.problem, raised.value.path) == ("deleted", str(path))
    claim = store.claim  # the old thread's connection, a new thread's, the main one: all refuse
    with pytest.raises(DatabaseFileError):
        worker.submit(
            claim, "", "after", NOW, channel="C1", owner="x", now=NOW, lease=timedelta(minutes=5)
        ).result()
    with ThreadPoolExecutor(max_workers=1) as fresh, pytest.raises(DatabaseFileError):
        fresh.submit(store.audit, "", actor="U1", action="x", digest="d", details={}, now=NOW).result()
    with pytest.raises(DatabaseFileError):
        store.list_digests()  # reads too: stale answers from a dead file are no answers
    worker.shutdown()
    assert not path.exists() and _files(tmp_path) == set()  # no fresh empty database appeared
    assert store.problem is not None and "deleted" in store.problem and str(path) in store.problem
    store.close()
    assert _files(tmp_path) == set()  # not on close either


def test_file_replaced_by_garbage_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    store = SQLiteStore(path)
    store.save_digest(_spec(), actor="U1", now=NOW)
    garbage = tmp_path / "garbage"
    garbage.write_bytes(b"\x00garbage" * 4096)
    garbage.replace(path)
    with pytest.raises(DatabaseFileError, match="replaced by another file") as raised:
        store.set_enabled("", "ai-daily", False, actor="U1", reason="x", now=NOW)
    assert raised.value.problem == "replaced"
    assert path.read_bytes() == b"\x00garbage" * 4096  # untouched
    assert store.problem is not None and "replaced" in store.problem
    store.close()


def test_file_overwritten_in_place_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    store = SQLiteStore(path)
    store.save_digest(_spec(), actor="U1", now=NOW)
    with path.open("r+b") as file:  # what `cp garbage newsbot.db` does: same inode, new bytes
        file.write(b"garbage!" * 1024)
    with pytest.raises(DatabaseFileError, match="no longer a valid SQLite database") as raised:
        store.save_digest(_spec("b"), actor="U1", now=NOW)
    assert raised.value.problem == "corrupt"
    store.close()


def test_read_only_file_refuses_writes_until_writable_again(tmp_path: Path) -> None:
    path = tmp_path / "newsbot.db"
    store = SQLiteStore(path)
    store.save_digest(_spec("a"), actor="U1", now=NOW)
    mode = path.stat().st_mode
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        with pytest.raises(DatabaseFileError, match="read-only") as raised:
            store.save_digest(_spec("b"), actor="U1", now=NOW)
        assert raised.value.problem == "read-only"
        assert store.problem is not None and "read-only" in store.problem
        assert [d.name for d in store.list_digests()] == ["a"]  # reads still work, nothing half-written
    finally:
        path.chmod(mode)
    store.save_digest(_spec("b"), actor="U1", now=NOW)
    assert store.problem is None and [d.name for d in store.list_digests()] == ["a", "b"]
    store.close()


def test_restart_on_a_missing_file_starts_a_new_database(tmp_path: Path) -> None:
    """Only start-up creates the file; documented so that an operator knows what a restart does."""
    path = tmp_path / "newsbot.db"
    SQLiteStore(path).close()
    for leftover in tmp_path.glob("newsbot.db*"):
        leftover.unlink()
    again = SQLiteStore(path)
    assert again.list_digests() == [] and again.problem is None and path.exists()
    again.close()
    assert os.access(path, os.R_OK)
