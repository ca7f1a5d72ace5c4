"""DigestSpec <-> JSON-ready dict, and UTC datetimes <-> the fixed-width text the database stores.

The spec codec walks ``dataclasses.fields(DigestSpec)`` so that a field added to the spec later is
stored without touching this module; only fields whose type JSON cannot carry need a case here.
Decoding ignores unknown keys and falls back to the dataclass default for missing ones, so an older
row (or a newer one) still loads.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time
from typing import Any

from bot.digests.spec import DigestSpec, RankingWeights

_SPEC_FIELDS = {f.name: f for f in dataclasses.fields(DigestSpec)}
_WEIGHT_FIELDS = {f.name for f in dataclasses.fields(RankingWeights)}


def require_utc(value: datetime, what: str = "datetime") -> datetime:
    """Return ``value`` converted to UTC; a naive datetime is a caller bug (ValueError)."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {value.isoformat()})")
    return value.astimezone(UTC)


def dt_to_db(value: datetime, what: str = "datetime") -> str:
    """Fixed-width ISO text, so that text order is time order (ORDER BY occurrence)."""
    return require_utc(value, what).isoformat(timespec="microseconds")


def dt_from_db(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def opt_dt_from_db(text: str | None) -> datetime | None:
    return None if text is None else dt_from_db(text)


def spec_to_dict(spec: DigestSpec) -> dict[str, Any]:
    """Every field of ``spec`` as JSON-native values (time as "HH:MM", days as a sorted list)."""
    out: dict[str, Any] = {}
    for name in _SPEC_FIELDS:
        value = getattr(spec, name)
        if isinstance(value, time):
            value = value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
        elif isinstance(value, frozenset):
            value = sorted(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, RankingWeights):
            value = dataclasses.asdict(value)
        out[name] = value
    return out


def spec_from_dict(data: dict[str, Any]) -> DigestSpec:
    """Inverse of :func:`spec_to_dict`; unknown keys are ignored, missing ones take the default."""
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _SPEC_FIELDS:
            continue
        if name == "time":
            value = time.fromisoformat(value)
        elif name == "days":
            value = frozenset(int(d) for d in value)
        elif name == "weights":
            value = RankingWeights(**{k: float(v) for k, v in value.items() if k in _WEIGHT_FIELDS})
        elif isinstance(value, list):
            value = tuple(value)
        kwargs[name] = value
    return DigestSpec(**kwargs)


def spec_diff(old: DigestSpec, new: DigestSpec) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field that differs (JSON-ready, for the audit log)."""
    before, after = spec_to_dict(old), spec_to_dict(new)
    return {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
