"""Helpers for the article tests: where ../shared is, and an Article as plain JSON data."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.models import Article

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus"
MAKE_CORPUS = SHARED / "tools" / "make_corpus.py"


def record(article: Article, *, relative_to: Path | None = None) -> dict[str, Any]:
    """Every field of an article as JSON-compatible data (datetimes as ISO strings)."""
    data = asdict(article)
    if relative_to is not None:
        data["path"] = Path(article.path).relative_to(relative_to).as_posix()
    plain: dict[str, Any] = _plain(data)
    return plain


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
