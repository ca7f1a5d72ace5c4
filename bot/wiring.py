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
from bot.metrics import Metrics
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
from bot.services.workspaces import HomeWorkspace, Workspaces
from bot.settings import Settings
from bot.slack.channels import SlackChannelDirectory
from bot.slack.client import make_client, make_read_client
from bot.slack.health import PostingHealth
from bot.slack.people import SlackPeople
from bot.slack.poster import SlackPoster
from bot.slack.teams import TeamPosters
from bot.store.base import Store
from bot.store.factory import open_store
from bot.store.secrets import TokenCipher
from bot.store.workspaces import StoreInstallations, StoreOAuthStates, sql_hooks

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
    metrics: Metrics
    workspaces: Workspaces
    installations: StoreInstallations
    oauth_states: StoreOAuthStates | None
    posters: TeamPosters | None
    home_workspace: HomeWorkspace

    def start_workspaces(self) -> str | None:
        """Learn SLACK_BOT_TOKEN's workspace and move the single-workspace records to it (start-up)."""
        return self.home_workspace.start()

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
    metrics = Metrics()
    installations = StoreInstallations(sql_hooks(store), TokenCipher(settings.secret_key), clock=clock)
    oauth_states = (
        StoreOAuthStates(sql_hooks(store), settings.slack_state_secret or "", clock=clock)
        if settings.oauth
        else None
    )
    health = PostingHealth(clock)
    # chat.postMessage never retries by itself (exactly once: SlackPoster); reads may.
    client = make_client(settings.slack_bot_token, settings.slack_api_url, metrics=metrics)
    reader = make_read_client(settings.slack_bot_token, settings.slack_api_url, metrics=metrics)
    poster = SlackPoster(client, health, reader=reader)
    # One workspace: every digest posts with SLACK_BOT_TOKEN. Several: each with its installation's.
    posters = (
        TeamPosters(installations.bot_token_for, settings.slack_api_url, metrics=metrics, clock=clock)
        if settings.oauth
        else None
    )
    workspaces = Workspaces(
        store,
        multi=settings.oauth,
        clock=clock,
        installations=installations,
        forget=posters.forget if posters is not None else None,
    )
    installations.on_save.append(workspaces.on_installation)
    catalog = Catalog(LoggedLibrary(library, roots), clock)
    templates = templates or load_templates(settings.digests_dir)
    composer = DigestComposer(catalog, templates)
    posting = PostingService(store, poster, composer, owner=owner, posters=posters, metrics=metrics)
    manual = ManualPosts(posting, store, clock=clock)
    subscriptions = SubscriptionService(
        store,
        SlackChannelDirectory(reader),
        matcher_provider=catalog.matcher,
        previewer=UnseenPreview(store, composer),
        post_now=manual.post,
    )
    if posters is not None:
        subscriptions.per_workspace(posters.channels)
    # users.info runs inside the scheduler's tick and before acknowledgements: a short timeout.
    # One workspace: SLACK_BOT_TOKEN's client; several: each installation's.
    people_client = make_client(settings.slack_bot_token, settings.slack_api_url, timeout=3)
    people = SlackPeople(posters.reader) if posters is not None else SlackPeople.one_workspace(people_client)
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
            metrics=metrics,
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
            metrics=metrics,
            team=workspaces.home_key,
        ),
        health_report=HealthReport(
            catalog,
            health,
            store,
            paused_workspaces=posters.paused if posters else None,
            owner=owner,
        ),
        owner=owner,
        listener_pool=ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="newsbot-listener"),
        metrics=metrics,
        workspaces=workspaces,
        installations=installations,
        oauth_states=oauth_states,
        posters=posters,
        home_workspace=HomeWorkspace(
            workspaces,
            store,
            poster,
            settings.slack_bot_token,
            clock,
            installations=installations if settings.oauth else None,
            posters=posters,
        ),
    )
