"""Slack's app_uninstalled and tokens_revoked events: that workspace's tokens go and its digests pause.

Bolt delivers these events without an auth.test (the token is dead already); only the named
workspace is touched (bot.services.workspaces).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_bolt import App, BoltContext

from bot.listeners.team import TeamKeys, request_team

log = logging.getLogger(__name__)


class Installs(Protocol):
    def uninstalled(self, team_id: str, enterprise_id: str | None, *, reason: str) -> list[str]: ...


def register(app: App, installs: Installs, teams: TeamKeys | None) -> None:
    def on_uninstalled(context: BoltContext) -> None:
        installs.uninstalled(request_team(teams, context), context.enterprise_id, reason="app_uninstalled")

    def on_tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        tokens = event.get("tokens") or {}
        if tokens.get("bot"):  # only user tokens revoked: the bot still posts
            installs.uninstalled(request_team(teams, context), context.enterprise_id, reason="tokens_revoked")

    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
