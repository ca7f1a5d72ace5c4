"""Hand-built Digest / QueryAnswer records for the rendering tests (no loader or ranking involved)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.compose.model import Coverage, Digest, QueryAnswer, Story
from bot.models import Article

NOW = datetime(2024, 3, 5, 7, 30, tzinfo=UTC)


def article(n: int, **overrides: Any) -> Article:
    base = Article(
        id=f"id{n}",
        title=f"Robots learn to fold laundry, part {n}",
        excerpt=f"Researchers showed a robot folding towels & shirts (study {n}).",
        url=f"https://news{n}.example.com/story/{n}?a=1&b=2",
        published=NOW - timedelta(hours=n),
        quality=50.0 + n,
        heat=None,
        provider=f"Outlet {n}",
        domain=f"news{n}.example.com",
        topics=("AI", "AI in Robotics"),
        type="article",
        image=f"https://img.example.com/{n}.jpg",
        published_flag=True,
        related=(),
        path=f"/articles/{n}.md",
    )
    return replace(base, **overrides)


def coverage(n: int, **overrides: Any) -> Coverage:
    base = Coverage(
        title=f"Coverage {n}",
        url=f"https://cover{n}.example.org/a/{n}",
        provider=f"Cover Outlet {n}",
        domain=f"cover{n}.example.org",
        published=NOW - timedelta(hours=n),
    )
    return replace(base, **overrides)


def story(n: int, *, related: int = 2, **overrides: Any) -> Story:
    return Story(
        lead=article(n, **overrides),
        score=1.0 / n,
        merged=(),
        coverage=tuple(coverage(100 * n + i) for i in range(related)),
    )


def digest(stories: tuple[Story, ...], **overrides: Any) -> Digest:
    base = Digest(
        name="robotics-morning",
        title="Robotics Morning",
        timezone="Europe/Paris",
        now=NOW,
        since=NOW - timedelta(hours=24),
        topics=("AI in Robotics",),
        stories=stories,
        total=len(stories) + 7,
        template="default",
    )
    return replace(base, **overrides)


def answer(stories: tuple[Story, ...], **overrides: Any) -> QueryAnswer:
    base = QueryAnswer(
        text="robotics",
        kind="word",
        matched="Topic: AI in Robotics",
        topics=("AI in Robotics",),
        stories=stories,
        total=42,
        suggestions=(),
        now=NOW,
    )
    return replace(base, **overrides)
