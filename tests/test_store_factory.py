"""NEWSBOT_DB → the store: a postgresql:// URL means PostgreSQL, anything else a SQLite file; bad URLs
are refused with a message that never shows the password."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bot.errors import ConfigError, StoreError
from bot.settings import Settings
from bot.store.factory import describe_db, is_postgres, open_store, parse_db
from bot.store.postgres import PostgresStore
from bot.store.sqlite import SQLiteStore
from tests.pgserver import PostgresServer


def test_parse_db_tells_urls_from_paths() -> None:
    assert parse_db("newsbot.db") == Path("newsbot.db")
    assert parse_db("/var/lib/newsbot/state.db") == Path("/var/lib/newsbot/state.db")
    url = "postgresql://bot:s3cret@db.internal:5432/newsbot?sslmode=require"
    assert parse_db(url) == url and is_postgres(url) and is_postgres("postgres://h/db")
    assert not is_postgres(Path("postgresql:/x")) and not is_postgres("newsbot.db")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("mysql://bot:s3cret@h/db", "mysql:// is not supported"),
        ("postgresql://bot:s3cret@h:port/db", "port is not a number"),
        ("postgresql://bot:s3cret@h:5432/", "name the database"),
        ("  ", "empty"),
    ],
)
def test_parse_db_refuses_bad_targets_without_showing_the_password(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        parse_db(raw)
    assert "s3cret" not in str(raised.value)


def test_describe_db_hides_the_password() -> None:
    assert describe_db("postgresql://bot:s3cret@h:5432/db") == "postgresql://bot:***@h:5432/db"
    assert describe_db("postgresql://bot@h/db") == "postgresql://bot@h/db"
    assert describe_db(Path("x.db")) == "x.db"


def test_a_password_given_as_a_url_option_is_hidden_too() -> None:
    # libpq takes the password as a query option as well; it must never reach a message either.
    url = "postgresql://bot@h:5432/db?sslmode=require&password=s3cret&application_name=nb"
    assert describe_db(url) == "postgresql://bot@h:5432/db?sslmode=require&password=***&application_name=nb"
    assert describe_db("postgresql://bot:pw@h/db?PASSWORD=s3cret") == "postgresql://bot:***@h/db?PASSWORD=***"
    for bad in ("postgresql://bot@h:port/db?password=s3cret", "postgresql://bot@h/?password=s3cret"):
        with pytest.raises(ValueError) as raised:
            parse_db(bad)
        assert "s3cret" not in str(raised.value) and "password=***" in str(raised.value)


def test_settings_keep_the_url_and_never_print_its_password() -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "NEWSBOT_DB": "postgresql://bot:s3cret@db.internal/newsbot",
    }
    settings = Settings.from_env(env)
    assert settings.db_path == "postgresql://bot:s3cret@db.internal/newsbot"
    assert "s3cret" not in repr(settings) and "postgresql://bot:***@db.internal/newsbot" in repr(settings)
    with pytest.raises(ConfigError, match=r"NEWSBOT_DB: .*name the database"):
        Settings.from_env({**env, "NEWSBOT_DB": "postgresql://bot:s3cret@db.internal"})


def test_open_store_picks_the_backend(tmp_path: Path, postgres_server: PostgresServer) -> None:
    sqlite = open_store(tmp_path / "a.db")
    assert isinstance(sqlite, SQLiteStore)
    sqlite.close()
    assert isinstance(open_store(str(tmp_path / "b.db")), SQLiteStore)
    pg = open_store(postgres_server.create_database())
    assert isinstance(pg, PostgresStore) and pg.problem is None
    pg.close()


def test_unreachable_postgres_is_a_clear_store_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(
        StoreError, match=r"cannot connect to PostgreSQL at postgresql://bot:\*\*\*@"
    ) as raised:
        PostgresStore(f"postgresql://bot:s3cret@127.0.0.1:{port}/newsbot", connect_timeout=2)
    assert "s3cret" not in str(raised.value)
    # The operator learns why (not only that a pool gave up after its timeout).
    assert "refused" in str(raised.value).lower(), str(raised.value)


def test_a_database_that_does_not_exist_is_named_in_the_error(postgres_server: PostgresServer) -> None:
    url = postgres_server.url("no_such_database")
    with pytest.raises(StoreError, match=r'database "no_such_database" does not exist'):
        PostgresStore(url, connect_timeout=2)
