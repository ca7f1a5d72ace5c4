"""What the view builders take: plain frozen records, filled by the services, no Slack types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.digests.spec import ALL_DAYS

TopicCount = tuple[str, int]  # a topic's name and its number of stories


@dataclass(frozen=True, slots=True)
class PersonalDigestView:
    """The user's own DM digest. ``schedule`` is ready to show ("08:00 on weekdays, your time")."""

    topics: tuple[str, ...]
    schedule: str
    enabled: bool = True
    max_items: int = 5
    filters: str = ""  # e.g. "without crypto" ("" = no filters)


@dataclass(frozen=True, slots=True)
class DigestRow:
    """One channel digest on the admin part of the Home tab.

    ``channel`` is an ID (C…/G…, shown as a mention) or a name. ``source`` is "file" or "slack";
    ``origin`` names the file of a file digest. ``editable`` False = read-only here (Preview and
    Post now stay available; Edit, Pause/Resume and Delete do not).
    """

    name: str
    channel: str
    topics: tuple[str, ...]
    schedule: str
    source: str
    origin: str | None = None
    enabled: bool = True
    last_post: datetime | None = None
    next_post: datetime | None = None
    editable: bool = True


@dataclass(frozen=True, slots=True)
class AdminHomeData:
    digests: tuple[DigestRow, ...]


@dataclass(frozen=True, slots=True)
class HomeData:
    """The Home tab of one user; ``admin`` None = the user is not an admin (no admin part)."""

    personal: PersonalDigestView | None
    topics: tuple[TopicCount, ...]
    admin: AdminHomeData | None = None


@dataclass(frozen=True, slots=True)
class DigestForm:
    """The initial values of a digest modal: an existing digest's, or the defaults for a new one.

    ``time`` is "HH:MM"; ``days`` weekday numbers (0 = Monday); ``channel`` a channel ID or None.
    """

    topics: tuple[str, ...] = ()
    time: str = "08:00"
    timezone: str = "UTC"
    days: frozenset[int] = ALL_DAYS
    max_items: int = 5
    min_quality: float = 0.0
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_outlets: tuple[str, ...] = ()
    channel: str | None = None
