"""Value parsers shared by digests/*.yaml and `/news-admin subscribe`.

Each parser takes the raw value (a string, or what YAML produced) and the ``key`` it came from,
and raises QueryError whose message names the key and shows the right form. Callers add context:
the file loader prefixes the file name and collects every problem into one ConfigError; the
admin grammar appends the command's usage line.
"""

from __future__ import annotations

import difflib
import math
import re
import zoneinfo
from collections.abc import Iterable
from datetime import time
from functools import lru_cache

from bot.channel_refs import ChannelRef, is_typed_channel_id, parse_link
from bot.digests.spec import ALL_DAYS, WEEKDAYS
from bot.errors import QueryError
from bot.topics import TopicMatcher

MAX_TOPIC_CHARS = 100  # an unknown topic longer than this is not kept as a topic to wait for
MAX_ITEMS = (1, 20)  # stories per digest: Slack's 50-block limit leaves room for about 20
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_SETS = {
    "daily": ALL_DAYS,
    "everyday": ALL_DAYS,
    "every day": ALL_DAYS,
    "all": ALL_DAYS,
    "weekdays": WEEKDAYS,
    "weekday": WEEKDAYS,
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
}
DAYS_FORM = "daily, weekdays, weekends, or days such as mon,wed,fri (ranges too: mon-fri)"
# Slack keeps channel names lower-case, without spaces or punctuation other than - and _
# (letters of other scripts are allowed), at most 80 characters.
_CHANNEL_NAME = re.compile(r"[^\s#<>|,@!&'\"]{1,80}")


