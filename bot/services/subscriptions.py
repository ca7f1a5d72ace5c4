"""What `/news-admin` does: subscribe, unsubscribe, list, preview and post (the listener renders).

Who may call what is decided before this (bot.listeners.admin_guard); every method here trusts
its caller. A request that cannot be done raises a typed error with fields (``ChannelProblem``,
``DigestProblem``; the listener words them) or, from the grammar's value parsers, a ``QueryError``.
Nothing is saved unless the whole request is valid and the bot can post in the channel (the channel
rules: bot.services.channel_access).

Precedence: a digest defined in digests/*.yaml belongs to the file. `/news-admin` refuses to change
or remove it (the error names the file), and at start-up the file's definition replaces a
Slack-created digest of the same name (``Store.sync_file_digests``, audited).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.channel_refs import ChannelRef, stored_ref
from bot.digests.spec import DigestSpec
from bot.digests.values import absent_topics
from bot.errors import DigestProblem, DigestProblemKind, QueryError
from bot.grammar.news_admin import USAGES, AdminCommand, resolve_subscribe
from bot.services.channel_access import ChannelAccess, ChannelDirectory, keys_of
from bot.services.personal import reset_fields
from bot.services.posting import PostOutcome
from bot.store.base import Store
from bot.store.codec import spec_diff
from bot.topics import TopicMatcher

# (digest, now) -> the chat.postMessage payload the digest would post now (shown ephemerally).
Previewer = Callable[[DigestSpec, datetime], Mapping[str, Any]]


class PostNow(Protocol):
    """(digest, now) -> what posting what the channel has not seen yet did at once (ManualPosts.post).
    When that is not final (deferred), retries follow and ``report`` hears how they ended."""

    def __call__(
        self,
        spec: DigestSpec,
        now: datetime,
        *,
        report: Callable[[PostOutcome], None] | None = None,
        asked_by: str = "",
    ) -> PostOutcome: ...


# (digest, its final outcome): how a post that was deferred at first ended.
FollowUp = Callable[[DigestSpec, PostOutcome], None]


@dataclass(frozen=True, slots=True)
class SubscribeResult:
    """``changes`` holds ``{field: [old, new]}`` for an update (empty for a new digest or no change)."""

    spec: DigestSpec
    created: bool
    changes: Mapping[str, list[Any]]
    joined: bool
    absent_topics: tuple[str, ...] = ()  # topics given that no loaded article has yet (the listener warns)


@dataclass(frozen=True, slots=True)
class DigestListing:
    spec: DigestSpec
    source: str  # "file digests/x.yaml" or "slack, by <@U…>"


@dataclass(frozen=True, slots=True)
class PreviewResult:
    spec: DigestSpec
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class PostNowResult:
    spec: DigestSpec
    outcome: PostOutcome


def source_label(spec: DigestSpec) -> str:
    if spec.source == "file":
        return f"file {spec.origin or 'digests/*.yaml'}"
    return f"slack, by <@{spec.created_by}>" if spec.created_by else "slack"


class SubscriptionService:
    def __init__(
        self,
        store: Store,
        channels: ChannelDirectory,
        *,
        matcher_provider: Callable[[], TopicMatcher],
        previewer: Previewer,
        post_now: PostNow,
    ) -> None:
        self._store = store
        self._channels = ChannelAccess(channels)
        self._matcher = matcher_provider
        self._previewer = previewer
        self._post_now = post_now

    def subscribe(
        self,
        team_id: str,
        user_id: str,
        command_channel_id: str,
        command_channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
        *,
        reset: Sequence[str] = (),
        new: bool = False,
    ) -> SubscribeResult:
        """Create or update a digest. Without a channel, an existing digest keeps its channel and a
        new one goes to the channel the command was run in; without ``name=``, the channel's name.
        ``reset``: fields of an existing digest that go back to their defaults unless ``cmd`` sets
        them (a form submits every field: one left empty clears it). ``new``: refuse to update an
        existing digest (a "New channel digest" form must not overwrite one by its name)."""
        _expect(cmd, "subscribe")
        existing = self._store.get_digest(team_id, cmd.name) if cmd.name else None
        _refuse_unchangeable(existing, cmd)
        if cmd.channel is not None:
            channel = self._channels.lookup(team_id, cmd.channel)
        elif existing is not None:
            channel = self._channels.lookup(team_id, stored_ref(existing.channel))
        else:
            here = ChannelRef(command_channel_id, command_channel_name)
            channel = self._channels.lookup(team_id, here, here=True)
        name = cmd.name or channel.name
        existing = self._store.get_digest(team_id, name)
        _refuse_unchangeable(existing, cmd)
        if existing is not None and new:
            raise QueryError(
                f"name: a digest called {name!r} already exists; pick another name, or edit that one "
                "from the Home tab. Nothing was saved."
            )
        matcher = self._matcher()
        spec = resolve_subscribe(
            dataclasses.replace(cmd, channel=None, name=name),
            matcher,
            default_channel=ChannelRef(channel.id, channel.name),
            existing=reset_fields(existing, reset) if existing is not None else None,
            team_id=team_id,
            created_by=user_id,
        )
        spec = dataclasses.replace(spec, enabled=True, origin=None)  # subscribing again re-enables it
        joined = self._channels.ensure_member(team_id, channel)
        if spec != existing:
            self._store.save_digest(spec, actor=user_id, now=now)
        changes = spec_diff(existing, spec) if existing is not None else {}
        absent = absent_topics(spec.topics, matcher) if cmd.topics else ()
        return SubscribeResult(
            spec=spec, created=existing is None, changes=changes, joined=joined, absent_topics=absent
        )

    def unsubscribe(
        self,
        team_id: str,
        user_id: str,
        command_channel_id: str,
        command_channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
    ) -> DigestSpec:
        """Delete the one digest named, or the one digest of the channel; return what was deleted."""
        _expect(cmd, "unsubscribe")
        targets = self._targets(team_id, cmd, ChannelRef(command_channel_id, command_channel_name))
        if len(targets) > 1:
            names = tuple(t.name for t in targets)
            raise DigestProblem(DigestProblemKind.SEVERAL, action=cmd.action, names=names)
        spec = targets[0]
        if spec.source == "file":
            raise _file_owned(spec, cmd, "remove")
        self._store.delete_digest(team_id, spec.name, actor=user_id, now=now)
        return spec

    def list_digests(self, team_id: str) -> list[DigestListing]:
        """The channel digests (personal DM digests are their owners' business)."""
        return [DigestListing(spec, source_label(spec)) for spec in self._channel_digests(team_id)]

    def get(self, team_id: str, name: str) -> DigestSpec:
        """The channel digest called ``name``; DigestProblem when there is none."""
        spec = self._store.get_digest(team_id, name)
        if spec is None or spec.recipient is not None:
            raise DigestProblem(DigestProblemKind.NO_SUCH_DIGEST, action="edit", name=name)
        return spec

    def set_enabled(self, team_id: str, user_id: str, name: str, enabled: bool, now: datetime) -> DigestSpec:
        """Pause or resume a Slack-created channel digest (a file digest belongs to its file)."""
        spec = self.get(team_id, name)
        cmd = AdminCommand("subscribe", name=name)
        if spec.source == "file":
            raise _file_owned(spec, cmd, "resume" if enabled else "pause")
        if spec.enabled != enabled:
            reason = "resumed" if enabled else "paused"
            self._store.set_enabled(team_id, name, enabled, actor=user_id, reason=reason, now=now)
        return self.get(team_id, name)

    def preview(
        self,
        team_id: str,
        command_channel_id: str,
        command_channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
    ) -> list[PreviewResult]:
        """What each digest of the channel (or the one named) would post now."""
        _expect(cmd, "preview")
        targets = self._targets(team_id, cmd, ChannelRef(command_channel_id, command_channel_name))
        return [PreviewResult(spec, self._previewer(spec, now)) for spec in targets]

    def post(
        self,
        team_id: str,
        command_channel_id: str,
        command_channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
        *,
        follow_up: FollowUp | None = None,
        asked_by: str = "",
    ) -> list[PostNowResult]:
        """Post now, for each digest of the channel (or the one named), what the channel has not seen.
        A post Slack deferred is retried; ``follow_up`` hears how it ended (posted, or not and why);
        ``asked_by`` (a user ID) hears it in a direct message if newsbot restarts meanwhile."""
        _expect(cmd, "post")
        targets = self._targets(team_id, cmd, ChannelRef(command_channel_id, command_channel_name))
        results = []
        for spec in targets:
            report = None if follow_up is None else functools.partial(follow_up, spec)
            outcome = self._post_now(spec, now, report=report, asked_by=asked_by)
            results.append(PostNowResult(spec, outcome))
        return results

    def per_workspace(self, channels_for: Callable[[str], ChannelDirectory | None]) -> None:
        """Look channels up with each workspace's own token (multi-workspace installs)."""
        self._channels.per_workspace(channels_for)

    # --- helpers -------------------------------------------------------------------------------
    def _channel_digests(self, team_id: str) -> list[DigestSpec]:
        return [s for s in self._store.list_digests(team_id) if s.recipient is None]

    def _targets(self, team_id: str, cmd: AdminCommand, here: ChannelRef) -> list[DigestSpec]:
        """The digest named by ``name=``, else every digest of the given (or the current) channel."""
        if cmd.name:
            spec = self._store.get_digest(team_id, cmd.name)
            if spec is None or spec.recipient is not None:
                raise DigestProblem(DigestProblemKind.NO_SUCH_DIGEST, action=cmd.action, name=cmd.name)
            if cmd.channel is not None and not self._channels.keys(team_id, cmd.channel) & keys_of(
                spec.channel
            ):
                raise DigestProblem(
                    DigestProblemKind.WRONG_CHANNEL,
                    action=cmd.action,
                    name=spec.name,
                    channel=str(cmd.channel),
                    posts_to=str(stored_ref(spec.channel)),
                )
            return [spec]
        ref = cmd.channel or here
        keys = self._channels.keys(team_id, ref)
        found = [s for s in self._channel_digests(team_id) if keys & keys_of(s.channel)]
        if not found:
            raise DigestProblem(
                DigestProblemKind.NONE_IN_CHANNEL,
                action=cmd.action,
                channel="" if cmd.channel is None else str(ref),
            )
        return found


def _expect(cmd: AdminCommand, action: str) -> None:
    if cmd.action != action:
        raise QueryError(f"Expected {action}, got {cmd.action}. Usage: {USAGES[action]}")


def _refuse_unchangeable(existing: DigestSpec | None, cmd: AdminCommand) -> None:
    """A digest /news-admin subscribe may not change: one from digests/*.yaml, or someone's personal one."""
    if existing is not None and existing.source == "file":
        raise _file_owned(existing, cmd, "change")
    if existing is not None and existing.recipient is not None:
        raise _personal(existing, cmd)


def _personal(spec: DigestSpec, cmd: AdminCommand) -> QueryError:
    return QueryError(
        f"The name {spec.name!r} belongs to a personal digest; pick another name=NAME. Nothing was saved."
    )


def _file_owned(spec: DigestSpec, cmd: AdminCommand, verb: str) -> DigestProblem:
    return DigestProblem(
        DigestProblemKind.FILE_OWNED, action=cmd.action, name=spec.name, origin=spec.origin or "", verb=verb
    )
