"""What ``NEWSBOT_DB`` names: a ``postgresql://`` (or ``postgres://``) URL means PostgreSQL, anything
else is the path of a SQLite file. Parsing and wording only; bot.store.factory opens the store."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")
# libpq also takes the password as a URL option: ...?sslmode=require&password=...
_PASSWORD_OPTION = re.compile(r"(?i)(^|&)(password)=[^&]*")
DEFAULT_DB: str | Path = Path("newsbot.db")


def is_postgres(db: str | Path) -> bool:
    return isinstance(db, str) and urlsplit(db).scheme.lower() in POSTGRES_SCHEMES


def parse_db(raw: str) -> str | Path:
    """``NEWSBOT_DB`` as settings keep it: the URL (validated) as text, or a Path.

    Raises ValueError, worded for the operator and never showing a password, for a URL that is not
    a usable PostgreSQL one (or another scheme).
    """
    value = raw.strip()
    if not value:
        raise ValueError("empty; give a file path (SQLite) or postgresql://user:password@host/database")
    parts = urlsplit(value)
    if "://" not in value:
        return Path(value)
    if parts.scheme.lower() not in POSTGRES_SCHEMES:
        raise ValueError(
            f"{parts.scheme}:// is not supported; give a file path (SQLite) or "
            "postgresql://user:password@host[:port]/database"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise ValueError(f"{describe_db(value)}: the port is not a number") from None
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise ValueError(f"{describe_db(value)}: name the database, e.g. postgresql://user@host/newsbot")
    return value


def describe_db(db: str | Path) -> str:
    """For logs and messages: the path, or the URL with its password (also a ``password=`` option)
    replaced by ***."""
    if not isinstance(db, str) or "://" not in db:
        return str(db)
    parts = urlsplit(db)
    parts = parts._replace(query=_PASSWORD_OPTION.sub(r"\1\2=***", parts.query))
    if parts.password is not None:
        user = parts.username or ""
        host = parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{user}:***@{host}")
    return urlunsplit(parts)
