"""Which workspace a request or record belongs to, and what installing or removing newsbot in a
workspace does to its digests.

The one rule for "which team": ``Workspaces.key(team_id, enterprise_id, org_wide)``. With one
workspace (SLACK_BOT_TOKEN) every record belongs to that token's team (from auth.test); with OAuth
installs, to the request's own workspace (the org for an org-wide install). Listeners ask it
through ``bot.listeners.team.request_team``; nothing else decides.

``uninstalled`` (Slack's app_uninstalled or tokens_revoked for the bot): the workspace's tokens are
deleted and each of its enabled digests is disabled with an audit entry naming the reason; other
workspaces are untouched. A later install of the same workspace enables exactly those digests again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from slack_sdk.oauth.installation_store import Installation

from bot.slack.poster import SlackPoster
from bot.store.base import Store
from bot.store.workspaces import adopt_default_team, remember_token_team, remembered_token_team, sql_hooks

log = logging.getLogger(__name__)

ACTOR = "slack"
UNINSTALL_REASONS = frozenset({"app_uninstalled", "tokens_revoked"})


class InstallationRemover(Protocol):
    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None: ...


class Workspaces:
    def __init__(
        self,
        store: Store,
        *,
        multi: bool,
        clock: Callable[[], datetime],
        installations: InstallationRemover | None = None,
        forget: Callable[[str], None] | None = None,
    ) -> None:
        self._store = store
        self.multi = multi
        self._clock = clock
        self._installations = installations
        self._forget = forget
        self._lock = threading.Lock()
        self._home: str | None = None

    @property
    def home_team(self) -> str | None:
        """SLACK_BOT_TOKEN's workspace once auth.test (or the database) said which; else None."""
        with self._lock:
            return self._home

    def set_home(self, team_id: str) -> None:
        with self._lock:
            self._home = team_id

    def home_key(self) -> str:
        """The home workspace's key for records ("" until it is known)."""
        return self.home_team or ""

    def on_installation(self, installation: Installation) -> None:
        """An install (OAuth or the home token) was saved: resume what an uninstall paused."""
        team_id = installation.team_id or installation.enterprise_id
        if team_id:
            self.installed(team_id)

    def key(self, team_id: str | None, enterprise_id: str | None = None, org_wide: bool = False) -> str:
        """The team id records of this request are kept under."""
        if not self.multi:
            # Until auth.test answers, the single workspace's records stay under "" (and are moved
            # to the real team at the next start, bot.store.workspaces.adopt_default_team).
            return self.home_team or ""
        if org_wide and enterprise_id:
            return enterprise_id
        return team_id or enterprise_id or ""

    def uninstalled(self, team_id: str, enterprise_id: str | None, *, reason: str) -> list[str]:
        """Delete the workspace's tokens and pause its digests (audited); return the paused names."""
        now = self._clock()
        if self._installations is not None:
            self._installations.delete_all(enterprise_id=enterprise_id, team_id=team_id)
        if self._forget is not None:
            self._forget(team_id)
        paused = [s.name for s in self._store.list_digests(team_id) if s.enabled]
        for name in paused:
            self._store.set_enabled(team_id, name, False, actor=ACTOR, reason=reason, now=now)
        log.warning(
            "workspace %s: %s; its tokens are deleted and %d digests paused", team_id, reason, len(paused)
        )
        return paused

    def installed(self, team_id: str) -> list[str]:
        """Enable again the digests an uninstall paused (not those disabled for another reason)."""
        now = self._clock()
        paused_by_uninstall: list[str] = []
        seen: set[str] = set()
        for entry in self._store.audit_log(team_id, 10_000):  # newest first
            if entry.digest in seen or entry.action not in ("disable", "enable"):
                continue
            seen.add(entry.digest)
            if entry.action == "disable" and entry.details.get("reason") in UNINSTALL_REASONS:
                paused_by_uninstall.append(entry.digest)
        for name in paused_by_uninstall:
            spec = self._store.get_digest(team_id, name)
            if spec is not None and not spec.enabled:
                self._store.set_enabled(team_id, name, True, actor=ACTOR, reason="app_installed", now=now)
        if paused_by_uninstall:
            log.info("workspace %s installed again: %d digests resume", team_id, len(paused_by_uninstall))
        return paused_by_uninstall


