"""Reliability benchmark: 200 digests due in the same minute against the Slack stand-in with faults.

The real scheduler, PostingService, SlackPoster and SQLite store (a temporary file) post 200 digests,
one per channel, all due in the current minute, to tests/fakeslack.py over HTTP, driven by the
production loop (``Scheduler.run_forever``: the schedule library, real clock). The stand-in answers
5% of calls with 429 (Retry-After: 1) and 2% with 500, half of those after storing the message (the
case that duplicates a naive retry). Printed: time until every occurrence is posted, duplicates
(messages per post_key > 1) and misses (occurrences with no message), both must be 0, beside a
baseline run without faults. Then the manual-post part: ``--manual`` digests (default 200) posted at
once with ``ManualPosts.post`` (what `/news-admin post` calls; retries after Retry-After and 5xx in
the background, the asker told at the end) under the same faults: time until every asker has heard
"posted", duplicates, misses (given up, or told posted with no message). Then the `/news` latency
part (scripts/bench_news_latency.py).

    .venv/bin/python scripts/bench_reliability.py [--digests 200] [--manual 200] [--tick 15] [--timeout 120]
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.digests.spec import DigestSpec
from bot.schedule.runner import Scheduler
from bot.services.manual import ManualPosts
from bot.services.posting import PostingService, PostOutcome, PostStatus
from bot.slack.client import make_client, make_read_client
from bot.slack.health import PostingHealth
from bot.slack.poster import SlackPoster
from bot.store.sqlite import SQLiteStore
from tests.fakeslack import FakeSlack

RATE_LIMITED = 0.05
SERVER_ERROR = 0.01  # 500, nothing stored
SERVER_ERROR_AFTER = 0.01  # message stored, then 500


@dataclass(frozen=True, slots=True)
class RunResult:
    seconds: float | None  # None: not all posted before the timeout
    occurrences: int
    duplicates: int
    misses: int
    calls: Counter[tuple[str, str]]  # (method, fault or "ok")


def compose(
    spec: DigestSpec, now: datetime, since: datetime | None, exclude: frozenset[str]
) -> tuple[Mapping[str, Any], Sequence[str]]:
    """A digest-sized payload with three stories the channel has not seen."""
    urls = [f"https://news.test/{spec.name}/{n}" for n in range(3)]
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"<{url}|Story {url[-1]}>"}} for url in urls
    ]
    return {"text": f"{spec.name} digest", "blocks": blocks, "unfurl_links": False}, urls


def run(count: int, *, faults: bool, tick_seconds: int, timeout: float, seed: int = 42) -> RunResult:
    with tempfile.TemporaryDirectory() as folder, FakeSlack(seed=seed) as fake:
        store = SQLiteStore(Path(folder) / "newsbot.db")
        now = datetime.now(UTC)
        due_minute = now.replace(second=0, microsecond=0)
        for n in range(count):
            spec = DigestSpec(name=f"digest-{n:03d}", channel=f"C{n:05d}", time=due_minute.time())
            store.save_digest(spec, actor="bench", now=now - timedelta(minutes=10))
        if faults:
            _inject_faults(fake)
        client = make_client("xoxb-bench", fake.url, timeout=10)
        poster = SlackPoster(client, PostingHealth())
        posting = PostingService(store, poster, compose, owner="bench")
        scheduler = Scheduler(store, posting, owner="bench")

        # The production loop (schedule library, 15 s ticks, early retry after Retry-After), real clock.
        stop = threading.Event()
        loop = threading.Thread(
            target=scheduler.run_forever, args=(stop,), kwargs={"tick_seconds": tick_seconds}
        )
        started = time.monotonic()
        loop.start()
        finished: float | None = None
        while time.monotonic() - started < timeout:
            if _all_posted(store, count, due_minute):
                finished = time.monotonic() - started
                break
            time.sleep(0.05)
        stop.set()
        loop.join()

        keys = _messages_per_key(fake)
        misses = 0
        for n in range(count):
            record = store.get_post("", f"digest-{n:03d}", due_minute)
            if record is None or record.status != "posted" or keys[record.post_key] == 0:
                misses += 1
        calls = Counter((c.method, c.fault or "ok") for c in fake.calls)
        store.close()
        return RunResult(finished, count, sum(v - 1 for v in keys.values() if v > 1), misses, calls)


def run_manual(count: int, *, faults: bool, timeout: float, seed: int = 42) -> RunResult:
    """``count`` manual posts (one digest per channel) asked for at the same moment, as admins would."""
    with tempfile.TemporaryDirectory() as folder, FakeSlack(seed=seed) as fake:
        store = SQLiteStore(Path(folder) / "newsbot.db")
        now = datetime.now(UTC)
        specs = [DigestSpec(name=f"manual-{n:03d}", channel=f"C9{n:05d}") for n in range(count)]
        for spec in specs:
            store.save_digest(spec, actor="bench", now=now - timedelta(minutes=10))
        if faults:
            _inject_faults(fake)
        poster = SlackPoster(
            make_client("xoxb-bench", fake.url, timeout=10),
            PostingHealth(),
            reader=make_read_client("xoxb-bench", fake.url, timeout=10),
        )
        posting = PostingService(store, poster, compose, owner="bench")
        manual = ManualPosts(posting, store, clock=lambda: datetime.now(UTC))
        told: dict[str, PostOutcome] = {}
        lock = threading.Lock()
        started = time.monotonic()

        def ask(spec: DigestSpec) -> None:
            def report(outcome: PostOutcome) -> None:
                with lock:
                    told[spec.name] = outcome

            outcome = manual.post(spec, datetime.now(UTC), report=report)
            if outcome.status not in (PostStatus.DEFERRED, PostStatus.BUSY):
                report(outcome)

        askers = [threading.Thread(target=ask, args=(spec,)) for spec in specs]
        for thread in askers:
            thread.start()
        for thread in askers:
            thread.join()
        finished: float | None = None
        while time.monotonic() - started < timeout:
            with lock:
                if len(told) == count:
                    finished = time.monotonic() - started
                    break
            time.sleep(0.02)
        manual.stop()

        keys = _messages_per_key(fake)
        misses = 0
        for spec in specs:
            record = store.last_posted("", spec.name)
            said = told.get(spec.name)
            if (
                said is None
                or said.status is not PostStatus.POSTED
                or record is None
                or keys[record.post_key] == 0
            ):
                misses += 1
        calls = Counter((c.method, c.fault or "ok") for c in fake.calls)
        store.close()
        return RunResult(finished, count, sum(v - 1 for v in keys.values() if v > 1), misses, calls)


def bench_manual(count: int = 200, timeout: float = 120.0, seed: int = 42) -> bool:
    """Manual posts (`/news-admin post`) under the same faults; True when 0 duplicates/misses."""
    print(f"manual posts: {count} `/news-admin post` requests at the same moment, {count} channels")
    baseline = run_manual(count, faults=False, timeout=timeout)
    print(_line("baseline (no faults):", baseline, "settled and reported"))
    faulty = run_manual(count, faults=True, timeout=timeout, seed=seed)
    return _report(baseline, faulty, "settled and reported", "OK (no duplicate, no miss, every asker told)")


def _inject_faults(fake: FakeSlack) -> None:
    fake.set_fault_rates(
        rate_limited=RATE_LIMITED,
        server_error=SERVER_ERROR,
        server_error_after=SERVER_ERROR_AFTER,
        retry_after=1,
    )


def _messages_per_key(fake: FakeSlack) -> Counter[str]:
    keys: Counter[str] = Counter()
    for messages in fake.all_messages().values():
        for message in messages:
            keys[message["metadata"]["event_payload"]["post_key"]] += 1
    return keys


def _all_posted(store: SQLiteStore, count: int, occurrence: datetime) -> bool:
    for n in range(count):
        record = store.get_post("", f"digest-{n:03d}", occurrence)
        if record is None or record.status != "posted":
            return False
    return True


def _line(label: str, result: RunResult, verb: str = "posted") -> str:
    took = f"{result.seconds:6.2f} s" if result.seconds is not None else "NOT ALL POSTED"
    return (
        f"  {label:<22} all {result.occurrences} {verb} in {took}  "
        f"duplicates {result.duplicates}  misses {result.misses}"
    )


def _report(baseline: RunResult, faulty: RunResult, verb: str, ok_text: str) -> bool:
    """Print the faulty run and its calls (the baseline is printed as soon as it ends); True when
    both finished with 0 duplicates/misses."""
    print(_line("with injected faults:", faulty, verb))
    print("  calls to the stand-in in the faulty run:")
    for line in _calls_summary(faulty.calls):
        print(line)
    ok = all(r.seconds is not None and r.duplicates == 0 and r.misses == 0 for r in (baseline, faulty))
    print("  result:", ok_text if ok else "FAILED")
    return ok


def _calls_summary(calls: Counter[tuple[str, str]]) -> list[str]:
    lines = []
    for method in sorted({m for m, _ in calls}):
        per = {fault: n for (m, fault), n in calls.items() if m == method}
        total = sum(per.values())
        detail = ", ".join(f"{fault} {n}" for fault, n in sorted(per.items()) if fault != "ok")
        lines.append(f"    {method:<24} {total:5d} calls" + (f"  (injected: {detail})" if detail else ""))
    return lines


def bench_digests(count: int = 200, tick_seconds: int = 15, timeout: float = 120.0, seed: int = 42) -> bool:
    """Run the baseline and the faulty run; print the figures; True when both have 0 duplicates/misses."""
    print(f"reliability: {count} digests in {count} channels due in the same minute ({os.cpu_count()} CPUs)")
    print(
        f"  faults: {RATE_LIMITED:.0%} 429 (Retry-After 1), {SERVER_ERROR + SERVER_ERROR_AFTER:.0%} 500 "
        f"(half after storing the message); tick every {tick_seconds:g} s"
    )
    baseline = run(count, faults=False, tick_seconds=tick_seconds, timeout=timeout)
    print(_line("baseline (no faults):", baseline))
    faulty = run(count, faults=True, tick_seconds=tick_seconds, timeout=timeout, seed=seed)
    return _report(baseline, faulty, "posted", "OK (no duplicate, no miss)")


def _news_latency() -> Any:
    """bench_news_latency() from the sibling script, when it is there."""
    path = Path(__file__).with_name("bench_news_latency.py")
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("bench_news_latency", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "bench_news_latency", None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--digests", type=int, default=200)
    parser.add_argument("--manual", type=int, default=200, help="manual posts (0: skip that part)")
    parser.add_argument("--tick", type=int, default=15, help="seconds between scheduler ticks")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=42, help="seed of the stand-in's random faults")
    parser.add_argument("--skip-news", action="store_true", help="only the digest part")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    # slack_sdk logs every injected 500's HTML body at ERROR; the poster already handles them.
    logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)
    ok = bench_digests(args.digests, args.tick, args.timeout, args.seed)
    if args.manual:
        print()
        ok = bench_manual(args.manual, args.timeout, args.seed) and ok
    latency = None if args.skip_news else _news_latency()
    if latency is not None:
        print()
        latency()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
