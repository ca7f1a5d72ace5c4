"""The article record every other module reads. Frozen, slotted, small: 10k+ of these stay in memory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any


@dataclass(frozen=True, slots=True)
class Related:
    """One item of an article's related coverage (another outlet's article, picked by the source site)."""

    title: str
    url: str
    provider: str
    domain: str
    published: datetime | None
    quality: float | None

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as constructor arguments: markedly faster than the slots default (parse cache).
        return (Related, _RELATED_VALUES(self))


@dataclass(frozen=True, slots=True)
class Article:
    """One usable article file. ``published`` is timezone-aware UTC; ``id`` is derived from ``url``."""

    id: str
    title: str
    excerpt: str
    url: str
    published: datetime
    quality: float | None
    heat: float | None
    provider: str
    domain: str
    topics: tuple[str, ...]
    type: str
    image: str | None
    published_flag: bool | None
    related: tuple[Related, ...]
    path: str

    def __reduce__(self) -> tuple[Any, ...]:
        return (Article, _ARTICLE_VALUES(self))


_RELATED_VALUES = attrgetter(*Related.__dataclass_fields__)
_ARTICLE_VALUES = attrgetter(*Article.__dataclass_fields__)
