"""The feeds file's validation, file names, and article text that survives both YAML parsers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.articles.parse import parse_file
from bot.errors import ConfigError
from bot.feeds.config import DEFAULT_EVERY_MINUTES, DEFAULT_QUALITY, FeedSource, load_feeds_file
from bot.feeds.entries import EntryDoc, html_to_text, shorten
from bot.feeds.writer import MAX_NAME, file_name, render, slug, write_atomic

NOW = datetime(2020, 4, 24, 12, 0, tzinfo=UTC)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_feeds_file_gives_each_feed_with_its_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- https://a.example/feed.xml\n"
        "- url: https://b.example/atom\n  name: B News\n  topics: AI, Computer Vision\n"
        "  quality: 90\n  every: 15\n",
    )
    assert load_feeds_file(path) == [
        FeedSource("https://a.example/feed.xml", None, (), DEFAULT_QUALITY, DEFAULT_EVERY_MINUTES),
        FeedSource("https://b.example/atom", "B News", ("AI", "Computer Vision"), 90.0, 15.0),
    ]
    assert load_feeds_file(write(tmp_path, "feeds:\n  - https://a.example/feed.xml\n"))[0].url.startswith(
        "https://a"
    )


def test_every_problem_is_named_with_the_file_the_feed_and_the_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "- url: ftp://a.example/feed\n"
        "- url: https://b.example/feed\n  quality: -1\n  evry: 10\n"
        "- name: no url\n"
        "- url: https://c.example/feed\n  every: 0.5\n  topics: {a: 1}\n"
        "- https://d.example/feed\n"
        "- https://d.example/feed\n",
    )
    with pytest.raises(ConfigError) as caught:
        load_feeds_file(path)
    message = str(caught.value)
    assert f"Feeds file {path} has 7 problems" in message
    for expected in (
        f"{path}: feed 1 (ftp://a.example/feed): url: 'ftp://a.example/feed' is not an http(s) URL",
        f"{path}: feed 2 (https://b.example/feed): evry: unknown key (did you mean every?)",
        f"{path}: feed 2 (https://b.example/feed): quality: -1 (int) is not a number of at least 0",
        f"{path}: feed 3: url: missing",
        f"{path}: feed 4 (https://c.example/feed): every: 0.5 (float) is not a number from 1 to 10080",
        f"{path}: feed 4 (https://c.example/feed): topics:",
        f"{path}: feed 6 (https://d.example/feed): url: the same feed as feed 5",
    ):
        assert expected in message, (expected, message)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "expected a list of feeds"),
        ("url: x\n", "expected a list of feeds"),
        ("- [a\n", "not valid YAML"),
    ],
)
def test_a_feeds_file_that_is_no_list_says_what_it_should_be(tmp_path: Path, text: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        load_feeds_file(write(tmp_path, text))


def doc(title: str, **changes: object) -> EntryDoc:
    values: dict[str, object] = {
        "key": "guid-1",
        "title": title,
        "excerpt": "An excerpt",
        "published": NOW,
        "url": "https://example.com/a",
        "provider": "Example",
        "domain": "example.com",
        "topics": ("AI",),
        "quality": 40.0,
        "image": None,
        "type": "article",
        "feed_url": "https://example.com/feed",
        "dated": True,
    }
    values.update(changes)
    return EntryDoc(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "title",
    ["../../etc/passwd", "a/b\\c:d*e?f", "Ünïcödé — “quoted” 日本語", "x" * 500, "", "...", "CON"],
)
def test_file_names_are_safe_bounded_and_stable(title: str) -> None:
    name = file_name(doc(title))
    assert name == file_name(doc(title))
    assert len(name) <= MAX_NAME and name.endswith(".md") and name.startswith("2020-04-24-")
    assert "/" not in name and "\\" not in name and ".." not in name
    assert all(c.isascii() and (c.isalnum() or c in "-.") for c in name)
    assert file_name(doc(title, key="guid-2")) != name  # two entries never share a name


def test_slug_keeps_words_and_cuts_at_a_hyphen() -> None:
    assert (
        slug("Intel & Accenture Use AI To Save The Coral Reef")
        == "intel-accenture-use-ai-to-save-the-coral-reef"
    )
    assert slug("Ünïcödé café") == "unicode-cafe"
    assert slug("日本語") == "entry"
    assert not slug("word " * 40).endswith("-") and len(slug("word " * 40)) <= 60


@pytest.mark.parametrize("backend", ["pyyaml", "yaml-rs"])
def test_hostile_text_is_stored_exactly_and_read_back_by_both_parsers(tmp_path: Path, backend: str) -> None:
    title = "<!channel> \"quoted\" 'single' a: b #not-a-comment --- \\back\\slash & <@U123> `code` 日本"
    excerpt = "Line one. %percent @at *star* |pipe| {brace} [bracket] > gt ~tilde … ellipsis"
    path = tmp_path / "a.md"
    write_atomic(
        path, render(doc(title, excerpt=excerpt, topics=("AI", "yes", "null"), image="https://e.com/i.jpg"))
    )
    parsed = parse_file(path, backend)
    assert parsed.reason is None and parsed.warnings == ()
    article = parsed.article
    assert article is not None
    assert article.title == title and article.excerpt == excerpt
    assert article.topics == ("AI", "yes", "null")  # quoted: never read as true or None
    assert article.image == "https://e.com/i.jpg" and article.published == NOW and article.quality == 40
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temporary file left behind


def test_html_becomes_plain_text() -> None:
    assert html_to_text(
        "<p>A &amp; B</p><script>evil()</script><style>p{}</style><br>C&nbsp;D &#8212; E"
    ) == ("A & B C\xa0D — E".replace("\xa0", " "))
    assert html_to_text("<b>unclosed <i>tags") == "unclosed tags"
    assert shorten("one two three four five", 12) == "one two…"
    assert shorten("short", 12) == "short"


def test_the_shipped_example_feeds_file_is_valid() -> None:
    feeds = load_feeds_file(Path(__file__).resolve().parents[1] / "feeds.example.yaml")
    assert len(feeds) == 3 and feeds[0].name == "MIT Technology Review" and feeds[0].every_minutes == 60
