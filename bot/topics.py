"""Match what a person types ("robotics", "nlp", "computer visoin") to the real topic names.

Precedence, first hit wins (``TopicMatch.kind``):

1. ``topic``  — the text is a topic's name (ignoring case, hyphens/punctuation and plural "s");
   names that differ only in punctuation ("C++", "C#") are told apart by their exact spelling.
2. ``alias``  — the text is an alias ("nlp" → Natural Language Processing); aliases whose topic is
   not among the known topics are dropped.
3. ``word``   — every word of the text is a word of the topic's name ("robotics" → AI in Robotics,
   "microsoft" → Microsoft AI).
4. ``prefix`` — the text (two characters or more) starts a topic's name, one of its words, or an
   alias ("comp" → Computer Vision, "robo" → AI in Robotics).
5. ``typo``   — the text is within a small edit distance (Damerau: a swap of two neighbours counts as
   one edit) of a name, an alias or a word of a name: none under 4 characters, 1 under 8, else 2.
   Multi-word text also matches word by word ("ai robtics" → AI in Robotics).

When several topics fit at the first level that matches, the text is ambiguous: the result has no
topics, ``kind="none"``, ``ambiguous=True`` and the candidates as ``suggestions`` ("ai in" → AI in
Autos, AI in Finance, …). An exact topic always beats a word match, so "AI" means the topic AI, not
every "… AI". With no match, ``suggestions`` holds the closest topics by character trigrams.

Everything is precomputed in ``__init__``; a match is a few dictionary look-ups, and a typo check a
bigram filter plus a banded edit distance on the few spellings that pass it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from itertools import chain
from typing import Literal

import yaml

from bot.errors import QueryError
from bot.text_distance import bigrams, edit_distance, trigrams

MatchKind = Literal["topic", "alias", "prefix", "word", "typo", "none"]

_WORD = re.compile(r"[^\W_]+")
_MIN_PREFIX = 2
_MAX_EDITS = 2
_AMBIGUOUS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """The topics a text means. ``topics`` is empty when nothing (or more than one topic) fits."""

    topics: tuple[str, ...]
    kind: MatchKind
    query: str
    suggestions: tuple[str, ...] = ()
    ambiguous: bool = False


def normalize(text: str) -> str:
    """The comparison key: lower-case words, punctuation dropped, plural "s"/"ies" folded."""
    return " ".join(_fold(word) for word in _WORD.findall(text.casefold()))


def _exact_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _fold(word: str) -> str:
    if len(word) > 3:
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith("s") and not word.endswith("ss"):
            return word[:-1]
    return word


def _allowed_edits(length: int) -> int:
    if length < 4:
        return 0
    return 1 if length < 8 else _MAX_EDITS


class TopicMatcher:
    """Resolves free text to the topic names present in the loaded articles (see module docstring)."""

    def __init__(self, topics: Iterable[str], aliases: Mapping[str, str] | None = None) -> None:
        names = sorted({t.strip() for t in topics if t and t.strip()}, key=lambda t: (t.casefold(), t))
        self._topics = tuple(names)
        self._by_key: dict[str, str] = {}
        # "C++" and "C#" share the key "c": the exact name still finds each, other text is ambiguous.
        self._exact: dict[str, str] = {}
        sharing: dict[str, dict[str, str]] = {}
        for name in names:
            name_key = normalize(name)
            if name_key:
                self._by_key.setdefault(name_key, name)
                self._exact.setdefault(_exact_key(name), name)
                sharing.setdefault(name_key, {}).setdefault(name.casefold(), name)
        self._clashes = {key: tuple(found.values()) for key, found in sharing.items() if len(found) > 1}
        self._aliases: dict[str, str] = {}
        # Topics the aliases know but no loaded article has: absent today, never typos.
        self._elsewhere: set[str] = set()
        self._absent_aliases: dict[str, str] = {}
        for alias, target in (aliases or {}).items():
            alias_key, topic = normalize(alias), self._by_key.get(normalize(target))
            if alias_key and topic and alias_key not in self._by_key:
                self._aliases[alias_key] = topic
            elif not topic:
                self._elsewhere |= {alias_key, normalize(target)}
                self._absent_aliases[alias] = target

        words: dict[str, set[str]] = {}
        prefixes: dict[str, set[str]] = {}
        # Every string that stands for a topic, for typo look-ups and suggestions.
        self._spellings: dict[str, set[str]] = {}
        for key, topic in [*self._by_key.items(), *self._aliases.items()]:
            self._spellings.setdefault(key, set()).add(topic)
            parts = key.split()
            is_name = key in self._by_key
            starts = [" ".join(parts[i:]) for i in range(1, len(parts))] if is_name else []
            for text in [key, *starts]:
                for end in range(_MIN_PREFIX, len(text) + 1):
                    prefixes.setdefault(text[:end], set()).add(topic)
            if is_name:
                for part in parts:
                    words.setdefault(part, set()).add(topic)
                    if len(part) >= 4:
                        self._spellings.setdefault(part, set()).add(topic)
        self._absent: TopicMatcher | None = None  # built on first use by absent_topic
        self._words = {w: frozenset(t) for w, t in words.items()}
        self._prefixes = {p: tuple(sorted(t)) for p, t in prefixes.items()}
        self._longest = max((len(s) for s in self._spellings), default=0)
        self._grams = [(trigrams(s), topics_) for s, topics_ in self._spellings.items()]
        self._by_length: dict[int, list[tuple[str, frozenset[str]]]] = {}
        for spelling in self._spellings:
            self._by_length.setdefault(len(spelling), []).append((spelling, bigrams(spelling)))

    @classmethod
    def default_aliases(cls) -> dict[str, str]:
        """The shipped aliases (bot/data/topic_aliases.yaml)."""
        text = resources.files("bot").joinpath("data/topic_aliases.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        return {str(k): str(v) for k, v in data.items()}

    @classmethod
    def with_default_aliases(cls, topics: Iterable[str]) -> TopicMatcher:
        return cls(topics, cls.default_aliases())

    @property
    def topics(self) -> tuple[str, ...]:
        """The known topic names, sorted case-insensitively."""
        return self._topics

    @property
    def aliases(self) -> Mapping[str, str]:
        """The aliases in effect (normalized alias → topic)."""
        return dict(self._aliases)

    def match(self, text: str) -> TopicMatch:
        key = normalize(text)
        if not key:
            return TopicMatch((), "none", text)
        exact = self._exact.get(_exact_key(text))
        if exact is not None:
            return TopicMatch((exact,), "topic", text)
        if key in self._clashes:
            return self._result(self._clashes[key], "topic", text)
        if key in self._by_key:
            return TopicMatch((self._by_key[key],), "topic", text)
        if key in self._aliases:
            return TopicMatch((self._aliases[key],), "alias", text)
        found = self._word_match(key.split())
        if found:
            return self._result(found, "word", text)
        if key in self._prefixes:
            return self._result(self._prefixes[key], "prefix", text)
        typos = self._typo_match(key)
        if typos:
            return self._result(typos, "typo", text)
        return TopicMatch((), "none", text, self._closest(key, 3))

    def resolve(self, text: str) -> str:
        """Exactly one topic for ``text``, or QueryError saying what would work."""
        found = self.match(text)
        if len(found.topics) == 1:
            return found.topics[0]
        shown = text.strip()
        if not normalize(shown):
            raise QueryError(f"No topic given. Topics: {self._some_topics()}")
        if found.ambiguous:
            names = ", ".join(found.suggestions[:_AMBIGUOUS_SHOWN])
            more = ", …" if len(found.suggestions) > _AMBIGUOUS_SHOWN else ""
            raise QueryError(f"'{shown}' is ambiguous: {names}{more}. Which one?")
        if found.suggestions:
            raise QueryError(f"Unknown topic '{shown}'. Did you mean: {', '.join(found.suggestions)}?")
        raise QueryError(f"Unknown topic '{shown}'. Topics: {self._some_topics()}")

    def suggest(self, text: str, n: int = 3) -> tuple[str, ...]:
        """Up to ``n`` topics closest to ``text`` (exact/alias/word/prefix/typo hits first)."""
        found = self.match(text)
        if found.topics:
            return found.topics[:n]
        if found.ambiguous:
            return found.suggestions[:n]
        return self._closest(normalize(text), n)

    def absent_topic(self, text: str) -> str | None:
        """The name of a topic the aliases know but no loaded article has, that ``text`` means by
        name, alias or word ("robots" or "robotics" → AI in Robotics without robotics articles);
        None otherwise. A digest keeps that name, so that it matches once such articles arrive."""
        if not self._absent_aliases or self.match(text).topics:
            return None
        found = self._absent_matcher().match(text)
        return found.topics[0] if found.kind in ("topic", "alias", "word") and found.topics else None

    def absent_near(self, text: str) -> tuple[str, ...]:
        """The topics the aliases know but no loaded article has that ``text`` is likely a misspelling
        of ("robtcs" → AI in Robotics on a laptop with only the sample): what ``near_topics`` finds
        for loaded topics. Empty when ``text`` means a topic, loaded or absent, as it is."""
        if not self._absent_aliases or self.match(text).topics or self.absent_topic(text):
            return ()
        absent = self._absent_matcher()
        found = absent.match(text)
        if found.kind == "typo":
            return found.topics
        return absent.near_topics(text)

    def _absent_matcher(self) -> TopicMatcher:
        if self._absent is None:
            self._absent = TopicMatcher(set(self._absent_aliases.values()), self._absent_aliases)
        return self._absent

    def near_topics(self, text: str) -> tuple[str, ...]:
        """The topics ``text`` is likely a misspelling of although ``match`` finds none: within one
        edit more than ``match`` corrects by itself ("robtcs" → AI in Robotics). Empty for text of
        under 4 characters, a topic the aliases name but no article has ("AI in Robotics" without
        robotics articles), or text far from every topic: such a topic is absent, not misspelt."""
        key = normalize(text)
        allowed = _allowed_edits(len(key))
        if not allowed or key in self._elsewhere or self.match(text).topics or self.absent_topic(text):
            return ()
        topics: set[str] = set()
        for spelling in self._near_spellings(key, allowed + 1):
            topics |= self._spellings[spelling]
        return tuple(sorted(topics, key=lambda t: (t.casefold(), t)))

    def _result(self, topics: Iterable[str], kind: MatchKind, text: str) -> TopicMatch:
        ordered = tuple(sorted(topics, key=lambda t: (t.casefold(), t)))
        if len(ordered) == 1:
            return TopicMatch(ordered, kind, text)
        return TopicMatch((), "none", text, ordered, ambiguous=True)

    def _word_match(self, words: list[str]) -> frozenset[str]:
        found: frozenset[str] | None = None
        for word in words:
            topics = self._words.get(word)
            if not topics:
                return frozenset()
            found = topics if found is None else found & topics
        return found or frozenset()

    def _typo_match(self, key: str) -> set[str]:
        whole = self._nearest(key)
        if whole or " " not in key:
            return whole
        corrected: list[str] = []
        for word in key.split():
            if word in self._words:
                corrected.append(word)
                continue
            near = [s for s in self._near_spellings(word) if s in self._words]
            if len(near) != 1:
                return set()
            corrected.append(near[0])
        return set(self._word_match(corrected))

    def _nearest(self, key: str) -> set[str]:
        topics: set[str] = set()
        for spelling in self._near_spellings(key):
            topics |= self._spellings[spelling]
        return topics

    def _near_spellings(self, key: str, allowed: int | None = None) -> list[str]:
        """The known spellings at the smallest allowed edit distance from ``key``."""
        allowed = _allowed_edits(len(key)) if allowed is None else allowed
        if not allowed or len(key) > self._longest + allowed:
            return []
        grams = bigrams(key)
        best, nearest = allowed + 1, []
        need = len(grams) - 3 * allowed
        nearby = (
            self._by_length.get(length, []) for length in range(len(key) - allowed, len(key) + allowed + 1)
        )
        for spelling, spelling_grams in chain.from_iterable(nearby):
            # One edit destroys at most 3 bigrams, so strings within k edits share most of theirs:
            # a cheap set intersection rules out nearly every spelling before the distance.
            shared = len(grams & spelling_grams)
            if shared < need or shared < len(spelling_grams) - 3 * allowed:
                continue
            distance = edit_distance(key, spelling, allowed)
            if distance > allowed:
                continue
            if distance < best:
                best, nearest = distance, [spelling]
            elif distance == best:
                nearest.append(spelling)
        return nearest

    def _closest(self, key: str, n: int) -> tuple[str, ...]:
        if not key or n <= 0:
            return ()
        grams = trigrams(key)
        scores: dict[str, float] = {}
        for spelling_grams, topics in self._grams:
            score = 2 * len(grams & spelling_grams) / (len(grams) + len(spelling_grams))
            for topic in topics:
                scores[topic] = max(score, scores.get(topic, 0.0))
        ranked = sorted((t for t, s in scores.items() if s >= 0.3), key=lambda t: (-scores[t], t.casefold()))
        return tuple(ranked[:n])

    def _some_topics(self, limit: int = 8) -> str:
        if not self._topics:
            return "(none loaded)"
        more = f" … and {len(self._topics) - limit} more" if len(self._topics) > limit else ""
        return ", ".join(self._topics[:limit]) + more
