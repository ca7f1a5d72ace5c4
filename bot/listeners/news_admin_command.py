"""`/news-admin`: parse with the grammar, call the SubscriptionService, answer ephemerally.

Who may change what is decided in ``admin_guard`` (a middleware on this command), nowhere else.
Every failure the person can fix comes back as an ephemeral message naming the problem and the form.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import channel_refs
from bot.digests.spec import DigestSpec
from bot.errors import ChannelProblem, DigestProblem, NewsbotError, QueryError
from bot.grammar.news_admin import ADMIN_USAGE, AdminCommand, parse_admin_command
from bot.listeners.news_admin_words import (
    channel_problem_text,
    digest_problem_text,
    follow_up_text,
    form_failed_text,
    inert,
    listing_text,
    more_previews_text,
    posted_text,
    subscribed_text,
    unsubscribed_text,
)
from bot.listeners.team import TeamKeys, request_team
from bot.services.posting import PostOutcome
from bot.services.subscriptions import (
    DigestListing,
    FollowUp,
    PostNowResult,
    PreviewResult,
    SubscribeResult,
)

ANSWER_WAIT = 10.0  # seconds a follow-up waits for the command's own answer to go out
RESPONSE_URL_USES = 5  # Slack: a response_url takes five messages in 30 minutes
MAX_PREVIEWS = 4  # a response_url takes five messages; the fifth names the digests not shown

log = logging.getLogger(__name__)


class Subscriptions(Protocol):
    """What `/news-admin` needs (bot.services.subscriptions.SubscriptionService)."""

    def subscribe(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
    ) -> SubscribeResult: ...

    def unsubscribe(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
    ) -> DigestSpec: ...

    def list_digests(self, team_id: str) -> list[DigestListing]: ...

    def preview(
        self, team_id: str, channel_id: str, channel_name: str | None, cmd: AdminCommand, now: datetime
    ) -> list[PreviewResult]: ...

    def post(
        self,
        team_id: str,
        channel_id: str,
        channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
        *,
        follow_up: FollowUp | None = None,
        asked_by: str = "",
    ) -> list[PostNowResult]: ...


def ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}


def register(
    app: App,
    subscriptions: Subscriptions,
    clock: Callable[[], datetime],
    *,
    guard: Callable[..., Any],
    teams: TeamKeys | None = None,
    open_form: Callable[[WebClient, str, str, str, str | None], bool] | None = None,
) -> None:
    """``guard``: the Bolt listener middleware that decides who may run what (bot.listeners.admin_guard).
    ``teams``: which workspace's records a request uses (bot.listeners.team).
    ``open_form(client, trigger_id, team_id, user_id, channel_id)``: opens the channel digest modal
    (`subscribe` alone), set to the channel the command was run in when it is one."""

    def admin(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        team_id = request_team(teams, context)
        user_id = str(command.get("user_id") or "")
        if open_form is not None and str(command.get("text") or "").strip().casefold() == "subscribe":
            here = str(command.get("channel_id") or "")
            channel = here if channel_refs.is_typed_channel_id(here) else None
            if not open_form(client, str(command.get("trigger_id") or ""), team_id, user_id, channel):
                respond(ephemeral(form_failed_text()))
            return
        answered = threading.Event()  # a follow-up never overtakes the command's own answer
        follow_up = _follow_up(respond, client, user_id, answered)
        channel_id = str(command.get("channel_id") or "")
        channel_name = str(command.get("channel_name") or "") or None
        if channel_name in channel_refs.NAMELESS:
            channel_name = None
        try:
            cmd = parse_admin_command(str(command.get("text") or ""))
            for message in _run(
                subscriptions, clock(), cmd, team_id, user_id, channel_id, channel_name, follow_up
            ):
                respond(message)
            answered.set()
        except ChannelProblem as err:
            respond(ephemeral(f":warning: {inert(channel_problem_text(err))}"))
        except DigestProblem as err:
            respond(ephemeral(f":warning: {inert(digest_problem_text(err))}"))
        except QueryError as err:
            respond(ephemeral(f":warning: {inert(str(err))}"))
        except NewsbotError as err:
            log.error("/news-admin failed: %s", err)
            respond(ephemeral(f":warning: That did not work: {inert(str(err))}"))

    app.command("/news-admin", middleware=[guard])(admin)


def _follow_up(respond: Respond, client: WebClient, user_id: str, answered: threading.Event) -> FollowUp:
    """Tell the person how a deferred post ended: ephemerally at the command's response_url (it takes
    five messages in 30 minutes; the first went to the command's answer), else in a direct message."""
    lock = threading.Lock()
    uses = [1]

    def tell(spec: DigestSpec, outcome: PostOutcome) -> None:
        text = follow_up_text(spec, outcome)
        answered.wait(ANSWER_WAIT)
        with lock:
            uses[0] += 1
            fits = uses[0] <= RESPONSE_URL_USES
        if fits:
            try:
                if respond(ephemeral(text)).status_code == 200:
                    return
            except Exception as err:  # noqa: BLE001 - the direct message below is the fallback
                log.info("response_url follow-up failed: %r", err)
        try:
            client.chat_postMessage(channel=user_id, text=text)
        except Exception as err:  # noqa: BLE001 - nothing left to try; the store holds the truth
            log.warning("could not tell %s how the post of %r ended: %r", user_id, spec.name, err)

    return tell


def _run(
    admin: Subscriptions,
    now: datetime,
    cmd: AdminCommand,
    team_id: str,
    user_id: str,
    channel_id: str,
    channel_name: str | None,
    follow_up: FollowUp | None = None,
) -> list[dict[str, Any]]:
    if cmd.action == "help":
        return [ephemeral(ADMIN_USAGE)]
    if cmd.action == "list":
        return [ephemeral(listing_text(admin.list_digests(team_id)))]
    if cmd.action == "subscribe":
        result = admin.subscribe(team_id, user_id, channel_id, channel_name, cmd, now)
        return [ephemeral(subscribed_text(result))]
    if cmd.action == "unsubscribe":
        spec = admin.unsubscribe(team_id, user_id, channel_id, channel_name, cmd, now)
        return [ephemeral(unsubscribed_text(spec))]
    if cmd.action == "preview":
        previews = admin.preview(team_id, channel_id, channel_name, cmd, now)
        shown = [
            {**dict(p.payload), "response_type": "ephemeral", "replace_original": False}
            for p in previews[:MAX_PREVIEWS]
        ]
        rest = [p.spec.name for p in previews[MAX_PREVIEWS:]]
        if rest:
            shown.append(ephemeral(more_previews_text(rest)))
        return shown
    if cmd.action == "post":
        results = admin.post(
            team_id, channel_id, channel_name, cmd, now, follow_up=follow_up, asked_by=user_id
        )
        return [ephemeral("\n".join(posted_text(r) for r in results))]
    raise QueryError(f"Unknown command {cmd.action!r}. See `/news-admin help`.")
