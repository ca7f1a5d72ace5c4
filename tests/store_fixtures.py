"""Store fixtures for every backend: ``db`` is a database target (a SQLite file path or a PostgreSQL
URL of a fresh, empty schema), ``store`` the opened store; both are parametrised over the backends.

The PostgreSQL server (tests/pgserver.py) starts once per session; each test gets a new schema.
Without server binaries the PostgreSQL half is skipped locally; in CI (``CI=true``) it fails
instead, so CI can never pass without having run it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bot.store.base import Store
from bot.store.factory import is_postgres, open_store
from tests.pgserver import PostgresServer, ServerUnavailable, start_server

BACKENDS = ("sqlite", "postgres")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = start_server()
    except ServerUnavailable as exc:
        if in_ci():
            pytest.fail(f"CI must run the PostgreSQL half of the store tests, but: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL half skipped: {exc}")
    yield server
    server.stop()


def new_db(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> str | Path:
    if backend == "sqlite":
        return tmp_path / "newsbot.db"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_schema()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    return new_db(request, str(request.param), tmp_path)


@pytest.fixture
def store(db: str | Path) -> Iterator[Store]:
    s = open_store(db)
    yield s
    s.close()


def set_schema_version(db: str | Path, version: int) -> None:
    """Pretend a newer (or older) newsbot wrote the database (test set-up only)."""
    if is_postgres(db):
        with psycopg.connect(str(db), autocommit=True) as pg:
            pg.execute("UPDATE newsbot_schema SET version = %s", (version,))
        return
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {int(version)}")
    conn.close()


def stored_schema_version(db: str | Path) -> int:
    if is_postgres(db):
        with psycopg.connect(str(db)) as pg:
            row = pg.execute("SELECT version FROM newsbot_schema").fetchone()
            assert row is not None
            return int(row[0])
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def table_names(db: str | Path) -> set[str]:
    if is_postgres(db):
        with psycopg.connect(str(db)) as pg:
            query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            return {r[0] for r in pg.execute(query).fetchall()}
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
