"""Find article files under the configured folders, with the (mtime_ns, size) signature the cache keys on."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from bot.errors import ArticlesUnavailableError

# path → (mtime_ns, size)
Signatures = dict[str, tuple[int, int]]


def scan_roots(roots: Sequence[Path], warnings: list[str]) -> Signatures:
    """Every ``*.md`` file under the roots (recursively, skipping hidden folders), sorted by path.

    Raises ArticlesUnavailableError when a root does not exist or cannot be read; an unreadable
    subfolder or file only adds a warning.
    """
    found: Signatures = {}
    visited: set[tuple[int, int]] = set()
    for root in roots:
        try:
            info = root.stat()
        except OSError as err:
            reason = (
                "does not exist" if isinstance(err, FileNotFoundError) else f"cannot be read ({err.strerror})"
            )
            raise ArticlesUnavailableError(f"articles folder {root} {reason}") from None
        if not root.is_dir():
            raise ArticlesUnavailableError(f"articles folder {root} is not a folder")
        visited.add((info.st_dev, info.st_ino))
        try:
            _walk(str(root.absolute()), found, visited, warnings, top=True)
        except OSError as err:
            raise ArticlesUnavailableError(
                f"articles folder {root} cannot be read ({err.strerror})"
            ) from None
    return dict(sorted(found.items()))


def _walk(
    folder: str, found: Signatures, visited: set[tuple[int, int]], warnings: list[str], *, top: bool
) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as err:
        if top:
            raise
        warnings.append(f"{folder}: folder skipped ({err.strerror or err})")
        return
    for entry in entries:
        try:
            if entry.is_dir():
                if entry.name.startswith("."):
                    continue
                info = entry.stat()
                key = (info.st_dev, info.st_ino)
                if key in visited:  # a symlink loop or a folder listed twice
                    continue
                visited.add(key)
                _walk(entry.path, found, visited, warnings, top=False)
            elif entry.name.lower().endswith(".md") and entry.is_file():
                info = entry.stat()
                found[entry.path] = (info.st_mtime_ns, info.st_size)
        except OSError as err:
            warnings.append(f"{entry.path}: skipped ({err.strerror or err})")
