"""Composing from the catalog's current snapshot: `/news` answers and digests (payload + URLs shown)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.compose.digest import compose_digest
from bot.compose.payload_texts import payload_urls
from bot.compose.query import answer_query
from bot.compose.render import Templates, render_digest, render_query
from bot.digests.spec import DigestSpec
from bot.services.catalog import Catalog


@dataclass(frozen=True, slots=True)
class QueryReply:
    payload: dict[str, Any]
    has_stories: bool


class QueryService:
    """What `/news` and its Share button need: the answer to a text, and the topics to suggest."""

    def __init__(self, catalog: Catalog, templates: Templates) -> None:
        self._catalog = catalog
        self._templates = templates

    def answer(self, text: str, now: datetime) -> QueryReply:
        snapshot = self._catalog.current()
        answer = answer_query(snapshot.index, snapshot.matcher, text, now)
        return QueryReply(render_query(answer, self._templates), bool(answer.stories))

    def top_topics(self) -> Sequence[tuple[str, int]]:
        return self._catalog.top_topics()


class DigestComposer:
    """The posting service's composer (``bot.services.unseen.DigestComposer``)."""

    def __init__(self, catalog: Catalog, templates: Templates) -> None:
        self._catalog = catalog
        self.templates = templates

    def __call__(
        self, spec: DigestSpec, now: datetime, since: datetime | None, exclude: frozenset[str]
    ) -> tuple[Mapping[str, Any], Sequence[str]]:
        """The payload and every article URL it shows."""
        digest = compose_digest(self._catalog.current().index, spec, now, since=since, exclude_urls=exclude)
        payload = render_digest(digest, self.templates)
        if not digest.stories:
            return payload, []
        shown = payload_urls(payload)
        # Same-story articles hidden behind "+N more" count as seen too, but only for stories that
        # survived trimming to Slack's limits.
        linked = set(shown)
        hidden = [
            a.url for s in digest.stories if s.lead.url in linked for a in s.merged if a.url not in linked
        ]
        return payload, [*shown, *dict.fromkeys(hidden)]
