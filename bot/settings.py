"""Settings of the running bot, read from an environment mapping and an optional .env file.

Nothing here reads ``os.environ`` or the filesystem at import time: callers pass the environment
(``Settings.from_env(os.environ, dotenv_path=DEFAULT_DOTENV)``), tests pass a plain dict.
Values in the environment win over the .env file, as with any dotenv tool.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from bot.articles.paths import sample_dir
from bot.errors import ConfigError
from bot.store.target import DEFAULT_DB, describe_db, parse_db

DEFAULT_DOTENV = Path(".env")
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `newsbot run` needs. ``slack_app_token`` set means Socket Mode instead of HTTP.

    ``articles`` empty means the bundled sample articles. ``cache_path`` None means the default parse
    cache file (``bot.articles.default_cache_path``).
    """

    slack_bot_token: str
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = 3000
    articles: tuple[Path, ...] = ()
    db_path: Path | str = Path("newsbot.db")  # a str is a postgresql:// URL (bot.store.factory)
    admins: frozenset[str] = frozenset()
    digests_dir: Path = Path("digests")
    cache_path: Path | None = None
    grace_hours: float = 3.0
    reload_minutes: float = 5.0
    log_level: str = "INFO"
    feeds_path: Path | None = None  # NEWSBOT_FEEDS: the feeds file `newsbot run` polls (bot/feeds/)
    # Multi-workspace install (Bolt's OAuth flow) when all three are set; see ``oauth``.
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_state_secret: str | None = None
    # Fernet key: stored bot tokens are encrypted with it (bot.store.secrets).
    secret_key: str | None = None
    # How often the scheduler looks for due occurrences (several processes: each looks this often).
    tick_seconds: float = 15.0

    @property
    def oauth(self) -> bool:
        """Serve /slack/install and /slack/oauth_redirect; bot tokens come from the installations."""
        return bool(self.slack_client_id and self.slack_client_secret and self.slack_state_secret)

    @property
    def article_roots(self) -> tuple[Path, ...]:
        return article_roots(self.articles)

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def __repr__(self) -> str:
        # Tokens and the signing secret never reach a log line, even through repr().
        def shown(secret: str | None) -> str:
            return "'<set>'" if secret else "None"

        return (
            f"Settings(slack_bot_token={shown(self.slack_bot_token)}, "
            f"slack_signing_secret={shown(self.slack_signing_secret)}, "
            f"slack_app_token={shown(self.slack_app_token)}, slack_api_url={self.slack_api_url!r}, "
            f"port={self.port}, articles={tuple(str(p) for p in self.articles)!r}, "
            f"db_path={describe_db(self.db_path)!r}, admins={sorted(self.admins)!r}, "
            f"digests_dir={str(self.digests_dir)!r}, "
            f"cache_path={str(self.cache_path) if self.cache_path else None!r}, "
            f"grace_hours={self.grace_hours}, reload_minutes={self.reload_minutes}, "
            f"log_level={self.log_level!r}, slack_client_id={self.slack_client_id!r}, "
            f"slack_client_secret={shown(self.slack_client_secret)}, "
            f"slack_state_secret={shown(self.slack_state_secret)}, secret_key={shown(self.secret_key)})"
        )

    __str__ = __repr__

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str],
        *,
        dotenv_path: Path | str | None = None,
        require_signing_secret: bool = True,
    ) -> Settings:
        """Read and validate every setting; raise one ConfigError naming each bad or missing one.

        ``dotenv_path``: a .env file to read as well (ignored when it does not exist).
        ``require_signing_secret``: HTTP mode needs it; commands that only post (``newsbot post``)
        pass False. Socket Mode (``SLACK_APP_TOKEN`` set) never needs it.
        """
        values = _merged(environ, dotenv_path)
        problems: list[str] = []
        get, parse = _reader(values, problems)

        oauth_names = ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_STATE_SECRET")
        client_id, client_secret, state_secret = (get(name) for name in oauth_names)
        oauth = [name for name in oauth_names if get(name) is not None]
        if oauth and len(oauth) < len(oauth_names):
            missing = ", ".join(name for name in oauth_names if name not in oauth)
            problems.append(
                f"{missing}: missing (multi-workspace install needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET "
                "and SLACK_STATE_SECRET together; set none of them for one workspace)"
            )
        bot_token = get("SLACK_BOT_TOKEN")
        if bot_token is None and len(oauth) == len(oauth_names):
            pass  # each workspace's token comes from its installation
        elif bot_token is None:
            problems.append("SLACK_BOT_TOKEN: missing (the bot token, xoxb-…, from OAuth & Permissions)")
        elif not bot_token.startswith("xoxb-"):
            problems.append("SLACK_BOT_TOKEN: must be a bot token starting with xoxb-")

        app_token = get("SLACK_APP_TOKEN")
        if app_token is not None and not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN: must be an app-level token starting with xapp- (or unset)")

        signing_secret = get("SLACK_SIGNING_SECRET")
        if signing_secret is None and app_token is None and require_signing_secret:
            problems.append(
                "SLACK_SIGNING_SECRET: missing (needed in HTTP mode; set SLACK_APP_TOKEN for Socket Mode)"
            )

        api_url = parse("SLACK_API_URL", DEFAULT_SLACK_API_URL, _api_url)
        port = parse("PORT", 3000, _port)
        folders = Folders.parse(parse)
        settings = cls(
            slack_bot_token=bot_token or "",
            slack_signing_secret=signing_secret,
            slack_app_token=app_token,
            slack_api_url=api_url,
            port=port,
            articles=folders.articles,
            db_path=folders.db_path,
            admins=parse("NEWSBOT_ADMINS", frozenset(), _admins),
            digests_dir=folders.digests_dir,
            cache_path=folders.cache_path,
            grace_hours=parse("NEWSBOT_GRACE_HOURS", 3.0, _number(minimum=0.0, strict=False)),
            reload_minutes=parse("NEWSBOT_RELOAD_MINUTES", 5.0, _number(minimum=0.0, strict=True)),
            log_level=parse("LOG_LEVEL", "INFO", _log_level),
            feeds_path=folders.feeds_path,
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            slack_state_secret=state_secret,
            secret_key=parse("NEWSBOT_SECRET_KEY", None, _secret_key),
            tick_seconds=parse("NEWSBOT_TICK_SECONDS", 15.0, _number(minimum=0.0, strict=True)),
        )
        if problems:
            raise ConfigError("invalid settings:\n  " + "\n  ".join(problems))
        return settings


