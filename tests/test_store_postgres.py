"""What only the PostgreSQL store has: its migration runner, a server that goes away under a running
store, and URLs that carry a password."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest

from bot.digests.spec import DigestSpec
from bot.errors import StoreError
from bot.store.migrate import Migration
from bot.store.postgres import PostgresStore
from tests.pgserver import PostgresServer, start_server

NOW = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def test_failed_migration_leaves_previous_version_intact(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database()
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);\n-- trailing comment ? %\n")
    PostgresStore(url, migrations=[good]).close()
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n")
    with pytest.raises(StoreError, match="nowhere"):
        PostgresStore(url, migrations=[good, bad])
    assert _tables(url) == {"a", "newsbot_schema"}  # b rolled back with the failed step
    fixed = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);")
    store = PostgresStore(url, migrations=[good, fixed])
    assert store.schema == 2
    store.close()
    assert PostgresStore(url, migrations=[good, fixed]).schema == 2
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT version FROM newsbot_schema").fetchall() == [(2,)]


@pytest.fixture
def own_server(postgres_server: PostgresServer) -> Iterator[PostgresServer]:
    """A second server this test may stop (the session's one serves every other test)."""
    server = start_server()
    yield server
    server.stop()


def test_server_gone_is_a_clear_error_and_a_problem(own_server: PostgresServer) -> None:
    url = own_server.create_database().replace("postgres@", "postgres:s3cret@")  # trust ignores it
    store = PostgresStore(url, connect_timeout=2)
    store.save_digest(DigestSpec("a", "C1"), actor="U1", now=NOW)
    assert store.problem is None
    own_server.stop()
    with pytest.raises(
        StoreError, match=r"PostgreSQL at postgresql://postgres:\*\*\*@127\.0\.0\.1"
    ) as raised:
        store.save_digest(DigestSpec("b", "C1"), actor="U1", now=NOW)
    assert "s3cret" not in str(raised.value)
    assert store.problem is not None and "PostgreSQL" in store.problem and "s3cret" not in store.problem
    store.close()
