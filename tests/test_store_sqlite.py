"""SQLiteStore on a temporary database file: schema, digests, audit, claims, post history."""

from __future__ import annotations

import gc
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from bot.digests.spec import WEEKDAYS, DigestSpec, RankingWeights
from bot.errors import StoreError
from bot.store.base import Claim, Store
from bot.store.codec import spec_from_dict, spec_to_dict
from bot.store.migrate import Migration, bundled_migrations, migrate, schema_version
from bot.store.sqlite import SQLiteStore

NOW = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
OCC = datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "newsbot.db")
    yield s
    s.close()


def _spec(name: str = "ai-daily", **kw: object) -> DigestSpec:
    return DigestSpec(name=name, channel="C0123", topics=("AI",), **kw)  # type: ignore[arg-type]


def _claim(store: SQLiteStore, now: datetime = NOW, owner: str = "a", occ: datetime = OCC) -> Claim | None:
    return store.claim("T1", "ai-daily", occ, channel="C0123", owner=owner, now=now, lease=LEASE)


# --- schema ------------------------------------------------------------------------------------
def test_migrates_empty_file_and_reopens_idempotently(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    first = SQLiteStore(path)
    first.save_digest(_spec(), actor="U1", now=NOW)
    first.close()
    again = SQLiteStore(path)
    assert again.get_digest("", "ai-daily") == _spec()
    again.close()
    conn = sqlite3.connect(path)
    assert schema_version(conn) == bundled_migrations()[-1].version >= 1
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"digests", "posts", "post_urls", "audit"} <= tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(path)


def test_unusable_paths_raise_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        SQLiteStore(tmp_path / "missing" / "db.sqlite")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        SQLiteStore(junk)


def test_failed_migration_leaves_previous_version_intact(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    good = Migration(1, "0001_a.sql", "CREATE TABLE a (x INTEGER);\n-- trailing comment\n")
    assert migrate(conn, [good]) == 1
    bad = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n")
    with pytest.raises(StoreError, match="nowhere"):
        migrate(conn, [good, bad])
    assert schema_version(conn) == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'b'").fetchone()[0] == 0
    fixed = Migration(2, "0002_b.sql", "CREATE TABLE b (x INTEGER);")
    assert migrate(conn, [good, fixed]) == 2
    assert migrate(conn, [good, fixed]) == 2
    conn.close()


def test_codec_round_trips_every_field() -> None:
    spec = DigestSpec(
        name="robots",
        channel="G999",
        topics=("AI in Robotics", "Computer Vision"),
        time=time(7, 30),
        timezone="Europe/Berlin",
        days=WEEKDAYS,
        max_items=9,
        min_quality=0.4,
        window_hours=48.0,
        types=("article",),
        weights=RankingWeights(quality=2.0, breadth=0.5, half_life_hours=12.0),
        template="compact",
        post_when_empty=True,
        title="Robots",
        team_id="T9",
        source="slack",
        enabled=False,
        created_by="U42",
    )
    assert spec_from_dict(spec_to_dict(spec)) == spec
    assert spec_from_dict({"name": "x", "channel": "C1", "future_field": 1}) == DigestSpec("x", "C1")


def test_filters_round_trip_and_old_rows_have_none(store: SQLiteStore) -> None:
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
def test_digests_are_keyed_by_team_and_audited(store: SQLiteStore) -> None:
    s: Store = store  # the class satisfies the Protocol
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


def test_sync_file_digests_file_wins_and_keeps_runtime_state(store: SQLiteStore) -> None:
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
def test_claim_lifecycle_expiry_takeover_keeps_post_key(store: SQLiteStore) -> None:
    first = _claim(store)
    assert first is not None and first.attempt == 1 and len(first.post_key) == 32
    assert first.expires == NOW + LEASE and first.occurrence == OCC
    assert _claim(store, owner="b") is None
    assert _claim(store, owner="a") is None  # a live claim blocks its own owner too
    assert _claim(store, now=NOW + LEASE - timedelta(seconds=1), owner="b") is None
    second = _claim(store, now=NOW + LEASE, owner="b")
    assert second is not None and (second.attempt, second.owner) == (2, "b")
    assert second.post_key == first.post_key
    # The dead owner's late release must not undo the new owner's claim.
    store.release(first, retry_at=NOW, error="late", now=NOW + LEASE)
    assert store.get_post("T1", "ai-daily", OCC).status == "claimed"  # type: ignore[union-attr]


def test_release_defers_until_retry_at(store: SQLiteStore) -> None:
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


def test_finish_records_post_and_urls_idempotently(store: SQLiteStore) -> None:
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


def test_skip_is_final_and_last_posted_ignores_it(store: SQLiteStore) -> None:
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


def test_datetimes_naive_rejected_aware_normalised(store: SQLiteStore) -> None:
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


def test_eight_threads_race_one_winner_per_occurrence(store: SQLiteStore) -> None:
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


def test_connections_of_finished_threads_are_closed(store: SQLiteStore) -> None:
    fd_dir = Path("/proc/self/fd")
    before = len(list(fd_dir.iterdir())) if fd_dir.is_dir() else 0
    for _ in range(30):  # the scheduler makes a new pool of worker threads on every tick
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda _: store.list_digests(), range(8)))
    gc.collect()
    assert store.open_connections() <= 2
    if fd_dir.is_dir():
        assert len(list(fd_dir.iterdir())) - before < 10
    store.list_digests()  # the main thread's connection still works