Get = Callable[[str], str | None]


class Parse(Protocol):
    def __call__(self, name: str, default: T, convert: Callable[[str], T]) -> T: ...


def _reader(values: Mapping[str, str], problems: list[str]) -> tuple[Get, Parse]:
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


@dataclass(frozen=True, slots=True)
class Folders:
    """Where newsbot reads and writes: the part of the settings every command needs (``newsbot
    check``, ``preview``, ``query``, ``demo`` read only this; ``run`` and ``post`` read all)."""

    articles: tuple[Path, ...] = ()
    db_path: Path | str = DEFAULT_DB  # a str is a postgresql:// URL (bot.store.factory)
    digests_dir: Path = Path("digests")
    cache_path: Path | None = None
    feeds_path: Path | None = None  # NEWSBOT_FEEDS (bot/feeds/)

    @property
    def article_roots(self) -> tuple[Path, ...]:
        return article_roots(self.articles)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str], *, dotenv_path: Path | str | None = DEFAULT_DOTENV
    ) -> Folders:
        """NEWSBOT_ARTICLES, NEWSBOT_DB, NEWSBOT_DIGESTS, NEWSBOT_CACHE (environment over .env),
        validated as ``Settings.from_env`` does; one ConfigError naming each bad one."""
        problems: list[str] = []
        _, parse = _reader(_merged(environ, dotenv_path), problems)
        folders = cls.parse(parse)
        if problems:
            raise ConfigError("invalid settings:\n  " + "\n  ".join(problems))
        return folders

    @classmethod
    def parse(cls, parse: Parse) -> Folders:
        return cls(
            articles=parse("NEWSBOT_ARTICLES", (), _article_roots),
            db_path=parse("NEWSBOT_DB", DEFAULT_DB, _db),
            digests_dir=parse("NEWSBOT_DIGESTS", Path("digests"), _folder),
            cache_path=parse("NEWSBOT_CACHE", None, _path),
            feeds_path=parse("NEWSBOT_FEEDS", None, _file),
        )


def article_roots(articles: tuple[Path, ...]) -> tuple[Path, ...]:
    """The folders to load: the configured ones, else the bundled sample (the one place that says so)."""
    return articles or (sample_dir(),)


def split_paths(raw: str) -> tuple[Path, ...]:
    """Folders separated by os.pathsep, each with ``~`` expanded (NEWSBOT_ARTICLES, --articles)."""
    return tuple(Path(part.strip()).expanduser() for part in raw.split(os.pathsep) if part.strip())


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _db(raw: str) -> Path | str:
    target = parse_db(raw)
    return target.expanduser() if isinstance(target, Path) else target


def _merged(environ: Mapping[str, str], dotenv_path: Path | str | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        merged.update(_read_dotenv(Path(dotenv_path)))
    merged.update(environ)
    return merged


def _read_dotenv(path: Path) -> dict[str, str]:
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


def _api_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {raw!r} (e.g. {DEFAULT_SLACK_API_URL})")
    # WebClient appends the method name to the base URL, so the slash matters.
    return raw if raw.endswith("/") else raw + "/"


def _port(raw: str) -> int:
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"not a port number: {raw!r}") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"port out of range 1-65535: {port}")
    return port


def _article_roots(raw: str) -> tuple[Path, ...]:
    roots = split_paths(raw)
    missing = [str(root) for root in roots if not root.is_dir()]
    if missing:
        raise ValueError(f"not a folder: {', '.join(missing)}")
    return roots


def _folder(raw: str) -> Path:
    # Only a folder that was named explicitly must exist; the default ./digests is optional.
    path = Path(raw).expanduser()
    if not path.is_dir():
        raise ValueError(f"not a folder: {raw}")
    return path


def _file(raw: str) -> Path:
    path = Path(raw).expanduser()
    if not path.is_file():
        raise ValueError(f"not a file: {raw} (a YAML list of feeds, e.g. feeds.example.yaml)")
    return path


def _admins(raw: str) -> frozenset[str]:
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    bad = [user for user in ids if not _USER_ID.match(user)]
    if bad:
        raise ValueError(f"not Slack user IDs (U… or W…): {', '.join(bad)}")
    return frozenset(ids)


def _number(*, minimum: float, strict: bool) -> Callable[[str], float]:
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


def _secret_key(raw: str) -> str | None:
    from cryptography.fernet import Fernet  # loads only when a key is set

    try:
        Fernet(raw.encode())
    except ValueError:
        raise ValueError(
            "not a Fernet key (32 url-safe base64-encoded bytes); make one with python -c "
            "'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from None
    return raw


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in _LOG_LEVELS:
        raise ValueError(f"unknown level {raw!r} (one of {', '.join(_LOG_LEVELS)})")
    return level


def configure_logging(settings: Settings) -> None:
    """Root logging at the configured level (called by `newsbot run`, never at import)."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
