"""answer_query: topic answers from the precomputed lists, word search in titles/excerpts, no-match help."""

from __future__ import annotations

from datetime import timedelta

from bot.compose.query import answer_query
from bot.compose.stories import StoryIndex
from bot.models import Article
from bot.topics import TopicMatcher
from tests.article_factory import NOW, make_article

TOPICS = ("AI", "AI in Robotics", "Computer Vision", "AI in Finance")


def _corpus() -> list[Article]:
    robots = [
        make_article(
            f"Robot arm number {n} learns a new trick", quality=float(10 * n), topics=("AI", "AI in Robotics")
        )
        for n in range(1, 8)
    ]
    vision = make_article(
        "Cameras spot potholes", topics=("AI", "Computer Vision"), excerpt="Potholes, meet lidar."
    )
    bank = make_article("Banks test chatbots for loans", topics=("AI in Finance",), hours_ago=300)
    return [*robots, vision, bank]


def _setup() -> tuple[StoryIndex, TopicMatcher]:
    index = StoryIndex.build(_corpus())
    return index, TopicMatcher(index.topic_names, {"robots": "AI in Robotics"})


def test_topic_word_answers_best_first_with_total() -> None:
    index, matcher = _setup()
    answer = answer_query(index, matcher, "robotics", NOW, max_items=3)
    assert (answer.kind, answer.matched, answer.topics) == (
        "word",
        "Topic: AI in Robotics",
        ("AI in Robotics",),
    )
    assert answer.total == 7
    assert [s.lead.quality for s in answer.stories] == [70.0, 60.0, 50.0]
    assert answer.text == "robotics" and answer.now == NOW


def test_topic_that_every_article_has() -> None:
    index, matcher = _setup()
    answer = answer_query(index, matcher, "ai", NOW)
    assert (answer.kind, answer.topics, answer.total, len(answer.stories)) == ("topic", ("AI",), 8, 5)


def test_alias_and_window() -> None:
    index, matcher = _setup()
    assert answer_query(index, matcher, "Robots", NOW).kind == "alias"
    assert answer_query(index, matcher, "finance", NOW).total == 1
    recent = answer_query(index, matcher, "finance", NOW, window_hours=48)
    assert (recent.kind, recent.total, recent.stories) == ("word", 0, ())
    before = answer_query(index, matcher, "finance", NOW - timedelta(days=30))
    assert before.total == 0  # published after that "now"


def test_words_in_titles_and_excerpts_when_no_topic_matches() -> None:
    index, matcher = _setup()
    answer = answer_query(index, matcher, "lidar potholes", NOW)
    assert answer.kind == "text"
    assert answer.matched == "Stories mentioning “lidar potholes”"
    assert [s.lead.title for s in answer.stories] == ["Cameras spot potholes"]
    assert answer_query(index, matcher, "trick", NOW).total == 7
    assert answer_query(index, matcher, "lidar chatbots", NOW).kind == "none"  # every word must match


def test_nothing_matches_gives_suggestions() -> None:
    index, matcher = _setup()
    answer = answer_query(index, matcher, "quantum", NOW)
    assert (answer.kind, answer.matched, answer.stories, answer.total) == ("none", "", (), 0)
    assert answer.suggestions  # the closest topic names
    ambiguous = answer_query(index, matcher, "ai in", NOW)
    assert ambiguous.kind == "none" and set(ambiguous.suggestions) >= {"AI in Robotics", "AI in Finance"}
    assert ambiguous.suggestion_kind == "ambiguous"
    close = answer_query(index, matcher, "computer visionary science", NOW)
    assert (close.suggestion_kind, close.suggestions[0]) == ("closest", "Computer Vision")
    # Nothing even close: the topics with the most stories, largest first.
    far = answer_query(index, matcher, "xyzzy", NOW)
    assert (far.suggestion_kind, far.suggestions) == ("largest", ("AI", "AI in Robotics", "Computer Vision"))


def test_answer_coverage_never_repeats_an_article() -> None:
    index, matcher = _setup()
    answer = answer_query(index, matcher, "ai", NOW, max_items=10)
    urls = [url for story in answer.stories for url in story.urls]
    assert len(urls) == len(set(urls))


def test_counting_several_topics_counts_each_story_once() -> None:
    index, _ = _setup()
    assert index.count_in_window(("AI in Robotics", "computer vision", "AI"), None, NOW) == 8
    assert index.count_in_window(("AI in Robotics", "AI in Finance"), NOW - timedelta(hours=48), NOW) == 7
    assert list(index.ranked(("Computer Vision", "AI in Robotics"))) == sorted(
        set(index.by_topic["computer vision"]) | set(index.by_topic["ai in robotics"])
    )
