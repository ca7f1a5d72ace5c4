"""Personal DM digests: a user follows topics and gets them in a direct message from newsbot.

A personal digest is an ordinary DigestSpec row (so no second posting path and no migration):
``name`` is ``dm:<user>``, ``recipient`` the user, ``channel`` the bot's direct message with them
(conversations.open), ``timezone`` the user's own from users.info, and ``source`` "slack". It is
claimed, composed (never a story that DM has seen), posted and recorded by the PostingService and
the Scheduler like a channel digest.

The user's time zone is read again on every follow, Home tab visit and form, and before the
Scheduler looks at the digest (at most every ``recheck`` of the clock); a user Slack no longer knows
(left the workspace, deactivated) has the digest disabled, with an audit entry, never retried.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.channel_refs import ChannelRef
from bot.digests.spec import DigestSpec
from bot.digests.values import parse_topics
from bot.errors import QueryError
from bot.grammar.follow import FollowCommand, personal_keys
from bot.grammar.news_admin import AdminCommand, resolve_subscribe, subscribe_from_fields
from bot.slack.people import PeopleUnavailable, Person
from bot.store.base import Store
from bot.topics import TopicMatcher

log = logging.getLogger(__name__)

ACTOR = "newsbot"
DEPARTED_REASON = "user_not_found: the user left the workspace"
RECHECK = timedelta(hours=1)
# users.info calls one tick may make (the rest wait for the next ticks): after a restart every
# recipient is due for a re-read, and Slack allows users.info about 100 times a minute.
MAX_CHECKS_PER_TICK = 20
PREFIX = "dm:"
TITLE = "Your news digest"  # the DM's header (the name dm:U… is for the store, not for people)


class People(Protocol):
    """What personal digests need from Slack (bot.slack.people.SlackPeople)."""

    def person(self, team_id: str, user_id: str) -> Person: ...

    def open_dm(self, team_id: str, user_id: str) -> str | None: ...


class UserGone(QueryError):
    """Slack does not know the user (any more): no digest can reach them."""


def personal_name(user_id: str) -> str:
    return f"{PREFIX}{user_id}"


def is_personal(spec: DigestSpec) -> bool:
    return spec.recipient is not None


def reset_fields(spec: DigestSpec, keys: Sequence[str]) -> DigestSpec:
    """``spec`` with the fields named ``keys`` back at their defaults (a form that leaves a field empty
    clears it); keys that are no field of DigestSpec are ignored."""
    blank = DigestSpec(name=spec.name, channel=spec.channel)
    names = {f.name for f in dataclasses.fields(DigestSpec)}
    return dataclasses.replace(spec, **{k: getattr(blank, k) for k in keys if k in names})


@dataclass(frozen=True, slots=True)
class FollowResult:
    spec: DigestSpec
    added: tuple[str, ...]
    created: bool


@dataclass(frozen=True, slots=True)
class FormResult:
    """A submitted form: the saved digest, or one message per field (nothing saved)."""

    spec: DigestSpec | None
    errors: Mapping[str, str]


class PersonalDigests:
    def __init__(
        self,
        store: Store,
        people: People,
        *,
        matcher_provider: Callable[[], TopicMatcher],
        recheck: timedelta = RECHECK,
        max_checks: int = MAX_CHECKS_PER_TICK,
    ) -> None:
        self._max_checks = max_checks
        self._store = store
        self._people = people
        self._matcher = matcher_provider
        self._recheck = recheck
        self._checked: dict[tuple[str, str], datetime] = {}
        self._lock = threading.Lock()

    def get(self, team_id: str, user_id: str) -> DigestSpec | None:
        return self._store.get_digest(team_id, personal_name(user_id))

    def timezone(self, team_id: str, user_id: str, now: datetime) -> str:
        """The user's time zone, read from Slack now (and written to their digest if it changed)."""
        return self.sync(team_id, user_id, now).timezone

    def sync(self, team_id: str, user_id: str, now: datetime) -> Person:
        """Read the user from Slack and bring their digest up to date (time zone, departed)."""
        person = self._people.person(team_id, user_id)
        spec = self.get(team_id, user_id)
        if spec is not None:
            self._apply(spec, person, now)
        with self._lock:
            self._checked[(team_id, user_id)] = now
        return person

    def follow(self, team_id: str, user_id: str, cmd: FollowCommand, now: datetime) -> FollowResult:
        """Add topics (and set the options given) to the user's digest, creating it if needed."""
        matcher = self._matcher()
        wanted = parse_topics(list(cmd.topics), matcher)
        existing = self.get(team_id, user_id)
        topics = existing.topics if existing is not None else ()
        added = tuple(t for t in wanted if t not in topics)
        spec = self._build(team_id, user_id, cmd.options, (*topics, *added), existing, now)
        self._store.save_digest(spec, actor=user_id, now=now)
        return FollowResult(spec, added, existing is None)

    def unfollow(self, team_id: str, user_id: str, cmd: FollowCommand, now: datetime) -> DigestSpec | None:
        """Remove topics (or everything); the digest is deleted once it follows nothing.
        Returns what remains (None: deleted). QueryError when the user follows none of them."""
        existing = self.get(team_id, user_id)
        if existing is None:
            raise QueryError("You follow no topics yet. Start with `/news follow TOPIC`.")
        if cmd.everything:
            self._store.delete_digest(team_id, existing.name, actor=user_id, now=now)
            return None
        followed = {t.casefold(): t for t in existing.topics}
        gone: list[str] = []
        for name in cmd.topics:
            topic = followed.get(name.casefold()) or self._resolved(name, followed)
            if topic is None:
                shown = ", ".join(existing.topics)
                raise QueryError(f"You do not follow {name!r}; you follow {shown}. Nothing was changed.")
            gone.append(topic)
        remaining = tuple(t for t in existing.topics if t not in gone)
        if not remaining:
            self._store.delete_digest(team_id, existing.name, actor=user_id, now=now)
            return None
        spec = dataclasses.replace(existing, topics=remaining)
        self._store.save_digest(spec, actor=user_id, now=now)
        return spec

    def set_enabled(self, team_id: str, user_id: str, enabled: bool, now: datetime) -> DigestSpec | None:
        spec = self.get(team_id, user_id)
        if spec is None or spec.enabled == enabled:
            return spec
        reason = "turned on by the user" if enabled else "turned off by the user"
        self._store.set_enabled(team_id, spec.name, enabled, actor=user_id, reason=reason, now=now)
        return self.get(team_id, user_id)

    def submit(
        self, team_id: str, user_id: str, topics: Sequence[str], fields: Mapping[str, str], now: datetime
    ) -> FormResult:
        """The personal digest form: every field is checked by the subscribe grammar's rules; on any
        error nothing is saved and each message is keyed by its field."""
        given = {k: v for k, v in fields.items() if k in personal_keys()}
        options, errors = subscribe_from_fields(None, given)
        problems = dict(errors)
        resolved: tuple[str, ...] = ()
        try:
            resolved = parse_topics(list(topics), self._matcher())
        except QueryError as err:
            problems["topics"] = str(err)
        if not resolved and "topics" not in problems:
            problems["topics"] = "Pick at least one topic."
        if problems or options is None:
            return FormResult(None, problems)
        existing = self.get(team_id, user_id)
        base = reset_fields(existing, personal_keys()) if existing is not None else None
        spec = self._build(team_id, user_id, options, resolved, base, now)
        spec = dataclasses.replace(spec, enabled=existing.enabled if existing is not None else True)
        self._store.save_digest(spec, actor=user_id, now=now)
        return FormResult(spec, {})

    def refresh(self, specs: Sequence[DigestSpec], now: datetime) -> list[DigestSpec]:
        """Before scheduling: each enabled personal digest with its recipient's current time zone
        (asked at most every ``recheck``, at most ``max_checks`` of them per call), or disabled when
        the recipient has left."""
        out: list[DigestSpec] = []
        asked = 0
        for spec in specs:
            if (
                spec.recipient is None
                or not spec.enabled
                or asked >= self._max_checks
                or not self._due_for_check(spec, now)
            ):
                out.append(spec)
                continue
            asked += 1
            try:
                person = self._people.person(spec.team_id, spec.recipient)
            except PeopleUnavailable as err:
                log.info("cannot re-read %s (%s); scheduling with the stored time zone", spec.recipient, err)
                out.append(spec)
                continue
            with self._lock:
                self._checked[(spec.team_id, spec.recipient)] = now
            out.append(self._apply(spec, person, now))
        return out

    # --- helpers -------------------------------------------------------------------------------
    def _build(
        self,
        team_id: str,
        user_id: str,
        options: AdminCommand,
        topics: tuple[str, ...],
        existing: DigestSpec | None,
        now: datetime,
    ) -> DigestSpec:
        person = self._people.person(team_id, user_id)
        if person.departed:
            raise UserGone("Slack does not know you as a member of this workspace; nothing was saved.")
        channel = existing.channel if existing is not None else None
        channel = channel or self._people.open_dm(team_id, user_id)
        if not channel:
            raise UserGone("Slack would not open a direct message with you; nothing was saved.")
        command = dataclasses.replace(options, name=personal_name(user_id), topics=None, channel=None)
        spec = resolve_subscribe(
            command,
            self._matcher(),
            default_channel=ChannelRef(channel, None),
            existing=existing,
            team_id=team_id,
            created_by=user_id,
        )
        with self._lock:
            self._checked[(team_id, user_id)] = now
        return dataclasses.replace(
            spec,
            topics=topics,
            recipient=user_id,
            timezone=person.timezone,
            enabled=True,
            origin=None,
            title=spec.title or TITLE,
        )

    def _apply(self, spec: DigestSpec, person: Person, now: datetime) -> DigestSpec:
        if person.departed:
            if spec.enabled:
                self._store.set_enabled(
                    spec.team_id, spec.name, False, actor=ACTOR, reason=DEPARTED_REASON, now=now
                )
                log.warning("personal digest %r disabled: the user left the workspace", spec.name)
            return dataclasses.replace(spec, enabled=False)
        if person.timezone != spec.timezone:
            updated = dataclasses.replace(spec, timezone=person.timezone)
            self._store.save_digest(updated, actor=ACTOR, now=now)
            log.info("personal digest %r: time zone %s -> %s", spec.name, spec.timezone, person.timezone)
            return updated
        return spec

    def _due_for_check(self, spec: DigestSpec, now: datetime) -> bool:
        with self._lock:
            last = self._checked.get((spec.team_id, spec.recipient or ""))
        return last is None or now - last >= self._recheck or now < last

    def _resolved(self, name: str, followed: Mapping[str, str]) -> str | None:
        try:
            topic = self._matcher().resolve(name)
        except QueryError:
            return None
        return followed.get(topic.casefold())
