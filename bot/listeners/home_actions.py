"""The Home tab's buttons (block_actions): parse the payload, call a service, refresh the Home tab.

Who may press the channel digest buttons is decided in ``admin_guard.interaction_middleware`` (a
middleware on them): a forged payload from a non-admin is acknowledged and nothing runs. A digest
is looked up by the name in the button's ``value``, never by the row number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.compose.mrkdwn import escape
from bot.digests.spec import DigestSpec
from bot.errors import ChannelProblem, DigestProblem, NewsbotError, QueryError
from bot.grammar.news_admin import AdminCommand
from bot.listeners.admin_guard import interaction_user
from bot.listeners.home_tab import HomeTab
from bot.listeners.modal_views import DigestModals, open_view, update_view
from bot.listeners.news_admin_command import Subscriptions
from bot.listeners.news_admin_words import (
    channel_problem_text,
    digest_problem_text,
    follow_up_text,
    posted_text,
)
from bot.listeners.share_action import Answers
from bot.services.posting import PostOutcome
from bot.views import ids
from bot.views.modals import answer_modal, notice_modal

log = logging.getLogger(__name__)


class ChannelDigests(Subscriptions, Protocol):
    """What the channel digest buttons need: `/news-admin`'s service, and pausing
    (bot.services.subscriptions.SubscriptionService)."""

    def set_enabled(
        self, team_id: str, user_id: str, name: str, enabled: bool, now: datetime
    ) -> DigestSpec: ...


class PersonalSwitch(Protocol):
    """Turning one's own DM digest off and on (bot.services.personal.PersonalDigests)."""

    def set_enabled(self, team_id: str, user_id: str, enabled: bool, now: datetime) -> DigestSpec | None: ...


def tell_user(client: WebClient, user_id: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=user_id, text=text)
    except (SlackApiError, SlackClientError, OSError) as err:
        log.warning("could not tell %s how Post now ended: %s", user_id, err)


def problem_text(err: QueryError) -> str:
    if isinstance(err, ChannelProblem):
        return escape(channel_problem_text(err))
    if isinstance(err, DigestProblem):
        return escape(digest_problem_text(err))
    return escape(str(err))


