"""The scheduler with an injected clock, the real SQLite store, PostingService and SlackPoster, against
the Slack stand-in over HTTP. Nothing sleeps: each test calls ``tick(now)`` with the times it needs.

The composer is a stand-in for the article library that always has one new story per call, so every
occurrence that reaches Slack is a message we can count.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time as time_module
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digests.spec import DigestSpec
from bot.schedule.runner import MISSED_REASON, SUPERSEDED_REASON, Scheduler
from bot.services.posting import PostingService
from bot.slack.client import make_client
from bot.slack.health import PostingHealth
from bot.slack.poster import SlackPoster
from bot.store.sqlite import SQLiteStore
from tests.fakeslack import FakeSlack, Fault

GRACE = timedelta(hours=3)
CREATED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def utc(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


class FreshStories:
    """One new story per call; records the ``since`` each digest was composed with."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.since: list[tuple[str, datetime | None]] = []

    def __call__(
        self, spec: DigestSpec, now: datetime, since: datetime | None, exclude: frozenset[str]
    ) -> tuple[Mapping[str, Any], Sequence[str]]:
        with self.lock:
            self.count += 1
            url = f"https://news.test/{spec.name}/{self.count}"
            self.since.append((spec.name, since))
        return {"text": f"{spec.name}: <{url}|story>"}, [url]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "newsbot.db"


