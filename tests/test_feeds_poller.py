"""FeedPoller with an injected clock: each feed on its own interval, backoff after failures, health,
and `newsbot run` polling NEWSBOT_FEEDS by itself (its /healthz lists each feed)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.commands.run import serve
from bot.errors import ConfigError
from bot.feeds.config import FeedSource
from bot.feeds.poller import MAX_BACKOFF, FeedPoller
from bot.feeds.reader import FeedReader
from bot.settings import Settings
from tests.fakeslack import FakeSlack
from tests.feedserver import FeedServer, Route, fixture, serving
from tests.slackbot import BOT_TOKEN, SIGNING_SECRET, http, wait_for

T0 = datetime(2020, 4, 24, 12, 0, tzinfo=UTC)
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    yield from serving()


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_each_feed_is_read_on_its_own_interval(server: FeedServer, tmp_path: Path) -> None:
    fast = server.add("/fast.xml", Route(fixture("rss2.xml"), RSS, etag='"r"'))
    slow = server.add("/slow.xml", Route(fixture("atom.xml"), ATOM, etag='"a"'))
    clock = Clock(T0)
    poller = FeedPoller(
        [FeedSource(fast, every_minutes=10), FeedSource(slow, every_minutes=30)],
        FeedReader(tmp_path / "feeds"),
        clock,
    )

    def read(at: datetime) -> list[str]:
        return [r.feed.url for r in poller.poll_due(at)]

    assert read(T0) == [fast, slow]
    assert len(list((tmp_path / "feeds").glob("*.md"))) == 5
    assert read(T0 + minutes(9)) == []
    assert read(T0 + minutes(10)) == [fast]
    assert read(T0 + minutes(20)) == [fast]
    assert read(T0 + minutes(30)) == [fast, slow]
    assert len(server.hits("/fast.xml")) == 4 and len(server.hits("/slow.xml")) == 2
    assert poller.next_due() == T0 + minutes(40)
    assert [r.outcome for r in poller.poll_due(T0 + minutes(60))] == ["not-modified", "not-modified"]


def test_a_failing_feed_backs_off_keeps_its_files_and_recovers(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/feed.xml", Route(fixture("rss2.xml"), RSS))
    poller = FeedPoller([FeedSource(url, every_minutes=10)], FeedReader(tmp_path / "feeds"), Clock(T0))
    poller.poll_due(T0)
    files = sorted(p.name for p in (tmp_path / "feeds").glob("*.md"))
    server.add("/feed.xml", Route(b"", status=500))

    at = T0 + minutes(10)
    # 1st failure: 2 × 10 min to the next try; 2nd: 4 × 10; 3rd: 8 × 10.
    for failures, delay in ((1, 20), (2, 40), (3, 80)):
        [report] = poller.poll_due(at)
        assert report.outcome == "failed" and report.error == "HTTP 500 Internal Server Error"
        [status] = poller.health()
        assert status.failures == failures and status.next_due == at + minutes(delay)
        assert status.last_error == report.error and status.last_error_at == at and status.last_success == T0
        assert poller.poll_due(at + minutes(delay - 1)) == []
        at += minutes(delay)
    assert len(server.hits("/feed.xml")) == 4
    assert sorted(p.name for p in (tmp_path / "feeds").glob("*.md")) == files  # nothing deleted

    server.add("/feed.xml", Route(fixture("rss2.xml"), RSS))
    [report] = poller.poll_due(at)
    assert report.outcome == "ok"
    [status] = poller.health()
    assert status.failures == 0 and status.last_success == at and status.entries == 3
    assert status.next_due == at + minutes(10)


def test_backoff_is_capped_and_retry_after_is_honoured(server: FeedServer, tmp_path: Path) -> None:
    busy = server.add("/busy.xml", Route(b"", status=503, headers={"Retry-After": "7200"}))
    poller = FeedPoller([FeedSource(busy, every_minutes=5)], FeedReader(tmp_path / "feeds"), Clock(T0))
    poller.poll_due(T0)
    assert poller.next_due() == T0 + timedelta(hours=2)  # not the 10 minutes of plain backoff
    at = T0
    for _ in range(8):
        at = poller.next_due() or at
        poller.poll_due(at)
    assert poller.next_due() == at + MAX_BACKOFF


def test_a_restarted_poller_keeps_each_feeds_plan(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/feed.xml", Route(fixture("rss2.xml"), RSS))
    FeedPoller([FeedSource(url, every_minutes=30)], FeedReader(tmp_path / "feeds"), Clock(T0)).poll_due(T0)
    again = FeedPoller([FeedSource(url, every_minutes=30)], FeedReader(tmp_path / "feeds"), Clock(T0))
    assert again.poll_due(T0 + minutes(5)) == []
    assert len(again.poll_due(T0 + minutes(30))) == 1


def test_run_polls_until_stopped(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/feed.xml", Route(fixture("rss2.xml"), RSS))
    poller = FeedPoller([FeedSource(url)], FeedReader(tmp_path / "feeds"), Clock(T0))
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,))
    thread.start()
    try:
        assert wait_for(lambda: len(list((tmp_path / "feeds").glob("*.md"))) == 3, timeout=20)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert poller.health()[0].last_success == T0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_environ(tmp_path: Path, fake_slack: FakeSlack, port: int, feeds_file: Path) -> dict[str, str]:
    """`newsbot run`'s settings: HTTP on ``port``, articles in tmp_path/articles, NEWSBOT_FEEDS."""
    (tmp_path / "digests").mkdir(exist_ok=True)
    return {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake_slack.url,
        "PORT": str(port),
        "NEWSBOT_ARTICLES": str(tmp_path / "articles"),
        "NEWSBOT_DB": str(tmp_path / "bot.db"),
        "NEWSBOT_DIGESTS": str(tmp_path / "digests"),
        "NEWSBOT_CACHE": str(tmp_path / "cache"),
        "NEWSBOT_FEEDS": str(feeds_file),
    }


