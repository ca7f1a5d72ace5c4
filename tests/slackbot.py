"""Runs the real app (bot.server + bot.app + bot.wiring) on 127.0.0.1 against the Slack stand-in,
and sends it requests signed the way Slack signs them. Shared by the scenario tests and the bench."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_bolt import App

from bot.app import build_app
from bot.compose.render import Templates
from bot.server import HttpServer, make_wsgi_app
from bot.settings import Settings
from bot.wiring import Services, build_services
from tests.fakeslack import TEAM_ID, FakeSlack

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-0000-token"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

TOPICS = (
    ("AI in Robotics", "Robot arms learn to fold laundry"),
    ("AI in Robotics", "Warehouse robots get a sense of touch"),
    ("Computer Vision", "Cameras that read sign language"),
    ("Natural Language Processing", "A translator for whale songs"),
    ("AI in Finance", "Banks test models on loan risk"),
)


def write_articles(folder: Path, now: datetime = NOW) -> None:
    """A handful of real article files (front matter only), one hour apart."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, (topic, title) in enumerate(TOPICS, start=1):
        published = (now - timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        (folder / f"article-{n}.md").write_text(
            "---\n"
            f'title: "{title}"\n'
            f'excerpt: "About {title.lower()} & more <b>"\n'
            f"publishedDateTime: {published}\n"
            f'webUrl: "https://outlet{n}.example.com/news/{n}"\n'
            "type: article\n"
            f"quality: {60 + n}\n"
            "provider:\n"
            f"  name: Outlet {n}\n"
            f"  domain: outlet{n}.example.com\n"
            "topics:\n"
            f"  - {topic}\n"
            "  - AI\n"
            "---\n",
            encoding="utf-8",
        )


def signed_headers(
    body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of "v0:<timestamp>:<body>" with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }


def command_body(
    command: str, text: str, *, user: str, response_url: str, channel: str = "CNEWS0001", team: str = TEAM_ID
) -> bytes:
    return urlencode(
        {
            "token": "unused-verification-token",
            "team_id": team,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": channel.lower(),
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0NEWSBOT",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
    ).encode()


def action_body(
    action_id: str, value: str, *, user: str, response_url: str, channel: str = "CNEWS0001"
) -> bytes:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0NEWSBOT",
        "channel": {"id": channel, "name": channel.lower()},
        "container": {"type": "message", "is_ephemeral": True},
        "trigger_id": "1.2.3",
        "response_url": response_url,
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "share", "value": value, "action_ts": "1"}
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def http(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
    request = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as err:
        return Reply(err.code, err.read().decode())


def wait_for(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.005)


class MovableClock:
    """The bot's clock in a scenario test: reads ``now``, which the test may move forward."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(slots=True)
class RunningBot:
    url: str
    app: App
    services: Services
    fake: FakeSlack
    settings: Settings
    clock: Callable[[], datetime]

    def send(self, body: bytes, headers: dict[str, str] | None = None) -> Reply:
        return http(f"{self.url}/slack/events", body, signed_headers(body) if headers is None else headers)

    def command(self, command: str, text: str, *, user: str, key: str, channel: str = "CNEWS0001") -> Reply:
        body = command_body(
            command, text, user=user, response_url=self.fake.response_url(key), channel=channel
        )
        return self.send(body)

    def responses(self, key: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """What the app sent to the response URL ``key`` (waits until ``count`` arrived)."""
        return list(
            wait_for(lambda: len(self.fake.responses(key)) >= count and self.fake.responses(key), timeout)
            or []
        )


@functools.cache
def package_templates() -> Templates:
    return Templates.load(None)


@contextmanager
def running_bot(
    workdir: Path,
    fake: FakeSlack,
    *,
    admins: str = "",
    clock: Callable[[], datetime] | None = None,
    article_folder: Path | None = None,
    env: dict[str, str] | None = None,
    start_workspaces: bool = False,
) -> Iterator[RunningBot]:
    """The app serving on a random port. ``article_folder`` None: the handful of TOPICS articles.
    ``env``: more settings; ``start_workspaces``: learn the token's workspace first, as `newsbot run`
    does (without it, records stay under the single-workspace key "")."""
    articles = article_folder or workdir / "articles"
    if article_folder is None:
        write_articles(articles)
    (workdir / "digests").mkdir(exist_ok=True)
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url,
            "NEWSBOT_ARTICLES": str(articles),
            "NEWSBOT_DB": str(workdir / "newsbot.db"),
            "NEWSBOT_DIGESTS": str(workdir / "digests"),
            "NEWSBOT_ADMINS": admins,
            **(env or {}),
        }
    )
    clock = clock or MovableClock()
    services = build_services(settings, clock=clock, owner="test", templates=package_templates())
    snapshot = services.reload()
    if start_workspaces:
        services.start_workspaces()
        services.reload.sync_file_digests(snapshot)
    app = build_app(settings, services)
    wsgi = make_wsgi_app(app, services.health_report, services.metrics.render)
    server = HttpServer(wsgi, host="127.0.0.1", port=0)
    server.start_in_thread()
    try:
        yield RunningBot(server.url, app, services, fake, settings, clock)
    finally:
        server.stop()
        services.close()
