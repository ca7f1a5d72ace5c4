"""The Store contract (bot/store/base.py), run against every backend: SQLite on a temporary file and
PostgreSQL on a throwaway server (tests/pgserver.py). Schema, digests, audit, claims and leases,
finish/release/skip, post history, and races between threads and between processes."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

import pytest

from bot.digests.spec import WEEKDAYS, DigestSpec, RankingWeights
from bot.errors import StoreError
from bot.store.base import Claim, Store
from bot.store.codec import spec_from_dict, spec_to_dict
from bot.store.factory import open_store
from bot.store.migrate import DIALECTS, bundled_migrations
from tests.store_fixtures import set_schema_version, stored_schema_version, table_names

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
OCC = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def _spec(name: str = "ai-daily", **kw: object) -> DigestSpec:
    return DigestSpec(name=name, channel="C0123", topics=("AI",), **kw)  # type: ignore[arg-type]


def _claim(store: Store, now: datetime = NOW, owner: str = "a", occ: datetime = OCC) -> Claim | None:
    return store.claim("T1", "ai-daily", occ, channel="C0123", owner=owner, now=now, lease=LEASE)


# --- schema ------------------------------------------------------------------------------------
def test_both_backends_share_one_migration_numbering() -> None:
    numbering = {d: [m.name for m in bundled_migrations(d)] for d in DIALECTS}
    assert numbering["sqlite"] == numbering["postgres"] and len(numbering["sqlite"]) >= 1


def test_migrates_empty_database_and_reopens_idempotently(db: str | Path) -> None:
    first = open_store(db)
    first.save_digest(_spec(), actor="U1", now=NOW)
    assert first.problem is None
    first.close()
    again = open_store(db)
    assert again.get_digest("", "ai-daily") == _spec()
    again.close()
    assert stored_schema_version(db) == bundled_migrations()[-1].version >= 1
    assert {"digests", "posts", "post_urls", "audit"} <= table_names(db)


def test_database_newer_than_code_is_refused(db: str | Path) -> None:
    open_store(db).close()
    set_schema_version(db, 999)
    with pytest.raises(StoreError, match="newer"):
        open_store(db)


# Every field set away from its default (title with quotes and placeholder look-alikes).
FULL_SPEC = DigestSpec(
    name="robots",
    channel="G999",
    topics=("AI in Robotics", "Computer Vision"),
    time=dtime(7, 30, 15),
    timezone="Europe/Berlin",
    days=WEEKDAYS,
    max_items=9,
    min_quality=0.4,
    window_hours=48.0,
    types=("article",),
    weights=RankingWeights(quality=2.0, breadth=0.5, half_life_hours=12.0),
    template="compact",
    post_when_empty=True,
    title="Robots ✓ \"quoted\" 'x' ? %s",
    team_id="T9",
    source="slack",
    enabled=False,
    created_by="U42",
)


def test_codec_round_trips_every_field() -> None:
    assert spec_from_dict(spec_to_dict(FULL_SPEC)) == FULL_SPEC
    assert spec_from_dict(spec_to_dict(dataclasses.replace(FULL_SPEC, time=dtime(7, 30)))).time == dtime(
        7, 30
    )
    assert spec_from_dict({"name": "x", "channel": "C1", "future_field": 1}) == DigestSpec("x", "C1")


def test_every_spec_field_survives_the_database(store: Store) -> None:
    store.save_digest(FULL_SPEC, actor="U42", now=NOW)
    assert store.get_digest("T9", "robots") == FULL_SPEC


def test_filters_round_trip_and_old_rows_have_none(store: Store) -> None:
    spec = DigestSpec(
        "f", "C1", include=("robot",), exclude=("crypto", "stock tips"), exclude_outlets=("example.com",)
    )
    assert spec_to_dict(spec)["exclude"] == ["crypto", "stock tips"]
    store.save_digest(spec, actor="U1", now=NOW)
    assert store.get_digest("", "f") == spec
    # A row written before the filters existed has no such keys: no filter.
    old = spec_to_dict(DigestSpec("g", "C1"))
    for key in ("include", "exclude", "exclude_outlets"):
        del old[key]
    assert spec_from_dict(old) == DigestSpec("g", "C1")


# --- digests and audit -------------------------------------------------------------------------
def test_digests_are_keyed_by_team_and_audited(store: Store) -> None:
    s = store
    s.save_digest(_spec(team_id="T1", source="slack", created_by="U1"), actor="U1", now=NOW)
    s.save_digest(_spec(team_id="T2"), actor="U2", now=NOW)
    s.save_digest(_spec("b", team_id="T1"), actor="U1", now=NOW)
    assert [d.name for d in s.list_digests("T1")] == ["ai-daily", "b"]
    assert [(d.team_id, d.name) for d in s.list_digests()] == [
        ("T1", "ai-daily"),
        ("T1", "b"),
        ("T2", "ai-daily"),
    ]
    assert s.get_digest("T3", "ai-daily") is None

    later = NOW + timedelta(hours=1)
    s.save_digest(_spec(team_id="T1", source="slack", created_by="U1", max_items=8), actor="U7", now=later)
    s.set_enabled("T1", "ai-daily", False, actor="bot", reason="channel_not_found", now=later)
    s.set_enabled("T1", "ai-daily", False, actor="bot", reason="again", now=later)  # no change, no entry
    assert s.delete_digest("T1", "ai-daily", actor="U7", now=later) == _spec(
        team_id="T1", source="slack", created_by="U1", max_items=8, enabled=False
    )
    assert s.delete_digest("T1", "ai-daily", actor="U7", now=later) is None

    log = s.audit_log("T1")
    assert [(e.action, e.digest, e.actor) for e in log] == [
        ("delete", "ai-daily", "U7"),
        ("disable", "ai-daily", "bot"),
        ("update", "ai-daily", "U7"),
        ("create", "b", "U1"),
        ("create", "ai-daily", "U1"),
    ]
    assert log[2].details == {"changed": {"max_items": [5, 8]}}
    assert log[1].details == {"changed": {"enabled": [True, False]}, "reason": "channel_not_found"}
    assert log[0].details["old"]["max_items"] == 8
    assert log[4].details["new"]["topics"] == ["AI"]
    assert log[0].at == later and log[0].at.tzinfo is not None
    assert [e.actor for e in s.audit_log("T2")] == ["U2"]
    s.audit("T2", actor="U2", action="post", digest="ai-daily", details={"manual": True}, now=later)
    newest = s.audit_log("T2", limit=1)
    assert [(e.action, e.details) for e in newest] == [("post", {"manual": True})]
    s.audit("T2", actor="U2", action="odd", digest="x", details={"when": NOW, "n": [1, 2]}, now=later)
    assert s.audit_log("T2", limit=1)[0].details == {"when": str(NOW), "n": [1, 2]}  # unknown types as str


def test_sync_file_digests_file_wins_and_keeps_runtime_state(store: Store) -> None:
    store.save_digest(_spec("robots", source="slack", created_by="U1", max_items=3), actor="U1", now=NOW)
    store.save_digest(_spec("mine", source="slack", created_by="U1"), actor="U1", now=NOW)
    files = [_spec("robots"), _spec("ai-daily")]
    store.sync_file_digests(files, now=NOW)
    assert store.get_digest("", "robots") == _spec("robots")
    assert store.get_digest("", "mine") is not None  # Slack digests the files do not name stay
    actions = [(e.action, e.digest) for e in store.audit_log("")[:2]]
    assert sorted(actions) == [("create", "ai-daily"), ("file_override", "robots")]
    override = next(e for e in store.audit_log("") if e.action == "file_override")
    assert override.details["changed"]["max_items"] == [3, 5]

    # Unchanged files: no churn in the audit log, and a runtime disable survives the restart.
    store.set_enabled("", "ai-daily", False, actor="bot", reason="channel_not_found", now=NOW)
    entries = len(store.audit_log(""))
    store.sync_file_digests(files, now=NOW)
    assert len(store.audit_log("")) == entries
    assert store.get_digest("", "ai-daily") == _spec("ai-daily", enabled=False)

    # An edited file replaces the definition (and its enabled state); a removed one is deleted.
    store.sync_file_digests([_spec("ai-daily", max_items=7)], now=NOW)
    assert store.get_digest("", "ai-daily") == _spec("ai-daily", max_items=7)
    assert store.get_digest("", "robots") is None
    assert [d.name for d in store.list_digests("")] == ["ai-daily", "mine"]


# --- claims ------------------------------------------------------------------------------------
def test_claim_lifecycle_expiry_takeover_keeps_post_key(store: Store) -> None:
    first = _claim(store)
    assert first is not None and first.attempt == 1 and len(first.post_key) == 32
    assert first.expires == NOW + LEASE and first.occurrence == OCC
    assert _claim(store, owner="b") is None
    assert _claim(store, owner="a") is None  # a live claim blocks its own owner too
    assert _claim(store, now=NOW + LEASE - timedelta(seconds=1), owner="b") is None
    second = _claim(store, now=NOW + LEASE, owner="b")
    assert second is not None and (second.attempt, second.owner, second.dead_owner) == (2, "b", None)
    assert second.post_key == first.post_key
    # The dead owner's late release must not undo the new owner's claim.
    store.release(first, retry_at=NOW, error="late", now=NOW + LEASE)
    assert store.get_post("T1", "ai-daily", OCC).status == "claimed"  # type: ignore[union-attr]


def test_release_defers_until_retry_at(store: Store) -> None:
    first = _claim(store)
    assert first is not None
    retry = NOW + timedelta(seconds=30)
    store.release(first, retry_at=retry, error="ratelimited", now=NOW)
    record = store.get_post("T1", "ai-daily", OCC)
    assert record is not None and (record.status, record.retry_at, record.detail) == (
        "failed",
        retry,
        "ratelimited",
    )
    assert _claim(store, now=retry - timedelta(seconds=1)) is None
    again = _claim(store, now=retry, owner="b")
    assert again is not None and again.attempt == 2 and again.post_key == first.post_key


def test_finish_records_post_and_urls_idempotently(store: Store) -> None:
    claim = _claim(store)
    assert claim is not None
    urls = ["https://a.example/1", "https://b.example/2", "https://a.example/1"]
    store.finish(claim, ts="1700000000.000100", urls=urls, now=NOW + timedelta(seconds=3))
    store.finish(claim, ts="1700000000.000100", urls=urls, now=NOW + timedelta(seconds=9))
    record = store.get_post("T1", "ai-daily", OCC)
    assert record is not None
    assert (record.status, record.ts, record.attempts) == ("posted", "1700000000.000100", 1)
    assert record.posted_at == NOW + timedelta(seconds=3)
    assert record.urls == ("https://a.example/1", "https://b.example/2")
    assert _claim(store, now=NOW + timedelta(days=1)) is None
    assert store.posted_urls("T1", "C0123") == {"https://a.example/1", "https://b.example/2"}
    assert store.posted_urls("T1", "C9999") == frozenset()
    assert store.posted_urls("T2", "C0123") == frozenset()
    store.skip("T1", "ai-daily", OCC, channel="C0123", reason="late", now=NOW)  # posted stays posted
    assert store.get_post("T1", "ai-daily", OCC).status == "posted"  # type: ignore[union-attr]
    empty = _claim(store, occ=OCC + timedelta(days=1))
    assert empty is not None
    store.finish(empty, ts="17.5", urls=[], now=NOW)  # a digest with no stories has no URLs
    assert store.get_post("T1", "ai-daily", OCC + timedelta(days=1)).urls == ()  # type: ignore[union-attr]


def test_skip_is_final_and_last_posted_ignores_it(store: Store) -> None:
    day = timedelta(days=1)
    for i in range(3):
        claim = _claim(store, occ=OCC + i * day, now=NOW + i * day)
        assert claim is not None
        store.finish(claim, ts=f"17.{i}", urls=[f"https://x.example/{i}"], now=NOW + i * day)
    store.skip("T1", "ai-daily", OCC + 3 * day, channel="C0123", reason="missed beyond grace", now=NOW)
    assert _claim(store, occ=OCC + 3 * day, now=NOW + 9 * day) is None
    claimed = _claim(store, occ=OCC + 4 * day)
    assert claimed is not None
    store.skip("T1", "ai-daily", OCC + 4 * day, channel="C0123", reason="empty", now=NOW)
    assert _claim(store, occ=OCC + 4 * day, now=NOW + 9 * day) is None

    last = store.last_posted("T1", "ai-daily")
    assert last is not None and last.occurrence == OCC + 2 * day and last.urls == ("https://x.example/2",)
    assert store.last_posted("T1", "other") is None
    history = store.post_history("T1", "ai-daily", limit=3)
    assert [(r.occurrence, r.status) for r in history] == [
        (OCC + 4 * day, "skipped"),
        (OCC + 3 * day, "skipped"),
        (OCC + 2 * day, "posted"),
    ]
    assert history[1].detail == "missed beyond grace"
    assert len(store.post_history("T1")) == 5 and store.post_history("T2") == []


def test_datetimes_naive_rejected_aware_normalised(store: Store) -> None:
    naive = datetime(2026, 3, 29, 6, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        _claim(store, occ=naive)
    with pytest.raises(ValueError):
        _claim(store, now=naive)
    with pytest.raises(ValueError):
        store.save_digest(_spec(), actor="U1", now=naive)
    berlin = OCC.astimezone(timezone(timedelta(hours=2)))
    claim = _claim(store, occ=berlin)
    assert claim is not None and claim.occurrence.tzinfo == UTC and claim.occurrence == OCC
    assert _claim(store, occ=OCC) is None  # the same instant is the same occurrence
    record = store.get_post("T1", "ai-daily", berlin)
    assert record is not None and record.occurrence == OCC and record.occurrence.tzinfo == UTC


def test_eight_threads_race_one_winner_per_occurrence(store: Store) -> None:
    occurrences = [OCC + timedelta(hours=h) for h in range(100)]
    barrier = threading.Barrier(8)
    wins: list[tuple[str, datetime]] = []
    lock = threading.Lock()

    errors: list[BaseException] = []

    def worker(owner: str) -> None:
        barrier.wait()
        try:
            for occ in occurrences:
                claim = _claim(store, owner=owner, occ=occ)
                if claim is not None:
                    with lock:
                        wins.append((owner, occ))
        except Exception as exc:  # a lost race must be a None, never an error
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"t{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(occ for _, occ in wins) == occurrences
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_digest("", "x")


# --- processes ---------------------------------------------------------------------------------
OCCURRENCES = 40

# Each process says it is ready, then waits for the go-file so that both hammer the database at the
# same moment (not one after the other's start-up), then
# claims every occurrence from 4 threads and prints the ones it won.
WORKER = textwrap.dedent(
    """
    import json, sys, threading, time
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    from bot.store.factory import open_store

    db, go, owner, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    now = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    won, lock = [], threading.Lock()
    Path(f"{go}.{owner}.ready").touch()
    deadline = time.monotonic() + 20
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
    store = open_store(db)  # opened after the go-file, so a fresh database is migrated by both at once

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


