"""Adversarial article text: every payload stays valid, pings nobody and links only the articles."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.articles import load_articles
from bot.compose.block_checks import check_payload
from bot.compose.digest import compose_digest
from bot.compose.model import Story
from bot.compose.mrkdwn import clean_url, escape, link, links_in, sanitize, trim_mrkdwn, unsafe_sequences
from bot.compose.payload_texts import payload_urls
from bot.compose.query import answer_query
from bot.compose.render import Templates, render_digest, render_query
from bot.compose.stories import StoryIndex
from bot.digests.spec import DigestSpec
from bot.topics import TopicMatcher
from tests.compose_fixtures import answer, coverage, digest, story

HOSTILE_TITLES = (
    "<!channel> breaking",
    "<https://evil.example|click here>",
    "<@U123> you have been selected",
    "<#C0123|general> and <!subteam^S1> and <!here|here>",
    "<!date^1^{date}|x> fake date",
    "&lt;!channel&gt; pre-escaped & ampersands",
    "*bold* _italic_ ~strike~ `code` ```block``` > quote",
    "🤖 Robots 日本語 ünïcödé 👩‍👩‍👧 Ωμέγα",
    "line one\nline two\r\n<!everyone>",
)
BAD_URLS = (
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "ftp://files.example.com/x",
    "//evil.example/no-scheme",
    "not a url",
    "",
)


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.load(None)


def allowed_urls(stories: tuple[Story, ...]) -> set[str]:
    return {url for s in stories for u in s.urls if (url := clean_url(u)) is not None}


def assert_safe(payload: dict[str, Any], stories: tuple[Story, ...]) -> None:
    assert check_payload(payload) == []
    for text in all_mrkdwn(payload):
        without_dates = re.sub(r"<!date\^\d+\^[^|<>]*\|[^<>]*>", "", text)
        for marker in ("<!", "<@", "<#"):
            assert marker not in without_dates, text
    foreign = set(payload_urls(payload)) - allowed_urls(stories)
    assert not foreign, foreign
    assert all(url.startswith(("https://", "http://")) for url in payload_urls(payload))


def assert_each_article_once(payload: dict[str, Any]) -> None:
    links = [url for text in all_mrkdwn(payload)[1:] for url in links_in(text)]
    assert len(links) == len(set(links)), sorted(u for u in links if links.count(u) > 1)


def all_mrkdwn(payload: dict[str, Any]) -> list[str]:
    texts = [payload["text"]]
    for block in payload["blocks"]:
        if block.get("text", {}).get("type") == "mrkdwn":
            texts.append(block["text"]["text"])
        texts += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return texts


def hostile_stories() -> tuple[Story, ...]:
    stories = [
        story(i + 1, title=title, provider=title, excerpt=title * 3) for i, title in enumerate(HOSTILE_TITLES)
    ]
    stories.append(story(20, title="x" * 600, excerpt="word " * 4000, image=None))
    stories.append(story(21, url="javascript:alert(1)", image="javascript:alert(2)"))
    stories.append(story(22, url="https://ok.example/a|b>c<d e", image="data:image/png;base64,AAAA"))
    stories.append(
        story(23, url="https://long.example/" + "a" * 3100, image="https://img.example/" + "b" * 3100)
    )
    forty = tuple(coverage(500 + i, title=HOSTILE_TITLES[i % len(HOSTILE_TITLES)]) for i in range(40))
    stories.append(replace(story(24), coverage=forty))
    one_outlet = tuple(coverage(600 + i, provider="Same Outlet", domain="same.example") for i in range(12))
    stories.append(replace(story(25), coverage=one_outlet))
    bad_cov = tuple(coverage(700 + i, url=url, provider=f"<@U{i}>") for i, url in enumerate(BAD_URLS))
    stories.append(replace(story(26), coverage=bad_cov))
    return tuple(stories)


def test_hostile_digest_is_valid_and_inert(templates: Templates) -> None:
    stories = hostile_stories()
    hostile_name = digest(stories, title="<!channel> digest & more", name="d", topics=("<@U1>",))
    payload = render_digest(hostile_name, templates)
    assert_safe(payload, stories)
    section_texts = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert "&lt;!channel&gt; breaking" in section_texts[0]
    assert "&lt;https://evil.example|click here&gt;" in section_texts[1]


def test_hostile_query_and_no_match_are_inert(templates: Templates) -> None:
    stories = hostile_stories()
    assert_safe(render_query(answer(stories, matched="Text: <!channel>"), templates), stories)
    no_match = answer((), text="<!everyone> <@U1> <https://evil.example|x>", suggestions=("<#C1>",))
    assert_safe(render_query(no_match, templates), ())


def test_non_http_urls_are_never_linked() -> None:
    for url in BAD_URLS:
        assert clean_url(url) is None
        assert link(url, "<b>") == "&lt;b&gt;"
    assert clean_url("https://a.example/x|y>z") == "https://a.example/x%7Cy%3Ez"
    assert clean_url("https://a.example/" + "a" * 3000) is None


def test_long_title_and_excerpt_are_trimmed_with_ellipsis(templates: Templates) -> None:
    stories = (story(1, title="T" * 600, excerpt="E" * 20_000),)
    payload = render_digest(digest(stories), templates)
    text = payload["blocks"][1]["text"]["text"]
    assert "T" * 249 + "…" in text and "T" * 251 not in text
    assert "E" * 299 + "…" in text
    assert payload["blocks"][1]["accessory"]["alt_text"] == "T" * 600


def test_missing_image_means_no_accessory(templates: Templates) -> None:
    payload = render_digest(digest((story(1, image=None), story(2, image="javascript:x"))), templates)
    sections = [b for b in payload["blocks"] if b["type"] == "section"]
    assert all("accessory" not in b for b in sections)


def test_random_markup_soup_stays_safe(templates: Templates) -> None:
    rng = random.Random(20240305)
    alphabet = [
        "<",
        ">",
        "&",
        "|",
        "!",
        "@",
        "#",
        "^",
        "*",
        "_",
        "`",
        "~",
        "\n",
        "a",
        " ",
        "é",
        "😀",
        "http://",
        ";",
    ]
    for _ in range(150):
        soup = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        stories = (story(1, title=soup, excerpt=soup, provider=soup, url=f"https://ok.example/{soup}"),)
        stories = (
            replace(stories[0], coverage=(coverage(1, provider=soup, url=f"http://c.example/{soup}"),)),
        )
        assert_safe(render_digest(digest(stories), templates), stories)


def test_sanitize_escapes_everything_but_our_links_and_dates() -> None:
    ours = "<https://a.example/x|A> <!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC>"
    assert sanitize(ours) == ours
    assert sanitize("<!channel> <@U1> <#C1> <javascript:x|y>") == (
        "&lt;!channel&gt; &lt;@U1&gt; &lt;#C1&gt; &lt;javascript:x|y&gt;"
    )
    assert unsafe_sequences(sanitize("a <!here> b >")) == []


def test_trim_never_cuts_a_link_or_entity_in_half() -> None:
    text = "start " + " ".join(f"<https://x.example/{i}|t&amp;{i}> {escape('<&>')}" for i in range(30))
    for limit in range(1, len(text), 7):
        trimmed = trim_mrkdwn(text, limit)
        assert len(trimmed) <= limit
        assert unsafe_sequences(trimmed) == [], trimmed
        assert re.search(r"&(?!amp;|lt;|gt;)", trimmed) is None, trimmed


SHARED = Path(__file__).resolve().parents[2] / "shared"
TOPIC_SETS = (
    (),
    ("AI in Robotics",),
    ("Computer Vision", "AI Ethics"),
    ("Natural Language Processing",),
    ("AI",),
)


def test_real_corpus_previews_pass_the_limit_check(templates: Templates) -> None:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"needs the shared corpus at {corpus}")
    loaded = load_articles([corpus])
    index = StoryIndex.build(loaded.articles)
    now = max(a.published for a in loaded.articles) + timedelta(minutes=1)
    matcher = TopicMatcher.with_default_aliases(index.topic_names)
    for topics in TOPIC_SETS:
        for max_items in (5, 25):
            spec = DigestSpec(
                name="t", channel="c", topics=topics, window_hours=24 * 366 * 10, max_items=max_items
            )
            digest_ = compose_digest(index, spec, now, since=None)
            assert digest_.stories, topics
            payload = render_digest(digest_, templates)
            assert_safe(payload, digest_.stories)
            assert_each_article_once(payload)
    for text in (
        *index.topic_names,
        "robotics",
        "nlp",
        "self-driving",
        "computer visoin",
        "power apps",
        "zzqx",
    ):
        answer_ = answer_query(index, matcher, text, now)
        payload = render_query(answer_, templates)
        assert_safe(payload, answer_.stories)
        assert_each_article_once(payload)


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def test_bidi_override_characters_cannot_reorder_the_message(templates: Templates) -> None:
    # U+202E (right-to-left override) in a title flips the rest of its line — the outlet, the date,
    # a link label — so a title can make the message read differently from what it holds.
    spoof = "Free \u202eexe.sppa\u202c offer \u2067isolated\u2069"
    cover = coverage(9, title=spoof, provider="Outlet \u202dX")
    stories = (replace(story(1, title=spoof, provider="Spoof \u202eNews", excerpt=spoof), coverage=(cover,)),)
    payloads = [
        render_digest(digest(stories, title="Digest \u202eevil"), templates),
        render_query(answer(stories), templates),
    ]
    for payload in payloads:
        shown = str(payload)
        assert [f"U+{ord(ch):04X}" for ch in BIDI_CONTROLS if ch in shown] == []
        assert "Free exe.sppa offer isolated" in shown
