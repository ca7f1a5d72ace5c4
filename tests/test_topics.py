"""TopicMatcher: precedence, plurals, prefixes, words, typos, aliases, ambiguity, speed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.errors import QueryError
from bot.text_distance import edit_distance
from bot.topics import TopicMatcher, normalize

SHARED = Path(__file__).resolve().parents[2] / "shared"
AI_TOPICS = (
    "AI",
    "AI in Autos",
    "Computer Vision",
    "Machine Learning",
    "AI Ethics",
    "Microsoft AI",
    "AI in Healthcare",
    "Natural Language Processing",
    "AI in Robotics",
    "AI in Finance",
    "AWS AI",
    "Facebook AI",
    "IBM AI",
    "AI Hardware",
    "AI in Security",
    "Google AI",
)
POWER_APPS_TOPICS = (
    "AI Builder",
    "Canvas apps",
    "Common Data Service",
    "Model-driven apps",
    "Portals",
    "Power Apps",
    "Teams integration",
)
ALL_TOPICS = AI_TOPICS + POWER_APPS_TOPICS


@pytest.fixture(scope="module")
def matcher() -> TopicMatcher:
    return TopicMatcher.with_default_aliases(ALL_TOPICS)


@pytest.mark.parametrize(
    ("text", "topic", "kind"),
    [
        ("AI", "AI", "topic"),
        ("ai", "AI", "topic"),
        ("  computer   VISION ", "Computer Vision", "topic"),
        ("model driven apps", "Model-driven apps", "topic"),
        ("portal", "Portals", "topic"),  # plural folded on both sides
        ("power app", "Power Apps", "topic"),
        ("nlp", "Natural Language Processing", "alias"),
        ("NLP", "Natural Language Processing", "alias"),
        ("self-driving", "AI in Autos", "alias"),
        ("self driving", "AI in Autos", "alias"),
        ("cars", "AI in Autos", "alias"),
        ("car", "AI in Autos", "alias"),
        ("robots", "AI in Robotics", "alias"),
        ("cv", "Computer Vision", "alias"),
        ("meta", "Facebook AI", "alias"),
        ("amazon", "AWS AI", "alias"),
        ("robotics", "AI in Robotics", "word"),
        ("Robotics", "AI in Robotics", "word"),
        ("learning", "Machine Learning", "word"),
        ("ai robotics", "AI in Robotics", "word"),
        ("integration", "Teams integration", "word"),
        ("comp", "Computer Vision", "prefix"),
        ("robo", "AI in Robotics", "prefix"),
        ("goo", "Google AI", "prefix"),
        ("natural lang", "Natural Language Processing", "prefix"),
        ("computer visoin", "Computer Vision", "typo"),
        ("robtics", "AI in Robotics", "typo"),
        ("machine lerning", "Machine Learning", "typo"),
        ("Computr Vison", "Computer Vision", "typo"),
        ("ai robtics", "AI in Robotics", "typo"),
        ("nlpp", "Natural Language Processing", "typo"),
    ],
)
def test_match_kinds(matcher: TopicMatcher, text: str, topic: str, kind: str) -> None:
    found = matcher.match(text)
    assert (found.topics, found.kind, found.query) == ((topic,), kind, text)
    assert matcher.resolve(text) == topic


def test_exact_topic_beats_word_match(matcher: TopicMatcher) -> None:
    # "ai" is a word of a dozen topic names; the topic named AI wins.
    assert matcher.match("ai").topics == ("AI",)
    # Without a topic named AI, "ai" is a word of several names: ambiguous.
    found = TopicMatcher(["AI Ethics", "Google AI"]).match("ai")
    assert (found.topics, found.kind, found.ambiguous) == ((), "none", True)
    assert found.suggestions == ("AI Ethics", "Google AI")


def test_microsoft_is_microsoft_ai_without_the_alias() -> None:
    assert TopicMatcher(ALL_TOPICS).match("microsoft").topics == ("Microsoft AI",)


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("ai in", ("AI in Autos", "AI in Finance", "AI in Healthcare", "AI in Robotics", "AI in Security")),
        ("apps", ("Canvas apps", "Model-driven apps", "Power Apps")),
        ("co", ("Common Data Service", "Computer Vision")),
    ],
)
def test_ambiguous_text_gives_candidates(
    matcher: TopicMatcher, text: str, candidates: tuple[str, ...]
) -> None:
    found = matcher.match(text)
    assert (found.topics, found.kind, found.ambiguous, found.suggestions) == ((), "none", True, candidates)
    with pytest.raises(QueryError, match=re.escape(f"'{text}' is ambiguous: {candidates[0]}")):
        matcher.resolve(text)


def test_ambiguous_message_is_trimmed() -> None:
    topics = [f"AI in Field{i}" for i in range(8)]
    with pytest.raises(QueryError) as err:
        TopicMatcher(topics).resolve("ai in")
    assert str(err.value).count("AI in Field") == 5
    assert "…" in str(err.value)


def test_unknown_topic_suggests_closest(matcher: TopicMatcher) -> None:
    found = matcher.match("robottics stuff")
    assert found.kind == "none" and not found.ambiguous
    assert found.suggestions[0] == "AI in Robotics"
    with pytest.raises(QueryError, match=r"Unknown topic 'robottics stuff'\. Did you mean: AI in Robotics"):
        matcher.resolve("robottics stuff")


def test_nothing_close_lists_topics(matcher: TopicMatcher) -> None:
    assert matcher.match("xyzzy").suggestions == ()
    with pytest.raises(QueryError, match=r"Unknown topic 'xyzzy'\. Topics: AI, AI Builder"):
        matcher.resolve("xyzzy")


@pytest.mark.parametrize("text", ["", "   ", "?!", "-"])
def test_empty_text(matcher: TopicMatcher, text: str) -> None:
    assert matcher.match(text).kind == "none"
    with pytest.raises(QueryError, match="No topic given"):
        matcher.resolve(text)


def test_short_text_is_never_a_typo(matcher: TopicMatcher) -> None:
    # "ibn" is one edit from the alias "ibm" but too short to guess.
    assert matcher.match("ibn").topics == ()
    assert matcher.match("x").topics == ()


def test_typo_distance_scales_with_length(matcher: TopicMatcher) -> None:
    assert matcher.match("portalz").topics == ("Portals",)  # 1 edit, 7 letters
    assert matcher.match("prtalz").topics == ()  # 2 edits, 6 letters
    assert matcher.match("machine larnin").topics == ("Machine Learning",)  # 2 edits, long
    assert matcher.match("machne larnin").topics == ()  # 3 edits


def test_aliases_only_for_existing_topics() -> None:
    only_power_apps = TopicMatcher.with_default_aliases(POWER_APPS_TOPICS)
    assert "nlp" not in only_power_apps.aliases
    assert only_power_apps.match("nlp").topics == ()
    assert only_power_apps.match("dataverse").topics == ("Common Data Service",)
    assert only_power_apps.match("ai").topics == ("AI Builder",)


def test_custom_aliases_and_alias_never_shadows_topic() -> None:
    m = TopicMatcher(["Robots", "AI in Robotics"], {"robots": "AI in Robotics", "bots": "ai in robotics"})
    assert m.match("robots").topics == ("Robots",)
    assert m.match("bots").kind == "alias"
    assert m.resolve("bots") == "AI in Robotics"


def test_shipped_aliases_point_at_known_topics() -> None:
    aliases = TopicMatcher.default_aliases()
    assert {"nlp", "self-driving", "cv", "ml", "ethics", "robots", "fintech", "aws", "meta"} <= set(aliases)
    assert set(aliases.values()) <= set(ALL_TOPICS)
    # Every shipped alias works (none is shadowed by a topic name or made ambiguous).
    m = TopicMatcher.with_default_aliases(ALL_TOPICS)
    for alias, topic in aliases.items():
        assert m.match(alias).topics == (topic,), alias


def test_every_topic_resolves_to_itself(matcher: TopicMatcher) -> None:
    for topic in ALL_TOPICS:
        assert matcher.resolve(topic) == topic
        assert matcher.resolve(topic.upper()) == topic


def test_topics_are_sorted_and_deduplicated() -> None:
    m = TopicMatcher(["b", "A", "b", " ", ""])
    assert m.topics == ("A", "b")


def test_suggest(matcher: TopicMatcher) -> None:
    assert matcher.suggest("robotics") == ("AI in Robotics",)
    assert matcher.suggest("apps", n=2) == ("Canvas apps", "Model-driven apps")
    assert matcher.suggest("visiom") == ("Computer Vision",)
    assert "AI in Healthcare" in matcher.suggest("helthcar stuff")
    assert matcher.suggest("robotics", n=0) == ()


def test_normalize() -> None:
    assert normalize("  Model-Driven   APPS!") == "model driven app"
    assert normalize("Technologies") == "technology"
    assert normalize("business") == "business"


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("abc", "abc", 0),
        ("abc", "acb", 1),
        ("ca", "abc", 3),
        ("kitten", "sitting", 3),
        ("", "ab", 2),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance
    assert edit_distance(a, b, 1) == min(distance, 2)


def _corpus_topics(folder: Path) -> set[str]:
    # Only the `topics:` block is parsed: loading whole files (long related lists) takes seconds.
    block = re.compile(r"^topics:[ \t]*\r?\n((?:[ \t]+- .*\r?\n)+)", re.M)
    topics: set[str] = set()
    for path in folder.glob("*.md"):
        found = block.search(path.read_text(encoding="utf-8"))
        assert found, path
        topics.update(yaml.safe_load(found.group(1).replace("\r", "")))
    return topics


def test_topic_lists_match_the_real_corpus() -> None:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip("shared corpus not present")
    # ABOUT.txt names AI in Security and Google AI too, though no file here carries them yet.
    assert _corpus_topics(corpus / "ai") <= set(AI_TOPICS)
    assert len(_corpus_topics(corpus / "ai")) >= 14
    assert _corpus_topics(corpus / "power-apps") == set(POWER_APPS_TOPICS)


def test_topics_that_differ_only_in_punctuation_stay_apart() -> None:
    # "C++" and "C#" both normalise to "c": each exact name must still reach its own topic, and
    # text that is neither ("c") is ambiguous rather than silently one of them.
    m = TopicMatcher(["C++", "C#", "F#", "AI"])
    assert m.resolve("C++") == "C++" and m.resolve("c++") == "C++"
    assert m.resolve("C#") == "C#" and m.resolve(" c# ") == "C#"
    assert m.resolve("F#") == "F#"
    found = m.match("c")
    assert found.ambiguous and found.suggestions == ("C#", "C++")
    with pytest.raises(QueryError, match=r"'c' is ambiguous: C#, C\+\+"):
        m.resolve("c")
