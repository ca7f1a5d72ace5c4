"""The persistent parse cache: per file (path, mtime_ns, size) → parse outcome, so restarts skip parsing.

The cache is only ever an optimisation: a missing, corrupt, foreign or outdated file is ignored
(and rebuilt on the next save), never fatal. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import pickle
import stat
import tempfile
from pathlib import Path
from typing import Any, Final

from bot.articles.parse import MAX_EXCERPT, MAX_TITLE, ParsedFile
from bot.models import Article, Related

# Bump when parsing rules change; field lists and limits are part of the key, so a model change
# invalidates old caches by itself.
CACHE_FORMAT: Final = 3
_MAGIC: Final = b"newsbot-parse-cache\n"


def cache_key() -> str:
    """What a cache must have been written with to be reused."""
    names = [f.name for cls in (Article, Related, ParsedFile) for f in dataclasses.fields(cls)]
    return f"{CACHE_FORMAT}|{','.join(names)}|{MAX_EXCERPT}|{MAX_TITLE}"


# path → (mtime_ns, size, outcome)
Entries = dict[str, tuple[int, int, ParsedFile]]

_ALLOWED: Final = frozenset(
    {
        ("bot.models", "Article"),
        ("bot.models", "Related"),
        ("bot.articles.parse", "ParsedFile"),
        ("datetime", "datetime"),
        ("datetime", "timezone"),
        ("datetime", "timedelta"),
        ("builtins", "set"),
    }
)


class _RecordUnpickler(pickle.Unpickler):
    """Unpickles only our record types: a tampered cache file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"unexpected {module}.{name} in parse cache")
        return super().find_class(module, name)


def read_cache(path: Path) -> Entries:
    """The cached entries, or {} when the file is missing, unreadable, corrupt or from another version."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    if not data.startswith(_MAGIC):
        return {}
    try:
        payload = _RecordUnpickler(io.BytesIO(data[len(_MAGIC) :])).load()
    except Exception:  # noqa: BLE001 - any damage means "no cache", by design
        return {}
    if not isinstance(payload, dict) or payload.get("key") != cache_key():
        return {}
    entries = payload.get("entries")
    return entries if isinstance(entries, dict) else {}


def write_cache(path: Path, entries: Entries) -> str | None:
    """Save entries atomically; returns a warning instead of raising when the cache cannot be written.
    A file at ``path`` that is not a parse cache (NEWSBOT_CACHE set to the database by mistake) is
    never replaced."""
    foreign = _foreign(path)
    if foreign:
        return f"parse cache {path} not saved: {foreign}; set NEWSBOT_CACHE to a new file"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_MAGIC)
                pickle.dump({"key": cache_key(), "entries": entries}, out, protocol=pickle.HIGHEST_PROTOCOL)
            Path(temp_name).replace(path)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temp_name).unlink()
            raise
    except OSError as err:
        return f"parse cache {path} not saved ({err.strerror or err})"
    return None


def _foreign(path: Path) -> str | None:
    """Why the file at ``path`` must not be replaced by a cache, or None (absent, empty or ours)."""
    try:
        info = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return "it is not a regular file"
    if info.st_size == 0:
        return None
    try:
        # Non-blocking: should the file have been swapped for a FIFO since stat, open does not hang.
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as existing:
            head = existing.read(len(_MAGIC))
    except OSError as err:
        return f"it cannot be read ({err.strerror or err})"
    return None if head == _MAGIC else "the file there is not a newsbot parse cache"
