"""The loaded articles as one immutable snapshot, and the one articles → index → matcher pipeline.

``build_snapshot`` is how every caller (the running bot, and the CLI's preview, query and demo)
turns articles into a story index and a topic matcher; ``load_templates`` is how it gets templates.
``Catalog`` holds the current snapshot for the running bot: a reload builds a new snapshot and swaps
the reference, so a request never sees half a reload.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bot.articles import ArticleLibrary, LoadResult, Skipped, display_path
from bot.compose.render import Templates
from bot.compose.stories import StoryIndex
from bot.models import Article
from bot.topics import TopicMatcher

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
SKIPPED_LOGGED = 20  # skipped files named in the log per reload; `newsbot check` lists them all


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The articles as of one load. ``top_topics``: (name, stories) most stories first."""

    index: StoryIndex
    matcher: TopicMatcher
    articles: int
    loaded_at: datetime | None
    top_topics: tuple[tuple[str, int], ...]


def build_snapshot(articles: Sequence[Article], loaded_at: datetime | None = None) -> Snapshot:
    """The pipeline: articles → story index → topic matcher (with the default aliases) → top topics."""
    index = StoryIndex.build(articles)
    counts = {name: len(index.by_topic.get(name.casefold(), ())) for name in index.topic_names}
    top = tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold())))
    return Snapshot(
        index, TopicMatcher.with_default_aliases(index.topic_names), len(articles), loaded_at, top
    )


def load_templates(digests_dir: Path | None) -> Templates:
    """The package's templates, plus the overrides in ``digests_dir``/templates when given."""
    return Templates.load(digests_dir / "templates" if digests_dir is not None else None)


class Catalog:
    """``reload()`` asks ``load`` for the articles and rebuilds the snapshot only when they changed."""

    def __init__(self, load: Callable[[], Sequence[Article]], clock: Clock) -> None:
        self._load = load
        self._clock = clock
        self._lock = threading.Lock()
        self._articles: Sequence[Article] | None = None
        self._snapshot = build_snapshot((), None)

    def current(self) -> Snapshot:
        return self._snapshot

    def matcher(self) -> TopicMatcher:
        return self._snapshot.matcher

    def top_topics(self) -> Sequence[tuple[str, int]]:
        return self._snapshot.top_topics

    def reload(self) -> Snapshot:
        with self._lock:
            articles = self._load()
            now = self._clock()
            if self._articles is not None and (articles is self._articles or articles == self._articles):
                self._snapshot = dataclasses.replace(self._snapshot, loaded_at=now)
            else:
                self._snapshot = build_snapshot(articles, now)
                log.info("articles loaded: %d (%d stories)", len(articles), len(self._snapshot.index))
            self._articles = articles
            return self._snapshot


class LoggedLibrary:
    """The article library as the Catalog's ``load``: each reload logs files skipped since the last
    report (each once, not on every reload) and an empty load."""

    def __init__(self, library: ArticleLibrary, roots: Sequence[Path]) -> None:
        self._library = library
        self._roots = roots
        self._reported: set[Skipped] = set()

    def __call__(self) -> Sequence[Article]:
        result = self._library.reload()
        self._report(result)
        return result.articles

    def _report(self, result: LoadResult) -> None:
        new = [s for s in result.skipped if s not in self._reported]
        self._reported = set(result.skipped)
        for skipped in new[:SKIPPED_LOGGED]:
            log.warning("article file skipped: %s: %s", display_path(skipped.path), skipped.reason)
        if len(new) > SKIPPED_LOGGED:
            log.warning(
                "… and %d more skipped article files (`newsbot check` lists them)", len(new) - SKIPPED_LOGGED
            )
        if not result.articles:
            where = ", ".join(str(root) for root in self._roots)
            log.warning(
                "no usable articles in %s (%d files): /news and digests have nothing to show",
                where,
                result.files,
            )
