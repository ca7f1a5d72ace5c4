"""The feeds file (``NEWSBOT_FEEDS``, YAML): which feeds to read, with their topics, quality and interval.

The file is a list of feeds (or a mapping with a ``feeds:`` list); each feed is a URL or a mapping
with ``url`` and the optional keys below. Validation collects every problem and raises one
ConfigError naming the file, the feed and the key, the way digests/*.yaml are checked.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.digests.values import parse_float, split_list
from bot.errors import ConfigError, QueryError

# Missing quality in a feed file: the ranker's own default for an article without one.
DEFAULT_QUALITY = 40.0
DEFAULT_EVERY_MINUTES = 30.0
MIN_EVERY_MINUTES = 1.0
MAX_EVERY_MINUTES = 7 * 24 * 60.0
KEYS = ("url", "name", "topics", "quality", "every")
FORM = "each feed is a URL or a mapping with url and optional name, topics, quality, every (minutes)"


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One feed to read. ``name`` None: the feed's own title names the outlet."""

    url: str
    name: str | None = None
    topics: tuple[str, ...] = ()
    quality: float = DEFAULT_QUALITY
    every_minutes: float = DEFAULT_EVERY_MINUTES

    @property
    def label(self) -> str:
        """How messages name the feed: its name and URL."""
        return f"{self.name} ({self.url})" if self.name else self.url


def feed_url(value: object, *, key: str = "url") -> str:
    """An absolute http(s) URL; QueryError naming ``key`` otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in text):
        raise QueryError(f"{key}: {value!r:.80} is not an http(s) URL; use e.g. https://example.com/feed.xml")
    return text


def load_feeds_file(path: Path) -> list[FeedSource]:
    """Every feed in the file, validated; ConfigError listing each problem (file, feed, key)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot be read ({err.strerror or err})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(err, 'problem', None) or err}") from None
    if isinstance(data, dict) and set(data) == {"feeds"}:
        data = data["feeds"]
    if not isinstance(data, list) or not data:
        raise ConfigError(f"{path}: expected a list of feeds (or feeds: followed by one); {FORM}")
    problems: list[str] = []
    feeds: list[FeedSource] = []
    seen: dict[str, int] = {}
    for position, item in enumerate(data, start=1):
        feed, found = read_feed(item)
        raw_url = item if isinstance(item, str) else item.get("url") if isinstance(item, dict) else None
        where = f"feed {position}" + (f" ({raw_url})" if isinstance(raw_url, str) and raw_url.strip() else "")
        problems.extend(f"{path}: {where}: {problem}" for problem in found)
        if feed is None:
            continue
        first = seen.setdefault(feed.url, position)
        if first != position:
            problems.append(f"{path}: {where}: url: the same feed as feed {first}")
            continue
        feeds.append(feed)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
        raise ConfigError(f"Feeds file {path} has {count}:\n" + "\n".join(f"- {p}" for p in problems))
    return feeds


def read_feed(item: Any) -> tuple[FeedSource | None, list[str]]:
    """One entry of the list → (feed, problems); the feed is None whenever there is a problem."""
    if isinstance(item, str):
        item = {"url": item}
    if not isinstance(item, dict):
        return None, [f"{item!r:.60} is not a feed; {FORM}"]
    problems: list[str] = []
    for key in item:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (keys: {', '.join(KEYS)})"
            problems.append(f"{key}: unknown key{hint}")
    values: dict[str, Any] = {}
    checks: dict[str, Callable[[Any], Any]] = {
        "url": lambda v: feed_url(v),
        "name": _name,
        "topics": lambda v: tuple(dict.fromkeys(split_list(v, key="topics"))),
        "quality": lambda v: parse_float(v, key="quality", minimum=0),
        "every": lambda v: parse_float(v, key="every", minimum=MIN_EVERY_MINUTES, maximum=MAX_EVERY_MINUTES),
    }
    if "url" not in item:
        problems.append("url: missing (the feed's address, e.g. url: https://example.com/feed.xml)")
    for key, check in checks.items():
        if key in item and item[key] is not None:
            try:
                values[key] = check(item[key])
            except QueryError as err:
                problems.append(str(err))
    if problems:
        return None, problems
    return (
        FeedSource(
            url=values["url"],
            name=values.get("name"),
            topics=values.get("topics", ()),
            quality=values.get("quality", DEFAULT_QUALITY),
            every_minutes=values.get("every", DEFAULT_EVERY_MINUTES),
        ),
        [],
    )


def _name(value: object) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value).strip():
        raise QueryError(f"name: {value!r:.60} is not a name; use text, e.g. name: Example News")
    return " ".join(str(value).split())
