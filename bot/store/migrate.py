"""Numbered schema migrations, one folder per database: ``bot/store/migrations/<dialect>/NNNN_name.sql``.

Both folders share one numbering: version N means the same schema on SQLite and on PostgreSQL (only
the column types differ), so a database says which newsbot it belongs to whatever it runs on, and a
database from a newer newsbot is refused by both. Pending migrations run in one transaction together
with the version bump, so a failure leaves the previous version intact, and a second process
migrating at the same time waits and then finds nothing left to do. To change the schema, add the
next numbered file to every folder; never edit one that has shipped.

SQLite keeps the version in ``PRAGMA user_version`` (applied here); PostgreSQL in the table
``newsbot_schema`` (applied by bot.store.postgres).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable

from bot.errors import StoreError

DIALECTS = ("sqlite", "postgres")
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def bundled_migrations(dialect: str = "sqlite", folder: Traversable | None = None) -> list[Migration]:
    """The migrations shipped for ``dialect`` (or in ``folder``), checked to be numbered 1..N."""
    if folder is None:
        if dialect not in DIALECTS:
            raise ValueError(f"unknown database dialect {dialect!r}; known: {', '.join(DIALECTS)}")
        folder = resources.files("bot.store").joinpath("migrations", dialect)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise StoreError(
                f"schema migrations are not numbered 1..N: expected {expected:04d}, found {migration.name}"
            )
    return found


def pending(current: int, known: Iterable[Migration], *, where: str) -> list[Migration]:
    """The migrations above ``current``; a database newer than every known migration is refused."""
    migrations = list(known)
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise StoreError(
            f"the database schema is version {current}, newer than this newsbot knows ({latest}); "
            f"upgrade newsbot or point NEWSBOT_DB at another {where}"
        )
    return [m for m in migrations if m.version > current]


def split_statements(sql: str) -> Iterator[str]:
    """Complete SQL statements of a script, so they can run inside our own transaction.

    (``executescript`` would commit first, breaking the all-or-nothing upgrade.) The PostgreSQL
    migrations use no dollar quoting, so SQLite's statement splitter serves both dialects.
    """
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip() and not all(
        ln.strip().startswith("--") or not ln.strip() for ln in buffer.splitlines()
    ):
        raise StoreError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:80]!r}")


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("PRAGMA user_version").fetchone()
    return int(row[0])


def migrate(conn: sqlite3.Connection, migrations: Iterable[Migration] | None = None) -> int:
    """Bring a SQLite database to the latest version; return it. ``conn`` must be in autocommit mode."""
    known = list(migrations) if migrations is not None else bundled_migrations("sqlite")
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            for migration in pending(current, known, where="file"):
                for statement in split_statements(migration.sql):
                    conn.execute(statement)
                # PRAGMA takes no parameters; the value is an int we produced.
                conn.execute(f"PRAGMA user_version = {int(migration.version)}")
                current = migration.version
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as exc:
        raise StoreError(f"cannot migrate the database schema: {exc}") from exc
    return current
