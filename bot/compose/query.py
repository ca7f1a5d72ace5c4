"""Answer `/news TEXT`: the topic the text means, else the words it contains, best stories first.

Cheap on any corpus: the index keeps a best-first list per topic and per word, so an answer walks
one list until it holds ``max_items`` stories in the window; counting a single topic's stories in
the window is a binary search.
"""

from __future__ import annotations

from datetime import datetime

from bot.compose import ranking
from bot.compose.model import QueryAnswer
from bot.compose.stories import StoryEntry, StoryIndex, to_stories
from bot.compose.titles import search_words
from bot.topics import TopicMatcher

_MATCHED_TEXT_CHARS = 100


def _topic_label(topics: tuple[str, ...]) -> str:
    return ("Topic: " if len(topics) == 1 else "Topics: ") + ", ".join(topics)


def answer_query(
    index: StoryIndex,
    matcher: TopicMatcher,
    text: str,
    now: datetime,
    *,
    max_items: int = 5,
    window_hours: float | None = None,
) -> QueryAnswer:
    """The answer to ``text`` at ``now``: stories published in the last ``window_hours`` (any time
    when None, never after ``now``).

    ``kind`` is the matcher's kind ("topic", "alias", "word", "prefix", "typo") when the text names
    a topic, "text" when it was found in titles or excerpts instead, "none" when neither (then
    ``suggestions`` holds the candidates of an ambiguous text, else the closest topics, else the
    largest, as ``suggestion_kind`` says). ``matched`` is "Topic: Computer
    Vision", "Topics: A, B" or 'Stories mentioning "…"'; ``total`` counts matching stories in the window.
    """
    start = ranking.window_start(now, None, window_hours)
    match = matcher.match(text)
    if match.topics:
        picked: list[StoryEntry] = []
        for pos in index.ranked(match.topics):
            entry = index.stories[pos]
            if ranking.in_window(entry.lead.published, start, now):
                picked.append(entry)
                if len(picked) >= max_items:
                    break
        total = index.count_in_window(match.topics, start, now)
        return _answer(
            text, match.kind, _topic_label(match.topics), match.topics, picked, total, (), now, index
        )
    words = () if match.ambiguous else tuple(search_words(text))
    found = [
        index.stories[pos]
        for pos in (index.with_words(words) if words else ())
        if ranking.in_window(index.stories[pos].lead.published, start, now)
    ]
    if found:
        typed = " ".join(text.split())[:_MATCHED_TEXT_CHARS]
        label = f"Stories mentioning “{typed}”"
        return _answer(text, "text", label, (), found[:max_items], len(found), (), now, index)
    if match.suggestions:
        found_kind = "ambiguous" if match.ambiguous else "closest"
        return _answer(text, "none", "", (), [], 0, match.suggestions, now, index, found_kind)
    return _answer(text, "none", "", (), [], 0, _largest_topics(index, matcher), now, index, "largest")


def _largest_topics(index: StoryIndex, matcher: TopicMatcher, count: int = 3) -> tuple[str, ...]:
    """When no topic is even close to the text, suggest the topics with the most stories."""
    known = {name.casefold(): name for name in matcher.topics}
    sizes = sorted(((len(index.by_topic.get(key, ())), name) for key, name in known.items()), reverse=True)
    return tuple(name for size, name in sizes[:count] if size)


def _answer(
    text: str,
    kind: str,
    matched: str,
    topics: tuple[str, ...],
    picked: list[StoryEntry],
    total: int,
    suggestions: tuple[str, ...],
    now: datetime,
    index: StoryIndex,
    suggestion_kind: str = "closest",
) -> QueryAnswer:
    return QueryAnswer(
        text=text,
        kind=kind,
        matched=matched,
        topics=topics,
        stories=to_stories(picked, now, index.weights),
        total=total,
        suggestions=suggestions,
        now=now,
        suggestion_kind=suggestion_kind,
    )