def register(
    app: App,
    *,
    tab: HomeTab,
    modals: DigestModals,
    digests: ChannelDigests,
    personal: PersonalSwitch,
    answers: Answers,
    clock: Callable[[], datetime],
    guard: Callable[..., Any],
) -> None:
    """``guard``: AdminGuard.interaction_middleware, on every channel digest button."""

    def action_of(body: dict[str, Any]) -> dict[str, Any]:
        found = (body.get("actions") or [{}])[0]
        return found if isinstance(found, dict) else {}

    def trigger(body: dict[str, Any]) -> str:
        return str(body.get("trigger_id") or "")

    def refresh(client: WebClient, body: dict[str, Any], context: BoltContext) -> None:
        _, user_id = interaction_user(body)
        tab.publish(client, tab.team(context), user_id)

    def tell(client: WebClient, body: dict[str, Any], title: str, text: str) -> None:
        open_view(client, trigger(body), notice_modal(title, text))

    # --- everyone ------------------------------------------------------------------------------
    def personal_form(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        _, user_id = interaction_user(body)
        modals.open_personal(client, trigger(body), tab.team(context), user_id)

    def personal_toggle(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        _, user_id = interaction_user(body)
        enabled = action_of(body).get("action_id") == ids.HOME_PERSONAL_ON
        personal.set_enabled(tab.team(context), user_id, enabled, clock())
        refresh(client, body, context)

    def topic(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        name = str(action_of(body).get("value") or "")
        if not name:
            return
        reply = answers.answer(name, clock())
        open_view(client, trigger(body), answer_modal(name, dict(reply.payload)))

    # --- admins (guarded) ----------------------------------------------------------------------
    def digest_new(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        _, user_id = interaction_user(body)
        modals.open_channel(client, trigger(body), tab.team(context), user_id, None)

    def digest_edit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        _, user_id = interaction_user(body)
        name = str(action_of(body).get("value") or "")
        try:
            modals.open_channel(client, trigger(body), tab.team(context), user_id, name)
        except QueryError as err:
            tell(client, body, "Cannot edit", problem_text(err))

    def digest_preview(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        name = str(action_of(body).get("value") or "")
        try:
            [preview] = digests.preview(
                tab.team(context), "", None, AdminCommand("preview", name=name), clock()
            )
        except QueryError as err:
            tell(client, body, "Cannot preview", problem_text(err))
            return
        open_view(client, trigger(body), answer_modal(f"Preview: {name}", dict(preview.payload)))

    def digest_post(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        _, user_id = interaction_user(body)
        name = str(action_of(body).get("value") or "")
        # The trigger expires in 3 s and posting may take longer: say so first, then the outcome.
        view_id = open_view(client, trigger(body), notice_modal("Post now", f"Posting *{escape(name)}*…"))

        def follow_up(spec: DigestSpec, outcome: PostOutcome) -> None:
            """A deferred post ended: in the notice if it is still open, else in a direct message."""
            text = follow_up_text(spec, outcome)
            if not (view_id and update_view(client, view_id, notice_modal("Post now", text))):
                tell_user(client, user_id, text)
            refresh(client, body, context)

        cmd = AdminCommand("post", name=name)
        try:
            results = digests.post(
                tab.team(context), "", None, cmd, clock(), follow_up=follow_up, asked_by=user_id
            )
            text = "\n".join(posted_text(r) for r in results)
        except QueryError as err:
            text = problem_text(err)
        except NewsbotError as err:
            log.error("Post now of %r failed: %s", name, err)
            text = f"That did not work: {escape(str(err))}"
        if view_id:
            update_view(client, view_id, notice_modal("Post now", text))
        refresh(client, body, context)

    def digest_toggle(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        _, user_id = interaction_user(body)
        action = action_of(body)
        resume = ids.action_pattern(ids.HOME_DIGEST_RESUME)
        enabled = resume.match(str(action.get("action_id") or "")) is not None
        try:
            digests.set_enabled(tab.team(context), user_id, str(action.get("value") or ""), enabled, clock())
        except QueryError as err:
            tell(client, body, "Cannot change", problem_text(err))
        refresh(client, body, context)

    def digest_delete(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        _, user_id = interaction_user(body)
        name = str(action_of(body).get("value") or "")
        try:
            digests.unsubscribe(
                tab.team(context), user_id, "", None, AdminCommand("unsubscribe", name=name), clock()
            )
        except QueryError as err:
            tell(client, body, "Cannot delete", problem_text(err))
        refresh(client, body, context)

    app.action(ids.HOME_PERSONAL_NEW)(personal_form)
    app.action(ids.HOME_PERSONAL_EDIT)(personal_form)
    app.action(ids.HOME_PERSONAL_OFF)(personal_toggle)
    app.action(ids.HOME_PERSONAL_ON)(personal_toggle)
    app.action(ids.action_pattern(ids.HOME_TOPIC))(topic)
    guarded = {"middleware": [guard]}
    app.action(ids.HOME_DIGEST_NEW, **guarded)(digest_new)
    app.action(ids.action_pattern(ids.HOME_DIGEST_EDIT), **guarded)(digest_edit)
    app.action(ids.action_pattern(ids.HOME_DIGEST_PREVIEW), **guarded)(digest_preview)
    app.action(ids.action_pattern(ids.HOME_DIGEST_POST), **guarded)(digest_post)
    app.action(ids.action_pattern(ids.HOME_DIGEST_PAUSE), **guarded)(digest_toggle)
    app.action(ids.action_pattern(ids.HOME_DIGEST_RESUME), **guarded)(digest_toggle)
    app.action(ids.action_pattern(ids.HOME_DIGEST_DELETE), **guarded)(digest_delete)
