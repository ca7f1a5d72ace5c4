"""ManualPosts (what `/news-admin post` and `newsbot post` call) with the real SQLite store,
PostingService and SlackPoster against the Slack stand-in; waits are injected, so nothing sleeps."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.digests.spec import DigestSpec
from bot.services.manual import ManualPosts
from bot.services.posting import PostingService, PostOutcome, PostStatus
from bot.slack.client import make_client, make_read_client
from bot.slack.health import PostingHealth
from bot.slack.poster import SlackPoster
from bot.store.sqlite import SQLiteStore
from tests.fakeslack import FakeSlack, Fault
from tests.test_posting_service import NOW, FixedArticles, article

SPEC = DigestSpec(name="ai", channel="C100")


class Waits:
    """An injected wait: records the seconds asked for and returns at once (True: stopping)."""

    def __init__(self, stopping: bool = False) -> None:
        self.asked: list[float] = []
        self.stopping = stopping

    def __call__(self, seconds: float) -> bool:
        self.asked.append(seconds)
        return self.stopping


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "newsbot.db")
    s.save_digest(SPEC, actor="U1", now=NOW - timedelta(days=1))
    yield s
    s.close()


def manual(
    fake: FakeSlack,
    store: SQLiteStore,
    waits: Waits,
    *,
    timeout: int = 5,
    owner: str = "p1",
    max_wait: timedelta = timedelta(minutes=10),
) -> ManualPosts:
    poster = SlackPoster(
        make_client("xoxb-test", fake.url, timeout=timeout),
        PostingHealth(),
        reader=make_read_client("xoxb-test", fake.url, timeout=timeout),
        sleep=lambda _: None,
    )
    posting = PostingService(store, poster, FixedArticles(article(1), article(2)), owner=owner)
    return ManualPosts(posting, store, clock=lambda: NOW, wait=waits, max_wait=max_wait)


def test_post_and_wait_waits_out_each_retry_after_and_posts_once(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    fake_slack.fail("chat.postMessage", Fault.rate_limited(2), Fault.rate_limited(3), Fault.server_error())
    waits = Waits()
    heard: list[PostOutcome] = []

    outcome = manual(fake_slack, store, waits).post_and_wait(SPEC, NOW, progress=heard.append)

    [message] = fake_slack.messages("C100")
    assert outcome.status is PostStatus.POSTED and outcome.ts == message["ts"]
    assert waits.asked == [2.0, 3.0]
    assert [o.status for o in heard] == [PostStatus.DEFERRED, PostStatus.DEFERRED]


def test_a_timeout_longer_than_the_clients_posts_once(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    fake_slack.fail("chat.postMessage", Fault.slow(1.6))

    outcome = manual(fake_slack, store, Waits(), timeout=1).post_and_wait(SPEC, NOW)

    assert outcome.status is PostStatus.POSTED and len(fake_slack.messages("C100")) == 1


def test_backoff_beyond_the_bound_is_given_up_closed_and_said_uncertain(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    """A 500 after Slack stored the message, four times over: the poster's retries are spent and
    the next backoff would pass the bound; the message may be there, and the outcome says so."""
    fake_slack.fail("chat.postMessage", *[Fault.server_error()] * 3, Fault.server_error_after())
    waits = Waits()
    posts = manual(fake_slack, store, waits, max_wait=timedelta(seconds=30))  # < the first backoff

    outcome = posts.post_and_wait(SPEC, NOW)

    assert outcome.status is PostStatus.FAILED and outcome.uncertain and "http_500" in outcome.detail
    record = store.get_post("", "ai", NOW)
    assert record is not None and record.status == "skipped"
    assert waits.asked == []


def test_stopping_while_waiting_gives_up_and_reports(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    fake_slack.fail("chat.postMessage", Fault.rate_limited(5))
    heard: list[PostOutcome] = []
    done = threading.Event()

    def report(outcome: PostOutcome) -> None:
        heard.append(outcome)
        done.set()

    posts = manual(fake_slack, store, Waits(stopping=True))
    first = posts.post(SPEC, NOW, report=report)
    assert done.wait(10)
    posts.stop()

    assert first.status is PostStatus.DEFERRED
    [final] = heard
    assert final.status is PostStatus.FAILED and "stopping" in final.detail and not final.uncertain
    assert fake_slack.messages("C100") == []


def test_two_processes_asking_for_the_same_moment_post_it_once(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    one = manual(fake_slack, store, Waits(), owner="p1")
    two = manual(fake_slack, store, Waits(), owner="p2")
    outcomes: list[PostOutcome] = []
    barrier = threading.Barrier(2)

    def ask(posts: ManualPosts) -> None:
        barrier.wait()
        outcomes.append(posts.post_and_wait(SPEC, NOW))

    threads = [threading.Thread(target=ask, args=(p,)) for p in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The loser waits for the winner's claim (busy), then finds the occurrence posted; with waits
    # that return at once its time line may even pass the winner's lease and find the message by
    # its post key. Either way: one message, and both callers hear it is there.
    [message] = fake_slack.messages("C100")
    assert {o.status for o in outcomes} <= {PostStatus.POSTED, PostStatus.ALREADY}
    assert [o.ts for o in outcomes] == [message["ts"]] * 2
