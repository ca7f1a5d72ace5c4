"""Story merging and coverage: which articles are one story, who leads, what coverage a story lists."""

from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from dataclasses import replace
from itertools import combinations
from pathlib import Path

import pytest

from bot.compose.stories import StoryIndex, to_stories
from bot.compose.titles import strip_decorations, title_tokens
from tests.article_factory import NOW, make_article, make_related, related_to

SHARED = Path(__file__).resolve().parents[2] / "shared"
HEADLINE = "Acme unveils a robot that folds laundry in thirty seconds"


def _groups(index: StoryIndex) -> list[set[str]]:
    return [{e.lead.title, *(m.title for m in e.merged)} for e in index.stories]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("UPDATE: Acme ships", "Acme ships"),
        ("Report: Exclusive: Acme ships", "Acme ships"),
        ("RE-TRANSMISSION: Acme ships", "Acme ships"),
        ("Acme ships - The Verge", "Acme ships"),
        ("Acme ships | Verge", "Acme ships"),
        ("Acme ships - the best robot yet", "Acme ships - the best robot yet"),
        ("Acme ships | 2019 deal Microsoft Power", "Acme ships | 2019 deal Microsoft Power"),
    ],
)
def test_strip_decorations(title: str, expected: str) -> None:
    assert strip_decorations(title, "The Verge", "theverge.com") == expected


def test_title_tokens_fold_case_punctuation_possessives_and_stopwords() -> None:
    assert title_tokens("Reducing the carbon footprint of AI’s models!") == (
        "reducing",
        "carbon",
        "footprint",
        "ai",
        "models",
    )


def test_update_prefix_merges_within_three_days_but_not_ten() -> None:
    first = make_article(HEADLINE, hours_ago=60)
    update = make_article(f"UPDATE: {HEADLINE}", hours_ago=1)
    assert len(StoryIndex.build([first, update])) == 1
    old = make_article(HEADLINE, hours_ago=240)
    assert len(StoryIndex.build([old, update])) == 2


def test_outlet_suffix_and_a_typo_still_merge() -> None:
    long_headline = f"{HEADLINE} and irons shirts before breakfast"
    a = make_article(f"{long_headline} - Gizmo Daily", provider="Gizmo Daily")
    b = make_article(long_headline.replace("laundry", "laundyr"))
    assert len(StoryIndex.build([a, b])) == 1


def test_a_different_word_or_number_does_not_merge() -> None:
    a = make_article(HEADLINE)
    for other in (
        HEADLINE.replace("thirty", "ninety"),
        f"{HEADLINE} in 2024",
        HEADLINE.replace("robot", "drone"),
    ):
        assert len(StoryIndex.build([a, make_article(other)])) == 2, other


def test_same_words_in_another_order_do_not_merge() -> None:
    a = make_article("Power Apps portals launch as AWS announces general availability of Lex")
    b = make_article("AWS announces general availability of Lex as Power Apps portals launch")
    assert len(StoryIndex.build([a, b])) == 2


def test_shared_related_url_alone_never_merges() -> None:
    shared = make_related("https://shared.example.net/explainer")
    a = make_article("Acme unveils a laundry robot", related=(shared,))
    b = make_article("Regulators question bank chatbots", related=(shared,))
    index = StoryIndex.build([a, b])
    assert len(index) == 2
    # The shared item shows once per message: under the better story only.
    stories = to_stories(index.stories, index.stories[0].lead.published, index.weights)
    urls = [c.url for s in stories for c in s.coverage]
    assert urls.count(shared.url) == 1


def test_related_link_with_close_titles_merges_where_titles_alone_do_not() -> None:
    original = make_article("Provance Releases ServiceTeam Family of ITSM Power Apps Products")
    tweaked = "Provance releases ServiceTeam, new family of ITSM Power Apps products for enterprises"
    unlinked = make_article(tweaked)
    assert len(StoryIndex.build([original, unlinked])) == 2
    linked = make_article(tweaked, related=(related_to(original),))
    assert len(StoryIndex.build([original, linked])) == 1


def test_related_link_with_the_same_words_reordered_merges() -> None:
    # Real corpus: one MIT press release, told as "Reducing AI's …" and "Reducing the … of artificial
    # intelligence"; the two articles list each other as related.
    release = make_article("Reducing the carbon footprint of artificial intelligence")
    retold = make_article("Reducing AI’s carbon footprint", related=(related_to(release),))
    assert len(StoryIndex.build([release, make_article("Reducing AI’s carbon footprint")])) == 2
    assert len(StoryIndex.build([release, retold])) == 1
    # One word more or less is another headline, link or not.
    other = make_article("Reducing AI’s carbon footprint in data centres", related=(related_to(release),))
    assert len(StoryIndex.build([release, other])) == 2


def test_related_link_with_unrelated_titles_does_not_merge() -> None:
    original = make_article("Acme unveils a laundry robot")
    other = make_article("Regulators question bank chatbots", related=(related_to(original),))
    assert len(StoryIndex.build([original, other])) == 2


def test_same_url_is_one_story_with_one_member() -> None:
    a = make_article("Acme ships", url="https://same.example/x")
    b = make_article("Acme ships the robot", url="https://same.example/x", quality=10.0)
    (entry,) = StoryIndex.build([a, b]).stories
    assert entry.lead is a and entry.merged == ()


