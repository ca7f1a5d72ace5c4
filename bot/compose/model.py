"""What the composer hands to rendering: plain data, no Slack formatting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.models import Article


@dataclass(frozen=True, slots=True)
class Coverage:
    """Another outlet's article about a story (a merged article, or an item of the related list)."""

    title: str
    url: str
    provider: str
    domain: str
    published: datetime | None


@dataclass(frozen=True, slots=True)
class Story:
    """One story: the best-ranked article as lead, same-story articles merged into it, and coverage.

    ``coverage`` never repeats an outlet nor shows the lead's outlet, and holds no article that is
    shown elsewhere in the same message. ``urls`` are every article URL the message shows for the story.
    """

    lead: Article
    score: float
    merged: tuple[Article, ...]
    coverage: tuple[Coverage, ...]

    @property
    def urls(self) -> tuple[str, ...]:
        # A merged article is also shown as coverage: list each URL once.
        return tuple(
            dict.fromkeys((self.lead.url, *(a.url for a in self.merged), *(c.url for c in self.coverage)))
        )


@dataclass(frozen=True, slots=True)
class Digest:
    """A composed digest, ready to render. ``total`` counts eligible stories before ``max_items``."""

    name: str
    title: str
    timezone: str
    now: datetime
    since: datetime | None
    topics: tuple[str, ...]
    stories: tuple[Story, ...]
    total: int
    template: str


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    """The answer to `/news TEXT`. ``matched`` e.g. "Topic: Computer Vision"; ``kind`` says how
    ("topic", "alias", "prefix", "word", "typo", "text", "none"); ``suggestions`` when nothing matched,
    and ``suggestion_kind`` what they are: "closest" (spelled like the text), "ambiguous" (the text
    fits each of them) or "largest" (nothing close: the topics with the most stories)."""

    text: str
    kind: str
    matched: str
    topics: tuple[str, ...]
    stories: tuple[Story, ...]
    total: int
    suggestions: tuple[str, ...]
    now: datetime
    suggestion_kind: str = "closest"
