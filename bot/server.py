"""HTTP mode: waitress (a production WSGI server) in front of Bolt's WSGI adapter, plus /healthz.

Routes: POST /slack/events → Bolt (commands, button clicks; Bolt checks the signature and answers
401 to a bad, missing or stale one; a body it cannot parse gets 400, not a 500 and a traceback);
GET /healthz → JSON health (state, since), 503 unless posting works (Slack unreachable, token
rejected, posting paused).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import waitress
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore

from bot.metrics import CONTENT_TYPE_LATEST as METRICS_CONTENT_TYPE

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
# Bolt's OAuth flow (multi-workspace installs), when the app has one.
OAUTH_PATHS = ("/slack/install", "/slack/oauth_redirect")

log = logging.getLogger(__name__)

HealthReport = Callable[[], Mapping[str, Any]]


def make_wsgi_app(
    bolt_app: App, health: HealthReport, metrics: Callable[[], bytes] | None = None
) -> WSGIApplication:
    """The tiny dispatcher. ``health()`` returns the /healthz body; its ``ok`` picks 200 or 503.
    ``metrics()``: the Prometheus text for GET /metrics."""
    slack = SlackRequestHandler(bolt_app, path=EVENTS_PATH)
    oauth = bolt_app.oauth_flow is not None

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == EVENTS_PATH:
            if method != "POST":
                return _reply(start_response, "405 Method Not Allowed", {"error": "POST only"})
            try:
                return slack(environ, start_response)
            except ValueError:  # bad JSON or UTF-8: Bolt parses the body before it checks the signature
                log.info("refused a malformed request to %s", EVENTS_PATH)
                return _reply(start_response, "400 Bad Request", {"error": "malformed request"})
        if oauth and path in OAUTH_PATHS and method == "GET":
            return slack(environ, start_response)
        if path == METRICS_PATH and method == "GET" and metrics is not None:
            data = metrics()
            start_response(
                "200 OK", [("Content-Type", METRICS_CONTENT_TYPE), ("Content-Length", str(len(data)))]
            )
            return [data]
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            body = dict(health())
            return _reply(start_response, "200 OK" if body.get("ok") else "503 Service Unavailable", body)
        return _reply(start_response, "404 Not Found", {"error": "not found"})

    return application


def _reply(start_response: StartResponse, status: str, body: Mapping[str, Any]) -> list[bytes]:
    data = json.dumps(body).encode("utf-8")
    start_response(
        status,
        [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]


class HttpServer:
    """waitress serving ``application``; ``serve()`` blocks until ``stop()`` (from any thread).

    waitress's own ``run()`` has no stop: this runs its event loop in short slices and checks a
    flag between them, then lets in-flight requests finish.
    """

    def __init__(
        self,
        application: WSGIApplication,
        *,
        # All interfaces by default: a reverse proxy in another container must reach it.
        host: str = "0.0.0.0",  # noqa: S104
        port: int = 3000,
        threads: int = 16,
    ) -> None:
        self._map: dict[int, Any] = {}
        self._server = waitress.create_server(
            application, map=self._map, host=host, port=port, threads=threads, ident="newsbot"
        )
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._serving = False

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        return f"http://{self._server.effective_host}:{self.port}"

    def serve(self) -> None:
        log.info("serving Slack requests on port %d (%s, %s)", self.port, EVENTS_PATH, HEALTH_PATH)
        self._serving = True
        try:
            while not self._stop.is_set():
                wasyncore.loop(timeout=0.2, map=self._map, count=1)
        finally:
            self._server.close()
            # Lets requests being handled finish, then stops the worker threads.
            self._server.task_dispatcher.shutdown(cancel_pending=False, timeout=10)
            for channel in list(self._map.values()):
                channel.close()
            self._stopped.set()

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve, name="newsbot-http", daemon=True)
        self._serving = True  # before the thread runs, so that an early stop() waits for it
        thread.start()
        return thread

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        if not self._serving:  # never served: only the listening socket to close
            self._server.close()
            return
        # Wakes the event loop now instead of at its next timeout. The loop may have seen the flag
        # already and closed the trigger on its way out (EBADF): then there is nothing to wake.
        with contextlib.suppress(OSError):
            self._server.pull_trigger()
        self._stopped.wait(timeout)
