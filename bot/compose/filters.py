"""A digest's keyword and outlet filters (``include``, ``exclude``, ``exclude_outlets``), as pure functions.

Rules (documented for users in digests/README.md):

- Keywords and phrases match whole words, ignoring case (``str.casefold`` after NFKC, so "STRASSE"
  matches "Straße" and full-width letters match): "ai" matches "AI's" and "AI-driven" but not "said";
  a phrase ("self driving") matches its words with any spacing. A word character is a letter, a
  digit, a combining mark or "_" of any script, so boundaries work for "café" or "Zürich" as for ASCII.
  Title and excerpt are searched separately (a phrase never spans the two).
- ``exclude``: an article whose title or excerpt holds any of the words is left out.
- ``include``: an article is kept only if its title or excerpt holds at least one of the words (any,
  not all). Several words narrow nothing; they widen what passes.
- ``exclude_outlets``: an entry matches an outlet's name (provider, ignoring case and spacing) or,
  when it looks like a domain, the outlet's domain (else the host of its URL) and every subdomain
  of it ("example.com" also leaves out "news.example.com"; a leading "www." is ignored).

Articles are filtered before they form stories: a story whose lead is left out is led by its best
remaining article, a story with no remaining article is dropped, and related coverage from an excluded
outlet or mentioning an excluded word is not shown (``include`` does not apply to coverage links).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.digests.spec import DigestSpec
from bot.models import Article, Related

_SPACE = re.compile(r"\s+")
# Typographic variants people paste: one form each, so "Bob’s" and "Bob's" compare equal.
_VARIANTS = str.maketrans({"’": "'", "‘": "'", "‐": "-", "‑": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """The comparison form of a text: NFKC, case-folded, one space between words."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).translate(_VARIANTS).casefold()).strip()


@functools.lru_cache(maxsize=65536)
def _folded(text: str) -> str:
    return fold(text)


def is_word_char(char: str) -> bool:
    """Letters, digits and combining marks of every script, and "_" (what ``\\w`` means, marks included)."""
    return char == "_" or unicodedata.category(char)[0] in "LNM"


def contains_phrase(folded_text: str, phrase: str) -> bool:
    """Whether ``phrase`` (already folded) occurs in ``folded_text`` as whole words.

    A side of the phrase that is a word character must meet a non-word character (or the text's
    end) there; a side that is punctuation ("c++") needs no boundary, as with ``\\b``.
    """
    if not phrase:
        return False
    start = folded_text.find(phrase)
    need_left, need_right = is_word_char(phrase[0]), is_word_char(phrase[-1])
    while start != -1:
        end = start + len(phrase)
        left_ok = not need_left or start == 0 or not is_word_char(folded_text[start - 1])
        right_ok = not need_right or end == len(folded_text) or not is_word_char(folded_text[end])
        if left_ok and right_ok:
            return True
        start = folded_text.find(phrase, start + 1)
    return False


def domain_of(entry: str) -> str | None:
    """The domain an ``exclude_outlets`` entry names ("https://www.Example.com/x" → "example.com"), or
    None when it is an outlet name (no dot, or spaces)."""
    text = entry.strip()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.casefold().rstrip("/").removeprefix("www.")
    if "." not in text or any(ch.isspace() or ch in "/@:" for ch in text) or text.startswith("."):
        return None
    return text.rstrip(".")


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class StoryFilter:
    """The compiled filters of one digest; build with :meth:`of` (None when the spec has none)."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]
    outlet_names: frozenset[str]
    outlet_domains: tuple[str, ...]

    @classmethod
    def of(cls, spec: DigestSpec) -> StoryFilter | None:
        if not (spec.include or spec.exclude or spec.exclude_outlets):
            return None
        return cls(
            include=_phrases(spec.include),
            exclude=_phrases(spec.exclude),
            outlet_names=frozenset(fold(e) for e in spec.exclude_outlets if fold(e)),
            outlet_domains=tuple(d for e in spec.exclude_outlets if (d := domain_of(e))),
        )

    def excluded_outlet(self, provider: str, domain: str, url: str) -> bool:
        """Whether an item of this provider, domain (else the URL's host) is left out."""
        if self.outlet_names and provider and _folded(provider) in self.outlet_names:
            return True
        if self.outlet_domains:
            host = domain.strip().casefold().removeprefix("www.") or _host(url)
            return bool(host) and any(host == d or host.endswith("." + d) for d in self.outlet_domains)
        return False

    def _mentions(self, phrases: tuple[str, ...], texts: Iterable[str]) -> bool:
        folded = [_folded(t) for t in texts if t]
        return any(contains_phrase(text, phrase) for phrase in phrases for text in folded)

    def keeps_article(self, article: Article) -> bool:
        texts = (article.title, article.excerpt)
        if self.excluded_outlet(article.provider, article.domain, article.url):
            return False
        if self.exclude and self._mentions(self.exclude, texts):
            return False
        return not self.include or self._mentions(self.include, texts)

    def keeps_related(self, item: Related) -> bool:
        if self.excluded_outlet(item.provider, item.domain, item.url):
            return False
        return not (self.exclude and self._mentions(self.exclude, (item.title,)))


def _phrases(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for w in words if (f := fold(w))))
