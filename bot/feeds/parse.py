"""Feed bytes → a ParsedFeed, with feedparser (RSS 0.9x/1.0/2.0, Atom) behind a defusedxml guard.

The guard runs defusedxml's expat reader over the document's prolog only (it stops at the root
element) and refuses any document that declares entities: that is how a "billion laughs" or a
quadratic-blowup bomb is built, and real feeds never need it. Then feedparser parses the document;
a result that is not a feed (an HTML page), not well-formed (truncated) or empty is a FeedError.
"""

from __future__ import annotations

import re
import xml.sax
from dataclasses import dataclass
from typing import Any

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.expatreader import create_parser

from bot.errors import FeedError

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL)
BOMB_REASON = "refused: the document declares XML entities (the way an entity-expansion bomb is built)"


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What the mapping needs: the feed's title and link, its format and feedparser's entries."""

    title: str
    link: str
    version: str
    entries: tuple[Any, ...]


class _RootReached(Exception):
    """Raised by the prolog scan at the first element: everything a bomb needs comes before it."""


class _StopAtRoot(xml.sax.handler.ContentHandler):
    def startElement(self, name: str, attrs: Any) -> None:
        raise _RootReached

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:
        raise _RootReached


def refuse_entity_bombs(url: str, data: bytes) -> None:
    """FeedError when ``data`` declares XML entities (checked with defusedxml up to the root element)."""
    # A DOCTYPE naming an external DTD is fine (RSS 0.91 feeds carry Netscape's); it is never
    # fetched here (the scan stops at the root) nor by feedparser (external entities off).
    parser = create_parser(forbid_dtd=False, forbid_entities=True, forbid_external=False)
    parser.setContentHandler(_StopAtRoot())
    try:
        for start in range(0, len(data), 16384):
            parser.feed(data[start : start + 16384])
    except _RootReached:
        return
    except DefusedXmlException:
        raise FeedError(url, BOMB_REASON) from None
    except xml.sax.SAXException:
        # The prolog is not XML expat can read (HTML, another encoding, garbage): feedparser decides
        # what it is, but an entity declaration anywhere is still refused.
        if _ENTITY_DECLARATION.search(data) or _ENTITY_DECLARATION.search(_as_utf16_ascii(data)):
            raise FeedError(url, BOMB_REASON) from None


def _as_utf16_ascii(data: bytes) -> bytes:
    """UTF-16 text with its zero bytes dropped, so an ASCII pattern can be searched in it."""
    head = data[:2]
    return data.replace(b"\x00", b"") if head in (b"\xff\xfe", b"\xfe\xff") else b""


def parse_feed(url: str, data: bytes, *, content_type: str = "", final_url: str | None = None) -> ParsedFeed:
    """Parse one downloaded feed. Raises FeedError saying why it is unusable."""
    refuse_entity_bombs(url, data)
    headers = {"content-location": final_url or url}
    if content_type:
        headers["content-type"] = content_type
    # We turn entry text into plain text ourselves, so feedparser's HTML sanitizer would be wasted work.
    result = feedparser.parse(
        data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    error = result.get("bozo_exception")
    if not result.get("version"):
        if content_type == "text/html" or _HTML_START.match(data[:4096]):
            raise FeedError(url, "not a feed: the address serves an HTML page (look for the feed link on it)")
        if isinstance(error, xml.sax.SAXParseException):
            raise FeedError(url, f"not a feed: {_xml_error(error)}")
        raise FeedError(url, "not a feed: no RSS or Atom document found")
    if isinstance(error, xml.sax.SAXParseException):
        raise FeedError(
            url, f"not well-formed XML ({_xml_error(error)}); a truncated download looks like this"
        )
    entries = tuple(result.get("entries") or ())
    if not entries:
        raise FeedError(url, "the feed has no entries")
    feed = result.get("feed") or {}
    return ParsedFeed(
        title=" ".join(str(feed.get("title") or "").split()),
        link=str(feed.get("link") or ""),
        version=str(result.get("version")),
        entries=entries,
    )


def _xml_error(error: xml.sax.SAXParseException) -> str:
    return f"line {error.getLineNumber()}, column {error.getColumnNumber()}: {error.getMessage()}"