@pytest.fixture
def store(db: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(db)
    yield s
    s.close()


def make_scheduler(
    fake: FakeSlack,
    store: SQLiteStore,
    *,
    owner: str = "proc-1",
    composer: FreshStories | None = None,
    retries: int = 0,
) -> Scheduler:
    client = make_client("xoxb-test", fake.url, timeout=5)
    poster = SlackPoster(client, PostingHealth(), retries=retries, sleep=lambda _: None)
    posting = PostingService(store, poster, composer or FreshStories(), owner=owner)
    return Scheduler(store, posting, owner=owner, grace=GRACE)


def add_digest(
    store: SQLiteStore,
    name: str = "ai",
    channel: str = "C100",
    *,
    at: time = time(8, 0),
    zone: str = "UTC",
    created: datetime = CREATED,
) -> DigestSpec:
    spec = DigestSpec(name=name, channel=channel, time=at, timezone=zone)
    store.save_digest(spec, actor="U_ADMIN", now=created)
    return spec


def post_keys(fake: FakeSlack) -> Counter[str]:
    """Messages in the stand-in per post_key (the identity each post carries in its metadata)."""
    keys: Counter[str] = Counter()
    for messages in fake.all_messages().values():
        for message in messages:
            keys[message["metadata"]["event_payload"]["post_key"]] += 1
    return keys


def statuses(outcomes: Sequence[Any]) -> list[str]:
    return sorted(o.status for o in outcomes)


def test_posts_at_the_local_time_once(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    add_digest(store, zone="Europe/Berlin")  # 08:00 CET = 07:00 UTC
    scheduler = make_scheduler(fake_slack, store)
    assert scheduler.tick(utc(11, 27, 6, 59, 45)) == []
    assert statuses(scheduler.tick(utc(11, 27, 7, 0, 0))) == ["posted"]
    assert scheduler.tick(utc(11, 27, 7, 0, 15)) == []
    assert scheduler.tick(utc(11, 27, 9, 0)) == []
    record = store.get_post("", "ai", utc(11, 27, 7))
    assert record is not None and record.status == "posted"
    assert post_keys(fake_slack) == Counter({record.post_key: 1})


def test_restart_mid_period_posts_nothing_twice(fake_slack: FakeSlack, db: Path) -> None:
    first = SQLiteStore(db)
    add_digest(first)
    assert statuses(make_scheduler(fake_slack, first, owner="run-1").tick(utc(11, 27, 8, 0, 5))) == ["posted"]
    first.close()

    second = SQLiteStore(db)  # a new process: no memory of the first run
    restarted = make_scheduler(fake_slack, second, owner="run-2")
    assert restarted.tick(utc(11, 27, 8, 30)) == []
    assert restarted.tick(utc(11, 27, 10, 59)) == []
    assert statuses(restarted.tick(utc(11, 28, 8, 0, 5))) == ["posted"]
    second.close()
    assert sorted(post_keys(fake_slack).values()) == [1, 1]


def test_claim_of_a_dead_process_expires_and_is_posted_once(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    add_digest(store)
    occurrence = utc(11, 27, 8)
    # A process claimed the occurrence and died before posting.
    store.claim(
        "", "ai", occurrence, channel="C100", owner="dead", now=occurrence, lease=timedelta(minutes=5)
    )
    scheduler = make_scheduler(fake_slack, store, owner="alive")
    assert statuses(scheduler.tick(utc(11, 27, 8, 1))) == ["busy"]
    assert fake_slack.calls_to("chat.postMessage") == []
    assert statuses(scheduler.tick(utc(11, 27, 8, 6))) == ["posted"]
    assert scheduler.tick(utc(11, 27, 8, 7)) == []
    assert list(post_keys(fake_slack).values()) == [1]


def test_500_after_slack_posted_is_not_posted_again(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    add_digest(store)
    fake_slack.fail("chat.postMessage", Fault.server_error_after())
    scheduler = make_scheduler(fake_slack, store)
    assert statuses(scheduler.tick(utc(11, 27, 8))) == ["deferred"]
    # Restart in between: the retry is decided from the store alone.
    again = make_scheduler(fake_slack, store, owner="proc-2")
    assert again.tick(utc(11, 27, 8, 0, 30)) == []  # before retry_at
    outcomes = again.tick(utc(11, 27, 8, 5))
    assert statuses(outcomes) == ["posted"]
    assert "earlier attempt" in outcomes[0].detail
    assert list(post_keys(fake_slack).values()) == [1]


def test_missed_inside_grace_is_posted_once(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    add_digest(store)
    scheduler = make_scheduler(fake_slack, store)  # the bot was down 07:00-10:59
    outcomes = scheduler.tick(utc(11, 27, 10, 59))
    assert statuses(outcomes) == ["posted"]
    assert outcomes[0].occurrence == utc(11, 27, 8)
    assert scheduler.tick(utc(11, 27, 11, 30)) == []
    assert len(post_keys(fake_slack)) == 1


def test_missed_outside_grace_is_skipped_logged_and_rolls_into_the_next(
    fake_slack: FakeSlack, store: SQLiteStore, caplog: pytest.LogCaptureFixture
) -> None:
    add_digest(store)
    stories = FreshStories()
    scheduler = make_scheduler(fake_slack, store, composer=stories)
    assert statuses(scheduler.tick(utc(11, 26, 8, 0, 5))) == ["posted"]
    # Down from the 26th until 11:01 on the 27th: the 27th's 08:00 is beyond the 3 h grace.
    with caplog.at_level(logging.WARNING, logger="bot.schedule.runner"):
        assert scheduler.tick(utc(11, 27, 11, 1)) == []
    record = store.get_post("", "ai", utc(11, 27, 8))
    assert record is not None and record.status == "skipped" and record.detail == MISSED_REASON
    assert any(
        "2026-11-27T08:00:00+00:00" in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records
    )
    assert len(post_keys(fake_slack)) == 1

    assert statuses(scheduler.tick(utc(11, 28, 8, 0, 5))) == ["posted"]
    first_posted = store.get_post("", "ai", utc(11, 26, 8))
    assert first_posted is not None
    # The 28th's digest carries everything since the last *posted* one (the 26th).
    assert stories.since[-1] == ("ai", first_posted.posted_at)


def test_skip_survives_a_restart(fake_slack: FakeSlack, db: Path) -> None:
    store = SQLiteStore(db)
    add_digest(store)
    make_scheduler(fake_slack, store).tick(utc(11, 27, 12))
    store.close()
    store = SQLiteStore(db)
    assert make_scheduler(fake_slack, store, owner="p2").tick(utc(11, 27, 12, 1)) == []
    store.close()
    assert fake_slack.calls_to("chat.postMessage") == []


def test_digest_created_mid_day_does_not_post_the_morning_occurrence(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    add_digest(store, created=utc(11, 27, 10))
    scheduler = make_scheduler(fake_slack, store)
    assert scheduler.tick(utc(11, 27, 10, 0, 15)) == []
    assert store.get_post("", "ai", utc(11, 27, 8)) is None  # not owed, so not even skipped
    assert statuses(scheduler.tick(utc(11, 28, 8))) == ["posted"]


def test_schedule_change_restarts_the_window(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    spec = add_digest(store)
    scheduler = make_scheduler(fake_slack, store)
    assert statuses(scheduler.tick(utc(11, 27, 8))) == ["posted"]
    # At 10:00 an admin moves the digest to 09:00: today's 09:00 is before the change, not owed.
    changed = DigestSpec(name=spec.name, channel=spec.channel, time=time(9, 0))
    store.save_digest(changed, actor="U_ADMIN", now=utc(11, 27, 10))
    assert scheduler.tick(utc(11, 27, 10, 0, 15)) == []
    assert statuses(scheduler.tick(utc(11, 28, 9))) == ["posted"]


def test_failed_attempt_is_retried_past_grace_until_superseded(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    add_digest(store)
    scheduler = make_scheduler(fake_slack, store)
    fake_slack.fail("chat.postMessage", Fault.server_error())
    assert statuses(scheduler.tick(utc(11, 26, 8))) == ["deferred"]
    # Slack was down for hours; the attempted digest is still posted late, once.
    assert statuses(scheduler.tick(utc(11, 26, 12))) == ["posted"]

    fake_slack.fail("chat.postMessage", Fault.server_error())
    assert statuses(scheduler.tick(utc(11, 27, 8))) == ["deferred"]
    # Still failing when the next occurrence is due: the old one is skipped, the new one posts.
    assert statuses(scheduler.tick(utc(11, 28, 8))) == ["posted"]
    record = store.get_post("", "ai", utc(11, 27, 8))
    assert record is not None and record.status == "skipped" and record.detail == SUPERSEDED_REASON
    assert len(post_keys(fake_slack)) == 2


def test_one_channels_retry_after_does_not_hold_up_another(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    add_digest(store, "a", "CA00")
    add_digest(store, "b", "CB00")
    fake_slack.fail("chat.postMessage", Fault.rate_limited(30))  # whichever channel posts first
    scheduler = make_scheduler(fake_slack, store)
    outcomes = scheduler.tick(utc(11, 27, 8))
    assert statuses(outcomes) == ["deferred", "posted"]
    deferred = next(o for o in outcomes if o.status == "deferred")
    assert deferred.retry_at == utc(11, 27, 8, 0, 30)
    assert scheduler.tick(utc(11, 27, 8, 0, 15)) == []
    assert statuses(scheduler.tick(utc(11, 27, 8, 0, 30))) == ["posted"]
    assert sorted(post_keys(fake_slack).values()) == [1, 1]


def test_same_channel_waits_after_a_429(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    add_digest(store, "a", "CSAME")
    add_digest(store, "b", "CSAME")
    fake_slack.fail("chat.postMessage", Fault.rate_limited(20))
    scheduler = make_scheduler(fake_slack, store)
    assert statuses(scheduler.tick(utc(11, 27, 8))) == ["deferred"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # "b" was not tried into the 429
    assert statuses(scheduler.tick(utc(11, 27, 8, 0, 15))) == ["posted"]  # "b"; "a" waits for retry_at
    assert statuses(scheduler.tick(utc(11, 27, 8, 0, 30))) == ["posted"]
    messages = fake_slack.messages("CSAME")
    assert [m["text"].split(":")[0] for m in messages] == ["b", "a"]


def test_two_processes_racing_on_one_database_post_each_occurrence_once(
    fake_slack: FakeSlack, db: Path
) -> None:
    setup = SQLiteStore(db)
    specs = [add_digest(setup, f"d{i}", f"C{i % 8:03d}") for i in range(24)]
    setup.close()
    stores = [SQLiteStore(db), SQLiteStore(db)]
    schedulers = [make_scheduler(fake_slack, s, owner=f"proc-{n}") for n, s in enumerate(stores)]
    barrier = threading.Barrier(2)
    outcomes: list[list[Any]] = [[], []]

    def run(n: int) -> None:
        for second in (0, 0, 15, 30):
            barrier.wait()
            outcomes[n].extend(schedulers[n].tick(utc(11, 27, 8, 0, second)))

    threads = [threading.Thread(target=run, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for s in stores:
        s.close()
    keys = post_keys(fake_slack)
    assert len(keys) == len(specs) and set(keys.values()) == {1}
    posted = [o for o in outcomes[0] + outcomes[1] if o.status == "posted"]
    assert len(posted) == len(specs)


def _race_in_process(db: str, api_url: str, owner: str, start: Any) -> int:
    """One bot process: its own store connection and scheduler, ticking the same minute as the other."""
    store = SQLiteStore(db)
    client = make_client("xoxb-test", api_url, timeout=5)
    poster = SlackPoster(client, PostingHealth(), retries=0, sleep=lambda _: None)
    scheduler = Scheduler(store, PostingService(store, poster, FreshStories(), owner=owner), owner=owner)
    start.wait(30)
    posted = 0
    for second in (0, 0, 15, 30):
        posted += sum(o.status == "posted" for o in scheduler.tick(utc(11, 27, 8, 0, second)))
    store.close()
    return posted


def test_two_os_processes_on_one_database_file(fake_slack: FakeSlack, db: Path) -> None:
    setup = SQLiteStore(db)
    for i in range(16):
        add_digest(setup, f"d{i}", f"C{i % 4:03d}")
    setup.close()
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(2) as pool:
        start = manager.Barrier(2)
        results = [
            pool.apply_async(_race_in_process, (str(db), fake_slack.url, f"proc-{n}", start)) for n in (0, 1)
        ]
        posted = [r.get(timeout=60) for r in results]
    keys = post_keys(fake_slack)
    assert len(keys) == 16 and set(keys.values()) == {1}
    assert sum(posted) == 16


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        ("Europe/Berlin", utc(3, 29), time(2, 30), utc(3, 29, 1, 0)),  # gap: 03:00 CEST
        ("Europe/Berlin", utc(10, 25), time(2, 30), utc(10, 25, 0, 30)),  # repeat: the first 02:30
        ("America/New_York", utc(3, 8), time(2, 30), utc(3, 8, 7, 0)),  # gap: 03:00 EDT
        ("America/New_York", utc(11, 1), time(1, 30), utc(11, 1, 5, 30)),  # repeat: 01:30 EDT
    ],
)
def test_dst_change_days_post_once(
    fake_slack: FakeSlack, store: SQLiteStore, zone: str, day: datetime, at: time, expected: datetime
) -> None:
    add_digest(store, at=at, zone=zone, created=day - timedelta(days=2))
    scheduler = make_scheduler(fake_slack, store)
    posted_at: list[datetime] = []
    now = day - timedelta(hours=12)
    while now <= day + timedelta(hours=24):  # a tick every 5 minutes across the change
        if any(o.status == "posted" for o in scheduler.tick(now)):
            posted_at.append(now)
        now += timedelta(minutes=5)
    record = store.get_post("", "ai", expected)
    assert record is not None and record.status == "posted"
    assert expected in posted_at
    on_change_day = [p for p in posted_at if day - timedelta(hours=6) <= p <= day + timedelta(hours=12)]
    assert on_change_day == [expected]


def test_stop_takes_no_new_posts(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    add_digest(store)
    scheduler = make_scheduler(fake_slack, store)
    scheduler.stop()
    assert scheduler.tick(utc(11, 27, 8)) == []
    assert fake_slack.calls == []


def test_stop_mid_tick_finishes_the_post_in_flight_and_takes_no_new_one(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    add_digest(store, "a", "CSAME")
    add_digest(store, "b", "CSAME")
    holder: list[Scheduler] = []

    class StopWhileComposing(FreshStories):
        def __call__(
            self, spec: DigestSpec, now: datetime, since: datetime | None, exclude: frozenset[str]
        ) -> tuple[Mapping[str, Any], Sequence[str]]:
            holder[0].stop()  # SIGTERM arrives while "a" is being posted
            return super().__call__(spec, now, since, exclude)

    scheduler = make_scheduler(fake_slack, store, composer=StopWhileComposing())
    holder.append(scheduler)
    assert statuses(scheduler.tick(utc(11, 27, 8))) == ["posted"]
    record = store.get_post("", "a", utc(11, 27, 8))
    assert record is not None and record.status == "posted"
    assert store.get_post("", "b", utc(11, 27, 8)) is None  # not started, so nothing to lose
    assert len(fake_slack.messages("CSAME")) == 1


def test_disabled_digest_owes_nothing_for_the_time_it_was_off(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    add_digest(store)
    store.set_enabled("", "ai", False, actor="U_ADMIN", reason="holiday", now=utc(11, 26, 12))
    scheduler = make_scheduler(fake_slack, store)
    assert scheduler.tick(utc(11, 27, 8)) == []
    store.set_enabled("", "ai", True, actor="U_ADMIN", reason="back", now=utc(11, 27, 9))
    assert scheduler.tick(utc(11, 27, 9, 0, 15)) == []  # 08:00 passed while it was off
    assert store.get_post("", "ai", utc(11, 27, 8)) is None
    assert statuses(scheduler.tick(utc(11, 28, 8))) == ["posted"]


def test_run_forever_ticks_with_the_injected_clock_and_stops(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    add_digest(store)
    scheduler = make_scheduler(fake_slack, store)
    stop = threading.Event()
    reloads = threading.Event()
    thread = threading.Thread(
        target=scheduler.run_forever,
        args=(stop,),
        kwargs={
            "clock": lambda: utc(11, 27, 8, 1),
            "reload": reloads.set,
            "tick_seconds": 1,
            "reload_seconds": 1,
        },
    )
    thread.start()
    try:
        assert reloads.wait(timeout=5)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert list(post_keys(fake_slack).values()) == [1]  # ticked more than once, posted once
    assert scheduler.tick(utc(11, 28, 8)) == []  # stopped for good


def test_run_forever_retries_a_deferred_post_before_the_next_tick(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    add_digest(store)
    fake_slack.fail("chat.postMessage", Fault.rate_limited(1))
    scheduler = make_scheduler(fake_slack, store)
    clock = [utc(11, 27, 8)]
    stop = threading.Event()
    thread = threading.Thread(
        target=scheduler.run_forever, args=(stop,), kwargs={"clock": lambda: clock[0], "tick_seconds": 3600}
    )
    thread.start()
    try:
        deadline = time_module.monotonic() + 5
        while len(fake_slack.calls_to("chat.postMessage")) < 1 and time_module.monotonic() < deadline:
            stop.wait(0.02)
        assert fake_slack.messages("C100") == []  # the first attempt was rate limited
        clock[0] = utc(11, 27, 8, 0, 1)  # Retry-After has passed; the hourly tick is far away
        while not fake_slack.messages("C100") and time_module.monotonic() < deadline:
            stop.wait(0.02)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert len(fake_slack.messages("C100")) == 1


@pytest.mark.parametrize("after", [False, True], ids=["reset-before", "reset-after-posting"])
def test_a_connection_reset_posts_the_digest_once(
    fake_slack: FakeSlack, store: SQLiteStore, after: bool
) -> None:
    add_digest(store)
    fake_slack.fail("chat.postMessage", Fault.reset(after=after))
    scheduler = make_scheduler(fake_slack, store, retries=1)

    assert statuses(scheduler.tick(utc(11, 27, 8))) == ["posted"]

    assert list(post_keys(fake_slack).values()) == [1]
    assert len(fake_slack.calls_to("chat.postMessage")) == (1 if after else 2)


def test_a_revoked_token_holds_the_digest_until_it_works_then_posts_once(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    add_digest(store)
    fake_slack.fail("chat.postMessage", Fault.error("token_revoked"))
    fake_slack.fail("auth.test", Fault.error("token_revoked"))
    scheduler = make_scheduler(fake_slack, store)

    assert statuses(scheduler.tick(utc(11, 27, 8))) == ["paused"]
    assert statuses(scheduler.tick(utc(11, 27, 8, 5))) == ["paused"]  # auth.test still refuses
    assert statuses(scheduler.tick(utc(11, 27, 8, 10))) == ["posted"]

    assert list(post_keys(fake_slack).values()) == [1]
