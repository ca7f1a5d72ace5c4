"""Settings of the running bot, read from an environment mapping and an optional .env file.

Nothing here reads ``os.environ`` or the filesystem at import time: callers pass the environment
(``Settings.from_env(os.environ, dotenv_path=DEFAULT_DOTENV)``), tests pass a plain dict.
Values in the environment win over the .env file, as with any dotenv tool. How each value is read
and checked: bot.settings_values.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.articles.paths import sample_dir
from bot.errors import ConfigError
from bot.settings_values import DEFAULT_SLACK_API_URL as DEFAULT_SLACK_API_URL
from bot.settings_values import (
    Parse,
    db_target,
    existing_file,
    existing_folder,
    existing_folders,
    expanded_path,
    fernet_key,
    log_level,
    merged_env,
    number,
    port_number,
    reader,
    slack_api_url,
    user_ids,
)
from bot.store.target import DEFAULT_DB, describe_db

DEFAULT_DOTENV = Path(".env")


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
        values = merged_env(environ, dotenv_path)
        problems: list[str] = []
        get, parse = reader(values, problems)

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

        api_url = parse("SLACK_API_URL", DEFAULT_SLACK_API_URL, slack_api_url)
        port = parse("PORT", 3000, port_number)
        folders = Folders.parse(parse)
        settings = cls(
            slack_bot_token=bot_token or "",
            slack_signing_secret=signing_secret,
            slack_app_token=app_token,
            slack_api_url=api_url,
            port=port,
            articles=folders.articles,
            db_path=folders.db_path,
            admins=parse("NEWSBOT_ADMINS", frozenset(), user_ids),
            digests_dir=folders.digests_dir,
            cache_path=folders.cache_path,
            grace_hours=parse("NEWSBOT_GRACE_HOURS", 3.0, number(minimum=0.0, strict=False)),
            reload_minutes=parse("NEWSBOT_RELOAD_MINUTES", 5.0, number(minimum=0.0, strict=True)),
            log_level=parse("LOG_LEVEL", "INFO", log_level),
            feeds_path=folders.feeds_path,
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            slack_state_secret=state_secret,
            secret_key=parse("NEWSBOT_SECRET_KEY", None, fernet_key),
            tick_seconds=parse("NEWSBOT_TICK_SECONDS", 15.0, number(minimum=0.0, strict=True)),
        )
        if problems:
            raise ConfigError("invalid settings:\n  " + "\n  ".join(problems))
        return settings


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
        _, parse = reader(merged_env(environ, dotenv_path), problems)
        folders = cls.parse(parse)
        if problems:
            raise ConfigError("invalid settings:\n  " + "\n  ".join(problems))
        return folders

    @classmethod
    def parse(cls, parse: Parse) -> Folders:
        return cls(
            articles=parse("NEWSBOT_ARTICLES", (), existing_folders),
            db_path=parse("NEWSBOT_DB", DEFAULT_DB, db_target),
            digests_dir=parse("NEWSBOT_DIGESTS", Path("digests"), existing_folder),
            cache_path=parse("NEWSBOT_CACHE", None, expanded_path),
            feeds_path=parse("NEWSBOT_FEEDS", None, existing_file),
        )


def article_roots(articles: tuple[Path, ...]) -> tuple[Path, ...]:
    """The folders to load: the configured ones, else the bundled sample (the one place that says so)."""
    return articles or (sample_dir(),)


def configure_logging(settings: Settings) -> None:
    """Root logging at the configured level (called by `newsbot run`, never at import)."""
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
