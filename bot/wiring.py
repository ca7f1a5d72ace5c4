"""Builds the running bot's services from Settings: the one place that knows how the parts connect.

``Catalog`` holds the current articles as an immutable snapshot (story index + topic matcher); a
reload builds a new snapshot and swaps the reference, so a request never sees half a reload.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.compose.limits import payload_urls
from bot.compose.render import Templates, render_digest, render_query
from bot.compose.stories import StoryIndex
from bot.digests.spec import DigestSpec
from bot.listeners.admin_guard import AdminGuard
from bot.models import Article
from bot.schedule.runner import Scheduler
from bot.services.admin import AdminService
from bot.services.posting import PostingService, PostOutcome
from bot.settings import Settings
from bot.slack.channels import SlackChannelDirectory
from bot.slack.client import make_client
from bot.slack.health import PostingHealth
from bot.slack.poster import SlackPoster
from bot.store.base import Store
from bot.store.sqlite import SQLiteStore
from bot.topics import TopicMatcher

if TYPE_CHECKING:
    from bot.articles import LoadResult, Skipped

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
LISTENER_WORKERS = 16  # Slack listeners in parallel (Bolt's default: 5)
SKIPPED_LOGGED = 20  # skipped files named in the log per reload; `newsbot check` lists them all


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The articles as of one load. ``top_topics``: (name, stories) most stories first."""

    index: StoryIndex
    matcher: TopicMatcher
    articles: int
    loaded_at: datetime | None
    top_topics: tuple[tuple[str, int], ...]

    @classmethod
    def build(cls, articles: Sequence[Article], loaded_at: datetime | None) -> Snapshot:
        index = StoryIndex.build(articles)
        counts = {name: len(index.by_topic.get(name.casefold(), ())) for name in index.topic_names}
        top = tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold())))
        return cls(index, TopicMatcher.with_default_aliases(index.topic_names), len(articles), loaded_at, top)


class Catalog:
    """``reload()`` asks ``load`` for the articles and rebuilds the snapshot only when they changed."""

    def __init__(self, load: Callable[[], Sequence[Article]], clock: Clock) -> None:
        self._load = load
        self._clock = clock
        self._lock = threading.Lock()
        self._articles: Sequence[Article] | None = None
        self._snapshot = Snapshot.build((), None)

    def current(self) -> Snapshot:
        return self._snapshot

    def reload(self) -> Snapshot:
        with self._lock:
            articles = self._load()
            now = self._clock()
            if self._articles is not None and (articles is self._articles or articles == self._articles):
                self._snapshot = Snapshot(**{**_fields(self._snapshot), "loaded_at": now})
            else:
                self._snapshot = Snapshot.build(articles, now)
                log.info("articles loaded: %d (%d stories)", len(articles), len(self._snapshot.index))
            self._articles = articles
            return self._snapshot


def _fields(snapshot: Snapshot) -> dict[str, Any]:
    return {name: getattr(snapshot, name) for name in Snapshot.__slots__}


@dataclass(frozen=True, slots=True)
class QueryReply:
    payload: dict[str, Any]
    has_stories: bool


class Composer:
    """Composes from the catalog's current snapshot: `/news` answers and digests."""

    def __init__(self, catalog: Catalog, templates: Templates) -> None:
        self.catalog = catalog
        self.templates = templates

    def query(self, text: str, now: datetime) -> QueryReply:
        from bot.compose.query import answer_query

        snapshot = self.catalog.current()
        answer = answer_query(snapshot.index, snapshot.matcher, text, now)
        return QueryReply(render_query(answer, self.templates), bool(answer.stories))

    def digest(
        self, spec: DigestSpec, now: datetime, since: datetime | None, exclude: frozenset[str]
    ) -> tuple[Mapping[str, Any], Sequence[str]]:
        """The posting service's composer: the payload and every article URL it shows."""
        from bot.compose.digest import compose_digest

        digest = compose_digest(self.catalog.current().index, spec, now, since=since, exclude_urls=exclude)
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


