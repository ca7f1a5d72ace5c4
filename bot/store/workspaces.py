"""Several workspaces in one database: OAuth installations, OAuth state, and the one-off move of
single-workspace records (team "") to their real workspace.

``StoreInstallations`` and ``StoreOAuthStates`` implement slack_sdk's ``InstallationStore`` and
``OAuthStateStore`` over our own database (the same one the Store uses, through its transaction
hooks, so both backends and the numbered migrations cover them). Bolt's OAuth flow
(/slack/install, /slack/oauth_redirect) and its per-request authorisation call them; newsbot
writes no OAuth protocol of its own.

One row per workspace (or Enterprise Grid org): a new install of the same workspace replaces the
old one. Tokens pass through ``TokenCipher`` (Fernet when NEWSBOT_SECRET_KEY is set) and are
never logged. Every statement is parameterised.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.digests.spec import DigestSpec
from bot.errors import StoreError
from bot.store.codec import spec_from_dict, spec_to_dict
from bot.store.secrets import TokenCipher
from bot.store.sql import SqlStore

log = logging.getLogger(__name__)

Row = dict[str, Any]
Clock = Callable[[], datetime]
ADOPT_ACTOR = "newsbot"
_SECRET_FIELDS = ("bot_token", "user_token", "bot_refresh_token", "user_refresh_token")
_TIME_FIELDS = ("installed_at", "bot_token_expires_at", "user_token_expires_at")


class Tx(Protocol):
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def run(self, sql: str, params: Sequence[Any] = ()) -> None: ...


class SqlHooks(Protocol):
    """What a SQL store offers (bot.store.sqlite; bot.store.sql for every backend)."""

    def _write(self) -> AbstractContextManager[Any]: ...

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def _dt(self, value: datetime) -> Any: ...

    def _from_dt(self, value: Any) -> datetime: ...

    def _json(self, value: Any) -> Any: ...

    def _flag(self, value: bool) -> Any: ...


def sql_hooks(store: object) -> SqlHooks:
    """``store`` as the SQL store these tables live in (every backend of bot.store is one)."""
    if not isinstance(store, SqlStore):
        raise StoreError(f"installations need a SQL store, not {type(store).__name__}")
    return store


def utc_now() -> datetime:
    return datetime.now(UTC)


def install_key(enterprise_id: str | None, team_id: str | None, *, org_wide: bool = False) -> str:
    """The row of a workspace, or of a whole org for an org-wide (enterprise) install."""
    return f"{enterprise_id or ''}:{'' if org_wide else team_id or ''}"


def _loads(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


@dataclass(frozen=True, slots=True)
class InstalledWorkspace:
    enterprise_id: str
    team_id: str
    bot_user_id: str | None
    installed_at: datetime


class StoreInstallations(InstallationStore):
    """slack_sdk's InstallationStore over our database (bot-scoped: one row per workspace)."""

    def __init__(self, db: SqlHooks, cipher: TokenCipher, *, clock: Clock = utc_now) -> None:
        self._db = db
        self._cipher = cipher
        self._clock = clock
        self.on_save: list[Callable[[Installation], None]] = []

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        org_wide = bool(installation.is_enterprise_install)
        key = install_key(installation.enterprise_id, installation.team_id, org_wide=org_wide)
        details = installation.to_dict_for_copying()
        for name in _SECRET_FIELDS:
            details.pop(name, None)
        for name in _TIME_FIELDS:
            value = details.get(name)
            details[name] = value.timestamp() if isinstance(value, datetime) else value
        db = self._db
        with db._write() as tx:
            tx.run(
                "INSERT INTO installations (install_key, enterprise_id, team_id, bot_token, user_token,"
                " refresh_token, details, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (install_key) DO UPDATE SET enterprise_id = excluded.enterprise_id,"
                " team_id = excluded.team_id, bot_token = excluded.bot_token,"
                " user_token = excluded.user_token, refresh_token = excluded.refresh_token,"
                " details = excluded.details, installed_at = excluded.installed_at",
                (
                    key,
                    installation.enterprise_id or "",
                    installation.team_id or "",
                    self._cipher.seal(installation.bot_token),
                    self._cipher.seal(installation.user_token),
                    self._cipher.seal(installation.bot_refresh_token),
                    db._json(details),
                    db._dt(self._clock()),
                ),
            )
        log.info(
            "saved the installation of workspace %s (enterprise %s)",
            installation.team_id,
            installation.enterprise_id or "-",
        )
        for callback in self.on_save:
            callback(installation)

    def save_bot(self, bot: Bot) -> None:
        """Token rotation is off (manifest), so Bolt never saves a bot alone; kept for the interface."""
        raise NotImplementedError("newsbot stores whole installations (token rotation is off)")

    def find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        key = install_key(enterprise_id, team_id, org_wide=bool(is_enterprise_install))
        rows = self._db._read("SELECT * FROM installations WHERE install_key = ?", (key,))
        if not rows and enterprise_id and not is_enterprise_install:
            # A workspace of an org whose app is installed org-wide.
            rows = self._db._read(
                "SELECT * FROM installations WHERE install_key = ?", (install_key(enterprise_id, None),)
            )
        if not rows:
            return None
        row = rows[0]
        details = dict(_loads(row["details"]))
        details.pop("custom_values", None)
        installation = Installation(
            **details,
            bot_token=self._cipher.open(row["bot_token"]),
            user_token=self._cipher.open(row["user_token"]),
            bot_refresh_token=self._cipher.open(row["refresh_token"]),
        )
        if user_id is not None and installation.user_id != user_id:
            # Bot-scoped rows: the bot token serves every user of the workspace; no user token here.
            installation.user_id = user_id
            installation.user_token = None
        return installation

    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = self.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install
        )
        if installation is None or installation.bot_token is None:
            return None
        return installation.to_bot()

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._delete(enterprise_id, team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            self._delete(enterprise_id, team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self._delete(enterprise_id, team_id)

    def _delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        with self._db._write() as tx:
            tx.run("DELETE FROM installations WHERE install_key = ?", (install_key(enterprise_id, team_id),))
        log.info("deleted the installation of workspace %s (enterprise %s)", team_id, enterprise_id or "-")

    def bot_token_for(self, team_id: str) -> str | None:
        """The bot token of workspace ``team_id`` (an org id for an org-wide install), or None."""
        rows = self._db._read(
            "SELECT bot_token FROM installations WHERE team_id = ? OR install_key = ?"
            " ORDER BY installed_at DESC",
            (team_id, install_key(team_id, None)),
        )
        return self._cipher.open(rows[0]["bot_token"]) if rows else None

    def workspaces(self) -> list[InstalledWorkspace]:
        rows = self._db._read(
            "SELECT enterprise_id, team_id, details, installed_at FROM installations ORDER BY install_key"
        )
        return [
            InstalledWorkspace(
                r["enterprise_id"],
                r["team_id"],
                _loads(r["details"]).get("bot_user_id"),
                self._db._from_dt(r["installed_at"]),
            )
            for r in rows
        ]


class StoreOAuthStates(OAuthStateStore):
    """slack_sdk's OAuthStateStore over our database. A state is ``<nonce>.<HMAC of the nonce with
    SLACK_STATE_SECRET>``: a forged or altered one fails before the database is asked, and a real
    one is good once, for ``expiration_seconds``."""

    def __init__(
        self, db: SqlHooks, secret: str, *, expiration_seconds: int = 600, clock: Clock = utc_now
    ) -> None:
        self._db = db
        self._secret = secret.encode()
        self._expiration = timedelta(seconds=expiration_seconds)
        self._clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._secret, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, *args: Any, **kwargs: Any) -> str:
        nonce = secrets.token_urlsafe(24)
        state = f"{nonce}.{self._sign(nonce)}"
        now = self._clock()
        with self._db._write() as tx:
            tx.run("DELETE FROM oauth_states WHERE expires_at < ?", (self._db._dt(now),))
            tx.run(
                "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
                (state, self._db._dt(now + self._expiration)),
            )
        return state

    def consume(self, state: str) -> bool:
        nonce, _, signature = state.rpartition(".")
        if not nonce or not hmac.compare_digest(signature, self._sign(nonce)):
            log.info("refused an OAuth state that newsbot did not sign")
            return False
        with self._db._write() as tx:
            rows = tx.rows("DELETE FROM oauth_states WHERE state = ? RETURNING expires_at", (state,))
        if not rows:
            log.info("refused an OAuth state that was used already or never issued")
            return False
        return self._db._from_dt(rows[0]["expires_at"]) > self._clock()


def token_fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def remember_token_team(db: SqlHooks, token: str, team_id: str, enterprise_id: str, now: datetime) -> None:
    with db._write() as tx:
        tx.run(
            "INSERT INTO known_tokens (fingerprint, team_id, enterprise_id, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (fingerprint) DO UPDATE SET team_id = excluded.team_id,"
            " enterprise_id = excluded.enterprise_id, updated_at = excluded.updated_at",
            (token_fingerprint(token), team_id, enterprise_id, db._dt(now)),
        )


def remembered_token_team(db: SqlHooks, token: str) -> str | None:
    rows = db._read("SELECT team_id FROM known_tokens WHERE fingerprint = ?", (token_fingerprint(token),))
    return str(rows[0]["team_id"]) if rows else None


def adopt_default_team(db: SqlHooks, team_id: str, now: datetime) -> int:
    """Move every record of the single-workspace default team ("") to ``team_id``; return how many
    digests moved. A digest or post that ``team_id`` already has keeps the team's version. Audited."""
    if not team_id:
        return 0
    at = db._dt(now)
    with db._write() as tx:
        rows = tx.rows("SELECT spec, enabled, source, created_by FROM digests WHERE team_id = ''")
        taken = {r["name"] for r in tx.rows("SELECT name FROM digests WHERE team_id = ?", (team_id,))}
        moved: list[str] = []
        for row in rows:
            spec: DigestSpec = spec_from_dict(_loads(row["spec"]))
            if spec.name in taken:
                continue
            data = spec_to_dict(spec)
            data["team_id"] = team_id
            tx.run(
                "UPDATE digests SET team_id = ?, spec = ?, updated_at = ? WHERE team_id = '' AND name = ?",
                (team_id, db._json(data), at, spec.name),
            )
            moved.append(spec.name)
        for table, key in (("posts", "digest, occurrence"), ("post_urls", "digest, occurrence, url")):
            match = " AND ".join(f"o.{c.strip()} = {table}.{c.strip()}" for c in key.split(","))
            tx.run(
                f"UPDATE {table} SET team_id = ? WHERE team_id = ''"  # noqa: S608 - constants only
                f" AND NOT EXISTS (SELECT 1 FROM {table} o WHERE o.team_id = ? AND {match})",
                (team_id, team_id),
            )
        tx.run("UPDATE audit SET team_id = ? WHERE team_id = ''", (team_id,))
        if moved or rows:
            tx.run(
                "INSERT INTO audit (team_id, at, actor, action, digest, details) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    team_id,
                    at,
                    ADOPT_ACTOR,
                    "adopt_workspace",
                    "",
                    db._json({"from_team": "", "to_team": team_id, "digests": moved}),
                ),
            )
    if moved:
        log.info("moved %d digests of the default workspace to team %s", len(moved), team_id)
    return len(moved)
