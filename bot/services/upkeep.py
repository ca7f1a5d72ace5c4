"""What the running bot does between requests: reload its inputs, and report its health."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.digests.files import load_digest_files
from bot.metrics import Metrics
from bot.services.catalog import Catalog, Snapshot
from bot.slack.health import HealthStatus, PostingHealth
from bot.store.base import Store

log = logging.getLogger(__name__)


class Reloader:
    """Reload the articles (cheap when unchanged) and re-read digests/*.yaml into the store; while
    posting is paused, ask Slack whether the token works again (so it resumes without a restart)."""

    def __init__(
        self,
        catalog: Catalog,
        store: Store,
        health: PostingHealth,
        check_auth: Callable[[], bool],
        *,
        digests_dir: Path,
        template_names: Sequence[str],
        clock: Callable[[], datetime],
        metrics: Metrics | None = None,
        team: Callable[[], str] = lambda: "",
    ) -> None:
        """``team``: the workspace digests/*.yaml belong to (SLACK_BOT_TOKEN's, bot.services.workspaces)."""
        self._catalog = catalog
        self._store = store
        self._health = health
        self._check_auth = check_auth
        self._digests_dir = digests_dir
        self._template_names = tuple(template_names)
        self._clock = clock
        self._metrics = metrics
        self._team = team
        self._logged_warnings: frozenset[str] = frozenset()  # each warning once, not every reload

    def __call__(self, *, sync_digests: bool = True) -> Snapshot:
        """``sync_digests=False``: the articles only (start-up syncs digests/*.yaml once it knows the
        workspace they belong to; reading the folder before that would be done twice)."""
        started = time.perf_counter()
        snapshot = self._catalog.reload()
        if self._metrics is not None:
            self._metrics.article_load_seconds.observe(time.perf_counter() - started)
            self._metrics.articles.set(snapshot.articles)
        if sync_digests:
            self.sync_file_digests(snapshot)
        if not self._health.status().ok:  # paused or unreachable: notice when Slack is back
            self._check_auth()
        return snapshot

    def sync_file_digests(self, snapshot: Snapshot) -> None:
        if not self._digests_dir.is_dir():
            return
        matcher = snapshot.matcher if snapshot.articles else None
        loaded = load_digest_files(
            self._digests_dir, matcher=matcher, templates=self._template_names, team_id=self._team()
        )
        for warning in loaded.warnings:
            if warning not in self._logged_warnings:
                log.warning("%s", warning)
        self._logged_warnings = frozenset(loaded.warnings)
        self._store.sync_file_digests(loaded.specs, now=self._clock())


class HealthReport:
    """The /healthz body: whether posting works, and the articles' last reload.

    ``state``: database (the store's file is deleted, replaced or read-only: nothing can be recorded,
    so nothing is posted; ``reason`` says what to do), else bot.slack.health's: token_rejected (posting
    paused until the token works), paused (posting stopped for another ``reason``), unreachable (Slack
    did not answer; ``since`` when), ok. ``ok`` is true only in state ok (the server answers 503 otherwise).
    """

    def __init__(
        self,
        catalog: Catalog,
        health: PostingHealth,
        store: Store | None = None,
        *,
        paused_workspaces: Callable[[], dict[str, str]] | None = None,
        owner: str | None = None,
    ) -> None:
        """``paused_workspaces``: workspaces whose own token Slack rejected (multi-workspace mode);
        ``owner``: this process's claim owner, named in the body (several processes)."""
        self._catalog = catalog
        self._health = health
        self._store = store
        self._paused_workspaces = paused_workspaces
        self._owner = owner
        self._database_since: datetime | None = None

    def __call__(self) -> dict[str, Any]:
        snapshot = self._catalog.current()
        status = self._health.status()
        problem = self._store.problem if self._store is not None else None
        if problem is None:
            self._database_since = None
        elif self._database_since is None:
            self._database_since = self._health.now()
        if problem is not None:
            status = HealthStatus("database", self._database_since, problem)
            posting = f"stopped: {problem}"
        elif status.ok:
            posting = "ok"
        elif status.state == "unreachable":
            posting = f"unreachable: {status.reason}"
        else:
            posting = f"paused: {status.reason}"
        body: dict[str, Any] = {
            "ok": status.ok,
            "state": status.state,
            "since": status.since.isoformat() if status.since else None,
            "reason": status.reason,
            "posting": posting,
            "articles": snapshot.articles,
            "last_reload": snapshot.loaded_at.isoformat() if snapshot.loaded_at else None,
        }
        if self._owner is not None:
            body["process"] = self._owner  # which of several processes answered (host:pid:random)
        if self._paused_workspaces is not None:
            # One workspace's revoked token is that workspace's problem, not this process's health.
            body["workspaces_paused"] = self._paused_workspaces()
        return body
