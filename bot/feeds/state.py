"""What the feed reader remembers between runs, in one small JSON file inside the output folder.

Per feed: the validators for a conditional GET (ETag, Last-Modified), the last success and error,
consecutive failures, when it is due next, and for each entry key the file written for it, the
fingerprint of its content, when it was first seen (the date of an undated entry) and last seen
(an entry gone from its feed for FORGET_AFTER is forgotten; its file stays). The file is
rewritten atomically; a missing or unreadable one starts afresh (a first fetch then finds its
files by their stable names, so nothing is duplicated).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.feeds.writer import write_atomic

STATE_NAME = ".feeds-state.json"
VERSION = 1

log = logging.getLogger(__name__)


@dataclass(slots=True)
class EntryState:
    file: str
    fingerprint: str
    url: str
    first_seen: str
    last_seen: str = ""  # the last read that found the entry in its feed ("": first_seen)


@dataclass(slots=True)
class FeedState:
    etag: str | None = None
    modified: str | None = None
    last_attempt: str | None = None
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    failures: int = 0
    next_due: str | None = None
    name: str | None = None
    entries: dict[str, EntryState] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """One feed's health, for /healthz and `newsbot check`."""

    url: str
    name: str | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int
    entries: int
    next_due: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "name": self.name,
            "last_success": _iso(self.last_success),
            "last_error": self.last_error,
            "last_error_at": _iso(self.last_error_at),
            "failures": self.failures,
            "entries": self.entries,
            "next_due": _iso(self.next_due),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


class StateFile:
    """The state of every feed writing into one folder. Not thread-safe: one owner updates it."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_NAME
        self.feeds: dict[str, FeedState] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            for url, raw in data["feeds"].items():
                entries = {key: EntryState(**value) for key, value in raw.pop("entries", {}).items()}
                self.feeds[url] = FeedState(**raw, entries=entries)
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
            log.warning("feed state %s unusable (%s); starting afresh", self.path, err)
            self.feeds = {}

    def feed(self, url: str) -> FeedState:
        return self.feeds.setdefault(url, FeedState())

    def files_by_url(self) -> dict[str, str]:
        """Every article URL already written, by any feed, and its file."""
        return {entry.url: entry.file for state in self.feeds.values() for entry in state.entries.values()}

    def save(self) -> None:
        data = {"version": VERSION, "feeds": {url: _as_dict(state) for url, state in self.feeds.items()}}
        write_atomic(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))

    def status(self, url: str, name: str | None = None) -> FeedStatus:
        state = self.feeds.get(url) or FeedState()
        return FeedStatus(
            url=url,
            name=name or state.name,
            last_success=_parse(state.last_success),
            last_error=state.last_error,
            last_error_at=_parse(state.last_error_at),
            failures=state.failures,
            entries=len(state.entries),
            next_due=_parse(state.next_due),
        )


def _as_dict(state: FeedState) -> dict[str, Any]:
    # Hand-written rather than dataclasses.asdict, whose deep copies cost most of a save.
    data: dict[str, Any] = {name: getattr(state, name) for name in FeedState.__slots__ if name != "entries"}
    data["entries"] = {
        key: {
            "file": e.file,
            "fingerprint": e.fingerprint,
            "url": e.url,
            "first_seen": e.first_seen,
            "last_seen": e.last_seen,
        }
        for key, e in state.entries.items()
    }
    return data
