"""`newsbot run` as a user starts it: a real process, settings from the environment, signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest

from bot.commands.run import serve
from bot.digests.spec import DigestSpec
from bot.errors import ConfigError
from bot.settings import Settings
from bot.store.base import PostRecord
from bot.store.sqlite import SQLiteStore
from tests.fakeslack import TEAM_ID, FakeSlack, Fault
from tests.home_payloads import home_opened_request
from tests.slackbot import (
    BOT_TOKEN,
    SIGNING_SECRET,
    Reply,
    command_body,
    http,
    signed_headers,
    wait_for,
    write_articles,
)

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,  # no .env there: only the environment counts
        # Default parse cache inside the test's folder, not the user's ~/.cache.
        env={
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _reap(process: subprocess.Popen[str]) -> None:
    """Kill ``process`` if a test left it running, and wait for it."""
    if process.poll() is None:
        process.kill()
        process.communicate()


def test_run_serves_signed_requests_reloads_on_sighup_and_stops_cleanly_on_sigterm(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    articles = tmp_path / "articles"
    write_articles(articles)
    port = free_port()
    process = start(
        tmp_path,
        _environ(tmp_path, fake_slack, port, SLACK_SIGNING_SECRET=SIGNING_SECRET),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        health = wait_for(lambda: _health(base), timeout=20)
        assert health is not None, "the server did not come up"
        assert health["articles"] == 5

        body = command_body(
            "/news", "robotics", user="UMEMBER01", response_url=fake_slack.response_url("run")
        )
        assert http(f"{base}/slack/events", body, signed_headers(body)).status == 200
        assert wait_for(lambda: fake_slack.responses("run"))
        assert http(f"{base}/slack/events", body, signed_headers(body, secret="wrong")).status == 401

        (articles / "article-new.md").write_text(
            (articles / "article-1.md").read_text(encoding="utf-8").replace("/news/1", "/news/new"),
            encoding="utf-8",
        )
        process.send_signal(signal.SIGHUP)
        assert wait_for(lambda: (_health(base) or {}).get("articles") == 6, timeout=10)

        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        _reap(process)
    assert process.returncode == 0, output
    assert "stopped" in output, output
    assert BOT_TOKEN not in output and SIGNING_SECRET not in output
    assert "will be unused" not in output  # Bolt's misleading warning about SLACK_BOT_TOKEN


def test_run_refuses_to_start_naming_each_bad_setting(tmp_path: Path) -> None:
    process = start(tmp_path, {"SLACK_BOT_TOKEN": "nope", "PORT": "http"})
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "PORT"):
        assert name in output


def test_a_port_in_use_stops_start_up_with_a_message_before_anything_is_posted(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    write_articles(tmp_path / "articles", now - timedelta(minutes=5))
    # A digest created yesterday that was due an hour ago: the first tick would catch it up.
    due = now - timedelta(hours=1)
    store = SQLiteStore(tmp_path / "bot.db")
    store.save_digest(
        DigestSpec(name="due", channel="C100", topics=("AI",), time=dt_time(due.hour, due.minute)),
        actor="UADMIN",
        now=now - timedelta(days=1),
    )
    store.close()
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start(
            tmp_path,
            _environ(tmp_path, fake_slack, port, SLACK_SIGNING_SECRET=SIGNING_SECRET),
        )
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 2, output
    assert f"newsbot run: PORT: cannot listen on port {port}" in output
    assert "set PORT to a free port" in output
    assert "Traceback" not in output
    assert fake_slack.calls_to("chat.postMessage") == []


def _health(base: str) -> dict[str, object] | None:
    try:
        reply = http(f"{base}/healthz")
    except OSError:
        time.sleep(0.05)
        return None
    return reply.json() if reply.status == 200 else None


def test_a_revoked_token_pauses_posting_and_shows_on_healthz(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail("auth.test", Fault.error("token_revoked"))
    write_articles(tmp_path / "articles")
    port = free_port()
    settings = Settings.from_env(_environ(tmp_path, fake_slack, port, SLACK_SIGNING_SECRET=SIGNING_SECRET))
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(serve(settings, stop=stop, handle_signals=False)))
    thread.start()
    try:
        reply = wait_for(lambda: _reply(f"http://127.0.0.1:{port}/healthz"), timeout=20)
        assert reply is not None and reply.status == 503
        assert reply.json()["posting"] == "paused: token_revoked"
    finally:
        stop.set()
        thread.join(30)
    assert result == [0]


def _reply(url: str) -> Reply | None:
    try:
        return http(url)
    except OSError:
        time.sleep(0.05)
        return None


APP_TOKEN = "xapp-1-A0NEWSBOT-test-app-token"


def test_socket_mode_connects_with_the_app_token_and_a_refusal_stops_start_up_cleanly(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    # No signing secret: Socket Mode requests are not signed. The stand-in refuses the connection,
    # which shows that SLACK_APP_TOKEN chose Socket Mode and that the connection goes to SLACK_API_URL.
    fake_slack.fail("apps.connections.open", Fault.error("invalid_auth"))
    write_articles(tmp_path / "articles")
    port = free_port()
    settings = Settings.from_env(_environ(tmp_path, fake_slack, port, SLACK_APP_TOKEN=APP_TOKEN))
    assert settings.socket_mode
    before = {t.ident for t in threading.enumerate()}
    with pytest.raises(ConfigError) as caught:
        serve(settings, handle_signals=False)
    message = str(caught.value)
    assert "SLACK_APP_TOKEN" in message and "invalid_auth" in message
    assert APP_TOKEN not in message
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.headers.get("Authorization") == f"Bearer {APP_TOKEN}"
    # Socket Mode serves no HTTP, and nothing keeps running after the failed start.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert wait_for(lambda: not {t.ident for t in threading.enumerate() if t.is_alive()} - before)


def test_importing_the_app_modules_starts_nothing(tmp_path: Path) -> None:
    # A clean interpreter with no Slack settings at all: every bot module imports, and no Bolt App
    # (nor any thread) exists afterwards.
    code = (
        "import gc, importlib, pkgutil, threading, bot\n"
        "from slack_bolt import App\n"
        "for m in pkgutil.walk_packages(bot.__path__, 'bot.'): importlib.import_module(m.name)\n"
        "assert not [o for o in gc.get_objects() if isinstance(o, App)]\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def _environ(tmp_path: Path, fake_slack: FakeSlack, port: int, **extra: str) -> dict[str, str]:
    """The settings every start-up test shares: articles in tmp_path/articles, a DB and a digests folder."""
    (tmp_path / "digests").mkdir(exist_ok=True)
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": fake_slack.url,
        "PORT": str(port),
        "NEWSBOT_ARTICLES": str(tmp_path / "articles"),
        "NEWSBOT_DB": str(tmp_path / "bot.db"),
        "NEWSBOT_DIGESTS": str(tmp_path / "digests"),
        **extra,
    }


def test_sigkill_right_after_slack_accepted_a_post_then_a_restart_posts_it_once(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    """`newsbot run` dies (SIGKILL) after Slack stored the digest but before its answer arrived, so
    the store still shows a claim; 250 messages arrive. The restart takes the dead process's claim
    over at once, pages the channel's history back to the occurrence, finds the message by its post
    key and records it: one digest, posted once."""
    now = datetime.now(UTC)
    write_articles(tmp_path / "articles", now)
    occurrence = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    store = SQLiteStore(tmp_path / "bot.db")
    at = dt_time(occurrence.hour, occurrence.minute)
    spec = DigestSpec(name="ai", channel="C100", time=at, source="slack", created_by="UADMIN")
    store.save_digest(spec, actor="UADMIN", now=occurrence - timedelta(days=1))
    store.close()
    fake_slack.fail("chat.postMessage", Fault.slow(60))  # stored at once; the answer never comes in time
    environ = _environ(tmp_path, fake_slack, free_port(), SLACK_SIGNING_SECRET=SIGNING_SECRET)
    first = start(tmp_path, environ)
    try:
        sent = wait_for(lambda: fake_slack.messages("C100"), timeout=30)
        first.send_signal(signal.SIGKILL)
        early, _ = first.communicate(timeout=30)
        assert sent, early
        fake_slack.add_messages("C100", 250)  # a busy channel: the digest is now past the newest 200
    finally:
        _reap(first)

    second = start(tmp_path, {**environ, "PORT": str(free_port())})
    try:
        check = SQLiteStore(tmp_path / "bot.db")
        try:
            posted = wait_for(
                lambda: (
                    (r := check.get_post(TEAM_ID, "ai", occurrence)) is not None
                    and r.status == "posted"
                    and r
                ),
                timeout=30,
            )
        finally:
            check.close()
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=30)
    finally:
        _reap(second)
    assert posted, output
    [message] = [m for m in fake_slack.messages("C100") if m.get("metadata")]
    assert posted.ts == message["ts"] and posted.attempts == 2
    assert len(fake_slack.calls_to("conversations.history")) >= 2  # paged back past 200 messages
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert "found from an earlier attempt" in output


def _posted(store: SQLiteStore, occurrence: datetime) -> PostRecord | None:
    record = store.get_post(TEAM_ID, "ai", occurrence)
    return record if record is not None and record.status == "posted" else None


def test_a_manual_post_deferred_when_newsbot_was_killed_is_posted_after_the_restart_and_the_admin_told(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    now = datetime.now(UTC)
    write_articles(tmp_path / "articles", now)
    store = SQLiteStore(tmp_path / "bot.db")
    later = (now + timedelta(hours=12)).time().replace(second=0, microsecond=0)  # nothing scheduled soon
    spec = DigestSpec(name="newsroom", channel="CNEWS0001", time=later, source="slack", created_by="UADMIN")
    store.save_digest(spec, actor="UADMIN", now=now - timedelta(minutes=1))
    store.close()
    fake_slack.add_user("UADMIN", is_admin=True)
    fake_slack.add_channel("CNEWS0001", "newsroom")
    fake_slack.fail("chat.postMessage", Fault.rate_limited(retry_after=3))
    port = free_port()
    environ = _environ(
        tmp_path, fake_slack, port, SLACK_SIGNING_SECRET=SIGNING_SECRET, NEWSBOT_ADMINS="UADMIN"
    )
    first = start(tmp_path, environ)
    try:
        assert wait_for(lambda: _health(f"http://127.0.0.1:{port}"), timeout=20)
        body = command_body(
            "/news-admin", "post", user="UADMIN", response_url=fake_slack.response_url("post")
        )
        assert http(f"http://127.0.0.1:{port}/slack/events", body, signed_headers(body)).status == 200
        [answer] = wait_for(lambda: fake_slack.responses("post"), timeout=10)
        assert "retrying" in answer["text"]
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    finally:
        _reap(first)

    second = start(tmp_path, {**environ, "PORT": str(free_port())})
    try:
        told = wait_for(lambda: fake_slack.dm_messages("UADMIN"), timeout=30)
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=30)
    finally:
        _reap(second)
    assert told, output
    assert "Posted *newsroom*" in told[0]["text"] and "after Slack asked me to wait" in told[0]["text"]
    digests = [m for m in fake_slack.messages("CNEWS0001") if m.get("metadata")]
    assert len(digests) == 1
    assert "resuming the manual post of 'newsroom'" in output


def test_run_publishes_the_home_tab_admin_and_member_views_differ(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    write_articles(tmp_path / "articles")
    fake_slack.add_user("UADMIN001", is_admin=True)
    fake_slack.add_user("UMEMBER01")
    port = free_port()
    process = start(tmp_path, _environ(tmp_path, fake_slack, port, SLACK_SIGNING_SECRET=SIGNING_SECRET))
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: _health(base), timeout=20), "the server did not come up"
        for user in ("UADMIN001", "UMEMBER01"):
            assert http(f"{base}/slack/events", *home_opened_request(user)).status == 200
        admin = wait_for(lambda: fake_slack.home("UADMIN001"))
        member = wait_for(lambda: fake_slack.home("UMEMBER01"))
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        _reap(process)
    assert admin and member  # both passed check_view in the stand-in
    assert "New channel digest" in json.dumps(admin)
    assert "New channel digest" not in json.dumps(member) and "Your digest" in json.dumps(member)
