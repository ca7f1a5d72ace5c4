"""Store benchmark: claim throughput of SQLite and PostgreSQL from 1, 4 and 8 threads.

Each run claims ``--occurrences`` distinct occurrences (as one scheduler minute with that many
digests due would), either each thread its own share ("own share"), or every thread every
occurrence, starting at a different offset, so most calls lose a race ("all try all", as several
schedulers on one database do). Printed per backend and thread count: occurrences won per second
(must be exactly one winner each), claim calls per second, and the baseline measured in the same
run: plain one-row INSERT transactions per second on the same database (the floor cost of a write).

PostgreSQL: a throwaway server from tests/pgserver.py (needs the server binaries: ``make postgres``),
or ``--postgres URL`` of an empty database you provide.

    .venv/bin/python scripts/bench_store.py [--occurrences 2000] [--threads 1,4,8] [--postgres URL]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.store.factory import open_store
from bot.store.sql import SqlStore

NOW = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def claim_run(
    store: SqlStore, team: str, occurrences: int, threads: int, *, contended: bool
) -> tuple[float, int, int]:
    """(seconds, wins, calls): ``threads`` threads claiming every occurrence of one team (contended),
    or each its own share of them."""
    wins = [0] * threads
    barrier = threading.Barrier(threads + 1)

    def work(index: int) -> None:
        start = index * occurrences // threads
        share = occurrences if contended else (index + 1) * occurrences // threads - start
        barrier.wait()
        for step in range(share):
            n = (start + step) % occurrences
            claim = store.claim(
                team, f"d{n}", NOW, channel="C1", owner=f"t{index}", now=NOW, lease=timedelta(minutes=5)
            )
            wins[index] += claim is not None

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    began = time.perf_counter()
    for t in pool:
        t.join()
    return time.perf_counter() - began, sum(wins), threads * occurrences if contended else occurrences


def insert_baseline(store: SqlStore, team: str, rows: int) -> float:
    """Seconds for ``rows`` one-row INSERT transactions through the store's own transaction path."""
    began = time.perf_counter()
    for n in range(rows):
        store.audit(team, actor="bench", action="x", digest=f"d{n}", details={}, now=NOW)
    return time.perf_counter() - began


def bench(name: str, make: Callable[[], SqlStore], occurrences: int, thread_counts: list[int]) -> None:
    store = make()
    try:
        base = insert_baseline(store, "baseline", occurrences)
        print(f"{name:10} baseline   {occurrences / base:9.0f} INSERT transactions/s (1 thread)")
        for contended in (False, True):
            for threads in thread_counts:
                if contended and threads == 1:
                    continue
                team = f"T{threads}{'c' if contended else 'p'}"
                seconds, wins, calls = claim_run(store, team, occurrences, threads, contended=contended)
                verdict = "ok" if wins == occurrences else f"WRONG: {wins} winners for {occurrences}"
                kind = "all try all" if contended else "own share  "
                print(
                    f"{name:10} {threads} thread{'s' if threads > 1 else ' '} {kind} {wins / seconds:7.0f} "
                    f"claims won/s {calls / seconds:7.0f} claim calls/s"
                    f" ({seconds:.2f}s, one winner each: {verdict})"
                )
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--occurrences", type=int, default=2000)
    parser.add_argument("--threads", default="1,4,8")
    parser.add_argument(
        "--postgres", help="URL of an empty PostgreSQL database (default: a throwaway server)"
    )
    args = parser.parse_args()
    counts = [int(t) for t in args.threads.split(",")]

    with tempfile.TemporaryDirectory() as folder:
        bench("sqlite", lambda: _sql(open_store(Path(folder) / "bench.db")), args.occurrences, counts)

    if args.postgres:
        bench("postgres", lambda: _sql(open_store(args.postgres)), args.occurrences, counts)
        return 0
    from tests.pgserver import ServerUnavailable, start_server

    try:
        server = start_server()
    except ServerUnavailable as exc:
        print(f"postgres   not measured: {exc}")
        return 1
    try:
        url = server.create_database("bench")
        bench("postgres", lambda: _sql(open_store(url)), args.occurrences, counts)
    finally:
        server.stop()
    return 0


def _sql(store: object) -> SqlStore:
    assert isinstance(store, SqlStore)
    return store


if __name__ == "__main__":
    raise SystemExit(main())
