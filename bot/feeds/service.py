"""What the CLI and `newsbot run` call: where feed articles go, the poller, and each feed's status."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.articles import default_cache_path, load_articles
from bot.errors import ConfigError, QueryError
from bot.feeds.config import FeedSource, feed_url, load_feeds_file
from bot.feeds.poller import FeedPoller
from bot.feeds.reader import FeedReader
from bot.feeds.state import FeedStatus, StateFile

FEEDS_SUBFOLDER = "feeds"


def default_out(article_roots: Sequence[Path]) -> Path | None:
    """The first article folder's feeds/ subfolder (the loader reads it with the rest), if any."""
    return article_roots[0] / FEEDS_SUBFOLDER if article_roots else None


def build_poller(
    feeds_path: Path,
    article_roots: Sequence[Path],
    *,
    clock: Callable[[], datetime],
    known_topics: Callable[[], Iterable[str]] = tuple,
) -> FeedPoller:
    """The poller `newsbot run` starts when NEWSBOT_FEEDS is set. ConfigError when it cannot work."""
    out = default_out(article_roots)
    if out is None:
        raise ConfigError(
            "NEWSBOT_FEEDS: needs NEWSBOT_ARTICLES, whose first folder gets the feed articles in feeds/"
        )
    feeds = load_feeds_file(feeds_path)
    return FeedPoller(feeds, FeedReader(out, known_topics=known_topics), clock)


def feed_statuses(feeds: Sequence[FeedSource], out: Path) -> list[FeedStatus]:
    """What the state file in ``out`` says about each feed (a feed never read has empty fields)."""
    state = StateFile(out)
    return [state.status(feed.url, feed.name) for feed in feeds]


def choose_feeds(urls: Sequence[str], feeds_file: Path | None) -> list[FeedSource]:
    """`newsbot fetch`'s feeds: the URLs given, plus those of the feeds file. QueryError when none."""
    feeds: dict[str, FeedSource] = {}
    for url in urls:
        source = FeedSource(feed_url(url, key="FEED_URL"))
        feeds.setdefault(source.url, source)
    if feeds_file is not None:
        for source in load_feeds_file(feeds_file):
            feeds.setdefault(source.url, source)
    if not feeds:
        raise QueryError(
            "no feeds: give feed URLs (newsbot fetch https://example.com/feed.xml), "
            "--feeds FILE, or set NEWSBOT_FEEDS (see feeds.example.yaml)"
        )
    return list(feeds.values())


def article_topics(roots: Sequence[Path], cache_path: Path | None) -> Callable[[], list[str]]:
    """The topic names of the articles already in ``roots`` (read through the parse cache)."""

    def topics() -> list[str]:
        existing = [root for root in roots if root.is_dir()]
        if not existing:
            return []
        result = load_articles(existing, cache_path=cache_path or default_cache_path(existing))
        return sorted({topic for article in result.articles for topic in article.topics})

    return topics


def configured_statuses(feeds_path: Path | None, roots: Sequence[Path]) -> list[FeedStatus] | None:
    """For `newsbot check`: each NEWSBOT_FEEDS feed's status from the state in the first folder's
    feeds/; None when NEWSBOT_FEEDS is unset. ConfigError when the feeds file is invalid."""
    if feeds_path is None:
        return None
    out = default_out(roots)
    return feed_statuses(load_feeds_file(feeds_path), out) if out is not None else []


def status_lines(statuses: Sequence[FeedStatus]) -> list[str]:
    """One line per feed for a terminal."""
    lines = []
    for status in statuses:
        label = f"{status.name} ({status.url})" if status.name else status.url
        success = (
            f"last success {status.last_success:%Y-%m-%d %H:%M} UTC" if status.last_success else "never read"
        )
        error = ""
        if status.last_error:
            when = f" at {status.last_error_at:%Y-%m-%d %H:%M} UTC" if status.last_error_at else ""
            error = f"; last error{when}: {status.last_error}"
            if status.failures:
                error += f" ({status.failures} in a row)"
        lines.append(f"  {label}: {success}, {status.entries} entries{error}")
    return lines


def with_feed_health(
    report: Callable[[], Mapping[str, Any]], poller: FeedPoller | None
) -> Callable[[], Mapping[str, Any]]:
    """The /healthz body plus ``feeds``: each feed's status. A failing feed never turns health to 503."""
    if poller is None:
        return report

    def health() -> Mapping[str, Any]:
        return {**report(), "feeds": [status.as_json() for status in poller.health()]}

    return health
