"""A personal DM digest is an ordinary digest row on every backend: no migration, every field kept."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.digests.spec import DigestSpec
from bot.store.base import Store

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def test_a_personal_digest_round_trips_with_its_recipient(store: Store) -> None:
    spec = DigestSpec(
        name="dm:UALICE001",
        channel="DALICE001",
        topics=("AI in Robotics",),
        time=time(7, 30),
        timezone="America/New_York",
        source="slack",
        created_by="UALICE001",
        recipient="UALICE001",
        exclude=("crypto",),
        title="Your news digest",
    )
    store.save_digest(spec, actor="UALICE001", now=NOW)
    assert store.get_digest("", "dm:UALICE001") == spec
    assert [s.recipient for s in store.list_digests("")] == ["UALICE001"]
    [entry] = store.audit_log("")
    assert entry.details["new"]["recipient"] == "UALICE001"
