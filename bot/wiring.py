"""The composition root: builds the running bot's parts from Settings and connects them.

No rules live here (they are in bot/services/*); this module only says which object gets which.
It imports nothing above the services: the Bolt app and its listeners are built by ``bot.app``.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.articles import ArticleLibrary, default_cache_path
from bot.compose.render import Templates
from bot.schedule.occurrences import next_occurrence
from bot.schedule.runner import Scheduler
from bot.services.catalog import Catalog, LoggedLibrary, load_templates
from bot.services.composing import DigestComposer, QueryService
from bot.services.forms import ChannelForms
from bot.services.home import HomeService
from bot.services.manual import ManualPosts
from bot.services.personal import PersonalDigests
from bot.services.posting import PostingService
from bot.services.subscriptions import SubscriptionService
from bot.services.unseen import UnseenPreview
from bot.services.upkeep import HealthReport, Reloader
from bot.settings import Settings
from bot.slack.channels import SlackChannelDirectory
from bot.slack.client import make_client, make_read_client
from bot.slack.health import PostingHealth
from bot.slack.people import SlackPeople
from bot.slack.poster import SlackPoster
from bot.store.base import Store
from bot.store.factory import open_store

Clock = Callable[[], datetime]
LISTENER_WORKERS = 16  # Slack listeners in parallel (Bolt's default: 5)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Services:
    """The connected parts. ``reload()``: articles and digests/*.yaml (call once before serving)."""

    settings: Settings
    clock: Clock
    store: Store
    catalog: Catalog
    queries: QueryService
    health: PostingHealth
    poster: SlackPoster
    posting: PostingService
    manual: ManualPosts
    scheduler: Scheduler
    subscriptions: SubscriptionService
    personal: PersonalDigests
    home: HomeService
    channel_forms: ChannelForms
    reload: Reloader
    health_report: HealthReport
    owner: str
    listener_pool: ThreadPoolExecutor

    def close(self) -> None:
        """Give up waiting manual posts (their askers are told), wait for listener work in flight (an
        admin's manual post is recorded), then close the store."""
        self.manual.stop()
        self.listener_pool.shutdown(wait=True, cancel_futures=True)
        self.store.close()


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
    owner = owner or default_owner()
    roots = settings.article_roots
    # The same default as `newsbot check`: a restart parses only new or changed files.
    library = ArticleLibrary(roots, settings.cache_path or default_cache_path(roots))
    store = open_store(settings.db_path)
    health = PostingHealth(clock)
    # chat.postMessage never retries by itself (exactly once: SlackPoster); reads may.
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    reader = make_read_client(settings.slack_bot_token, settings.slack_api_url)
    poster = SlackPoster(client, health, reader=reader)
    catalog = Catalog(LoggedLibrary(library, roots), clock)
    templates = templates or load_templates(settings.digests_dir)
    composer = DigestComposer(catalog, templates)
    posting = PostingService(store, poster, composer, owner=owner)
    manual = ManualPosts(posting, store, clock=clock)
    subscriptions = SubscriptionService(
        store,
        SlackChannelDirectory(reader),
        matcher_provider=catalog.matcher,
        previewer=UnseenPreview(store, composer),
        post_now=manual.post,
    )
    # users.info runs inside the scheduler's tick and before acknowledgements: a short timeout.
    people = SlackPeople(make_client(settings.slack_bot_token, settings.slack_api_url, timeout=3))
    personal = PersonalDigests(store, people, matcher_provider=catalog.matcher)
    queries = QueryService(catalog, templates)
    return Services(
        settings=settings,
        clock=clock,
        store=store,
        catalog=catalog,
        queries=queries,
        health=health,
        poster=poster,
        posting=posting,
        manual=manual,
        scheduler=Scheduler(
            store,
            posting,
            owner=owner,
            grace=timedelta(hours=settings.grace_hours),
            prepare=personal.refresh,
        ),
        subscriptions=subscriptions,
        personal=personal,
        home=HomeService(store, personal, queries.top_topics, next_occurrence),
        channel_forms=ChannelForms(subscriptions),
        reload=Reloader(
            catalog,
            store,
            health,
            poster.check_auth,
            digests_dir=settings.digests_dir,
            template_names=templates.names(),
            clock=clock,
        ),
        health_report=HealthReport(catalog, health, store),
        owner=owner,
        listener_pool=ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="newsbot-listener"),
    )