def start_home_workspace(
    workspaces: Workspaces,
    whoami: Callable[[], dict[str, object] | None],
    *,
    remember: Callable[[str, str], None],
    remembered: Callable[[], str | None],
    adopt: Callable[[str], int],
    install: Callable[[dict[str, object]], None] | None = None,
) -> str | None:
    """Learn SLACK_BOT_TOKEN's workspace (auth.test; else what the database remembers of this token),
    move the single-workspace records ("") to it, and return it (None: unknown until Slack answers).

    ``install``: in multi-workspace mode, record the token as that workspace's installation so
    requests from it are authorised like any other."""
    answer = whoami()
    team_id = str(answer.get("team_id") or "") if answer else ""
    if team_id:
        remember(team_id, str((answer or {}).get("enterprise_id") or ""))
        if install is not None and answer is not None:
            install(answer)
    else:
        team_id = remembered() or ""
        if not team_id:
            log.error("Slack did not say which workspace SLACK_BOT_TOKEN belongs to; records stay under ''")
            return None
        log.warning("Slack did not answer auth.test; using the workspace remembered for this token")
    workspaces.set_home(team_id)
    moved = adopt(team_id)
    if moved:
        log.info("the single-workspace digests now belong to team %s", team_id)
    return team_id


class InstallationSaver(Protocol):
    def save(self, installation: Installation) -> None: ...


class HomePosters(Protocol):
    def set_home(self, team_id: str, poster: SlackPoster) -> None: ...


class HomeWorkspace:
    """SLACK_BOT_TOKEN's workspace, learnt at start-up (``start``): the database remembers which team
    the token belongs to (so a restart while Slack is down keys records right), the single-workspace
    records ("") move to it, and with OAuth the token is saved as that workspace's installation and
    its poster is the home one."""

    def __init__(
        self,
        workspaces: Workspaces,
        store: Store,
        poster: SlackPoster,
        token: str,
        clock: Callable[[], datetime],
        *,
        installations: InstallationSaver | None = None,
        posters: HomePosters | None = None,
    ) -> None:
        self._workspaces = workspaces
        self._store = store
        self._poster = poster
        self._token = token
        self._clock = clock
        self._installations = installations
        self._posters = posters

    def start(self) -> str | None:
        if not self._token:
            return None
        db = sql_hooks(self._store)
        token = self._token
        return start_home_workspace(
            self._workspaces,
            self._poster.whoami,
            remember=lambda team, enterprise: remember_token_team(db, token, team, enterprise, self._clock()),
            remembered=lambda: remembered_token_team(db, token),
            adopt=lambda team: adopt_default_team(db, team, self._clock()),
            install=self._install if self._installations is not None else None,
        )

    def _install(self, answer: dict[str, object]) -> None:
        if self._installations is not None:
            self._installations.save(home_installation(answer, self._token))
        if self._posters is not None:
            self._posters.set_home(str(answer.get("team_id") or ""), self._poster)


def home_installation(answer: dict[str, object], token: str) -> Installation:
    """SLACK_BOT_TOKEN as its workspace's installation (from auth.test's answer), so that Bolt
    authorises that workspace's requests like any installed one's."""

    def text(key: str) -> str | None:
        return str(answer.get(key) or "") or None

    return Installation(
        team_id=text("team_id"),
        enterprise_id=text("enterprise_id"),
        bot_token=token,
        bot_id=text("bot_id"),
        bot_user_id=text("user_id"),
        user_id=text("user_id") or "",
    )
