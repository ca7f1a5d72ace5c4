"""Where the bundled sample articles and the default parse cache live; file names and kinds in words."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path


def sample_dir() -> Path:
    """The sample article folder shipped inside the package (used when no folder is configured)."""
    return Path(__file__).resolve().parent.parent / "sample_articles"


def default_cache_path(roots: Sequence[Path] = (), environ: Mapping[str, str] | None = None) -> Path:
    """``NEWSBOT_CACHE`` if set, else a file per set of folders under ``$XDG_CACHE_HOME/newsbot``.

    Read at call time (never at import). One file per folder set keeps two bots on different
    folders from overwriting each other's cache.
    """
    env = os.environ if environ is None else environ
    if env.get("NEWSBOT_CACHE"):
        return Path(env["NEWSBOT_CACHE"]).expanduser()
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    joined = os.pathsep.join(str(Path(root).absolute()) for root in roots)
    # surrogateescape: a folder name that is not UTF-8 gives its own bytes (valid names hash as before).
    digest = hashlib.sha1(joined.encode("utf-8", "surrogateescape"), usedforsecurity=False).hexdigest()[:12]
    return base / "newsbot" / f"articles-{digest}.cache"


def display_path(path: str | os.PathLike[str]) -> str:
    """A file name that can always be printed or put in JSON, also when it is not valid UTF-8.

    Python keeps undecodable name bytes as lone surrogates (surrogateescape), which a UTF-8 stream
    refuses; they are shown as ``\\xNN`` escapes instead. Valid names come back unchanged. Use it
    on any text that holds a file name (skip lines, warnings); keep the original to open the file.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate that did not come from a file name
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def file_kind(mode: int) -> str:
    """What a file that is not a regular one is, in words (from its st_mode)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "of an unknown kind"
