"""`newsbot run`: the Slack app (HTTP or Socket Mode) plus the scheduler, until SIGTERM or SIGINT.

Threads: the scheduler ticks and reloads articles every NEWSBOT_RELOAD_MINUTES; the front end (waitress
or the Socket Mode connection) answers Slack; the main thread waits for signals. SIGHUP reloads the
articles and digests/*.yaml at once. SIGTERM/SIGINT: stop taking requests, let the tick in flight
finish (its posts are recorded, so nothing is lost or posted twice), close the store, exit 0.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol

from slack_bolt import App
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app import build_app
from bot.digests.spec import DigestSpec
from bot.errors import ConfigError, NewsbotError
from bot.listeners.news_admin_words import follow_up_text
from bot.services.posting import PostOutcome
from bot.settings import DEFAULT_DOTENV, Settings, configure_logging
from bot.wiring import Services, build_services

if TYPE_CHECKING:
    from bot.feeds.poller import FeedPoller

log = logging.getLogger(__name__)

SCHEDULER_JOIN_SECONDS = 60.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the Slack bot and the digest scheduler",
        description="Serve Slack (HTTP on PORT, or Socket Mode when SLACK_APP_TOKEN is set) and post "
        "digests on schedule. Settings come from the environment and ./.env (see .env.example).",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env(os.environ, dotenv_path=DEFAULT_DOTENV)
    configure_logging(settings)
    return serve(settings)


class FrontEnd(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class _Http:
    def __init__(self, app: App, services: Services, port: int, feeds: FeedPoller | None = None) -> None:
        # Here, not at the top: waitress is needed only in HTTP mode.
        from bot.feeds.service import with_feed_health
        from bot.server import HttpServer, make_wsgi_app

        health = with_feed_health(services.health_report, feeds)  # feeds (issue 11): /healthz lists them
        try:
            self._server = HttpServer(make_wsgi_app(app, health, services.metrics.render), port=port)
        except OSError as err:  # the port is taken, or needs privileges
            raise ConfigError(
                f"PORT: cannot listen on port {port} ({err.strerror or err}); stop the program using it "
                "or set PORT to a free port"
            ) from err

    def start(self) -> None:
        self._server.start_in_thread()

    def stop(self) -> None:
        self._server.stop()


class _SocketMode:
    def __init__(self, app: App, app_token: str) -> None:
        # Here, not at the top: the Socket Mode client (and its WebSocket stack) only in Socket Mode.
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        self._handler = SocketModeHandler(app, app_token)

    def start(self) -> None:
        """Open the connection (apps.connections.open, then the WebSocket); a refusal stops start-up."""
        try:
            self._handler.connect()  # type: ignore[no-untyped-call]
        except SlackApiError as err:
            code = err.response.get("error") or "no answer"
            raise ConfigError(
                f"SLACK_APP_TOKEN: Slack refused a Socket Mode connection ({code}); check the app-level "
                "token (connections:write) and that Socket Mode is enabled for the app"
            ) from err
        except (SlackClientError, OSError) as err:
            raise NewsbotError(f"could not connect to Slack in Socket Mode: {err}") from err
        log.info("connected to Slack in Socket Mode")

    def stop(self) -> None:
        self._handler.close()  # type: ignore[no-untyped-call]


def serve(settings: Settings, *, stop: threading.Event | None = None, handle_signals: bool = True) -> int:
    """Run until ``stop`` is set (by SIGTERM/SIGINT when ``handle_signals``). Returns the exit code."""
    stop = stop or threading.Event()
    reload_now = threading.Event()
    services = build_services(settings)
    scheduler: threading.Thread | None = None
    front: FrontEnd | None = None
    feeds_thread: threading.Thread | None = None  # feeds (issue 11)
    try:
        feeds = _feed_poller(settings, services)  # feeds (issue 11): None unless NEWSBOT_FEEDS is set
        snapshot = services.reload(sync_digests=False)  # digests/*.yaml below, once the workspace is known
        # Which workspace SLACK_BOT_TOKEN serves (auth.test); the records of "" move to it, and
        # digests/*.yaml belong to it from now on.
        services.start_workspaces()
        if settings.slack_bot_token and services.health.paused:
            log.error("Slack did not confirm the bot token (%s)", services.health.reason or "no answer")
        services.reload.sync_file_digests(snapshot)
        app = build_app(settings, services)
        # Manual posts an earlier process was still retrying when it died: retried here, and the
        # admin who asked hears how they ended in a direct message (their response_url is gone).
        services.manual.resume(
            services.clock(), lambda user, spec, outcome: _tell(services, user, spec, outcome)
        )
        if handle_signals:
            _install_signals(stop, reload_now)
        # The front end first: a port that is taken stops start-up before anything is posted.
        if settings.slack_app_token:
            front = _SocketMode(app, settings.slack_app_token)
        else:
            front = _Http(app, services, settings.port, feeds)
        scheduler = threading.Thread(
            target=services.scheduler.run_forever,
            args=(stop,),
            kwargs={
                "clock": services.clock,
                "reload": services.reload,
                "reload_seconds": max(1, round(settings.reload_minutes * 60)),
                "tick_seconds": max(1, round(settings.tick_seconds)),
            },
            name="newsbot-scheduler",
        )
        scheduler.start()
        if feeds is not None:  # feeds (issue 11): each feed polled on its own interval
            feeds_thread = threading.Thread(target=feeds.run, args=(stop,), name="newsbot-feeds", daemon=True)
            feeds_thread.start()
        front.start()
        mode = "Socket Mode" if settings.socket_mode else f"HTTP on port {settings.port}"
        log.info("newsbot is running (%s); owner %s", mode, services.owner)
        while not stop.wait(0.5):
            if reload_now.is_set():
                reload_now.clear()
                _reload(services)
        log.info("stopping: no new requests; waiting for posts in flight")
    finally:
        stop.set()
        if front is not None:
            front.stop()
        if scheduler is not None:
            scheduler.join(SCHEDULER_JOIN_SECONDS)
        if feeds_thread is not None:  # feeds (issue 11): a read in flight ends within its timeout
            feeds_thread.join(SCHEDULER_JOIN_SECONDS)
        services.close()
        log.info("stopped")
    if scheduler.is_alive():
        log.error("the scheduler did not stop within %.0f s", SCHEDULER_JOIN_SECONDS)
        return 1
    return 0


def _feed_poller(settings: Settings, services: Services) -> FeedPoller | None:
    """feeds (issue 11): the NEWSBOT_FEEDS poller; entry categories match the current articles' topics."""
    if settings.feeds_path is None:
        return None
    # Here, not at the top: the feed stack (feedparser, defusedxml) loads only with NEWSBOT_FEEDS set.
    from bot.feeds.service import build_poller

    return build_poller(
        settings.feeds_path,
        settings.articles,
        clock=services.clock,
        known_topics=lambda: services.catalog.current().matcher.topics,
    )


def _tell(services: Services, user: str, spec: DigestSpec, outcome: PostOutcome) -> None:
    if user:
        services.poster.notify(user, follow_up_text(spec, outcome))


def _reload(services: Services) -> None:
    try:
        snapshot = services.reload()
        log.info("reloaded on SIGHUP: %d articles", snapshot.articles)
    except NewsbotError as err:
        log.error("reload failed (keeping the previous articles and digests): %s", err)


def _install_signals(stop: threading.Event, reload_now: threading.Event) -> None:
    def on_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def on_hup(signum: int, frame: FrameType | None) -> None:
        reload_now.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_hup)
