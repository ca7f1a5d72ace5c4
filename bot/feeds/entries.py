"""One feed entry → the fields of one article file (the seed format of bot/sample_articles/).

Pure: the fetch time comes in as ``now``; the topic matcher is passed in (as CategoryTopics).
Text is made plain here (HTML stripped, entities decoded, whitespace collapsed, control characters
dropped), and stays plain text: escaping for Slack happens when a digest is rendered, as for every
other article.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

from bot.articles.fields import domain_of
from bot.feeds.config import FeedSource
from bot.feeds.parse import ParsedFeed
from bot.topics import TopicMatcher

MAX_EXCERPT = 400
MAX_TITLE = 300
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\xad\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ud800-\udfff]")
_SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Category matches we trust: a topic's name, an alias, or all its words ("Robotics" → AI in Robotics).
# A prefix or a typo is fine for a person typing /news, too loose for a publisher's tag.
_CATEGORY_KINDS = frozenset({"topic", "alias", "word"})


@dataclass(frozen=True, slots=True)
class EntryDoc:
    """Everything one article file holds. ``key`` identifies the entry within its feed (guid or URL)."""

    key: str
    title: str
    excerpt: str
    published: datetime
    url: str
    provider: str
    domain: str
    topics: tuple[str, ...]
    quality: float
    image: str | None
    type: str
    feed_url: str
    dated: bool  # False: the entry had no date and ``published`` is when it was first seen

    def fingerprint(self) -> str:
        """Changes exactly when the file's content would."""
        parts = (
            self.title,
            self.excerpt,
            self.published.isoformat(),
            self.url,
            self.provider,
            self.domain,
            "|".join(self.topics),
            repr(self.quality),
            self.image or "",
            self.type,
        )
        return hashlib.sha1("\x1f".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in ("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped (script/style with their content), entities decoded."""
    if "<" not in html:
        return clean_text(unescape(html))
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return clean_text("".join(extractor.parts))


def clean_text(text: str) -> str:
    """One line of printable text: whitespace runs become one space; control and invisible format
    characters (bidi overrides, zero-width, soft hyphen) and lone surrogates go."""
    return _INVISIBLE.sub("", " ".join(text.split()))


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _detail_text(value: Any, detail: Any) -> str:
    raw = str(value or "")
    kind = str((detail or {}).get("type") or "text/plain").lower()
    return html_to_text(raw) if kind in _HTML_TYPES else clean_text(raw)


def entry_key(entry: Any, url: str) -> str:
    """What makes an entry the same entry on the next fetch: its guid/id, else its link."""
    guid = entry.get("id") or entry.get("guid")
    return str(guid).strip() if guid and str(guid).strip() else url


def entry_url(entry: Any, base: str) -> str | None:
    """The entry's link resolved against the feed's URL; None when there is no usable http(s) link."""
    link = str(entry.get("link") or "").strip()
    if not link:
        for candidate in entry.get("links") or ():
            if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
                link = str(candidate["href"]).strip()
                break
    if not link:
        return None
    url = urljoin(base, link)
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        return None
    return url


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _image(entry: Any, base: str) -> str | None:
    candidates: list[str] = []
    for item in entry.get("media_thumbnail") or ():
        candidates.append(str(item.get("url") or ""))
    for item in entry.get("media_content") or ():
        if str(item.get("medium") or item.get("type") or "").startswith("image"):
            candidates.append(str(item.get("url") or ""))
    for item in entry.get("enclosures") or ():
        if str(item.get("type") or "").lower().startswith("image/"):
            candidates.append(str(item.get("href") or ""))
    for candidate in candidates:
        url = urljoin(base, candidate.strip()) if candidate.strip() else ""
        if url.startswith(("https://", "http://")) and not any(c.isspace() for c in url):
            return url
    return None


class CategoryTopics:
    """Entry categories → known topics through the topic matcher, each distinct category matched once
    (feeds repeat a few categories thousands of times)."""

    def __init__(self, matcher: TopicMatcher) -> None:
        self.matcher = matcher
        self._seen: dict[str, tuple[str, ...]] = {}

    def __call__(self, term: str) -> tuple[str, ...]:
        found = self._seen.get(term)
        if found is None:
            match = self.matcher.match(term)
            found = match.topics if match.kind in _CATEGORY_KINDS else ()
            self._seen[term] = found  # a race between threads only computes the same value twice
        return found


def entry_topics(entry: Any, feed: FeedSource, categories: CategoryTopics) -> tuple[str, ...]:
    """The feed's topics, then each entry category that matches a known topic."""
    topics = dict.fromkeys(feed.topics)
    for tag in entry.get("tags") or ():
        for term in re.split(r"[,;]", str(tag.get("term") or tag.get("label") or "")):
            if term.strip():
                topics.update(dict.fromkeys(categories(term.strip())))
    return tuple(topics)


def entry_doc(
    entry: Any, feed: FeedSource, parsed: ParsedFeed, *, base: str, categories: CategoryTopics, now: datetime
) -> EntryDoc | None:
    """The article for one entry, or None when it has no title or no usable link (nothing to show)."""
    url = entry_url(entry, base)
    title = shorten(_detail_text(entry.get("title"), entry.get("title_detail")), MAX_TITLE)
    if url is None or not title:
        return None
    detail = entry.get("summary_detail")
    if not detail and entry.get("content"):
        detail = entry["content"][0]
    summary = (detail or {}).get("value") or entry.get("summary")
    published = _published(entry)
    domain = domain_of(url)
    return EntryDoc(
        key=entry_key(entry, url),
        title=title,
        excerpt=shorten(_detail_text(summary, detail), MAX_EXCERPT),
        published=published or now.astimezone(UTC).replace(microsecond=0),
        url=url,
        provider=feed.name or parsed.title or domain,
        domain=domain,
        topics=entry_topics(entry, feed, categories),
        quality=feed.quality,
        image=_image(entry, base),
        type="article",
        feed_url=feed.url,
        dated=published is not None,
    )
