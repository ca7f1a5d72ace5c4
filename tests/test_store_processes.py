"""Two bot processes claiming the same occurrences on one database file: one winner each."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
OCCURRENCES = 40

# Each process says it is ready, then waits for the go-file so that both hammer the database at the
# same moment (not one after the other's start-up), then
# claims every occurrence from 4 threads and prints the ones it won.
WORKER = textwrap.dedent(
    """
    import json, sys, threading, time
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    from bot.store.sqlite import SQLiteStore

    db, go, owner, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    now = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    won, lock = [], threading.Lock()
    Path(f"{go}.{owner}.ready").touch()
    deadline = time.monotonic() + 20
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    store = SQLiteStore(db)  # opened after the go-file, so a fresh file is migrated by both at once

    def work(thread):
        for i in range(count):
            occ = now + timedelta(minutes=i)
            claim = store.claim("T1", "race", occ, channel="C1", owner=f"{owner}-{thread}",
                                now=now, lease=timedelta(minutes=5))
            if claim is not None:
                with lock:
                    won.append([i, claim.post_key, claim.attempt])

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for t in threads: t.start()
    for t in threads: t.join()
    store.close()
    print(json.dumps(won))
    """
)


def _start_together(go: Path, procs: list[subprocess.Popen[str]]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(p.poll() is None for p in procs):
        if all(Path(f"{go}.{owner}.ready").exists() for owner in ("proc-a", "proc-b")):
            break
        time.sleep(0.002)
    go.touch()


def test_two_processes_race_on_one_file(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    SQLiteStore(db).close()  # both processes then open an existing, migrated file
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db), str(go), owner, str(OCCURRENCES)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for owner in ("proc-a", "proc-b")
    ]
    _start_together(go, procs)
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    won = sorted(i for result in results for i, _, _ in result)
    assert won == list(range(OCCURRENCES))  # every occurrence exactly once across both processes
    assert all(attempt == 1 for result in results for _, _, attempt in result)

    store = SQLiteStore(db)
    history = store.post_history("T1", "race", limit=OCCURRENCES + 1)
    assert len(history) == OCCURRENCES and {r.status for r in history} == {"claimed"}
    keys = {i: key for result in results for i, key, _ in result}
    occ0 = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert store.get_post("T1", "race", occ0).post_key == keys[0]  # type: ignore[union-attr]
    store.close()


def test_fresh_file_migrated_by_two_processes_at_once(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db), str(go), owner, "5"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for owner in ("proc-a", "proc-b")
    ]
    _start_together(go, procs)
    total = 0
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        total += len(json.loads(out))
    assert total == 5
    store = SQLiteStore(db)
    claim = store.claim(
        "T1",
        "race",
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
        channel="C1",
        owner="late",
        now=datetime(2026, 10, 25, 1, 10, tzinfo=UTC),
        lease=timedelta(minutes=5),
    )
    assert claim is not None and claim.attempt == 2  # the 5-minute lease of the winner has expired
    store.close()
