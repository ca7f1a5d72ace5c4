"""A local HTTP stand-in of the Slack Web API, for tests and benchmarks.

Point a WebClient (or the app, through SLACK_API_URL) at ``FakeSlack.url`` and it answers the methods
newsbot uses, over real HTTP on 127.0.0.1. Every call is recorded. Faults are injected per method
from a queue (``fail``) or at random rates (``set_fault_rates``):

- ``Fault.rate_limited(n)``: HTTP 429 with ``Retry-After: n``; nothing happens.
- ``Fault.server_error()``: HTTP 500; nothing happens.
- ``Fault.server_error_after()``: the call takes effect (the message is stored), then HTTP 500.
- ``Fault.error(code)``: HTTP 200 with ``{"ok": false, "error": code}``; nothing happens.
- ``Fault.slow(seconds)``: the call takes effect, then the answer is delayed (a client timeout
  after Slack posted).
- ``Fault.reset(after=False)``: the connection is reset without an answer (before, or with
  ``after`` once, the call took effect).

response_url requests take faults too (method name ``"response_url"``); an ``in_channel`` answer
to a response URL bound to a channel (``response_url(key, channel=…)``) lands in that channel.

Channels are lenient: an unknown C…/G… ID is created on first use as a public channel the bot is in;
``add_channel`` declares private, archived or not-joined channels to exercise the error paths.

Several workspaces: ``add_team(team_id, token)`` gives a bot token its own workspace (channels,
users, messages, auth.test answer); a call is served by the workspace of its bearer token (an
unknown token gets the default workspace, ``TEAM_ID``). ``grant_install(code, team_id)`` lets
``oauth.v2.access`` exchange ``code`` for a new workspace's bot token, as an OAuth install does;
``revoke(token)`` makes every later call with it answer ``token_revoked``.
Users, direct messages and history paging: see tests/fakeslack_workspace.py; views
(views.publish/open/update/push, checked with ``check_view``): see tests/fakeslack_views.py.
"""

from __future__ import annotations

import io
import json
import random
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakeslack_workspace import BOT_ID, BOT_USER, TEAM_ID, Channel, Workspace

__all__ = ["BOT_ID", "BOT_USER", "TEAM_ID", "Call", "Channel", "FakeSlack", "Fault"]


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str  # ratelimited | server_error | server_error_after | error | slow | reset | reset_after
    retry_after: int = 1
    code: str = ""
    delay: float = 0.0

    @classmethod
    def rate_limited(cls, retry_after: int = 1) -> Fault:
        return cls("ratelimited", retry_after=retry_after)

    @classmethod
    def server_error(cls) -> Fault:
        return cls("server_error")

    @classmethod
    def server_error_after(cls) -> Fault:
        return cls("server_error_after")

    @classmethod
    def error(cls, code: str) -> Fault:
        return cls("error", code=code)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        return cls("slow", delay=seconds)

    @classmethod
    def reset(cls, *, after: bool = False) -> Fault:
        """The connection is reset with no answer; ``after``: once the call has taken effect."""
        return cls("reset_after" if after else "reset")


