"""``open_store(NEWSBOT_DB)``: the store a target names (bot.store.target), connected and migrated.
Importing this module loads no database driver; settings validate with ``parse_db``."""

from __future__ import annotations

from pathlib import Path

from bot.store.base import Store
from bot.store.target import DEFAULT_DB, describe_db, is_postgres, parse_db

__all__ = ["DEFAULT_DB", "describe_db", "is_postgres", "open_store", "parse_db"]


def open_store(db: str | Path) -> Store:
    """The store ``db`` names, connected and migrated (StoreError when it cannot be)."""
    # Each backend's module is imported only when it is used: psycopg and its pool load only for a
    # PostgreSQL URL (and the SQLite module only for a file).
    if is_postgres(db):
        from bot.store.postgres import PostgresStore

        return PostgresStore(str(db))
    from bot.store.sqlite import SQLiteStore

    return SQLiteStore(db)