def _race(db: str | Path, go: Path, count: int) -> list[list[tuple[int, str, int]]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db), str(go), owner, str(count)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for owner in ("proc-a", "proc-b")
    ]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(p.poll() is None for p in procs):
        if all(Path(f"{go}.{owner}.ready").exists() for owner in ("proc-a", "proc-b")):
            break
        time.sleep(0.002)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        results.append([(int(i), str(key), int(attempt)) for i, key, attempt in json.loads(out)])
    return results


def test_two_processes_race_on_one_database(db: str | Path, tmp_path: Path) -> None:
    open_store(db).close()  # both processes then open an existing, migrated database
    results = _race(db, tmp_path / "go", OCCURRENCES)
    won = sorted(i for result in results for i, _, _ in result)
    assert won == list(range(OCCURRENCES))  # every occurrence exactly once across both processes
    assert all(attempt == 1 for result in results for _, _, attempt in result)

    store = open_store(db)
    history = store.post_history("T1", "race", limit=OCCURRENCES + 1)
    assert len(history) == OCCURRENCES and {r.status for r in history} == {"claimed"}
    keys = {i: key for result in results for i, key, _ in result}
    occ0 = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert store.get_post("T1", "race", occ0).post_key == keys[0]  # type: ignore[union-attr]
    store.close()