@dataclass(frozen=True, slots=True)
class Call:
    """One recorded request. ``params`` merges the query string, form fields and JSON body."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int
    fault: str | None
    team: str = TEAM_ID  # the workspace of the call's token


@dataclass(frozen=True, slots=True)
class _Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # benchmarks open many connections at once; the default backlog is 5
    daemon_threads = True


class FakeSlack:
    """Start with ``start()`` (or as a context manager); ``url`` ends with '/' as WebClient needs."""

    def __init__(self, *, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self._calls: list[Call] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._rates: dict[str, float] = {}
        self._rate_methods: frozenset[str] | None = None
        self._rate_retry_after = 1
        self._workspace = Workspace()
        self._teams: dict[str, Workspace] = {TEAM_ID: self._workspace}
        self._tokens: dict[str, str] = {}  # bot token -> team id (unknown tokens: TEAM_ID)
        self._revoked: set[str] = set()
        self._grants: dict[str, dict[str, Any]] = {}  # OAuth code -> oauth.v2.access answer
        self._responses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._response_channels: dict[str, str] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        assert self._server is not None, "FakeSlack is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, key: str, *, channel: str | None = None) -> str:
        """A response URL; with ``channel``, its in_channel answers are stored as channel messages."""
        if channel is not None:
            with self._lock:
                self._response_channels[key] = channel
        return f"{self.base}/response/{key}"

    # --- setup ----------------------------------------------------------------------------------
    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
    ) -> None:
        self.add_team_channel(TEAM_ID, channel_id, name, is_private, is_member, is_archived)

    def add_team_channel(
        self,
        team: str,
        channel_id: str,
        name: str | None = None,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
    ) -> None:
        """``add_channel`` in the workspace ``team`` (see ``add_team``)."""
        with self._lock:
            self._teams[team].channels[channel_id] = Channel(
                channel_id, name or channel_id.lower(), is_private, is_member, is_archived
            )

    def set_clock(self, clock: Callable[[], float]) -> None:
        """Where message ts come from (seconds since the epoch; default the wall clock)."""
        with self._lock:
            self._workspace.clock = clock

    def add_messages(self, channel: str, count: int, *, user: str = "UOTHER01") -> None:
        """``count`` messages from someone else arrive in ``channel`` (a busy channel)."""
        with self._lock:
            found = self._workspace.lookup(channel, create=True)
            assert found is not None, f"unknown channel {channel}"
            for n in range(count):
                ts = self._workspace._next_ts()
                found.messages.append({"type": "message", "ts": ts, "user": user, "text": f"chatter {n}"})

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        is_admin: bool = False,
        is_owner: bool = False,
        tz: str = "UTC",
        team: str = TEAM_ID,
    ) -> None:
        with self._lock:
            self._teams[team].add_user(user_id, name, is_admin=is_admin, is_owner=is_owner, tz=tz)

    def add_team(self, team_id: str, token: str, *, bot_user: str | None = None) -> None:
        """A workspace of its own whose bot token is ``token`` (bot user U<team>, bot B<team>)."""
        with self._lock:
            if team_id not in self._teams:
                suffix = team_id.removeprefix("T")
                self._teams[team_id] = Workspace(team_id, bot_user or f"UB{suffix}", f"BB{suffix}")
            self._tokens[token] = team_id

    def grant_install(
        self, code: str, team_id: str, *, token: str, installer: str = "UINSTALL1", team_name: str = ""
    ) -> None:
        """``oauth.v2.access`` with ``code`` installs the app in ``team_id`` and answers ``token``."""
        with self._lock:
            grant = {"team_id": team_id, "token": token, "installer": installer, "name": team_name}
            self._grants[code] = grant

    def revoke(self, token: str) -> None:
        """The workspace uninstalled the app: the token answers token_revoked from now on."""
        with self._lock:
            self._revoked.add(token)

    def set_user_tz(self, user_id: str, tz: str) -> None:
        """The user changed their time zone in Slack; users.info answers it from now on."""
        with self._lock:
            self._workspace.users[user_id]["tz"] = tz

    def remove_user(
        self, user_id: str, *, post_error: str = "account_inactive", keep_profile: bool = False
    ) -> None:
        """The user left the workspace: users.info answers user_not_found (or, with ``keep_profile``,
        the profile with ``deleted: true``); conversations.open and views.publish answer
        user_not_found; posting to their DM answers ``post_error``."""
        with self._lock:
            self._workspace.remove_user(user_id, post_error=post_error, keep_profile=keep_profile)

    def mint_trigger(self, user_id: str) -> str:
        """A trigger_id tied to ``user_id``, good for one views.open or views.push."""
        with self._lock:
            return self._workspace.views.mint_trigger(user_id)

    def fail(self, method: str, *faults: Fault) -> None:
        """Queue faults for the next calls of ``method``, one per call, in order."""
        with self._lock:
            self._faults[method].extend(faults)

    def set_fault_rates(
        self,
        *,
        rate_limited: float = 0.0,
        server_error: float = 0.0,
        server_error_after: float = 0.0,
        retry_after: int = 1,
        methods: frozenset[str] | None = None,
    ) -> None:
        """Random faults on every call (of ``methods``, default all) after the queued ones."""
        with self._lock:
            self._rates = {
                "ratelimited": rate_limited,
                "server_error": server_error,
                "server_error_after": server_error_after,
            }
            self._rate_retry_after = retry_after
            self._rate_methods = methods

    # --- inspection -----------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages(self, channel: str, team: str = TEAM_ID) -> list[dict[str, Any]]:
        """Messages stored in a channel (or sent to a user ID), oldest first."""
        with self._lock:
            found = self._teams[team].lookup(channel, create=False)
            return [dict(m) for m in found.messages] if found else []

    def all_messages(self, team: str = TEAM_ID) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            return {
                cid: [dict(m) for m in ch.messages]
                for cid, ch in self._teams[team].channels.items()
                if ch.messages
            }

    def ephemeral(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._workspace.ephemeral)

    def responses(self, key: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._responses[key])

    def channel(self, channel_id: str) -> Channel | None:
        with self._lock:
            return self._workspace.channels.get(channel_id)

    def home(self, user_id: str) -> dict[str, Any] | None:
        """The Home view last published for ``user_id`` (None if never)."""
        with self._lock:
            record = self._workspace.views.homes.get(user_id)
            return record.view if record else None

    def modals(self, user_id: str = "") -> list[dict[str, Any]]:
        """The user's open modal stack, bottom first ("" = modals opened with unminted triggers)."""
        with self._lock:
            return [r.view for r in self._workspace.views.stacks.get(user_id, [])]

    def opened_views(self) -> list[dict[str, Any]]:
        """Every modal views.open or views.push accepted, in order."""
        with self._lock:
            return [r.view for r in self._workspace.views.opened]

    def dm_messages(self, user_id: str) -> list[dict[str, Any]]:
        """Messages in the bot's direct message channel with ``user_id``, oldest first."""
        with self._lock:
            dm = self._workspace.channels.get("D" + user_id[1:])
            return [dict(m) for m in dm.messages] if dm else []

    # --- HTTP -----------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        params: dict[str, Any] = dict(parse_qsl(parts.query))
        content_type = request.headers.get("Content-Type") or ""
        if raw and "json" in content_type:
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw.decode("utf-8")))
        headers = dict(request.headers.items())
        if parts.path.startswith("/response/"):
            self._respond(request, parts.path.removeprefix("/response/"), params, headers)
            return
        method = parts.path.removeprefix("/api/")
        token = _bearer(headers) or str(params.get("token") or "")
        fault = self._next_fault(method)
        with self._lock:
            team = self._tokens.get(token, TEAM_ID)
            revoked = token in self._revoked
        if revoked and fault is None:
            fault = Fault.error("token_revoked")
        if fault is not None and fault.kind in ("reset", "reset_after"):
            if fault.kind == "reset_after":
                with self._lock:
                    self._teams[team].call(method, params)
            with self._lock:
                self._calls.append(Call(method, params, headers, 0, fault.kind, team))
            _reset(request)
            return
        reply, delay = self._apply(method, params, fault, team)
        with self._lock:
            self._calls.append(
                Call(method, params, headers, reply.status, fault.kind if fault else None, team)
            )
        if delay:
            time.sleep(delay)
        self._send(request, reply)

    def _respond(
        self, request: BaseHTTPRequestHandler, key: str, params: dict[str, Any], headers: dict[str, str]
    ) -> None:
        """A response_url: faults as for the Web API; an in_channel answer lands in a bound channel."""
        fault = self._next_fault("response_url")
        kind = fault.kind if fault else None
        taken = kind not in ("ratelimited", "server_error", "error", "reset")
        with self._lock:
            if taken:
                self._responses[key].append(params)
                channel = self._response_channels.get(key)
                if channel is not None and params.get("response_type") == "in_channel":
                    found = self._workspace.lookup(channel, create=True)
                    assert found is not None
                    blocks = params.get("blocks") or []
                    found.messages.append(
                        {
                            "type": "message",
                            "ts": self._workspace._next_ts(),
                            "user": BOT_USER,
                            "bot_id": BOT_ID,
                            "text": params.get("text", ""),
                            "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks,
                        }
                    )
            status = {"ratelimited": 429, "server_error": 500, "server_error_after": 500}.get(kind or "", 200)
            self._calls.append(Call("response_url", params, headers, status, kind))
        if kind in ("reset", "reset_after"):
            _reset(request)
            return
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        retry = {"Retry-After": str(fault.retry_after)} if kind == "ratelimited" and fault else {}
        self._send(request, _Reply(status, {"ok": status == 200}, retry))

    def _send(self, request: BaseHTTPRequestHandler, reply: _Reply) -> None:
        if reply.status >= 500:
            body = b"<html><body>Internal Server Error</body></html>"
            content_type = "text/html"
        else:
            body = json.dumps(reply.body).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        try:
            request.send_response(reply.status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and went away; the call has still taken effect

    def _next_fault(self, method: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(method)
            if queue:
                return queue.popleft()
            if not self._rates or (self._rate_methods is not None and method not in self._rate_methods):
                return None
            draw = self._random.random()
            for kind, rate in self._rates.items():
                if draw < rate:
                    return Fault(kind, retry_after=self._rate_retry_after)
                draw -= rate
            return None

    def _apply(
        self, method: str, params: dict[str, Any], fault: Fault | None, team: str = TEAM_ID
    ) -> tuple[_Reply, float]:
        if fault is not None and fault.kind == "ratelimited":
            reply = _Reply(
                429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
            )
            return reply, 0.0
        if fault is not None and fault.kind == "server_error":
            return _Reply(500, {}), 0.0
        if fault is not None and fault.kind == "error":
            return _Reply(200, {"ok": False, "error": fault.code}), 0.0
        with self._lock:
            if method == "oauth.v2.access":
                body = self._oauth_access(params)
            else:
                body = self._teams[team].call(method, params)
        if fault is not None and fault.kind == "server_error_after":
            return _Reply(500, {}), 0.0
        return _Reply(200, body), fault.delay if fault is not None else 0.0

    def _oauth_access(self, params: dict[str, Any]) -> dict[str, Any]:
        """Slack's answer to the OAuth code exchange (called with the lock held)."""
        grant = self._grants.pop(str(params.get("code") or ""), None)
        if grant is None:
            return {"ok": False, "error": "invalid_code"}
        team_id, token = grant["team_id"], grant["token"]
        suffix = team_id.removeprefix("T")
        if team_id not in self._teams:
            self._teams[team_id] = Workspace(team_id, f"UB{suffix}", f"BB{suffix}")
        self._tokens[token] = team_id
        self._revoked.discard(token)
        workspace = self._teams[team_id]
        return {
            "ok": True,
            "app_id": "A0NEWSBOT",
            "authed_user": {"id": grant["installer"]},
            "scope": "commands,chat:write",
            "token_type": "bot",
            "access_token": token,
            "bot_user_id": workspace.bot_user,
            "team": {"id": team_id, "name": grant["name"] or f"Team {suffix}"},
            "enterprise": None,
            "is_enterprise_install": False,
        }


def _bearer(headers: dict[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return value.removeprefix("Bearer ").strip() if value.startswith("Bearer ") else ""


def _reset(request: BaseHTTPRequestHandler) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0) and no answer."""
    sock = request.connection
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass
    request.close_connection = True
    request.wfile = io.BytesIO()  # what the handler still flushes goes nowhere


@contextmanager
def running_fake_slack(*, seed: int = 0) -> Iterator[FakeSlack]:
    """For scripts: a started FakeSlack, stopped on exit."""
    with FakeSlack(seed=seed) as fake:
        yield fake
