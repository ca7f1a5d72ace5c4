"""The digest definition record, shared by digests/*.yaml, the store and `/news-admin subscribe`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

ALL_DAYS: frozenset[int] = frozenset(range(7))  # 0 = Monday, as datetime.weekday()
WEEKDAYS: frozenset[int] = frozenset(range(5))


@dataclass(frozen=True, slots=True)
class RankingWeights:
    """Score = (quality_weight * quality_term + breadth_weight * breadth_term) * 2 ** (-age / half_life).

    The decay is multiplicative so that the order of two articles never depends on ``now``:
    rankings can be precomputed once per article load.
    """

    quality: float = 1.0
    breadth: float = 1.0
    half_life_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class DigestSpec:
    """One digest: which stories go to which channel, when. ``team_id`` "" means the default workspace.

    ``channel`` is a channel ID (C…/G…) or a name without '#', resolved when posting.
    ``window_hours`` bounds the stories of a digest that has never posted; after its first post,
    a digest carries what was published since its last post (and never what the channel has seen).
    ``days`` holds weekday numbers (0 = Monday). ``types`` empty means every type.
    ``include`` / ``exclude`` (keywords and phrases) and ``exclude_outlets`` (outlet names or
    domains) filter articles as described in ``bot.compose.filters``; empty means no filter.
    ``source`` is "file" (digests/*.yaml) or "slack" (/news-admin subscribe); ``origin`` says where a
    file digest is defined (e.g. "digests/morning.yaml"), for `/news-admin list` and error messages.
    ``recipient``: set for a personal digest (`/news follow`, the Home tab): the user ID whose direct
    message ``channel`` (a D… ID from conversations.open) it posts to; None for a channel digest.
    """

    name: str
    channel: str
    topics: tuple[str, ...] = ()
    time: time = time(8, 0)
    timezone: str = "UTC"
    days: frozenset[int] = ALL_DAYS
    max_items: int = 5
    min_quality: float = 0.0
    window_hours: float = 24.0
    types: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exclude_outlets: tuple[str, ...] = ()
    weights: RankingWeights = field(default_factory=RankingWeights)
    template: str = "default"
    post_when_empty: bool = False
    title: str | None = None
    team_id: str = ""
    source: str = "file"
    enabled: bool = True
    created_by: str | None = None
    origin: str | None = None
    recipient: str | None = None  # personal DM digest: the user it belongs to
