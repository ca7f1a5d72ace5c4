"""The one place that decides who may change digests: a Bolt listener middleware on `/news-admin`.

Open to everyone: ``list``, ``preview``, ``help`` (the bare command is help), as the grammar reads
the text, and words that are no command at all (they get "Unknown command", and nothing runs).
Everything else (subscribe, unsubscribe, post, and any action added later, which stays closed
until someone opens it here) needs a workspace admin or owner (users.info) or a user
in NEWSBOT_ADMINS. Others get a polite ephemeral refusal in the acknowledgement itself, and the
listener never runs, so nothing changes.

The same rule guards the Home tab and the modals (``interaction_middleware``): every
``home.digest.*`` button and every submission of the channel digest modal needs an admin, whatever
the payload says (a non-admin can forge one); the personal-digest buttons, the topic buttons and
the personal digest modal are open to everyone.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import QueryError
from bot.grammar.news_admin import USAGES, parse_admin_command
from bot.listeners.team import TeamKeys, request_team
from bot.slack.client import make_read_client
from bot.views import ids

OPEN_VERBS = frozenset({"list", "preview", "help"})
DEFAULT_TTL_SECONDS = 300.0
USERS_INFO_TIMEOUT = 2
USERS_INFO_MAX_WAIT = 1.0  # the longest Retry-After waited out before the ack

log = logging.getLogger(__name__)


def command_verb(text: str) -> str:
    """The action the grammar reads in ``text``; for text it rejects, the first word lower-cased
    (so a non-admin's malformed `subscribe` is refused rather than corrected)."""
    try:
        return parse_admin_command(text).action
    except QueryError:
        words = text.strip().split(maxsplit=1)
        return words[0].lower() if words else ""


ADMIN_ACTION_PREFIX = "home.digest."
ADMIN_VIEWS = frozenset({ids.CHANNEL_DIGEST_CALLBACK})
REFUSAL = (
    "Sorry, only workspace admins and owners (and the people listed in NEWSBOT_ADMINS) can "
    "change channel digests. Nothing was changed."
)


def needs_admin(body: dict[str, Any]) -> bool:
    """Whether an interaction payload (block_actions, view_submission) asks for an admin's change."""
    if body.get("type") == "view_submission":
        return str((body.get("view") or {}).get("callback_id") or "") in ADMIN_VIEWS
    actions = body.get("actions") or []
    return any(str(a.get("action_id") or "").startswith(ADMIN_ACTION_PREFIX) for a in actions)


def interaction_user(body: dict[str, Any]) -> tuple[str, str]:
    """(team ID, user ID) of an interaction payload."""
    user = body.get("user") or {}
    team = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
    return team, str(user.get("id") or "")


def refusal_message() -> dict[str, Any]:
    return {
        "response_type": "ephemeral",
        "text": (
            "Sorry, only workspace admins and owners (and the people listed in NEWSBOT_ADMINS) can "
            "change digests. Anyone can use `/news-admin list`, `/news-admin preview` and "
            "`/news-admin help`. Nothing was changed."
        ),
    }


class AdminGuard:
    """Caches each user's users.info answer for ``ttl_seconds`` (admins rarely change; Slack's
    users.info is rate limited), keyed by (team, user); the team comes from bot.listeners.team."""

    def __init__(
        self,
        admins: frozenset[str],
        *,
        teams: TeamKeys | None = None,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._admins = admins
        self._teams = teams
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._cache: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def is_admin(self, client: WebClient, team_id: str, user_id: str) -> bool:
        if user_id in self._admins:
            return True
        key = (team_id, user_id)
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            # A short timeout of its own: this runs before the command is acknowledged, and Slack
            # gives up on an acknowledgement after 3 s.
            # It retries one short 429 or 5xx (users.info is a read), within the same 3 s.
            quick = make_read_client(
                client.token or "", client.base_url, timeout=USERS_INFO_TIMEOUT, max_wait=USERS_INFO_MAX_WAIT
            )
            user = quick.users_info(user=user_id).get("user") or {}
        except (SlackApiError, SlackClientError) as err:
            # Not cached: the next attempt asks again. Refusing is the safe answer meanwhile.
            log.warning("users.info failed for %s: %s; treating as not an admin", user_id, err)
            return False
        allowed = bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))
        with self._lock:
            self._cache[key] = (now, allowed)
        return allowed

    def middleware(
        self, client: WebClient, body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Bolt listener middleware (arguments are injected by name)."""
        verb = command_verb(str(body.get("text") or ""))
        if verb in OPEN_VERBS or verb not in USAGES:
            # An unknown word is no command: the listener answers "Unknown command … Did you mean …?"
            # (to a non-admin too, whose "lsit" deserves that rather than a refusal); nothing runs.
            return next()
        user_id = str(body.get("user_id") or "")
        team_id = request_team(self._teams, context)
        if user_id and self.is_admin(client, team_id, user_id):
            return next()
        log.info("refused /news-admin %r for %s", verb, user_id)
        return BoltResponse(
            status=200,
            body=json.dumps(refusal_message()),
            headers={"content-type": "application/json;charset=utf-8"},
        )

    def interaction_middleware(
        self, client: WebClient, body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Bolt listener middleware for Home buttons and modal submissions."""
        if not needs_admin(body):
            return next()
        _, user_id = interaction_user(body)
        team_id = request_team(self._teams, context)
        if user_id and self.is_admin(client, team_id, user_id):
            return next()
        log.info("refused an admin interaction for %s", user_id or "an unknown user")
        answer: dict[str, Any] = {}
        if body.get("type") == "view_submission":
            answer = {"response_action": "errors", "errors": {ids.block_id("channel"): REFUSAL}}
        return BoltResponse(
            status=200,
            body=json.dumps(answer) if answer else "",
            headers={"content-type": "application/json;charset=utf-8"},
        )
