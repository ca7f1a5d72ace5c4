"""The Bolt app factory. The App exists only inside ``build_app``: importing this module starts nothing."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.context.respond import Respond
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.listeners import (
    digest_submissions,
    home_actions,
    home_tab,
    install_events,
    menu_options,
    news_admin_command,
    news_command,
    share_action,
)
from bot.listeners.admin_guard import AdminGuard
from bot.listeners.modal_views import DigestModals
from bot.services.home import form_of, timezones
from bot.settings import Settings
from bot.slack.client import make_client
from bot.slack.scopes import BOT_SCOPES
from bot.wiring import Services

log = logging.getLogger(__name__)

SORRY = "Sorry, something went wrong on newsbot's side. Please try again in a minute."


def _not_the_token_warning(record: logging.LogRecord) -> bool:
    """Bolt warns "token will be unused" whenever SLACK_BOT_TOKEN is in the environment, because we
    hand it a ready WebClient (built from that very token). Operators would read it as a bad setting."""
    return "`token` will be unused" not in record.getMessage()


def build_app(settings: Settings, services: Services) -> App:
    """The Bolt app with every listener registered; its WebClient talks to ``settings.slack_api_url``.

    ``token_verification_enabled=False``: no auth.test at construction, so building the app (in tests,
    or while Slack is down) needs no network; Bolt calls auth.test on the first request instead.
    """
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    bolt_log = logging.getLogger("bot.bolt")
    bolt_log.addFilter(_not_the_token_warning)  # once: addFilter ignores a filter already there
    oauth: OAuthSettings | None = None
    if settings.oauth:
        # Several workspaces: Bolt's own OAuth flow (/slack/install, /slack/oauth_redirect) and its
        # per-request authorisation, over our database (bot.store.workspaces).
        client = make_client("", settings.slack_api_url)
        client.token = None
        oauth = OAuthSettings(
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret,
            scopes=list(BOT_SCOPES),
            installation_store=services.installations,
            installation_store_bot_only=True,
            state_store=services.oauth_states,
        )
    app = App(
        client=client,
        oauth_settings=oauth,
        signing_secret=settings.slack_signing_secret or "",
        token_verification_enabled=False,
        # Socket Mode requests carry no signature; Bolt skips the check for them by itself.
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        logger=bolt_log,
        # Listeners ack as soon as they start, so free workers keep acks fast under load; the pool
        # belongs to the services so that shutting down waits for the work in flight.
        listener_executor=services.listener_pool,
    )
    clock = services.clock
    teams = services.workspaces  # the one rule for which workspace a request is about
    news_command.register(app, services.queries, clock, personal=services.personal, teams=teams)
    share_action.register(app, services.queries, services.poster, clock=clock)
    guard = AdminGuard(settings.admins, teams=teams)  # the one place that decides who may change digests
    modals = DigestModals(
        services.home, services.subscriptions, form_of=form_of, timezones=timezones, clock=clock
    )
    news_admin_command.register(
        app,
        services.subscriptions,
        clock,
        guard=guard.middleware,
        teams=teams,
        open_form=lambda client, trigger, team, user, channel: modals.open_channel(
            client, trigger, team, user, None, channel=channel
        ),
    )
    install_events.register(app, services.workspaces, teams)
    tab = home_tab.HomeTab(services.home, guard.is_admin, clock, teams=teams)
    home_tab.register(app, tab)
    home_actions.register(
        app,
        tab=tab,
        modals=modals,
        digests=services.subscriptions,
        personal=services.personal,
        answers=services.queries,
        clock=clock,
        guard=guard.interaction_middleware,
    )
    digest_submissions.register(
        app,
        tab=tab,
        channel_forms=services.channel_forms,
        personal_forms=services.personal,
        topics=services.home.topics,
        clock=clock,
        guard=guard.interaction_middleware,
    )
    menu_options.register(app, topics=services.home.topics, timezones=timezones)
    app.error(_error_handler)
    return app


def _error_handler(error: Exception, body: dict[str, Any], respond: Respond) -> BoltResponse | None:
    """One place for whatever a listener did not handle: log it, tell the person politely."""
    log.error("unhandled error in a Slack listener: %r", error, exc_info=error)
    if respond.response_url:
        try:
            respond({"response_type": "ephemeral", "replace_original": False, "text": SORRY})
        except Exception as err:  # noqa: BLE001 - reporting must not raise from the error handler
            log.warning("could not tell the user about the error: %r", err)
    return None
