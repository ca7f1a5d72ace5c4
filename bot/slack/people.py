"""Who a user is, for personal digests and the Home tab: users.info (time zone, admin, departed)
and the bot's direct message with them (conversations.open).

Slack errors become facts: a user Slack no longer knows (``user_not_found``, ``account_inactive``,
``deleted: true``) is *departed*; any other failure is ``PeopleUnavailable`` (ask again later).
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import NewsbotError

log = logging.getLogger(__name__)

# Answers about one user that mean the person has left the workspace (or was deactivated).
DEPARTED_ERRORS = frozenset({"user_not_found", "account_inactive", "user_disabled", "users_not_found"})


class PeopleUnavailable(NewsbotError):
    """Slack could not say (an outage, a rate limit): try again later; nothing is decided."""


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    timezone: str = "UTC"
    departed: bool = False


class SlackPeople:
    """``client_for(team)``: the WebClient of that workspace (None: newsbot is not installed there)."""

    def __init__(self, client_for: Callable[[str], WebClient | None]) -> None:
        self._client_for = client_for

    @classmethod
    def one_workspace(cls, client: WebClient) -> SlackPeople:
        """Every team's users are looked up with ``client`` (SLACK_BOT_TOKEN's)."""
        return cls(lambda _team: client)

    def _client(self, team_id: str) -> WebClient:
        client = self._client_for(team_id)
        if client is None:
            raise PeopleUnavailable(f"newsbot is not installed in workspace {team_id!r}")
        return client

    def person(self, team_id: str, user_id: str) -> Person:
        """users.info: the user's time zone, or departed."""
        try:
            user = self._client(team_id).users_info(user=user_id).get("user") or {}
        except SlackApiError as err:
            code = str(err.response.get("error") or "")
            if code in DEPARTED_ERRORS:
                return Person(user_id, departed=True)
            raise PeopleUnavailable(f"users.info for {user_id}: {code or err}") from err
        except (SlackClientError, OSError) as err:
            raise PeopleUnavailable(f"users.info for {user_id}: {err}") from err
        if user.get("deleted"):
            return Person(user_id, departed=True)
        zone = str(user.get("tz") or "UTC")
        return Person(user_id, timezone=zone if _known_zone(zone) else "UTC")

    def open_dm(self, team_id: str, user_id: str) -> str | None:
        """The bot's direct message channel (D…) with the user; None when the user is departed."""
        try:
            response = self._client(team_id).conversations_open(users=user_id)
        except SlackApiError as err:
            code = str(err.response.get("error") or "")
            if code in DEPARTED_ERRORS:
                return None
            raise PeopleUnavailable(f"conversations.open for {user_id}: {code or err}") from err
        except (SlackClientError, OSError) as err:
            raise PeopleUnavailable(f"conversations.open for {user_id}: {err}") from err
        return str((response.get("channel") or {}).get("id") or "") or None


def _known_zone(name: str) -> bool:
    """Slack sends IANA names; anything else (an empty or unknown zone) falls back to UTC."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True
