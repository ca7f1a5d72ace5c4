"""The one place a listener learns which workspace a Slack request is about (records are keyed by it).

Every listener (commands, actions, views, events) calls ``request_team(keys, context)`` and passes
the answer to the services; the rule itself is ``bot.services.workspaces.Workspaces.key``.
"""

from __future__ import annotations

from typing import Any, Protocol


class TeamKeys(Protocol):
    def key(self, team_id: str | None, enterprise_id: str | None = None, org_wide: bool = False) -> str: ...


def request_team(keys: TeamKeys | None, context: Any) -> str:
    """``context``: Bolt's BoltContext (a dict) of the request. Without ``keys``: the request's team."""
    team_id = context.get("team_id") or None
    enterprise_id = context.get("enterprise_id") or None
    if keys is None:
        return str(team_id or enterprise_id or "")
    return keys.key(team_id, enterprise_id, bool(context.get("is_enterprise_install")))
