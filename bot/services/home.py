"""What the App Home tab and the digest modals show, as the plain records of bot/views/data.py.

The Home listener decides who is an admin (bot.listeners.admin_guard) and renders; this module
reads the store, the catalog's topics and the schedule, and words nothing Slack-specific.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache

from bot.digests.spec import DigestSpec
from bot.digests.values import days_label
from bot.services.personal import PersonalDigests, is_personal
from bot.slack.people import PeopleUnavailable
from bot.store.base import Store
from bot.views.data import AdminHomeData, DigestForm, DigestRow, HomeData, PersonalDigestView, TopicCount

log = logging.getLogger(__name__)

# (digest, now) -> when it posts next (bot.schedule.occurrences.next_occurrence; the schedule layer
# sits above the services, so wiring hands it in).
NextPost = Callable[[DigestSpec, datetime], datetime | None]


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """Every IANA zone name, sorted, UTC first (the modal's time zone menu)."""
    return ("UTC", *sorted(z for z in zoneinfo.available_timezones() if z != "UTC"))


def schedule_text(spec: DigestSpec, *, own_zone: bool = False) -> str:
    zone = "your time" if own_zone else spec.timezone
    return f"{spec.time:%H:%M} {zone}, {days_label(spec.days)}"


def filters_text(spec: DigestSpec) -> str:
    """The spec's filters in words ("" when it has none); the fields exist once filters have landed."""
    parts: list[str] = []
    for key, words in (("include", "must contain"), ("exclude", "without"), ("exclude_outlets", "not from")):
        values = getattr(spec, key, ())
        if values:
            parts.append(f"{words} {', '.join(map(str, values))}")
    return "; ".join(parts)


def form_of(spec: DigestSpec) -> DigestForm:
    """A digest's current values, to fill a modal."""
    return DigestForm(
        topics=spec.topics,
        time=f"{spec.time:%H:%M}",
        timezone=spec.timezone,
        days=spec.days,
        max_items=spec.max_items,
        min_quality=spec.min_quality,
        include=tuple(getattr(spec, "include", ())),
        exclude=tuple(getattr(spec, "exclude", ())),
        exclude_outlets=tuple(getattr(spec, "exclude_outlets", ())),
        channel=spec.channel if spec.recipient is None else None,
    )


class HomeService:
    def __init__(
        self,
        store: Store,
        personal: PersonalDigests,
        topics: Callable[[], Sequence[TopicCount]],
        next_post: NextPost,
    ) -> None:
        self._next_post = next_post
        self._store = store
        self._personal = personal
        self._topics = topics

    def topics(self) -> tuple[TopicCount, ...]:
        return tuple(self._topics())

    def home(self, team_id: str, user_id: str, *, admin: bool, now: datetime) -> HomeData:
        """The Home tab of ``user_id``; the user's time zone is read again first (when Slack answers)."""
        try:
            self._personal.sync(team_id, user_id, now)
        except PeopleUnavailable as err:
            log.info("Home tab of %s drawn with the stored time zone: %s", user_id, err)
        spec = self._personal.get(team_id, user_id)
        personal = None
        if spec is not None:
            personal = PersonalDigestView(
                topics=spec.topics,
                schedule=schedule_text(spec, own_zone=True) + f" ({spec.timezone})",
                enabled=spec.enabled,
                max_items=spec.max_items,
                filters=filters_text(spec),
            )
        rows = None
        if admin:
            digests = [s for s in self._store.list_digests(team_id) if not is_personal(s)]
            rows = AdminHomeData(tuple(self._row(s, now) for s in digests))
        return HomeData(personal=personal, topics=self.topics(), admin=rows)

    def personal_form(self, team_id: str, user_id: str, now: datetime) -> tuple[DigestForm, bool, str]:
        """(form values, editing an existing digest, the user's time zone)."""
        spec = self._personal.get(team_id, user_id)
        try:
            zone = self._personal.timezone(team_id, user_id, now)
        except PeopleUnavailable as err:
            zone = spec.timezone if spec is not None else "UTC"
            log.info("form for %s in the stored time zone %s: %s", user_id, zone, err)
        spec = self._personal.get(team_id, user_id)
        if spec is None:
            return DigestForm(timezone=zone), False, zone
        return form_of(spec), True, zone

    def _row(self, spec: DigestSpec, now: datetime) -> DigestRow:
        last = self._store.last_posted(spec.team_id, spec.name)
        return DigestRow(
            name=spec.name,
            channel=spec.channel,
            topics=spec.topics,
            schedule=schedule_text(spec),
            source=spec.source,
            origin=spec.origin,
            enabled=spec.enabled,
            last_post=last.posted_at if last is not None else None,
            next_post=self._next_post(spec, now) if spec.enabled else None,
            editable=spec.source != "file",
        )
