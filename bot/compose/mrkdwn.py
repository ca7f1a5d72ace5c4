"""Slack mrkdwn text safety: escaping article text, linking only http(s) URLs, trimming formatted text.

Slack decodes only ``&amp;``, ``&lt;`` and ``&gt;``; every control sequence (``<!channel>``,
``<@U123>``, ``<#C1>``, ``<url|text>``) starts with a raw ``<``. So escaping those three characters
in every piece of article text makes it inert, and our own links and dates are the only ``<`` left.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

MAX_URL = 3000
ELLIPSIS = "…"

_WHITESPACE = re.compile(r"\s+")
# Bidirectional embedding, override and isolate controls: one in a title would reorder the rest of
# its line (outlet, date, link label) as the reader sees it. Plain right-to-left text needs none.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Characters that would end or split a `<url|text>` link, or that Slack would not keep in a URL.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]_~"
# Our own control sequences, the only ones a rendered message may hold.
_DATE = r"<!date\^\d{1,12}\^[^<>|]{1,200}(?:\^[^<>|]{1,3000})?\|[^<>]{0,200}>"
_LINK = r"<https?://[^\s<>|]{1,3000}(?:\|[^<>]*)?>"
ALLOWED_SEQUENCE = re.compile(f"{_DATE}|{_LINK}")
# In views we also name the digest's channel ourselves (`<#C0123>`), from an ID, never from article text.
VIEW_SEQUENCE = re.compile(f"{_DATE}|{_LINK}|<#[CG][A-Z0-9]{{2,30}}>")
LINK = re.compile(r"<(https?://[^\s<>|]+)(?:\|([^<>]*))?>")


def escape(text: str) -> str:
    """Escape article text for mrkdwn; `&` first so the entities we add are not escaped again."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def one_line(text: str) -> str:
    """Collapse runs of whitespace (newlines included) and drop bidi controls, so article text cannot
    break our layout."""
    return _WHITESPACE.sub(" ", _BIDI_CONTROLS.sub("", text)).strip()


def slack_len(text: str) -> int:
    """Length as Slack counts it (UTF-16 code units), so emoji cannot push a text over a limit."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """Trim plain (unescaped) text to ``limit`` Slack characters, ending with an ellipsis if cut."""
    if slack_len(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return _head(text, limit - 1).rstrip() + ELLIPSIS


def _head(text: str, budget: int) -> str:
    """The longest start of ``text`` within ``budget`` Slack characters (an emoji counts 2)."""
    cut = text[:budget]
    while cut and slack_len(cut) > budget:
        cut = cut[:-1]
    return cut


def clean_url(url: str | None) -> str | None:
    """The URL made safe to send, or None when it must not be linked.

    Only absolute http(s) URLs with a host qualify; characters that could end a link are
    percent-encoded; a URL longer than Slack's 3000-character limit is not linked at all.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    safe = quote(url, safe=_URL_SAFE + "%")
    if len(safe) > MAX_URL:
        return None
    return safe


def link(url: str | None, text: str) -> str:
    """`<url|text>` with the text escaped, or just the escaped text when the URL is not linkable."""
    label = one_line(text) or (urlsplit(url).netloc if url else "") or "link"
    safe = clean_url(url)
    if safe is None:
        return escape(label)
    return f"<{escape(safe)}|{escape(label)}>"


def utc_label(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def slack_date(moment: datetime, fmt: str = "{date_short_pretty} {time}") -> str:
    """Slack date formatting: each reader sees ``moment`` in their own time zone; UTC as fallback."""
    return f"<!date^{int(moment.timestamp())}^{fmt}|{utc_label(moment)}>"


def sanitize(text: str) -> str:
    """Escape every ``<`` or ``>`` that is not part of one of our own links or dates.

    A guard behind the escape filter: a template that forgets ``| mrkdwn`` still cannot ping a
    channel or a user, or link a ``javascript:`` URL.
    """
    out: list[str] = []
    pos = 0
    for match in ALLOWED_SEQUENCE.finditer(text):
        out.append(_escape_brackets(text[pos : match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_escape_brackets(text[pos:]))
    return "".join(out)


def _escape_brackets(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def unsafe_sequences(text: str, allowed: re.Pattern[str] = ALLOWED_SEQUENCE) -> list[str]:
    """Every ``<…`` in ``text`` that is not one of our links or dates (empty = safe)."""
    stripped = allowed.sub("", text)
    return re.findall(r"<[^>]{0,40}>?", stripped) + re.findall(r">", stripped)


def trim_mrkdwn(text: str, limit: int) -> str:
    """Trim formatted mrkdwn to ``limit`` Slack characters without cutting a link, date or entity."""
    if slack_len(text) <= limit:
        return text
    cut = _drop_partial_sequence(_head(text, max(limit - 1, 0)))
    return cut.rstrip() + ELLIPSIS


def _drop_partial_sequence(cut: str) -> str:
    """Remove a trailing half of a `<…>` sequence or `&…;` entity left by a cut."""
    opened = cut.rfind("<")
    if opened > cut.rfind(">"):
        cut = cut[:opened]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:] and len(cut) - amp < 5:
        cut = cut[:amp]
    return cut


def links_in(text: str) -> list[str]:
    """The URLs of the links in a piece of mrkdwn, unescaped back to what a reader opens."""
    return [unescape(m.group(1)) for m in LINK.finditer(text)]
