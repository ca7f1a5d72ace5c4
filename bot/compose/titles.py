"""Title normalisation and word tokens, shared by story merging and the text search of queries.

Two outlets carrying one press release rarely print the same headline byte for byte: one adds
"UPDATE:" or "Report:", another appends " - Outlet" or " | Outlet", quotes and case differ.
``title_tokens`` strips those decorations so that such headlines compare equal.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Decorations outlets put before a headline; stripped repeatedly ("Report: UPDATE: X" is X).
_PREFIX = re.compile(
    r"^\s*(?:report|update(?: \d+)?|updated|exclusive|breaking(?: news)?|watch|video|live|press release|"
    r"re-?transmission|correction|corrected)\s*[:|\-–—]\s*",
    re.IGNORECASE,
)
# The last " - X" / " | X" / " — X" segment of a headline, a candidate outlet name.
_SUFFIX = re.compile(r"^(?P<head>.+?)\s+[|\-–—]\s+(?P<tail>[^|\-–—]+)$")
_APOSTROPHE_S = re.compile(r"['’]s\b")
_WORD = re.compile(r"\w+")

_STOPWORD_TEXT = "a an the of to in on for and or with at by from is are as its it this that be"
# Words too common to tell two headlines apart (kept short on purpose: "how"/"why" carry meaning).
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def _is_outlet_tail(tail: str, provider: str, domain: str) -> bool:
    """Whether a trailing headline segment names the outlet rather than continuing the headline."""
    words = tail.split()
    tail_key = "".join(_WORD.findall(tail.casefold()))
    for name in (provider, domain.split(".")[0] if domain else ""):
        name_key = "".join(_WORD.findall(name.casefold()))
        if not name_key or not tail_key:
            continue
        # "Verge" for provider "The Verge"; but "Microsoft" never strips "2019 deal Microsoft Power".
        if tail_key in name_key or (name_key in tail_key and 2 * len(name_key) >= len(tail_key)):
            return True
    # Short capitalised tails ("The Verge", "9to5Mac") are outlet names; "the best yet" or "2020" are not.
    return (
        len(words) <= 3
        and any(ch.isalpha() for ch in tail)
        and all(w[:1].isupper() or w[:1].isdigit() for w in words)
    )


def strip_decorations(title: str, provider: str = "", domain: str = "") -> str:
    """The headline without outlet prefixes ("UPDATE:") and a trailing outlet name (" - Outlet")."""
    text = unicodedata.normalize("NFKC", title).strip()
    while True:
        shorter = _PREFIX.sub("", text, count=1)
        if shorter == text or not shorter:
            break
        text = shorter
    match = _SUFFIX.match(text)
    if match and _is_outlet_tail(match["tail"], provider, domain):
        text = match["head"]
    return text


def title_tokens(title: str, provider: str = "", domain: str = "") -> tuple[str, ...]:
    """Comparable headline words: decorations, case, punctuation and stopwords removed, order kept."""
    text = _APOSTROPHE_S.sub("", strip_decorations(title, provider, domain).casefold())
    return tuple(w for w in _WORD.findall(text) if w not in STOPWORDS and w != "_")


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light plural fold ("robots" → "robot"), enough for matching query words to article words."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def search_words(text: str) -> set[str]:
    """The words of a text as the query index stores them: case-folded, stemmed, no stopwords."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    folded = _APOSTROPHE_S.sub("", text.casefold())
    return {stem(w) for w in set(_WORD.findall(folded)) if len(w) > 1 and w not in STOPWORDS}
