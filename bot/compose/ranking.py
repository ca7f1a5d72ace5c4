"""How stories are ranked and filtered.

Score of a story (its lead article, with the coverage of the whole story)::

    score = (w_q * q + w_b * b) * 2 ** (-age_hours / half_life_hours)

    q = Q / (Q + 50)          Q = the lead's quality (0..~190 in real files; missing → 40, a typical
                              value, so an unscored article neither wins nor sinks); 50 → 0.5, 150 → 0.75
    b = 1 - 2 ** (-n / 3)     n = distinct outlets covering the story besides the lead's own
                              (merged same-story articles and related items); 3 outlets → 0.5, 9 → 0.875
    w_q, w_b, half_life       a digest's ``weights`` (defaults 1, 1, 24 h)

Both terms saturate, so no single huge quality or related list dominates. The decay is a common
factor of every score at a given ``now``, so the order of two stories never depends on ``now``:
``order_key`` (log2 of the score plus published_hours / half_life) is computed once per load and
sorted on. Ties break on publish time (newest first), then URL (ascending) for determinism.

Filters (a story is judged by its lead; topics by every member's topics):

- topics: any of the digest's topics (case-insensitive); none listed means every topic;
- minimum quality: ``quality >= min_quality``, a missing quality counting as 40 (the same
  default as the score), so it passes the default minimum 0 and any minimum up to 40; a negative
  quality counts as 0, as in the score;
- window: published after the digest's last post (``since``), else within the last
  ``window_hours``, and never after ``now``;
- types: any of the digest's types (case-insensitive); none listed means every type.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from bot.digests.spec import RankingWeights

DEFAULT_QUALITY = 40.0
QUALITY_HALF = 50.0  # the quality that scores q = 0.5
BREADTH_HALF = 3.0  # the number of other outlets that scores b = 0.5

RankKey = tuple[float, float, str]


def quality_term(quality: float | None) -> float:
    """Quality squashed to 0..1 (missing → DEFAULT_QUALITY; negative → 0)."""
    value = DEFAULT_QUALITY if quality is None else max(0.0, quality)
    return value / (value + QUALITY_HALF)


def breadth_term(outlets: int) -> float:
    """The number of other outlets covering a story, squashed to 0..1."""
    return 1.0 - math.exp2(-max(0, outlets) / BREADTH_HALF)


def base_score(quality: float | None, outlets: int, weights: RankingWeights) -> float:
    """The score before decay: what a story would score at age zero."""
    return weights.quality * quality_term(quality) + weights.breadth * breadth_term(outlets)


def _half_life(weights: RankingWeights) -> float:
    # A non-positive half-life would make the decay meaningless; treat it as "no decay".
    return weights.half_life_hours if weights.half_life_hours > 0 else math.inf


def order_key(base: float, published: datetime, weights: RankingWeights) -> float:
    """log2 of the score up to a term shared by every story at a given ``now``: sort descending."""
    if base <= 0:
        return -math.inf
    return math.log2(base) + published.timestamp() / 3600.0 / _half_life(weights)


def rank_key(order: float, published: datetime, url: str) -> RankKey:
    """Sort key, best first: score, then newest, then URL."""
    return (-order, -published.timestamp(), url)


def story_rank_key(
    quality: float | None, outlets: int, published: datetime, url: str, weights: RankingWeights
) -> RankKey:
    """Sort key of a story led by an article with this quality, published, url, under ``weights``."""
    order = order_key(base_score(quality, outlets, weights), published, weights)
    return rank_key(order, published, url)


def decayed_score(base: float, published: datetime, now: datetime, weights: RankingWeights) -> float:
    """The score at ``now``."""
    age_hours = (now - published).total_seconds() / 3600.0
    return base * math.exp2(-age_hours / _half_life(weights))


def passes_quality(quality: float | None, min_quality: float) -> bool:
    return (DEFAULT_QUALITY if quality is None else max(0.0, quality)) >= min_quality


def window_start(now: datetime, since: datetime | None, window_hours: float | None) -> datetime | None:
    """The exclusive lower bound of the window: ``since`` if given, else ``now - window_hours``."""
    if since is not None:
        return since
    if window_hours is None:
        return None
    return now - timedelta(hours=window_hours)


def in_window(published: datetime, start: datetime | None, now: datetime) -> bool:
    return published <= now and (start is None or published > start)


def outlet_key(domain: str, provider: str, url: str) -> str:
    """Who published an item: its domain (case-insensitive, without "www."), else provider name, else host."""
    for candidate in (domain, provider):
        key = candidate.strip().casefold().removeprefix("www.")
        if key:
            return key
    return urlsplit(url).hostname or url
