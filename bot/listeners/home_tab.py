"""The App Home tab: ``app_home_opened`` publishes it; ``HomeTab.publish`` refreshes it after
every change a user makes from it (the buttons and modals call it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import NewsbotError
from bot.listeners.team import TeamKeys, request_team
from bot.views.data import HomeData
from bot.views.home import home_view

log = logging.getLogger(__name__)

IsAdmin = Callable[[WebClient, str, str], bool]  # (client, team ID, user ID): AdminGuard.is_admin


class Home(Protocol):
    """What the Home tab needs (bot.services.home.HomeService)."""

    def home(self, team_id: str, user_id: str, *, admin: bool, now: datetime) -> HomeData: ...


class HomeTab:
    def __init__(
        self, home: Home, is_admin: IsAdmin, clock: Callable[[], datetime], *, teams: TeamKeys | None = None
    ) -> None:
        self._teams = teams
        self._home = home
        self._is_admin = is_admin
        self._clock = clock

    def team(self, context: Any) -> str:
        """The request's workspace key (bot.listeners.team, as every listener reads it)."""
        return request_team(self._teams, context)

    def publish(self, client: WebClient, team_id: str, user_id: str) -> bool:
        """Build and publish ``user_id``'s Home view; False (logged) when Slack refused it."""
        try:
            admin = self._is_admin(client, team_id, user_id)
            data = self._home.home(team_id, user_id, admin=admin, now=self._clock())
            client.views_publish(user_id=user_id, view=home_view(data))
        except SlackApiError as err:
            log.warning("views.publish for %s failed: %s", user_id, err.response.get("error"))
            return False
        except (SlackClientError, OSError, NewsbotError) as err:
            log.warning("the Home tab of %s could not be published: %s", user_id, err)
            return False
        return True


def register(app: App, tab: HomeTab) -> None:
    def opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return  # the Messages tab: nothing to draw
        tab.publish(client, tab.team(context), str(event.get("user") or ""))

    app.event("app_home_opened")(opened)
