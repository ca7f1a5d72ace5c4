"""`newsbot fetch`, then `check` and `preview` over what it wrote, as a user runs them (exit codes too)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from tests.feedserver import FeedServer, Route, fixture, serving

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    yield from serving()


@pytest.fixture(autouse=True)
def no_feed_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSBOT_FEEDS", raising=False)
    monkeypatch.delenv("NEWSBOT_ARTICLES", raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def feeds(server: FeedServer) -> tuple[str, str]:
    return (
        server.add("/forbes.xml", Route(fixture("rss2.xml"), RSS, etag='"v1"')),
        server.add("/zdnet.xml", Route(fixture("atom.xml"), ATOM, etag='"a1"')),
    )


def test_fetch_writes_files_check_loads_with_no_skip_and_a_second_fetch_writes_nothing(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rss, atom = feeds(server)
    out = tmp_path / "articles"
    code, text, err = run(capsys, "fetch", rss, atom, "--out", str(out))
    assert code == 0, err
    assert f"{rss}: 3 new" in text and f"{atom}: 2 new" in text
    assert "2 of 2 feeds read; 5 new, 0 updated" in text

    code, text, _ = run(capsys, "check", "--articles", str(out), "--json")
    report = json.loads(text)
    assert code == 0 and report["files"] == 5 and report["loaded"] == 5
    assert report["skipped"] == [] and report["warnings"] == []

    written = {p.name: p.stat().st_mtime_ns for p in out.glob("*.md")}
    code, text, _ = run(capsys, "fetch", rss, atom, "--out", str(out), "--json")
    data = json.loads(text)
    assert code == 0 and [f["outcome"] for f in data["feeds"]] == ["not-modified", "not-modified"]
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.md")} == written


def test_a_story_told_by_two_feeds_is_one_story_with_the_other_outlet_related(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rss, atom = feeds(server)
    out = tmp_path / "articles"
    assert run(capsys, "fetch", rss, atom, "--out", str(out))[0] == 0
    code, text, _ = run(capsys, "preview", "--articles", str(out), "--now", "2020-04-23T00:00Z", "--json")
    assert code == 0
    payload = json.loads(text)
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert len(sections) == 1 and "Coral Reef" in sections[0]
    related = [e["text"] for b in payload["blocks"] if b["type"] == "context" for e in b["elements"]]
    lead_is_zdnet = "zdnet.com" in sections[0]
    other = "forbes.com" if lead_is_zdnet else "zdnet.com"
    assert any(t.startswith("Related:") and other in t for t in related), related


def test_mentions_and_markup_in_feed_titles_come_out_escaped_in_the_digest(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rss, _ = feeds(server)
    out = tmp_path / "articles"
    assert run(capsys, "fetch", rss, "--out", str(out))[0] == 0
    stored = next(t for p in out.glob("*.md") if "warehouse" in (t := p.read_text(encoding="utf-8")))
    assert 'title: "<!channel> Robots <@U123> take over <script>alert(1)</script> the warehouse"' in stored
    code, text, _ = run(capsys, "preview", "--articles", str(out), "--now", "2020-04-23T12:00Z", "--json")
    assert code == 0
    rendered = json.dumps(json.loads(text))
    assert "&lt;!channel&gt; Robots &lt;@U123&gt; take over &lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    for raw in ("<!channel>", "<@U123>", "<script>"):
        assert raw not in rendered


def test_fetch_exits_1_naming_each_failed_feed_while_the_others_arrive(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rss, _ = feeds(server)
    page = server.add("/page", Route(b"<!doctype html><html><body>hi</body></html>", "text/html"))
    out = tmp_path / "articles"
    code, text, err = run(capsys, "fetch", page, rss, "--out", str(out))
    assert code == 1
    assert f"FAILED  {page}: not a feed: the address serves an HTML page" in text
    assert f"feed failed: {page}: not a feed" in err
    assert len(list(out.glob("*.md"))) == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["fetch", "--out", "OUT"], "no feeds: give feed URLs"),
        (
            ["fetch", "ftp://example.com/feed", "--out", "OUT"],
            "FEED_URL: 'ftp://example.com/feed' is not an http(s) URL",
        ),
        (
            ["fetch", "https://example.com/feed.xml"],
            "no output folder: give --out DIR, or set NEWSBOT_ARTICLES",
        ),
        (["fetch", "--feeds", "BAD", "--out", "OUT"], "every: 0 (int) is not a number from 1 to 10080"),
    ],
)
def test_usage_errors_exit_2_and_say_what_would_be_right(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "feeds.yaml"
    bad.write_text("- url: https://example.com/a.xml\n  every: 0\n", encoding="utf-8")
    argv = [str(tmp_path / "out") if a == "OUT" else str(bad) if a == "BAD" else a for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    if "--feeds" in argv:
        assert f"{bad}: feed 1 (https://example.com/a.xml): every:" in err


def test_newsbot_feeds_and_articles_settings_drive_fetch_and_check_shows_each_feed(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rss, atom = feeds(server)
    broken = server.add("/broken.xml", Route(fixture("rss2.xml")[:400], RSS))
    articles = tmp_path / "articles"
    articles.mkdir()
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        f"- url: {rss}\n  name: Forbes\n  topics: [AI]\n  quality: 87\n"
        f"- {atom}\n"
        f"- url: {broken}\n  every: 15\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("NEWSBOT_FEEDS", str(feeds_file))
    monkeypatch.setenv("NEWSBOT_ARTICLES", str(articles))
    code, text, _ = run(capsys, "fetch")
    assert code == 1
    assert f"Forbes ({rss}): 3 new" in text and f"FAILED  {broken}: not well-formed XML" in text
    assert len(list((articles / "feeds").glob("*.md"))) == 5

    code, text, _ = run(capsys, "check", "--json")
    report = json.loads(text)
    assert code == 0 and report["loaded"] == 5 and report["skipped"] == []
    status = {f["url"]: f for f in report["feeds"]}
    assert (
        status[rss]["name"] == "Forbes" and status[rss]["entries"] == 3 and status[rss]["last_error"] is None
    )
    assert status[rss]["last_success"] is not None
    assert status[atom]["name"] == "ZDNet | Artificial Intelligence" and status[atom]["entries"] == 2
    assert status[broken]["last_success"] is None and status[broken]["entries"] == 0
    assert "not well-formed XML" in status[broken]["last_error"] and status[broken]["failures"] == 1

    code, text, _ = run(capsys, "check")
    assert code == 0 and "Feeds (3, from NEWSBOT_FEEDS):" in text
    assert f"Forbes ({rss}): last success " in text and ", 3 entries" in text
    assert f"  {broken}: never read, 0 entries; last error at " in text


def test_fetch_reads_newsbot_feeds_from_the_env_file_as_run_does(
    server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, atom = feeds(server)
    (tmp_path / "articles").mkdir()
    (tmp_path / "feeds.yaml").write_text(f"- {atom}\n", encoding="utf-8")
    (tmp_path / ".env").write_text("NEWSBOT_FEEDS=feeds.yaml\nNEWSBOT_ARTICLES=articles\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, text, _ = run(capsys, "fetch")
    assert code == 0 and f"{atom}: 2 new" in text
    assert len(list((tmp_path / "articles" / "feeds").glob("*.md"))) == 2
