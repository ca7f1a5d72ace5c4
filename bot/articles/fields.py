"""Field readers: one loose YAML value in, one clean typed value out (or a reason it is unusable)."""

from __future__ import annotations

import math
import re
import sys
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import yaml

_TRUE = frozenset({"true", "yes", "on"})
_FALSE = frozenset({"false", "no", "off"})
_NUMBERS: dict[float, float] = {}
_SPACE = re.compile(r"\s")
# YAML's own timestamp forms, which fromisoformat does not all read (e.g. "2001-12-14 21:59:43.10 -5").
_YAML_TIMESTAMP = yaml.constructor.SafeConstructor.timestamp_regexp


def text(value: Any) -> str | None:
    """A scalar as text; None for missing, blank or non-scalar values."""
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    if isinstance(value, bool | int | float):
        return str(value)
    return None


def intern(value: str) -> str:
    """Share one copy of strings that repeat across thousands of articles (outlets, topics, types)."""
    return sys.intern(value)


def number(value: Any) -> float | None:
    """A finite number (int, float or numeric string); None when missing. Raises ValueError if malformed."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {_short(value)}")
    try:
        result = float(value)
    except ValueError:
        raise ValueError(f"not a number: {_short(value)}") from None
    if not math.isfinite(result):
        raise ValueError(f"not a finite number: {_short(value)}")
    # Scores repeat (0..189), so one float object per value keeps 10k+ records small.
    return _NUMBERS.setdefault(result, result)


FIRST_YEAR, LAST_YEAR = 1970, 9998  # as for `--now`: a window before a time and days after it fit


def timestamp(value: Any) -> datetime:
    """A timezone-aware UTC datetime from an ISO 8601 string (Z, offset or naive = UTC) or a date/datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        cleaned = value.strip()
        if cleaned[-1:] in ("z", "Z"):
            cleaned = cleaned[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(cleaned)
        except ValueError:
            parsed = _yaml_timestamp(cleaned, value)
    else:
        raise ValueError(f"unparseable date {_short(value)}")
    try:
        moment = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:30 is before year 1 in UTC
        moment = None
    if moment is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
        # Feeds write 0001-01-01 or 9999-12-31 for "no date"; the clock maths needs room around it.
        raise ValueError(f"date {_short(value)} is out of range: give one from {FIRST_YEAR} to {LAST_YEAR}")
    return moment


def _yaml_timestamp(cleaned: str, value: str) -> datetime:
    """A timestamp in one of the YAML spec's forms (what an unquoted YAML timestamp may look like)."""
    if not _YAML_TIMESTAMP.match(cleaned):
        raise ValueError(f"unparseable date {_short(value)}")
    node = yaml.ScalarNode("tag:yaml.org,2002:timestamp", cleaned)
    try:
        parsed = yaml.SafeLoader("").construct_yaml_timestamp(node)
    except ValueError:  # e.g. month 13
        raise ValueError(f"unparseable date {_short(value)}") from None
    if isinstance(parsed, datetime):
        return parsed
    return datetime(parsed.year, parsed.month, parsed.day)


def flag(value: Any) -> bool | None:
    """A yes/no flag; None when missing. Raises ValueError when it is neither."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError(f"not true/false: {_short(value)}")


def web_url(value: Any) -> str | None:
    """An absolute http(s) URL, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url.startswith(("https://", "http://")) or len(url) < 11 or _SPACE.search(url):
        return None
    return url


def first_url(mapping: dict[Any, Any]) -> str | None:
    """webUrl, else originalUrl, else ampWebUrl: the first usable one."""
    for key in ("webUrl", "originalUrl", "ampWebUrl"):
        url = web_url(mapping.get(key))
        if url:
            return url
    return None


def domain_of(url: str) -> str:
    """The host of a URL without a leading www., for outlets that give no domain."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def url_key(url: str) -> str:
    """One page however its URL is written: no scheme, case, leading www., trailing slash or #fragment
    (outlets and feeds republish a page under such variants)."""
    rest = url.split("://", 1)[-1].split("#", 1)[0].lower()
    rest = rest[4:] if rest.startswith("www.") else rest
    host, _, path = rest.partition("/")
    return f"{host}/{path.rstrip('/')}"


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
