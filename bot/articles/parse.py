"""One article file → one Article (plus warnings), or an ArticleError naming why it is unusable."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.articles import fields
from bot.articles.frontmatter import split_front_matter
from bot.articles.limits import MAX_FRONT_MATTER_BYTES
from bot.articles.paths import display_path, file_kind
from bot.articles.yamlread import load_yaml
from bot.errors import ArticleError
from bot.models import Article, Related

# Longer excerpts are cut: a digest shows a line or two, and a runaway excerpt must not cost memory.
MAX_EXCERPT = 1000
MAX_TITLE = 500
_TOPIC_TUPLES: dict[tuple[str, ...], tuple[str, ...]] = {}


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """The outcome for one file: an article (with warnings about cleaned-up fields) or a skip reason."""

    article: Article | None
    reason: str | None
    warnings: tuple[str, ...] = ()

    def __reduce__(self) -> tuple[type[ParsedFile], tuple[Any, ...]]:
        # Constructor arguments pickle faster than the slots default (cache files, worker results).
        return (ParsedFile, (self.article, self.reason, self.warnings))


def article_id(url: str) -> str:
    """Stable id of an article: the same URL always gives the same id, across processes and versions."""
    return hashlib.sha1(url.encode("utf-8"), usedforsecurity=False).hexdigest()[:16]


def parse_file(path: str | Path, backend: str) -> ParsedFile:
    """Read and parse one file; never raises for a bad file (the reason says what is wrong)."""
    name = path if isinstance(path, str) else str(path)  # the caller's string: one copy per article
    try:
        data, complete = _read_start(name)
        mapping = load_yaml(split_front_matter(data, complete=complete), backend)
        warnings: list[str] = []
        article = build_article(mapping, name, warnings)
    except ArticleError as err:
        return ParsedFile(None, str(err))
    except OSError as err:
        return ParsedFile(None, f"cannot read ({err.strerror or err})")
    if not warnings:
        return ParsedFile(article, None)
    shown = display_path(name)
    return ParsedFile(article, None, tuple(f"{shown}: {w}" for w in warnings))


def _read_start(name: str) -> tuple[bytes, bool]:
    """The first MAX_FRONT_MATTER_BYTES of a regular file, and whether that is all of it.

    Opened non-blocking and checked after opening, so a FIFO or device that took a file's place
    since the scan is refused instead of blocking the load.
    """
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ArticleError(f"not a regular file ({file_kind(info.st_mode)})")
        want = min(info.st_size, MAX_FRONT_MATTER_BYTES)
        chunks = [os.read(fd, want)]
        got = len(chunks[0])
        while 0 < got < want:  # a short read; rare on regular files
            chunk = os.read(fd, want - got)
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return data, info.st_size <= MAX_FRONT_MATTER_BYTES


def build_article(mapping: Any, path: str, warnings: list[str]) -> Article:
    """The record for one parsed front matter. Required: title, a usable URL, publishedDateTime."""
    if not isinstance(mapping, dict):
        raise ArticleError(
            "front matter is not a mapping of fields" if mapping is not None else "empty front matter"
        )
    title = fields.text(mapping.get("title"))
    if title is None:
        raise ArticleError("no title")
    url = fields.first_url(mapping)
    if url is None:
        raise ArticleError("no usable URL (webUrl, originalUrl or ampWebUrl)")
    if "publishedDateTime" not in mapping or mapping["publishedDateTime"] is None:
        raise ArticleError("no publishedDateTime")
    try:
        published = fields.timestamp(mapping["publishedDateTime"])
    except ValueError as err:
        raise ArticleError(f"publishedDateTime: {err}") from None
    provider, domain = _provider(mapping.get("provider"), url, warnings)
    return Article(
        id=article_id(url),
        title=_clip(title, MAX_TITLE, "title", warnings),
        excerpt=_excerpt(mapping.get("excerpt"), warnings),
        url=url,
        published=published,
        quality=_optional_number(mapping, "quality", warnings),
        heat=_heat(mapping, warnings),
        provider=provider,
        domain=domain,
        topics=_topics(mapping.get("topics"), warnings),
        type=fields.intern((fields.text(mapping.get("type")) or "article").lower()),
        image=_image(mapping.get("images"), warnings),
        published_flag=_flag(mapping.get("published"), warnings),
        related=tuple(_related(mapping.get("related"), url, domain, title, warnings)),
        path=path,
    )


def _clip(value: str, limit: int, name: str, warnings: list[str]) -> str:
    if len(value) <= limit:
        return value
    warnings.append(f"{name} cut to {limit} characters (was {len(value)})")
    return value[: limit - 1].rstrip() + "…"


def _excerpt(value: Any, warnings: list[str]) -> str:
    if value is not None and not isinstance(value, str | int | float):
        warnings.append("excerpt is not text; left empty")
        return ""
    return _clip(fields.text(value) or "", MAX_EXCERPT, "excerpt", warnings)


def _optional_number(mapping: dict[Any, Any], key: str, warnings: list[str]) -> float | None:
    try:
        return fields.number(mapping.get(key))
    except ValueError as err:
        warnings.append(f"{key} ignored ({err})")
        return None


def _heat(mapping: dict[Any, Any], warnings: list[str]) -> float | None:
    heat = _optional_number(mapping, "heat", warnings)
    return None if heat is not None and heat < 0 else heat  # -1 means unknown


def _flag(value: Any, warnings: list[str]) -> bool | None:
    try:
        return fields.flag(value)
    except ValueError as err:
        warnings.append(f"published ignored ({err})")
        return None


def _provider(value: Any, url: str, warnings: list[str]) -> tuple[str, str]:
    if value is not None and not isinstance(value, dict):
        warnings.append("provider is not a mapping; taken from the URL")
        value = None
    name = fields.text(value.get("name")) if value else None
    domain = fields.text(value.get("domain")) if value else None
    domain = (domain or fields.domain_of(url)).lower()
    return fields.intern(name or domain), fields.intern(domain)


def _topics(value: Any, warnings: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        warnings.append("topics is not a list; ignored")
        return ()
    topics: dict[str, None] = {}
    for item in items:
        topic = fields.text(item) if not isinstance(item, bool) else None
        if topic is None:
            warnings.append(f"topic entry ignored: {item!r:.60}")
            continue
        topics.setdefault(fields.intern(topic), None)
    key = tuple(topics)
    return _TOPIC_TUPLES.setdefault(key, key)


def _image(value: Any, warnings: list[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list):
        warnings.append("images is not a list; no image")
        return None
    for entry in value:
        url = fields.web_url(entry.get("url")) if isinstance(entry, dict) else fields.web_url(entry)
        if url:
            return url
        warnings.append("broken images entry skipped")
    return None


def _related(
    value: Any, own_url: str, own_domain: str, own_title: str, warnings: list[str]
) -> Iterator[Related]:
    if value is None:
        return
    if not isinstance(value, list):
        warnings.append("related is not a list; ignored")
        return
    own_keys = {fields.url_key(own_url), (own_domain, _title_key(own_title))}
    seen: set[object] = set()
    for position, entry in enumerate(value, start=1):
        url = fields.first_url(entry) if isinstance(entry, dict) else None
        if url is None:
            warnings.append(f"related entry {position} has no usable URL; dropped")
            continue
        item = _related_item(entry, url, position, warnings)
        # Outlets republish under a second URL (an edition prefix, www or not, a trailing slash), so an
        # entry is the same article when its URL matches loosely or its outlet and title match exactly.
        keys = {fields.url_key(url), (item.domain, _title_key(item.title))}
        if keys & own_keys:
            warnings.append(f"related entry {position} is the article itself; dropped")
        elif keys & seen:
            warnings.append(f"related entry {position} repeats an earlier one; dropped")
        else:
            seen |= keys
            yield item


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def _related_item(entry: dict[Any, Any], url: str, position: int, warnings: list[str]) -> Related:
    provider = entry.get("provider")
    name, domain = _provider(provider if isinstance(provider, dict) else None, url, warnings)
    try:
        published = fields.timestamp(entry["publishedDateTime"]) if entry.get("publishedDateTime") else None
    except ValueError as err:
        warnings.append(f"related entry {position} publishedDateTime ignored ({err})")
        published = None
    try:
        quality = fields.number(entry.get("quality"))
    except ValueError as err:
        warnings.append(f"related entry {position} quality ignored ({err})")
        quality = None
    title = fields.text(entry.get("title")) or name
    return Related(
        title=title[:MAX_TITLE], url=url, provider=name, domain=domain, published=published, quality=quality
    )
