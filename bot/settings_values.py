"""Raw setting text to typed values: the environment merged over a .env file, and one converter per
kind of value (each raises ValueError saying what is wrong and what would be right).

``reader`` collects every problem instead of stopping at the first, so ``bot.settings`` can raise
one ConfigError naming each bad setting. Nothing here reads ``os.environ``.
"""

from __future__ import annotations

import io
import math
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from bot.errors import ConfigError
from bot.store.target import parse_db

DEFAULT_SLACK_API_URL = "https://slack.com/api/"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

T = TypeVar("T")


Get = Callable[[str], str | None]


class Parse(Protocol):
    def __call__(self, name: str, default: T, convert: Callable[[str], T]) -> T: ...


def reader(values: Mapping[str, str], problems: list[str]) -> tuple[Get, Parse]:
    """``get(name)``: the stripped value or None; ``parse(name, default, convert)``: converted, or the
    default with the problem noted (so one ConfigError can name every bad setting)."""

    def get(name: str) -> str | None:
        value = values.get(name)
        if value is None or not value.strip():
            return None
        return value.strip()

    def parse(name: str, default: T, convert: Callable[[str], T]) -> T:
        raw = get(name)
        if raw is None:
            return default
        try:
            return convert(raw)
        except ValueError as err:
            problems.append(f"{name}: {err}")
            return default

    return get, parse


def split_paths(raw: str) -> tuple[Path, ...]:
    """Folders separated by os.pathsep, each with ``~`` expanded (NEWSBOT_ARTICLES, --articles)."""
    return tuple(Path(part.strip()).expanduser() for part in raw.split(os.pathsep) if part.strip())


def expanded_path(raw: str) -> Path:
    return Path(raw).expanduser()


def db_target(raw: str) -> Path | str:
    target = parse_db(raw)
    return target.expanduser() if isinstance(target, Path) else target


def merged_env(environ: Mapping[str, str], dotenv_path: Path | str | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        merged.update(read_dotenv(Path(dotenv_path)))
    merged.update(environ)
    return merged


def read_dotenv(path: Path) -> dict[str, str]:
    """The NAME=value pairs of a .env file; ConfigError naming the file and each line it cannot use."""
    form = "a .env file holds NAME=value lines, as in .env.example"
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; {form}") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read ({err.strerror or err}); {form}") from None
    bad = [
        f"{path} line {b.original.line}: not NAME=value: {b.original.string.strip()[:60]!r}"
        for b in parse_stream(io.StringIO(text))
        if b.error
    ]
    if bad:
        raise ConfigError("invalid settings file:\n  " + "\n  ".join([*bad, form]))
    return {k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v is not None}


def slack_api_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {raw!r} (e.g. {DEFAULT_SLACK_API_URL})")
    # WebClient appends the method name to the base URL, so the slash matters.
    return raw if raw.endswith("/") else raw + "/"


def port_number(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"not a port number: {raw!r}") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"port out of range 1-65535: {port}")
    return port


def existing_folders(raw: str) -> tuple[Path, ...]:
    roots = split_paths(raw)
    missing = [str(root) for root in roots if not root.is_dir()]
    if missing:
        raise ValueError(f"not a folder: {', '.join(missing)}")
    return roots


def existing_folder(raw: str) -> Path:
    # Only a folder that was named explicitly must exist; the default ./digests is optional.
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ValueError(f"not a folder: {raw}")
    return path


def existing_file(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ValueError(f"not a file: {raw} (a YAML list of feeds, e.g. feeds.example.yaml)")
    return path


def user_ids(raw: str) -> frozenset[str]:
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    bad = [user for user in ids if not _USER_ID.match(user)]
    if bad:
        raise ValueError(f"not Slack user IDs (U… or W…): {', '.join(bad)}")
    return frozenset(ids)


def number(*, minimum: float, strict: bool) -> Callable[[str], float]:
    def convert(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"not a number: {raw!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {raw!r}")
        if value < minimum or (strict and value == minimum):
            raise ValueError(f"must be {'above' if strict else 'at least'} {minimum:g}: {raw!r}")
        return value

    return convert


def fernet_key(raw: str) -> str | None:
    from cryptography.fernet import Fernet  # loads only when a key is set

    try:
        Fernet(raw.encode())
    except ValueError:
        raise ValueError(
            "not a Fernet key (32 url-safe base64-encoded bytes); make one with python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None
    return raw


def log_level(raw: str) -> str:
    level = raw.upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"unknown level {raw!r} (one of {', '.join(_LOG_LEVELS)})")
    return level
