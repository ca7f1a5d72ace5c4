"""Front matter splitting, YAML reading and the record rules, on small hand-written files."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.articles.frontmatter import split_front_matter
from bot.articles.parse import ParsedFile, article_id, parse_file
from bot.articles.yamlread import available_backends, load_yaml
from bot.errors import ArticleError

BACKENDS_HERE = list(available_backends())
GOOD = (
    'title: "Robots learn to fold laundry"\n'
    "excerpt: A short excerpt.\n"
    "publishedDateTime: 2024-03-05T10:30:00Z\n"
    'webUrl: "https://news.example.com/robots"\n'
    "provider:\n  name: Example News\n  domain: example.com\n"
    "topics:\n  - AI\n  - AI in Robotics\n"
    "quality: 57\nheat: 12\npublished: false\n"
)


def write(tmp_path: Path, body: str | bytes, name: str = "a.md") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode("utf-8") if isinstance(body, str) else body)
    return path


def parse(tmp_path: Path, body: str | bytes, backend: str = "pyyaml") -> ParsedFile:
    return parse_file(write(tmp_path, body), backend)


# --- front matter -------------------------------------------------------------------------------


def test_split_lf_crlf_and_bom() -> None:
    assert split_front_matter(b"---\na: 1\n---\nbody") == "a: 1\n"
    assert split_front_matter(b"---\r\na: 1\r\n---\r\nbody") == "a: 1\r\n"
    assert split_front_matter(b"\xef\xbb\xbf---\na: 1\n---") == "a: 1\n"


def test_a_dashes_line_inside_a_value_or_longer_fence_does_not_close() -> None:
    text = b"---\na: x --- y\nb: |\n  ---\nc: 1\n----\nd: 2\n---\nafter\n---\n"
    assert split_front_matter(text) == "a: x --- y\nb: |\n  ---\nc: 1\n----\nd: 2\n"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b" \n\n", "empty file"),
        (b"just notes\n", "no front matter"),
        (b"title: x\n---\n", "no front matter"),
        (b"---\ntitle: x\n", "not closed"),
        (b"---\ntitle: \xff\xfe\n---\n", "not valid UTF-8 (byte 11)"),
    ],
)
def test_split_rejects_unusable_files(data: bytes, reason: str) -> None:
    with pytest.raises(ArticleError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        split_front_matter(data)


# --- YAML backends --------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_yaml_reads_core_schema_and_leaves_timestamps_as_text(backend: str) -> None:
    data = load_yaml(
        "a: 2020-01-01T10:00:00Z\nb: '2020-01-01'\nc: yes\nd: 0o17\ne: 1_000\nf: 2.5\ng: ~\nh: True\n"
        "i: 12:30\nj: !custom tagged\nk: .inf\n",
        backend,
    )
    assert data == {
        "a": "2020-01-01T10:00:00Z",
        "b": "2020-01-01",
        "c": "yes",
        "d": 15,
        "e": 1000,
        "f": 2.5,
        "g": None,
        "h": True,
        "i": "12:30",
        "j": "tagged",
        "k": float("inf"),
    }


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_yaml_error_is_one_line(backend: str) -> None:
    with pytest.raises(ArticleError) as caught:
        load_yaml('title: "unclosed\nx: [1, 2\n', backend)
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith("YAML error")


# --- records ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_good_file_gives_full_record(tmp_path: Path, backend: str) -> None:
    parsed = parse(tmp_path, f"---\n{GOOD}---\n", backend)
    article = parsed.article
    assert article is not None and parsed.warnings == ()
    assert article.title == "Robots learn to fold laundry"
    assert article.url == "https://news.example.com/robots"
    assert article.id == article_id(article.url)
    assert article.published == datetime(2024, 3, 5, 10, 30, tzinfo=UTC)
    assert (article.quality, article.heat, article.published_flag) == (57.0, 12.0, False)
    assert (article.provider, article.domain, article.topics) == (
        "Example News",
        "example.com",
        ("AI", "AI in Robotics"),
    )


def test_id_is_stable_and_derived_from_the_url() -> None:
    assert article_id("https://news.example.com/robots") == article_id("https://news.example.com/robots")
    assert article_id("https://news.example.com/robots") != article_id("https://news.example.com/robots2")
    # Pinned: ids may be stored, so they must not change between versions or processes.
    assert (
        article_id("https://example.com/a")
        == hashlib.sha1(b"https://example.com/a", usedforsecurity=False).hexdigest()[:16]
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05T10:30:00Z", datetime(2024, 3, 5, 10, 30, tzinfo=UTC)),
        ('"2024-03-05T10:30:00Z"', datetime(2024, 3, 5, 10, 30, tzinfo=UTC)),
        ("'2024-03-05T12:30:00+02:00'", datetime(2024, 3, 5, 10, 30, tzinfo=UTC)),
        ("2024-03-05 05:30:00-05:00", datetime(2024, 3, 5, 10, 30, tzinfo=UTC)),
        ('"2024-03-05T10:30:00"', datetime(2024, 3, 5, 10, 30, tzinfo=UTC)),
        ("2024-03-05T10:30:00.250Z", datetime(2024, 3, 5, 10, 30, 0, 250000, tzinfo=UTC)),
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        # The YAML spec's own timestamp forms (space before the zone, a one-digit hour offset).
        ("2024-03-05 05:30:00.5 -5", datetime(2024, 3, 5, 10, 30, 0, 500000, tzinfo=UTC)),
        ("2024-03-05t16:00:00+5:30", datetime(2024, 3, 5, 10, 30, tzinfo=UTC)),
    ],
)
@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_published_accepts_quoted_timestamps_and_offsets(
    tmp_path: Path, backend: str, value: str, expected: datetime
) -> None:
    body = GOOD.replace("publishedDateTime: 2024-03-05T10:30:00Z", f"publishedDateTime: {value}")
    article = parse(tmp_path, f"---\n{body}---\n", backend).article
    assert article is not None
    assert article.published == expected
    assert article.published.tzinfo == UTC


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_a_quoted_date_like_title_stays_text(tmp_path: Path, backend: str) -> None:
    body = GOOD.replace('title: "Robots learn to fold laundry"', 'title: "2024-03-05T10:30:00Z"')
    article = parse(tmp_path, f"---\n{body}---\n", backend).article
    assert article is not None and article.title == "2024-03-05T10:30:00Z"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (('title: "Robots learn to fold laundry"\n', ""), "no title"),
        (('title: "Robots learn to fold laundry"', 'title: "  "'), "no title"),
        (('webUrl: "https://news.example.com/robots"', 'webUrl: "not a url"'), "no usable URL"),
        (("publishedDateTime: 2024-03-05T10:30:00Z", "publishedDateTime: someday soon"), "unparseable date"),
        (("publishedDateTime: 2024-03-05T10:30:00Z", "publishedDateTime:"), "no publishedDateTime"),
        (("quality: 57", "quality: [1, 2"), "YAML error"),
    ],
)
def test_unusable_files_are_skipped_with_a_reason(
    tmp_path: Path, change: tuple[str, str], reason: str
) -> None:
    parsed = parse(tmp_path, f"---\n{GOOD.replace(*change)}---\n")
    assert parsed.article is None
    assert parsed.reason is not None and reason in parsed.reason and "\n" not in parsed.reason


@pytest.mark.parametrize(
    ("body", "reason"),
    [("---\n---\n", "empty front matter"), ("---\n- a\n- b\n---\n", "not a mapping")],
)
def test_front_matter_must_be_a_mapping(tmp_path: Path, body: str, reason: str) -> None:
    parsed = parse(tmp_path, body)
    assert parsed.article is None and parsed.reason is not None and reason in parsed.reason


def test_unreadable_path_is_skipped_not_raised(tmp_path: Path) -> None:
    parsed = parse_file(tmp_path / "missing.md", "pyyaml")
    assert parsed.article is None and parsed.reason is not None and parsed.reason.startswith("cannot read")


def test_url_falls_back_to_original_then_amp(tmp_path: Path) -> None:
    body = GOOD.replace('webUrl: "https://news.example.com/robots"', "ampWebUrl: https://amp.example.com/r")
    article = parse(tmp_path, f"---\n{body}originalUrl: https://orig.example.com/r\n---\n").article
    assert article is not None and article.url == "https://orig.example.com/r"
    article = parse(tmp_path, f"---\n{body}---\n").article
    assert article is not None and article.url == "https://amp.example.com/r"


def test_quality_above_100_missing_and_heat_unknown(tmp_path: Path) -> None:
    article = parse(
        tmp_path, f"---\n{GOOD.replace('quality: 57', 'quality: 189').replace('heat: 12', 'heat: -1')}---\n"
    ).article
    assert article is not None and article.quality == 189.0 and article.heat is None
    article = parse(tmp_path, f"---\n{GOOD.replace('quality: 57', '')}---\n").article
    assert article is not None and article.quality is None


def test_published_false_is_kept_not_dropped(tmp_path: Path) -> None:
    article = parse(tmp_path, f"---\n{GOOD}---\n").article
    assert article is not None and article.published_flag is False


def test_malformed_optional_fields_get_defaults_with_warnings(tmp_path: Path) -> None:
    body = (
        GOOD.replace("quality: 57", "quality: [not, a, number]").replace("heat: 12", "heat: lots")
        + "published: maybe\ntype: [x]\nimages: {url: x}\nrelated: oops\n"
    )
    parsed = parse(tmp_path, f"---\n{body}---\n")
    article = parsed.article
    assert article is not None
    assert (article.quality, article.heat, article.published_flag, article.image, article.related) == (
        None,
        None,
        None,
        None,
        (),
    )
    assert article.type == "article"
    assert len(parsed.warnings) == 5
    assert all(w.startswith(f"{tmp_path / 'a.md'}: ") for w in parsed.warnings)


def test_provider_missing_falls_back_to_the_url_host(tmp_path: Path) -> None:
    body = GOOD.replace("provider:\n  name: Example News\n  domain: example.com\n", "")
    article = parse(tmp_path, f"---\n{body.replace('news.example.com', 'www.example.net')}---\n").article
    assert article is not None and (article.provider, article.domain) == ("example.net", "example.net")


def test_huge_excerpt_is_cut(tmp_path: Path) -> None:
    parsed = parse(tmp_path, f"---\n{GOOD.replace('A short excerpt.', 'very long ' * 5000)}---\n")
    assert parsed.article is not None and len(parsed.article.excerpt) == 1000
    assert any("excerpt cut" in w for w in parsed.warnings)


def test_repeated_strings_are_shared_between_records(tmp_path: Path) -> None:
    first = parse_file(write(tmp_path, f"---\n{GOOD}---\n", "a.md"), "pyyaml").article
    second = parse_file(
        write(tmp_path, f"---\n{GOOD.replace('robots', 'robots2')}---\n", "b.md"), "pyyaml"
    ).article
    assert first is not None and second is not None
    assert first.provider is second.provider and first.domain is second.domain
    assert first.topics is second.topics


def test_the_start_of_a_long_file_must_hold_the_whole_front_matter() -> None:
    assert split_front_matter(b"---\na: 1\n---\n", complete=False) == "a: 1\n"
    for cut_off in (b"---\na: 1\n---", b"---\na: 1\n--", b"---\na: 1\n"):  # "---" may go on past the cut
        with pytest.raises(ArticleError, match="not closed within the first 1024 KiB"):
            split_front_matter(cut_off, complete=False)


@pytest.mark.parametrize("backend", BACKENDS_HERE)
@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00+05:30",
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
    ],
)
def test_a_date_at_the_edge_of_the_calendar_is_a_reason_not_a_crash(
    tmp_path: Path, backend: str, value: str
) -> None:
    # 0001-01-01 and 9999-12-31 are placeholders some feeds write for "no date"; with an offset they
    # overflowed converting to UTC and the whole load raised. Out of range like `--now` (1970–9998).
    body = GOOD.replace("publishedDateTime: 2024-03-05T10:30:00Z", f"publishedDateTime: {value}")
    parsed = parse(tmp_path, f"---\n{body}---\n", backend)
    assert parsed.article is None
    assert parsed.reason is not None and "out of range" in parsed.reason and "1970 to 9998" in parsed.reason
    related = (
        f"{GOOD}related:\n  - title: r\n    webUrl: https://r.example/1\n    publishedDateTime: {value}\n"
    )
    kept = parse(tmp_path, f"---\n{related}---\n", backend)
    assert kept.article is not None and kept.article.related[0].published is None
    assert any("related entry 1 publishedDateTime ignored" in w for w in kept.warnings)