@dataclass(slots=True)
class Services:
    settings: Settings
    clock: Clock
    store: Store
    catalog: Catalog
    composer: Composer
    health: PostingHealth
    poster: SlackPoster
    posting: PostingService
    scheduler: Scheduler
    guard: AdminGuard
    admin: AdminService
    owner: str
    listener_pool: ThreadPoolExecutor
    digest_warnings: frozenset[str] = frozenset()  # logged already: each warning once, not every reload

    def answer_query(self, text: str, now: datetime) -> QueryReply:
        return self.composer.query(text, now)

    def reload(self) -> Snapshot:
        """Reload articles (cheap when unchanged) and re-read digests/*.yaml into the store."""
        snapshot = self.catalog.reload()
        self.sync_file_digests(snapshot)
        if self.health.paused:
            self.poster.check_auth()  # a token that works again resumes posting without a restart
        return snapshot

    def sync_file_digests(self, snapshot: Snapshot) -> None:
        from bot.digests.files import load_digest_files

        folder = self.settings.digests_dir
        if not folder.is_dir():
            return
        matcher = snapshot.matcher if snapshot.articles else None
        loaded = load_digest_files(folder, matcher=matcher, templates=self.composer.templates.names())
        for warning in loaded.warnings:
            if warning not in self.digest_warnings:
                log.warning("%s", warning)
        self.digest_warnings = frozenset(loaded.warnings)
        self.store.sync_file_digests(loaded.specs, now=self.clock())

    def health_report(self) -> dict[str, Any]:
        snapshot = self.catalog.current()
        reason = self.health.reason
        return {
            "ok": reason is None,
            "posting": "ok" if reason is None else f"paused: {reason}",
            "articles": snapshot.articles,
            "last_reload": snapshot.loaded_at.isoformat() if snapshot.loaded_at else None,
        }

    def close(self) -> None:
        """Wait for listener work in flight (an admin's manual post is recorded), then close the store."""
        self.listener_pool.shutdown(wait=True, cancel_futures=True)
        self.store.close()


def report_load(result: LoadResult, roots: Sequence[Path], reported: set[Skipped]) -> None:
    """Log files skipped since the last report (each once, not on every reload), and an empty load."""
    new = [s for s in result.skipped if s not in reported]
    reported.clear()
    reported.update(result.skipped)
    for skipped in new[:SKIPPED_LOGGED]:
        log.warning("article file skipped: %s: %s", skipped.path, skipped.reason)
    if len(new) > SKIPPED_LOGGED:
        log.warning(
            "… and %d more skipped article files (`newsbot check` lists them)", len(new) - SKIPPED_LOGGED
        )
    if not result.articles:
        where = ", ".join(str(root) for root in roots)
        log.warning(
            "no usable articles in %s (%d files): /news and digests have nothing to show", where, result.files
        )


def article_roots(settings: Settings) -> tuple[Path, ...]:
    if settings.articles:
        return settings.articles
    return (Path(str(resources.files("bot").joinpath("sample_articles"))),)


def build_services(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    owner: str | None = None,
    templates: Templates | None = None,
) -> Services:
    """Everything `newsbot run` needs, connected; articles are not loaded yet (call ``reload()``).

    ``templates``: already loaded ones (tests share them); default: the package's plus overrides
    from ``NEWSBOT_DIGESTS``/templates."""
    from bot.articles import ArticleLibrary, default_cache_path

    owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    roots = article_roots(settings)
    # The same default as `newsbot check`: a restart parses only new or changed files.
    library = ArticleLibrary(roots, settings.cache_path or default_cache_path(roots))
    store = SQLiteStore(settings.db_path)
    health = PostingHealth()
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    poster = SlackPoster(client, health)
    reported: set[Skipped] = set()

    def load() -> Sequence[Article]:
        result = library.reload()
        report_load(result, roots, reported)
        return result.articles

    catalog = Catalog(load, clock)
    composer = Composer(catalog, templates or Templates.load(settings.digests_dir / "templates"))
    posting = PostingService(store, poster, composer.digest, owner=owner)

    def preview(spec: DigestSpec, now: datetime) -> Mapping[str, Any]:
        """What the digest would post now: stories since its last post that the channel has not seen."""
        last = store.last_posted(spec.team_id, spec.name)
        since = last.posted_at if last is not None else None
        return composer.digest(spec, now, since, store.posted_urls(spec.team_id, spec.channel))[0]

    def post_now(spec: DigestSpec, now: datetime) -> PostOutcome:
        return posting.post_occurrence(spec, now, now=now, manual=True)

    admin = AdminService(
        store,
        SlackChannelDirectory(client),
        matcher_provider=lambda: catalog.current().matcher,
        previewer=preview,
        post_now=post_now,
    )
    scheduler = Scheduler(store, posting, owner=owner, grace=timedelta(hours=settings.grace_hours))
    return Services(
        settings=settings,
        clock=clock,
        store=store,
        catalog=catalog,
        composer=composer,
        health=health,
        poster=poster,
        posting=posting,
        scheduler=scheduler,
        guard=AdminGuard(settings.admins),
        admin=admin,
        owner=owner,
        listener_pool=ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="newsbot-listener"),
    )
