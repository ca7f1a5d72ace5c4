"""One Slack client per workspace: each workspace's digests post with that workspace's bot token.

``TeamPosters(team_id)`` gives the SlackPoster for a workspace (its own PostingHealth, so a revoked
token pauses only that workspace), or None when newsbot holds no token for it (not installed, or
uninstalled). The token is looked up on every call (``tokens``: the installations in the database,
or the single SLACK_BOT_TOKEN), so a workspace installed or removed through another process is
seen at once; a poster is rebuilt only when the token changed. Tokens are never logged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient

from bot.metrics import Metrics
from bot.slack.channels import SlackChannelDirectory
from bot.slack.client import make_client, make_read_client
from bot.slack.health import PostingHealth
from bot.slack.poster import SlackPoster

TokenLookup = Callable[[str], str | None]


class TeamPosters:
    def __init__(
        self,
        tokens: TokenLookup,
        base_url: str,
        *,
        home_team: str | None = None,
        home: SlackPoster | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """``home``: the poster of ``home_team`` (SLACK_BOT_TOKEN's workspace), used as it is."""
        self._tokens = tokens
        self._base_url = base_url
        self._home_team = home_team
        self._home = home
        self._metrics = metrics
        self._clock = clock
        self._lock = threading.Lock()
        self._posters: dict[str, tuple[str, SlackPoster]] = {}

    def set_home(self, team_id: str, poster: SlackPoster) -> None:
        with self._lock:
            self._home_team, self._home = team_id, poster

    def __call__(self, team_id: str) -> SlackPoster | None:
        with self._lock:
            if self._home is not None and team_id == self._home_team:
                return self._home
        token = self._tokens(team_id)
        if token is None:
            return None
        with self._lock:
            known = self._posters.get(team_id)
            if known is not None and known[0] == token:
                return known[1]
            client = make_client(token, self._base_url, metrics=self._metrics)
            reader = make_read_client(token, self._base_url, metrics=self._metrics)
            health = PostingHealth(self._clock) if self._clock is not None else PostingHealth()
            poster = SlackPoster(client, health, reader=reader)
            self._posters[team_id] = (token, poster)
            return poster

    def reader(self, team_id: str) -> WebClient | None:
        """The workspace's read-only client (None: newsbot is not installed there)."""
        poster = self(team_id)
        return None if poster is None else poster.reader

    def channels(self, team_id: str) -> SlackChannelDirectory | None:
        poster = self(team_id)
        return None if poster is None else SlackChannelDirectory(poster.reader)

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._posters.pop(team_id, None)

    def paused(self) -> dict[str, str]:
        """Workspaces whose token Slack rejected: team id -> Slack's error code."""
        with self._lock:
            posters = [(t, p) for t, (_, p) in self._posters.items()]
            if self._home is not None and self._home_team is not None:
                posters.append((self._home_team, self._home))
        return {team: p.health.reason for team, p in posters if p.health.reason is not None}
