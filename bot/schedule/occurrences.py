"""Schedule maths: when a digest is due, as UTC instants. Pure: every function takes the times it needs.

A digest posts at ``spec.time`` local wall-clock time in ``spec.timezone`` on ``spec.days`` (weekday of the
local date). Daylight-saving rules:

- a wall time the spring-forward gap skips (02:30 in Europe/Berlin on the last Sunday of March) posts at
  the first valid minute after the gap (03:00 local), so the digest is late rather than lost;
- a wall time the fall-back repeats posts once, at its first occurrence (``fold=0``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.digests.spec import DigestSpec
from bot.errors import ConfigError

_MINUTE = timedelta(minutes=1)
# Longest known gap is Samoa skipping 2011-12-30 entirely; a day of minutes bounds the search.
_MAX_GAP_MINUTES = 24 * 60 + 1


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


def zone_of(spec: DigestSpec) -> ZoneInfo:
    try:
        return ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise ConfigError(f"digest {spec.name!r}: unknown timezone {spec.timezone!r}") from err


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    """True when the naive local ``wall`` time is shown by clocks in ``zone`` (not inside a DST gap)."""
    round_trip = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return round_trip == wall


def local_instant(day: date, spec: DigestSpec, zone: ZoneInfo) -> datetime:
    """The UTC instant the digest posts on local date ``day`` (whatever its weekday)."""
    wall = datetime.combine(day, spec.time.replace(tzinfo=None, fold=0))
    if not _exists(wall, zone):
        # Inside a gap: walk forward to the first minute the clocks show.
        candidate = wall.replace(second=0, microsecond=0)
        for _ in range(_MAX_GAP_MINUTES):
            candidate += _MINUTE
            if _exists(candidate, zone):
                wall = candidate
                break
    # fold=0 picks the first of two repeated wall times on a fall-back day.
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def occurrences_between(spec: DigestSpec, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in (start, end] at which ``spec`` posts, oldest first."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    if end <= start:
        return []
    zone = zone_of(spec)
    # One day of margin each side: a local date can start up to ~14 h away from the UTC date.
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    last_day = end.astimezone(zone).date() + timedelta(days=1)
    found: list[datetime] = []
    day = first_day
    while day <= last_day:
        if day.weekday() in spec.days:
            instant = local_instant(day, spec, zone)
            if start < instant <= end:
                found.append(instant)
        day += timedelta(days=1)
    # Sorted and deduplicated: a gap shift could in theory land on the next day's instant.
    return sorted(set(found))


def due(
    spec: DigestSpec, *, last_seen: datetime, now: datetime, grace: timedelta
) -> tuple[list[datetime], list[datetime]]:
    """Split the occurrences in (last_seen, now] into (to post, missed beyond ``grace``), oldest first."""
    to_post: list[datetime] = []
    missed: list[datetime] = []
    for occurrence in occurrences_between(spec, last_seen, now):
        (to_post if now - occurrence <= grace else missed).append(occurrence)
    return to_post, missed


_NEXT_HORIZON = timedelta(days=8)  # every schedule posts at least once a week


def next_occurrence(spec: DigestSpec, now: datetime) -> datetime | None:
    """The first instant after ``now`` at which ``spec`` posts (None: its time zone is unknown)."""
    try:
        upcoming = occurrences_between(spec, now, now + _NEXT_HORIZON)
    except ConfigError:
        return None
    return upcoming[0] if upcoming else None
