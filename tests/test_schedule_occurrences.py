"""Schedule maths: local times, weekdays, DST gaps and repeats, grace splitting."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.digests.spec import WEEKDAYS, DigestSpec
from bot.errors import ConfigError
from bot.schedule.occurrences import due, occurrences_between


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def spec(at: time, zone: str = "UTC", days: frozenset[int] | None = None) -> DigestSpec:
    if days is None:
        return DigestSpec(name="d", channel="C1", time=at, timezone=zone)
    return DigestSpec(name="d", channel="C1", time=at, timezone=zone, days=days)


def test_daily_in_utc_window_is_half_open() -> None:
    s = spec(time(8, 0))
    found = occurrences_between(s, utc(2026, 5, 1, 8, 0), utc(2026, 5, 3, 8, 0))
    assert found == [utc(2026, 5, 2, 8, 0), utc(2026, 5, 3, 8, 0)]
    assert all(o.tzinfo is UTC for o in found)


def test_local_time_converts_with_offset() -> None:
    s = spec(time(8, 0), "Europe/Berlin")
    # Summer (CEST, +2) and winter (CET, +1).
    assert occurrences_between(s, utc(2026, 7, 1), utc(2026, 7, 2)) == [utc(2026, 7, 1, 6, 0)]
    assert occurrences_between(s, utc(2026, 1, 1), utc(2026, 1, 2)) == [utc(2026, 1, 1, 7, 0)]


def test_weekdays_only_use_the_local_date() -> None:
    # 2026-05-01 is a Friday. 23:30 in Los Angeles on Friday is Saturday 06:30 UTC.
    s = spec(time(23, 30), "America/Los_Angeles", WEEKDAYS)
    found = occurrences_between(s, utc(2026, 4, 30, 12), utc(2026, 5, 5, 12))
    assert found == [utc(2026, 5, 1, 6, 30), utc(2026, 5, 2, 6, 30), utc(2026, 5, 5, 6, 30)]
    # Local dates Thu, Fri, Mon; the UTC dates Fri, Sat, Tue would be wrong for a weekday check.
    assert [o.astimezone(ZoneInfo("America/Los_Angeles")).weekday() for o in found] == [3, 4, 0]


def test_specific_days() -> None:
    s = spec(time(9, 15), "UTC", frozenset({0, 2, 4}))  # mon, wed, fri
    found = occurrences_between(s, utc(2026, 5, 4), utc(2026, 5, 11))  # Mon 4 .. Mon 11 00:00
    assert [o.day for o in found] == [4, 6, 8]


def test_berlin_spring_forward_gap_posts_at_next_valid_minute() -> None:
    # 2026-03-29: clocks jump from 02:00 CET to 03:00 CEST; 02:30 does not exist.
    s = spec(time(2, 30), "Europe/Berlin")
    found = occurrences_between(s, utc(2026, 3, 28), utc(2026, 3, 31))
    assert found == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)]


def test_berlin_fall_back_repeat_posts_once_at_first() -> None:
    # 2026-10-25: 02:00-03:00 happens twice (CEST then CET); post at the first 02:30 (00:30 UTC).
    s = spec(time(2, 30), "Europe/Berlin")
    found = occurrences_between(s, utc(2026, 10, 24), utc(2026, 10, 27))
    assert found == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]


def test_new_york_spring_forward_gap() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:15 becomes 03:00 EDT = 07:00 UTC.
    s = spec(time(2, 15), "America/New_York")
    found = occurrences_between(s, utc(2026, 3, 7, 12), utc(2026, 3, 9, 12))
    assert found == [utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 15)]


def test_new_york_fall_back_repeat_posts_once() -> None:
    # 2026-11-01: 01:00-02:00 repeats; 01:30 EDT (05:30 UTC) is the first, 01:30 EST (06:30 UTC) is not used.
    s = spec(time(1, 30), "America/New_York")
    found = occurrences_between(s, utc(2026, 10, 31, 12), utc(2026, 11, 2, 12))
    assert found == [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]


def test_times_outside_the_change_hour_are_untouched_on_dst_days() -> None:
    s = spec(time(8, 0), "America/New_York")
    found = occurrences_between(s, utc(2026, 3, 7, 14), utc(2026, 3, 9, 14))
    assert found == [utc(2026, 3, 8, 12, 0), utc(2026, 3, 9, 12, 0)]  # EDT from the 8th


def test_leap_day_is_an_ordinary_day() -> None:
    s = spec(time(7, 0), "Asia/Tokyo", frozenset({1}))  # Tuesdays; 2028-02-29 is a Tuesday
    found = occurrences_between(s, utc(2028, 2, 27), utc(2028, 3, 8))
    assert found == [utc(2028, 2, 28, 22, 0), utc(2028, 3, 6, 22, 0)]
    assert found[0].astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat() == "2028-02-29"


def test_empty_and_inverted_windows() -> None:
    s = spec(time(8, 0))
    assert occurrences_between(s, utc(2026, 5, 1, 9), utc(2026, 5, 1, 9)) == []
    assert occurrences_between(s, utc(2026, 5, 2), utc(2026, 5, 1)) == []


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        occurrences_between(spec(time(8, 0)), datetime(2026, 5, 1), utc(2026, 5, 2))


def test_unknown_timezone_is_a_config_error_naming_the_digest() -> None:
    with pytest.raises(ConfigError, match=r"'d'.*Mars/Olympus"):
        occurrences_between(spec(time(8, 0), "Mars/Olympus"), utc(2026, 5, 1), utc(2026, 5, 2))


def test_due_splits_by_grace() -> None:
    s = spec(time(8, 0))
    now = utc(2026, 5, 3, 10, 0)
    to_post, missed = due(s, last_seen=utc(2026, 5, 1, 8, 0), now=now, grace=timedelta(hours=3))
    assert to_post == [utc(2026, 5, 3, 8, 0)]
    assert missed == [utc(2026, 5, 2, 8, 0)]


def test_due_grace_boundary_is_inclusive() -> None:
    s = spec(time(8, 0))
    to_post, missed = due(s, last_seen=utc(2026, 5, 3), now=utc(2026, 5, 3, 11, 0), grace=timedelta(hours=3))
    assert (to_post, missed) == ([utc(2026, 5, 3, 8, 0)], [])
    to_post, missed = due(
        s, last_seen=utc(2026, 5, 3), now=utc(2026, 5, 3, 11, 0, 1), grace=timedelta(hours=3)
    )
    assert (to_post, missed) == ([], [utc(2026, 5, 3, 8, 0)])


def test_digest_created_mid_day_does_not_owe_the_morning_post() -> None:
    s = spec(time(8, 0), "Europe/Berlin")
    created = utc(2026, 5, 4, 10, 0)  # noon in Berlin, after today's 08:00
    to_post, missed = due(s, last_seen=created, now=utc(2026, 5, 4, 11, 0), grace=timedelta(hours=3))
    assert (to_post, missed) == ([], [])
    to_post, _ = due(s, last_seen=created, now=utc(2026, 5, 5, 6, 0), grace=timedelta(hours=3))
    assert to_post == [utc(2026, 5, 5, 6, 0)]


def test_due_not_yet_reached() -> None:
    s = spec(time(8, 0))
    assert due(s, last_seen=utc(2026, 5, 3), now=utc(2026, 5, 3, 7, 59), grace=timedelta(hours=3)) == ([], [])