def test_newsbot_run_polls_newsbot_feeds_and_healthz_lists_each_feed(
    server: FeedServer, tmp_path: Path, fake_slack: FakeSlack
) -> None:
    good = server.add("/feed.xml", Route(fixture("rss2.xml"), RSS))
    bad = server.add("/page", Route(b"<html><body>hi</body></html>", "text/html"))
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(f"- url: {good}\n  name: Forbes\n- {bad}\n", encoding="utf-8")
    (tmp_path / "articles").mkdir()
    port = free_port()
    settings = Settings.from_env(run_environ(tmp_path, fake_slack, port, feeds_file))
    assert settings.feeds_path == feeds_file
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(serve(settings, stop=stop, handle_signals=False)))
    thread.start()

    def feeds_health() -> list[dict[str, object]] | None:
        try:
            body = http(f"http://127.0.0.1:{port}/healthz").json()
        except OSError:
            return None
        listed = body.get("feeds") or []
        return listed if all(f["last_success"] or f["last_error"] for f in listed) else None

    try:
        listed = wait_for(feeds_health, timeout=30)
        assert listed is not None
        by_url = {f["url"]: f for f in listed}
        assert by_url[good]["name"] == "Forbes" and by_url[good]["entries"] == 3
        assert by_url[bad]["entries"] == 0 and "HTML page" in str(by_url[bad]["last_error"])
        assert len(list((tmp_path / "articles" / "feeds").glob("*.md"))) == 3
    finally:
        stop.set()
        thread.join(60)
    assert result == [0]


@pytest.mark.parametrize(
    ("feeds_text", "articles", "message"),
    [
        ("- url: https://example.com/feed.xml\n  evry: 5\n", True, "evry: unknown key (did you mean every?)"),
        ("- https://example.com/feed.xml\n", False, "NEWSBOT_FEEDS: needs NEWSBOT_ARTICLES"),
    ],
)
def test_newsbot_run_refuses_to_start_with_a_bad_feeds_setup(
    tmp_path: Path, fake_slack: FakeSlack, feeds_text: str, articles: bool, message: str
) -> None:
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(feeds_text, encoding="utf-8")
    (tmp_path / "articles").mkdir()
    environ = run_environ(tmp_path, fake_slack, free_port(), feeds_file)
    if not articles:
        del environ["NEWSBOT_ARTICLES"]
    with pytest.raises(ConfigError) as caught:
        serve(Settings.from_env(environ), handle_signals=False)
    assert message in str(caught.value)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_newsbot_feeds_must_name_a_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_FEEDS: not a file"):
        Settings.from_env(
            {
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "NEWSBOT_FEEDS": str(tmp_path),
            }
        )
