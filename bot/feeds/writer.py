"""Article files for feed entries: stable, safe names and atomic writes in the seed front-matter format.

A name is ``YYYY-MM-DD-<slug>-<hash>.md``: the date and title slug for people, eight hex digits of the
feed and entry key so two entries never share a name, ASCII letters, digits and hyphens only (no path
separator can appear), at most ``MAX_NAME`` characters. Writes go to a hidden temporary file in the
same folder, then ``os.replace``: a reader (the loader, a reload) sees the old file or the new one,
never half of one.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
from pathlib import Path

import yaml

from bot.feeds.entries import EntryDoc

MAX_SLUG = 60
MAX_NAME = 10 + 1 + MAX_SLUG + 1 + 8 + 3
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a hyphen to at most MAX_SLUG characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")
    if len(words) > MAX_SLUG:
        words = words[:MAX_SLUG].rsplit("-", 1)[0] if "-" in words[:MAX_SLUG] else words[:MAX_SLUG]
    return words or "entry"


def file_name(doc: EntryDoc) -> str:
    digest = hashlib.sha1(f"{doc.feed_url}\n{doc.key}".encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{doc.published:%Y-%m-%d}-{slug(doc.title)}-{digest}.md"


# Characters a YAML double-quoted scalar holds as they are (PyYAML's printable set without line
# breaks and the BOM); text made of them needs only backslash and quote escaped.
_PLAIN_QUOTABLE = re.compile(
    "[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*"
)


def _scalar(value: str) -> str:
    """A double-quoted YAML scalar on one line."""
    if _PLAIN_QUOTABLE.fullmatch(value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    # Anything else (control characters, line separators): PyYAML's emitter writes the escapes.
    dumped = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1 << 30)
    return dumped.rstrip("\n").removesuffix("\n...")


def render(doc: EntryDoc) -> str:
    """The file's text: front matter in the field order and layout of the seed articles."""
    lines = [
        "---",
        "category: news",
        f"title: {_scalar(doc.title)}",
        f"excerpt: {_scalar(doc.excerpt)}",
        f"publishedDateTime: {doc.published:%Y-%m-%dT%H:%M:%SZ}",
        f"webUrl: {_scalar(doc.url)}",
        f"type: {doc.type}",
        f"quality: {doc.quality:g}",
        "",
        "provider:",
        f"  name: {_scalar(doc.provider)}",
        f"  domain: {_scalar(doc.domain)}",
    ]
    if doc.topics:
        lines += ["", "topics:", *(f"  - {_scalar(topic)}" for topic in doc.topics)]
    if doc.image:
        lines += ["", "images:", f"  - url: {_scalar(doc.image)}"]
    lines += [
        "",
        "feed:",
        f"  url: {_scalar(doc.feed_url)}",
        f"  key: {_scalar(doc.key)}",
        "---",
        "",
    ]
    return "\n".join(lines)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (a hidden temporary file beside it, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Unique per process and thread (one thread writes one file at a time); hidden and not *.md,
    # so the loader never reads it.
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
