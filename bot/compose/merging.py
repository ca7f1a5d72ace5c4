"""Which articles are one story: the same URL, or near-identical headlines published close together.

Rules (pairs are joined transitively):

- the same URL, however it is written (``fields.url_key``: with or without www., a trailing slash
  or a #fragment);
- the same normalised headline (``titles.title_tokens``: no "UPDATE:"/"Report:" prefix, no
  " - Outlet" suffix, no case, punctuation or stopwords) of at least 3 words, within 3 days;
- near-identical headlines of at least 8 words, within 3 days: one word misspelt in place
  ("... New Family of ITSM Power Apps Products" / "... ISTM ..."; a typo distance between words
  without digits, so "2019" never matches "2020");
- one article lists the other's URL among its related items AND the headlines are close
  (common subsequence >= 0.7 of the longer, or >= 0.9 of the shorter of 3+ words, or the same
  set of 3+ words in another order, "AI" counting as "artificial intelligence": "Reducing AI's
  carbon footprint" / "Reducing the carbon footprint of artificial intelligence"), within 3 days.

Word order counts: "Power Apps portals: launch AWS..." and "AWS ... launch Power Apps Portals"
share every word but are not one headline. Nor are two headlines that differ by a real word,
even one added at the end ("... asks court to review Power Apps" / "... asks court deal Power
Apps", "... guide Artificial Intelligence" / "... guide Artificial Intelligence in the Family"):
make_corpus.py generates many such pairs as different stories, and a looser word-set similarity
(Jaccard >= 0.85) merged 0.5 % of them falsely at 20,000 files. Copies that differ more than a
typo still merge when one lists the other as related (the rule above).

A shared related URL alone never merges two articles: source sites list related reading, not
only the same story, and one related URL often sits in several unrelated files.

No pair loop over all articles: exact headlines are grouped by key, and near-identical ones are
found by prefix filtering: two headlines sharing all but one word share one of their two rarest
words, so only articles indexed under one rare word, published within the window, are compared.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import timedelta

from bot.articles.fields import url_key
from bot.compose.titles import title_tokens
from bot.models import Article
from bot.text_distance import edit_distance

MERGE_WINDOW = timedelta(days=3)
EXACT_MIN_WORDS = 3
FUZZY_MIN_WORDS = 8
_RARE_WORDS = 2  # how many of a headline's rarest words index it (see prefix filtering above)
LINKED_RATIO = 0.7
LINKED_CONTAINMENT = 0.9
# Abbreviations headlines spell either way; only used to compare the word sets of linked articles.
_SPELLED_OUT = {"ai": ("artificial", "intelligence")}


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def _common_subsequence(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    """Length of the longest common subsequence of two word sequences (headlines are short)."""
    previous = [0] * (len(b) + 1)
    for word in a:
        current = [0]
        for k, other in enumerate(b):
            current.append(previous[k] + 1 if word == other else max(previous[k + 1], current[k]))
        previous = current
    return previous[-1]


def _is_typo(a: str, b: str) -> bool:
    if any(ch.isdigit() for ch in a + b) or min(len(a), len(b)) < 4:
        return False
    limit = 1 if max(len(a), len(b)) < 8 else 2
    return edit_distance(a, b, limit) <= limit


def _near_identical(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same headline of FUZZY_MIN_WORDS or more words but for one word misspelt in place."""
    if len(a) != len(b) or len(a) < FUZZY_MIN_WORDS:
        return False
    differing = [k for k in range(len(a)) if a[k] != b[k]]
    return len(differing) == 1 and _is_typo(a[differing[0]], b[differing[0]])


def _word_set(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(part for word in words for part in _SPELLED_OUT.get(word, (word,)))


def _linked_similar(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    words = _word_set(a)
    if len(words) >= EXACT_MIN_WORDS and words == _word_set(b):
        return True
    common = _common_subsequence(a, b)
    small = min(len(a), len(b))
    return common >= LINKED_RATIO * max(len(a), len(b)) or (
        small >= EXACT_MIN_WORDS and common >= LINKED_CONTAINMENT * small
    )


def cluster_articles(articles: Sequence[Article], *, window: timedelta = MERGE_WINDOW) -> list[list[int]]:
    """Groups of indices into ``articles`` that tell one story, each group in input order."""
    count = len(articles)
    span = window.total_seconds()
    times = [a.published.timestamp() for a in articles]
    tokens = [title_tokens(a.title, a.provider, a.domain) for a in articles]
    uf = _UnionFind(count)

    def close(i: int, j: int) -> bool:
        return abs(times[i] - times[j]) <= span

    first_with_url: dict[str, int] = {}
    for i, article in enumerate(articles):
        uf.union(first_with_url.setdefault(url_key(article.url), i), i)

    same_title: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, words in enumerate(tokens):
        if len(set(words)) >= EXACT_MIN_WORDS:
            same_title[words].append(i)
    for group in same_title.values():
        group.sort(key=times.__getitem__)
        for i, j in itertools.pairwise(group):
            if close(i, j):
                uf.union(i, j)

    _join_similar(tokens, times, span, uf)

    for i, article in enumerate(articles):
        for item in article.related:
            other = first_with_url.get(url_key(item.url))
            if other is None or uf.find(i) == uf.find(other):
                continue
            if close(i, other) and _linked_similar(tokens[i], tokens[other]):
                uf.union(i, other)

    groups: defaultdict[int, list[int]] = defaultdict(list)
    for i in range(count):
        groups[uf.find(i)].append(i)
    return list(groups.values())


def _join_similar(tokens: list[tuple[str, ...]], times: list[float], span: float, uf: _UnionFind) -> None:
    """Union every near-identical pair published within ``span`` seconds (prefix filtering)."""
    frequency: Counter[str] = Counter()
    for words in tokens:
        frequency.update(set(words))
    by_rare_word: defaultdict[str, list[int]] = defaultdict(list)
    for i, words in enumerate(tokens):
        if len(words) >= FUZZY_MIN_WORDS:
            for word in sorted(set(words), key=lambda w: (frequency[w], w))[:_RARE_WORDS]:
                by_rare_word[word].append(i)
    for members in by_rare_word.values():
        if len(members) < 2:
            continue
        members.sort(key=times.__getitem__)
        start = 0
        for pos, j in enumerate(members):
            while times[j] - times[members[start]] > span:
                start += 1
            for i in members[start:pos]:
                a, b = tokens[i], tokens[j]
                if len(a) == len(b) and uf.find(i) != uf.find(j) and _near_identical(a, b):
                    uf.union(i, j)
