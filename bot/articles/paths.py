"""Where the bundled sample articles and the default parse cache live."""

from __future__ import annotations

import hashlib
import os
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
    digest = hashlib.sha1(joined.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
    return base / "newsbot" / f"articles-{digest}.cache"