def test_fresh_database_migrated_by_two_processes_at_once(db: str | Path, tmp_path: Path) -> None:
    total = sum(len(result) for result in _race(db, tmp_path / "go", 5))
    assert total == 5
    store = open_store(db)
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


# A bot process that claims one occurrence under a real owner id (host:pid:random, as bot.wiring
# builds it), says so, and then hangs as if stuck in a post, until it is killed.
CLAIMER = textwrap.dedent(
    """
    import os, socket, sys
    from datetime import UTC, datetime, timedelta
    from bot.store.factory import open_store

    store = open_store(sys.argv[1])
    owner = f"{socket.gethostname()}:{os.getpid()}:0a1b2c3d"
    claim = store.claim("T1", "ai-daily", datetime(2026, 3, 29, 6, 0, tzinfo=UTC), channel="C0123",
                        owner=owner, now=datetime(2026, 3, 29, 6, 0, tzinfo=UTC), lease=timedelta(minutes=5))
    print(claim.post_key if claim else "none", flush=True)
    sys.stdin.read()
    """
)


def test_claim_of_a_killed_process_on_this_host_is_taken_over_at_once(db: str | Path) -> None:
    store = open_store(db)
    proc = subprocess.Popen(
        [sys.executable, "-c", CLAIMER, str(db)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        post_key = proc.stdout.readline().strip()
        assert len(post_key) == 32, proc.stderr.read() if proc.stderr else ""
        soon = NOW + timedelta(seconds=1)
        assert _claim(store, now=soon, owner="b") is None  # alive: its lease holds
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    taken = _claim(store, now=soon, owner="b")  # 4 minutes 59 before the lease ends
    assert taken is not None and (taken.attempt, taken.post_key) == (2, post_key)
    assert taken.dead_owner == f"{socket.gethostname()}:{proc.pid}:0a1b2c3d"
    assert _claim(store, now=soon, owner="c") is None  # and now b holds it

    # The same dead pid under another host's name proves nothing here: that claim waits its lease.
    elsewhere = f"not-{socket.gethostname()}:{proc.pid}:0a1b2c3d"
    other = store.claim("T1", "other", OCC, channel="C0123", owner=elsewhere, now=NOW, lease=LEASE)
    assert other is not None
    assert store.claim("T1", "other", OCC, channel="C0123", owner="b", now=soon, lease=LEASE) is None
    store.close()


def test_hostile_names_are_data_not_sql(store: Store) -> None:
    team, name, url = "T'; DROP TABLE posts; --", 'd?%s%(x)s"', "https://x.test/?a=1&b='%s'"
    claim = store.claim(team, name, OCC, channel="C'1", owner="o'", now=NOW, lease=LEASE)
    assert claim is not None
    store.finish(claim, ts="1.2", urls=[url], now=NOW)
    record = store.get_post(team, name, OCC)
    assert record is not None and (record.status, record.urls, record.channel) == ("posted", (url,), "C'1")
    assert store.posted_urls(team, "C'1") == {url} and store.post_history("T1") == []
