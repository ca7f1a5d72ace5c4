"""The one rule for what a digest carries: what its channel has not seen since the digest's last post.

Used by every post (scheduled, `/news-admin post`, `newsbot post`, through the posting service) and
by `/news-admin preview`, so a preview shows exactly what a post would.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.digests.spec import DigestSpec
from bot.store.base import Store

# (spec, now, since, exclude_urls) -> (chat.postMessage payload, every article URL it shows)
DigestComposer = Callable[
    [DigestSpec, datetime, datetime | None, frozenset[str]], tuple[Mapping[str, Any], Sequence[str]]
]


@dataclass(frozen=True, slots=True)
class Unseen:
    """Stories published after ``since`` (None: never posted, the digest's window applies), minus
    the article URLs in ``seen`` (posted to the channel before, by any digest)."""

    since: datetime | None
    seen: frozenset[str]


def unseen(store: Store, spec: DigestSpec) -> Unseen:
    last = store.last_posted(spec.team_id, spec.name)
    return Unseen(last.posted_at if last is not None else None, store.posted_urls(spec.team_id, spec.channel))


def compose_unseen(
    store: Store, compose: DigestComposer, spec: DigestSpec, now: datetime
) -> tuple[Mapping[str, Any], Sequence[str]]:
    """The digest of what the channel has not seen yet: its payload and every article URL it shows."""
    window = unseen(store, spec)
    return compose(spec, now, window.since, window.seen)


class UnseenPreview:
    """`/news-admin preview`: the payload a post would carry now (nothing is recorded)."""

    def __init__(self, store: Store, compose: DigestComposer) -> None:
        self._store = store
        self._compose = compose

    def __call__(self, spec: DigestSpec, now: datetime) -> Mapping[str, Any]:
        return compose_unseen(self._store, self._compose, spec, now)[0]
