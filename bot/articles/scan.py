"""Find article files under the configured folders, with the (mtime_ns, size) signature the cache keys on."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from bot.articles.paths import display_path, file_kind
from bot.errors import ArticlesUnavailableError

# path → (mtime_ns, size)
Signatures = dict[str, tuple[int, int]]
# path → why it is not an article file (a FIFO, a symlink loop…)
Unusable = dict[str, str]


def scan_roots(roots: Sequence[Path], warnings: list[str], unusable: Unusable | None = None) -> Signatures:
    """Every regular ``*.md`` file under the roots (recursively, skipping hidden folders), sorted by path.

    A ``*.md`` entry that is not a regular file (a FIFO, socket or device; a symlink loop or a
    dangling link) goes into ``unusable`` with the reason, and is never opened. Raises
    ArticlesUnavailableError when a root does not exist or cannot be read; an unreadable subfolder
    only adds a warning.
    """
    if unusable is None:
        unusable = {}
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
            _walk(str(root.absolute()), found, unusable, visited, warnings, top=True)
        except OSError as err:
            raise ArticlesUnavailableError(
                f"articles folder {root} cannot be read ({err.strerror})"
            ) from None
    return dict(sorted(found.items()))


def _walk(
    folder: str,
    found: Signatures,
    unusable: Unusable,
    visited: set[tuple[int, int]],
    warnings: list[str],
    *,
    top: bool,
) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError as err:
        if top:
            raise
        warnings.append(f"{display_path(folder)}: folder skipped ({err.strerror or err})")
        return
    for entry in entries:
        article = entry.name.lower().endswith(".md")
        try:
            if entry.is_dir():
                if entry.name.startswith("."):
                    continue
                info = entry.stat()
                key = (info.st_dev, info.st_ino)
                if key in visited:  # a symlink loop or a folder listed twice: its files are in already
                    continue
                visited.add(key)
                _walk(entry.path, found, unusable, visited, warnings, top=False)
            elif article:
                info = entry.stat()  # follows a symlink, as opening would
                if stat.S_ISREG(info.st_mode):
                    found[entry.path] = (info.st_mtime_ns, info.st_size)
                else:  # opening a FIFO would block the load; a device could be endless
                    unusable[entry.path] = f"not a regular file ({file_kind(info.st_mode)})"
        except OSError as err:
            if article:
                unusable[entry.path] = f"cannot read ({err.strerror or err})"
            else:
                warnings.append(f"{display_path(entry.path)}: skipped ({err.strerror or err})")