def test_one_url_written_several_ways_is_one_story() -> None:
    # Outlets and feeds write one page's URL with or without www., a trailing slash or a #fragment
    # (the loader already treats those as the article itself in related lists); shown once.
    variants = ["https://x.example/a", "https://www.x.example/a/", "https://X.example/a#top"]
    articles = [
        make_article(f"Headline {n}", url=url, domain="x.example", provider="X", hours_ago=n + 1)
        for n, url in enumerate(variants)
    ]
    other = make_article("Headline 9", url="https://x.example/b", domain="x.example", provider="X")
    index = StoryIndex.build([*articles, other])
    assert len(index) == 2
    (story,) = [e for e in index.stories if e.lead.url != other.url]
    assert sorted(story.member_urls) == sorted(variants)
    (shown,) = [s for s in to_stories(index.stories, NOW, index.weights) if s.lead.url != other.url]
    assert shown.coverage == ()  # a variant of the lead's own URL is not coverage


def test_lead_is_best_ranked_and_coverage_dedups_outlets() -> None:
    one, two = make_related(domain="twice.example"), make_related(domain="Twice.Example")
    lead = make_article(HEADLINE, quality=120.0, domain="lead.example")
    copy = make_article(f"Report: {HEADLINE}", quality=30.0, domain="copy.example", related=(two,))
    lead = replace(
        lead, related=(make_related(domain="LEAD.example"), one, related_to(lead), related_to(copy))
    )
    index = StoryIndex.build([copy, lead])
    (entry,) = index.stories
    assert entry.lead.url == lead.url
    assert [m.url for m in entry.merged] == [copy.url]
    assert entry.outlets == 2  # copy.example, twice.example
    (story,) = to_stories(index.stories, NOW, index.weights)
    # The copy first; never the lead's outlet, the lead itself, the copy twice or "twice.example" twice.
    assert [c.url for c in story.coverage] == [copy.url, one.url]
    assert story.urls == (lead.url, copy.url, one.url)


def test_coverage_never_shows_an_outlet_name_twice_or_the_leads_own() -> None:
    # Real corpus: "PR Newswire" publishes on prnewswire.com and prnewswire.co.uk.
    uk = make_related(domain="prnewswire.co.uk", provider="PR Newswire")
    again = make_related(domain="prnewswire.ca", provider="pr  newswire")
    other = make_related(domain="reuters.com", provider="Reuters")
    lead = make_article("Acme files for an IPO", provider="PR Newswire", domain="prnewswire.com")
    lead = replace(lead, related=(uk, again, other))
    (story,) = to_stories(StoryIndex.build([lead]).stories, NOW, StoryIndex.build([lead]).weights)
    assert [c.url for c in story.coverage] == [other.url]
    elsewhere = replace(lead, provider="Business Wire", domain="businesswire.com")
    (story,) = to_stories(StoryIndex.build([elsewhere]).stories, NOW, StoryIndex.build([lead]).weights)
    assert [c.url for c in story.coverage] == [uk.url, other.url]


def _load_generated(tmp: Path) -> tuple[list[str], dict[str, str], StoryIndex]:
    from bot.articles import load_articles

    tool = SHARED / "tools" / "make_corpus.py"
    args = [sys.executable, str(tool), "--out", str(tmp), "--count", "1000", "--dup-rate", "0.1"]
    subprocess.run([*args, "--end", "2024-03-01", "--seed", "3"], check=True, capture_output=True)
    truth = dict(line.split("\t") for line in (tmp / "stories.tsv").read_text().splitlines() if line)
    result = load_articles([tmp])
    index = StoryIndex.build(result.articles)
    return list(truth), truth, index


@pytest.mark.skipif(not (SHARED / "tools" / "make_corpus.py").exists(), reason="needs ../shared/tools")
def test_merging_matches_generated_ground_truth(tmp_path: Path) -> None:
    names, truth, index = _load_generated(tmp_path)
    story_of_file = {
        Path(a.path).name: pos for pos, e in enumerate(index.stories) for a in (e.lead, *e.merged)
    }
    assert set(story_of_file) == set(names)
    predicted: defaultdict[int, list[str]] = defaultdict(list)
    expected: defaultdict[str, list[str]] = defaultdict(list)
    for name in names:
        predicted[story_of_file[name]].append(name)
        expected[truth[name]].append(name)
    pairs_found = {frozenset(p) for group in predicted.values() for p in combinations(group, 2)}
    pairs_true = {frozenset(p) for group in expected.values() for p in combinations(group, 2)}
    assert len(pairs_true) > 40  # the generator did make duplicates
    assert pairs_found <= pairs_true, "false merges"
    assert len(pairs_found) >= 0.95 * len(pairs_true), "too many missed merges"


@pytest.mark.skipif(not (SHARED / "corpus" / "ai").is_dir(), reason="needs ../shared/corpus")
def test_real_corpus_merges_exactly_the_known_retellings() -> None:
    from bot.articles import load_articles

    index = StoryIndex.build(
        load_articles([SHARED / "corpus" / "ai", SHARED / "corpus" / "power-apps"]).articles
    )
    merged = sorted(
        sorted({m.title.removeprefix("RE-TRANSMISSION: ") for m in (e.lead, *e.merged)})
        for e in index.stories
        if e.merged
    )
    assert merged == [
        ["Microsoft fleshes out Power Apps"],
        [
            "Provance Releases ServiceTeam a New Family of ISTM Power Apps Products",
            "Provance Releases ServiceTeam a New Family of ITSM Power Apps Products",
        ],
        [
            "Reducing AI’s carbon footprint",
            "Reducing carbon footprint of artificial intelligence",
            "Reducing the carbon footprint of artificial intelligence",
        ],
        ["Say What?! The Rise of AI-Generated Voice Deepfakes"],
    ]