def parse_time(value: object, *, key: str = "time") -> time:
    """'07:30' → time(7, 30). 24-hour HH:MM; the hour may have one digit."""
    text = value.strip() if isinstance(value, str) else ""
    found = _TIME.fullmatch(text)
    if found:
        hour, minute = int(found.group(1)), int(found.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise QueryError(f"{key}: {_shown(value)} is not a time; use HH:MM on a 24-hour clock, e.g. {key}=07:30")


def parse_timezone(value: object, *, key: str = "timezone") -> str:
    """An IANA zone name ('Europe/Berlin'), matched case-insensitively, returned in canonical case."""
    text = value.strip() if isinstance(value, str) else ""
    names = _zone_names()
    canonical = names.get(text.casefold())
    if canonical:
        return canonical
    hint = ""
    close = suggest_timezones(text)
    if close:
        hint = f" Did you mean {' or '.join(close)}?"
    raise QueryError(f"{key}: unknown time zone {_shown(value)}; use Area/City, e.g. Europe/Berlin.{hint}")


def suggest_timezones(text: str, n: int = 3) -> list[str]:
    """Zone names close to ``text``: same city first ('berlin' → Europe/Berlin), then spelling."""
    folded = text.strip().casefold().replace(" ", "_")
    if not folded:
        return []
    names = _zone_names()
    by_city = [name for low, name in names.items() if low.rsplit("/", 1)[-1] == folded.rsplit("/", 1)[-1]]
    close = difflib.get_close_matches(folded, list(names), n=n, cutoff=0.6)
    out: list[str] = []
    for name in [*sorted(by_city), *(names[c] for c in close)]:
        if name not in out:
            out.append(name)
    return out[:n]


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    # Some systems list files of the zone folder that are not places: the host's own zone
    # ("localtime": a digest would move hours with the server), "Factory", "posixrules".
    names = {
        name.casefold(): name
        for name in zoneinfo.available_timezones()
        if name.casefold() not in {"localtime", "factory", "posixrules"}
    }
    names.setdefault("utc", "UTC")
    return names


def days_label(days: frozenset[int]) -> str:
    """``days`` as the grammar writes them: daily, weekdays, or mon,wed,fri."""
    if days == ALL_DAYS:
        return "daily"
    if days == WEEKDAYS:
        return "weekdays"
    return ",".join(_DAY_NAMES[d][:3] for d in sorted(days))


def parse_days(value: object, *, key: str = "days") -> frozenset[int]:
    """'daily' | 'weekdays' | 'weekends' | 'mon,wed,fri' | 'mon-fri' (or a list of days) → weekday ints."""
    if isinstance(value, str):
        text = value.strip().casefold()
        parts = [p.strip() for p in text.split(",")]
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        text = ",".join(value).casefold()
        parts = [str(v).strip().casefold() for v in value]
    else:
        raise QueryError(f"{key}: {_shown(value)} is not a list of days; use {DAYS_FORM}")
    if not parts:  # `days: []` would be a digest that never posts
        raise QueryError(f"{key}: an empty list names no day; use {DAYS_FORM}")
    if text in _DAY_SETS:
        return _DAY_SETS[text]
    days: set[int] = set()
    for part in parts:
        if part in _DAY_SETS:
            days |= _DAY_SETS[part]
            continue
        ends = [p.strip() for p in part.split("-")]
        numbers = [_day_number(end) for end in ends]
        if not part or len(ends) > 2 or None in numbers:
            raise QueryError(f"{key}: {part!r} is not a day; use {DAYS_FORM}")
        first, last = numbers[0], numbers[-1]
        assert first is not None and last is not None
        days.update((first + i) % 7 for i in range((last - first) % 7 + 1))
    return frozenset(days)


def _day_number(text: str) -> int | None:
    if len(text) < 2:
        return None
    for number, name in enumerate(_DAY_NAMES):
        if name.startswith(text):
            return number
    return None


def parse_int(value: object, *, key: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number within [minimum, maximum] (either bound optional)."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        number = int(value.strip())
    if number is None or not _in_range(number, minimum, maximum):
        raise QueryError(f"{key}: {_shown(value)} is not {_range_text('a whole number', minimum, maximum)}")
    return number


def parse_float(
    value: object,
    *,
    key: str,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
) -> float:
    """A finite number within [minimum, maximum]; ``positive`` also rejects 0 and below."""
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", value.strip()):
        number = float(value.strip())
    finite = number is not None and math.isfinite(number)
    if number is None or not finite or not _in_range(number, minimum, maximum) or (positive and number <= 0):
        form = _range_text("a number", minimum, maximum) + (" above 0" if positive else "")
        raise QueryError(f"{key}: {_shown(value)} is not {form}")
    return number


def _in_range(number: float, minimum: float | None, maximum: float | None) -> bool:
    return (minimum is None or number >= minimum) and (maximum is None or number <= maximum)


def _range_text(kind: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f"{kind} of at least {minimum:g}"
    if maximum is not None:
        return f"{kind} of at most {maximum:g}"
    return kind


def split_list(value: object, *, key: str) -> list[str]:
    """'A, B' or a YAML list of strings → ['A', 'B'] (blank items dropped)."""
    if isinstance(value, str):
        items: Iterable[object] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise QueryError(f"{key}: {_shown(value)} is not a list; use a comma-separated list or a YAML list")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise QueryError(f"{key}: {_shown(item)} is not text; each item is a name")
        if item.strip():
            out.append(item.strip())
    return out


def parse_topics(value: object, matcher: TopicMatcher, *, key: str = "topics") -> tuple[str, ...]:
    """Comma-separated topics, each resolved to a real topic name (see :func:`resolve_topics`, strict)."""
    return resolve_topics(value, matcher, key=key, strict=True)[0]


def resolve_topics(
    value: object, matcher: TopicMatcher, *, key: str = "topics", strict: bool
) -> tuple[tuple[str, ...], list[str]]:
    """Comma-separated topics → (topics, warnings). Each resolves to a real topic name; one that no
    loaded article has is kept as written, with a warning (the digest finds no stories on it until
    such articles are loaded). When ``strict`` (a person is writing the digest now: subscribe,
    `newsbot check`), an ambiguous topic or a likely misspelling of a known one raises QueryError
    naming every such entry; otherwise (start-up, reload, preview) those are warnings too."""
    topics: list[str] = []
    problems: list[str] = []
    warnings: list[str] = []
    for item in split_list(value, key=key):
        found = matcher.match(item)
        if len(found.topics) == 1:
            topic = found.topics[0]
        else:
            near = () if found.ambiguous else (matcher.near_topics(item) or matcher.absent_near(item))
            if found.ambiguous or near or _not_a_name(item):
                message = _topic_problem(item, matcher, near)
                if strict:
                    problems.append(message)
                    continue
                warnings.append(f"{key}: {message} Until it is fixed, the digest finds no stories on it.")
                topic = item
            else:
                topic = matcher.absent_topic(item) or item
                named = repr(topic) if topic == item else f"{topic!r} ({item!r})"
                warnings.append(
                    f"{key}: no loaded article has the topic {named}; the digest finds no stories on it "
                    "until such articles are loaded"
                )
        if topic not in topics:
            topics.append(topic)
    if problems:
        raise QueryError(f"{key}: " + " ".join(problems))
    return tuple(topics), warnings


def _not_a_name(item: str) -> bool:
    """Text that cannot be a topic to wait for: markup, or longer than any real topic name."""
    return len(item) > MAX_TOPIC_CHARS or any(ch in item for ch in "<>|")


def _topic_problem(item: str, matcher: TopicMatcher, near: tuple[str, ...]) -> str:
    if near:
        return f"Unknown topic '{item.strip()}'. Did you mean: {', '.join(near)}?"
    try:
        matcher.resolve(item)
    except QueryError as err:
        return str(err)
    return f"'{item.strip()}' is ambiguous."  # not reached: resolve raises for ambiguous text


def absent_topics(topics: Iterable[str], matcher: TopicMatcher) -> tuple[str, ...]:
    """Those of ``topics`` that no loaded article has (e.g. after `/news-admin subscribe`): the digest
    finds no stories on them until some arrive."""
    known = set(matcher.topics)
    return tuple(topic for topic in topics if topic not in known)


MAX_FILTER_ENTRIES = 50  # per filter key: enough for a real block list, small enough to show in a list
MAX_FILTER_CHARS = 80  # per word, phrase or outlet
FILTER_FORMS: dict[str, str] = {
    "include": 'include="robot, self driving"',
    "exclude": 'exclude="crypto, stock tips"',
    "exclude_outlets": 'exclude_outlets="Example News, example.com"',
}


def parse_filter_list(value: object, *, key: str) -> tuple[str, ...]:
    """A filter key's entries (``include``, ``exclude``: words or phrases; ``exclude_outlets``: outlet
    names or domains) from a comma-separated text or a YAML list: each non-empty, at most
    MAX_FILTER_CHARS, holding a letter or digit, at most MAX_FILTER_ENTRIES of them, repeats (ignoring
    case) dropped. An empty list clears the filter."""
    form = FILTER_FORMS.get(key, f"{key}=A,B")
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
        blanks = [i for i in items if isinstance(i, str) and not i.strip()]
        if blanks and len(items) > 1:
            raise QueryError(
                f"{key}: {_shown(value)} has an empty entry (two commas in a row?); write {form}"
            )
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise QueryError(f"{key}: {_shown(value)} is not a list; write {form} or a YAML list")
    out: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str):
            raise QueryError(f"{key}: {_shown(item)} is not text; each entry is a word, phrase or name")
        text = " ".join(item.split())
        if not text:
            raise QueryError(f"{key}: an entry is empty; write {form}")
        if "," in text:
            raise QueryError(f"{key}: {_shown(text)} holds a comma; give each entry as its own list item")
        if len(text) > MAX_FILTER_CHARS:
            raise QueryError(
                f"{key}: {_shown(text)} is too long ({len(text)} characters; at most {MAX_FILTER_CHARS})"
            )
        if not any(ch.isalnum() for ch in text):
            raise QueryError(f"{key}: {_shown(text)} has no letter or digit to match; write {form}")
        out.setdefault(text.casefold(), text)
    if len(out) > MAX_FILTER_ENTRIES:
        raise QueryError(f"{key}: {len(out)} entries is too many; at most {MAX_FILTER_ENTRIES}")
    return tuple(out.values())


def parse_channel(value: object, *, key: str = "channel", allow_bare_name: bool = False) -> ChannelRef:
    """`<#C0123|name>`, `<#C0123>`, `#name`, `C0123`/`G0123` (and a bare `name` if allowed)."""
    text = value.strip() if isinstance(value, str) else ""
    link = parse_link(text)
    if link is not None:
        return link
    if is_typed_channel_id(text):
        return ChannelRef(text, None)
    name = text[1:] if text.startswith("#") else text if allow_bare_name else ""
    if _CHANNEL_NAME.fullmatch(name):
        return ChannelRef(None, name.lower())
    bare = ", a channel name" if allow_bare_name else ""
    raise QueryError(
        f"{key}: {_shown(value)} is not a channel; use #channel-name{bare} or a channel ID (C0123…)"
    )


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else f"{value!r} ({type(value).__name__})"
    return text if len(text) <= 60 else text[:57] + "…"
