"""Hand-built Article / Related records for the composer's data tests (ranking, merging, digests, queries)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from bot.models import Article, Related

NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
_serial = count(1)


def make_article(title: str | None = None, *, hours_ago: float = 1.0, **overrides: Any) -> Article:
    """An article with a unique URL and outlet unless given; ``hours_ago`` sets ``published``."""
    n = next(_serial)
    base = Article(
        id=f"a{n}",
        title=title if title is not None else f"Distinct headline number {n} about something {n * 7919}",
        excerpt=f"Excerpt of article {n}.",
        url=f"https://outlet{n}.example.com/a/{n}",
        published=NOW - timedelta(hours=hours_ago),
        quality=50.0,
        heat=None,
        provider=f"Outlet {n}",
        domain=f"outlet{n}.example.com",
        topics=("AI",),
        type="article",
        image=None,
        published_flag=True,
        related=(),
        path=f"/articles/{n}.md",
    )
    return replace(base, **overrides)


def make_related(url: str | None = None, *, domain: str | None = None, **overrides: Any) -> Related:
    """A related item, from its own outlet unless ``domain`` is given."""
    n = next(_serial)
    base = Related(
        title=f"Related item {n}",
        url=url or f"https://rel{n}.example.org/r/{n}",
        provider=f"Related Outlet {n}",
        domain=domain if domain is not None else f"rel{n}.example.org",
        published=NOW - timedelta(hours=2),
        quality=40.0,
    )
    return replace(base, **overrides)


def related_to(article: Article) -> Related:
    """A related item pointing at ``article`` (as a source site lists another outlet's copy)."""
    return Related(
        article.title, article.url, article.provider, article.domain, article.published, article.quality
    )
