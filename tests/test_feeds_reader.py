"""FeedReader against a local HTTP server: files written once, 304s, updates, every bad feed."""

from __future__ import annotations

import socket
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.articles import load_articles
from bot.feeds.config import FeedSource
from bot.feeds.fetch import FetchLimits
from bot.feeds.reader import PROCESS_MIN_FEEDS, FeedReader
from tests.feedserver import FeedServer, Route, fixture, serving

NOW = datetime(2020, 4, 24, 12, 0, tzinfo=UTC)
LATER = datetime(2020, 4, 24, 13, 0, tzinfo=UTC)
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    yield from serving()


def files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.md"))}


def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed.xml"  # nothing listens there any more


def _rss_and_atom(server: FeedServer) -> tuple[str, str]:
    """The RSS feed (with an ETag) and the Atom feed (with a Last-Modified) the reader tests read."""
    rss = server.add("/forbes.xml", Route(fixture("rss2.xml"), RSS, etag='"v1"'))
    atom = server.add(
        "/zdnet.xml", Route(fixture("atom.xml"), ATOM, last_modified="Thu, 23 Apr 2020 12:00:00 GMT")
    )
    return rss, atom


def test_rss_and_atom_entries_become_article_files_that_load_back_with_every_field(
    server: FeedServer, tmp_path: Path
) -> None:
    rss, atom = _rss_and_atom(server)
    out = tmp_path / "feeds"
    feeds = [FeedSource(rss, name="Forbes", topics=("AI",), quality=87), FeedSource(atom)]
    reports = FeedReader(out, known_topics=lambda: ["AI in Robotics"]).read(feeds, NOW)

    assert [(r.outcome, len(r.new), r.error) for r in reports] == [("ok", 3, None), ("ok", 2, None)]
    result = load_articles([out])
    assert result.skipped == () and result.warnings == ()
    by_title = {a.title: a for a in result.articles}
    assert len(by_title) == 4  # the coral-reef story: one title, two outlets, two URLs
    coral = [a for a in result.articles if "Coral Reef" in a.title]
    assert {a.provider for a in coral} == {"Forbes", "ZDNet | Artificial Intelligence"}
    forbes = next(a for a in coral if a.provider == "Forbes")
    assert (
        forbes.url
        == "https://www.forbes.com/sites/cognitiveworld/2020/04/22/intel--accenture-use-ai-to-save-the-coral-reef/"
    )
    assert forbes.domain == "forbes.com" and forbes.quality == 87
    assert forbes.published == datetime(2020, 4, 22, 8, 34, tzinfo=UTC)
    assert forbes.topics == ("AI", "Computer Vision")  # the feed's topic, then the category that is a topic
    assert forbes.image == "https://thumbor.forbesimg.com/coral-reef.jpg"
    assert forbes.excerpt.startswith("Accenture, Intel and the Sulubaaï Environmental Foundation")
    assert "<" not in forbes.excerpt and "alert" not in forbes.excerpt and "–" in forbes.excerpt

    robots = next(a for a in result.articles if "warehouse" in a.title)
    assert robots.title == "<!channel> Robots <@U123> take over <script>alert(1)</script> the warehouse"
    assert robots.url.startswith(server.base + "/sites/cognitiveworld/")  # resolved against the feed URL
    assert robots.published == datetime(2020, 4, 23, 8, 15, tzinfo=UTC)  # +0200 → UTC
    assert robots.topics == ("AI", "AI in Robotics", "Machine Learning")  # word match and alias
    assert robots.excerpt == "Warehouse robots & the people who work beside them."

    undated = next(a for a in result.articles if "Reseau" in a.title)
    assert undated.published == NOW

    zdnet = next(a for a in coral if a.domain == "zdnet.com")
    assert zdnet.title == "Intel & Accenture Use AI To Save The Coral Reef"  # type="html" title made text
    assert zdnet.image == "https://www.zdnet.com/a/img/coral-reef-thumb.jpg"
    assert zdnet.topics == ("AI in Robotics",) and zdnet.quality == 40
    translate = next(a for a in result.articles if "Translate" in a.title)
    assert translate.topics == ("Natural Language Processing",)  # "Cooking" is no known topic
    assert translate.excerpt == "Google's new approach rewrites translations so both genders are shown."
    for name in files(out):
        assert len(name) <= 83 and "/" not in name and name.endswith(".md")


def test_a_second_fetch_sends_the_validators_and_writes_nothing_on_304(
    server: FeedServer, tmp_path: Path
) -> None:
    rss, atom = _rss_and_atom(server)
    out = tmp_path / "feeds"
    feeds = [FeedSource(rss), FeedSource(atom)]
    FeedReader(out).read(feeds, NOW)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.md")}

    reports = FeedReader(out).read(feeds, LATER)  # a new reader: the validators come from the state file
    assert [r.outcome for r in reports] == ["not-modified", "not-modified"]
    assert server.hits("/forbes.xml")[-1].headers["if-none-match"] == '"v1"'
    assert server.hits("/zdnet.xml")[-1].headers["if-modified-since"] == "Thu, 23 Apr 2020 12:00:00 GMT"
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.md")} == before


def test_an_unchanged_feed_without_validators_writes_nothing_and_an_undated_entry_keeps_its_date(
    server: FeedServer, tmp_path: Path
) -> None:
    rss = server.add("/forbes.xml", Route(fixture("rss2.xml"), RSS))
    out = tmp_path / "feeds"
    FeedReader(out).read([FeedSource(rss)], NOW)
    before = files(out)
    [report] = FeedReader(out).read([FeedSource(rss)], LATER)
    assert (report.outcome, report.new, report.updated, report.unchanged) == ("ok", (), (), 3)
    assert files(out) == before


def test_a_changed_entry_updates_its_own_file_and_no_other(server: FeedServer, tmp_path: Path) -> None:
    body = fixture("rss2.xml")
    rss = server.add("/forbes.xml", Route(body, RSS, etag='"v1"'))
    out = tmp_path / "feeds"
    FeedReader(out).read([FeedSource(rss)], NOW)
    before = files(out)
    changed = body.replace(
        b"Startup Reseau goes live with its AI summit", b"Startup Reseau opens its AI summit"
    )
    server.add("/forbes.xml", Route(changed, RSS, etag='"v2"'))

    [report] = FeedReader(out).read([FeedSource(rss)], LATER)
    assert (len(report.new), len(report.updated), report.unchanged) == (0, 1, 2)
    after = files(out)
    assert set(after) == set(before)  # same names: the file of the entry is updated in place
    [name] = [n for n in after if after[n] != before[n]]
    assert name == report.updated[0] and "Startup Reseau opens its AI summit" in after[name]
    assert "publishedDateTime: 2020-04-24T12:00:00Z" in after[name]  # first seen, not this fetch


def test_the_same_url_under_two_guids_or_two_feeds_is_written_once(
    server: FeedServer, tmp_path: Path
) -> None:
    body = fixture("rss2.xml")
    first = server.add("/a.xml", Route(body, RSS))
    second = server.add("/b.xml", Route(body.replace(b"forbes-2020", b"copy-2020"), RSS))
    out = tmp_path / "feeds"
    reports = FeedReader(out).read([FeedSource(first), FeedSource(second)], NOW)
    assert [len(r.new) for r in reports] == [3, 0]
    assert len(files(out)) == 3


def test_every_bad_feed_is_named_with_its_reason_and_the_good_ones_still_arrive(
    server: FeedServer, tmp_path: Path
) -> None:
    good = server.add("/good.xml", Route(fixture("atom.xml"), ATOM))
    rss_body = fixture("rss2.xml")
    bad = {
        server.add(
            "/page.html", Route(b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>", "text/html")
        ): ("HTML page"),
        server.add("/truncated.xml", Route(rss_body[: len(rss_body) // 2], RSS)): "not well-formed XML",
        server.add("/bomb.xml", Route(fixture("bomb.xml"), RSS)): "declares XML entities",
        server.add("/huge.xml", Route(rss_body[:200], RSS, stream_bytes=50 * 1024 * 1024)): "too large",
        server.add("/loop-a", Route(location="/loop-b")): "redirect loop",
        refused_url(): "connection refused",
        server.add(
            "/empty.xml",
            Route(b'<?xml version="1.0"?><rss version="2.0"><channel><title>E</title></channel></rss>', RSS),
        ): ("no entries"),
        server.add("/gone.xml", Route(b"", status=404)): "HTTP 404",
    }
    server.add("/loop-b", Route(location="/loop-a"))
    out = tmp_path / "feeds"
    feeds = [FeedSource(url) for url in bad] + [FeedSource(good)]
    reports = FeedReader(out, limits=FetchLimits(timeout=10, max_bytes=5 * 1024 * 1024)).read(feeds, NOW)

    for report, (url, reason) in zip(reports, bad.items(), strict=False):
        assert report.feed.url == url
        assert report.outcome == "failed", (url, report)
        assert report.error is not None and reason in report.error, (url, report.error)
    assert reports[-1].outcome == "ok" and len(reports[-1].new) == 2
    assert len(files(out)) == 2


def test_a_feed_that_fails_later_keeps_its_files(server: FeedServer, tmp_path: Path) -> None:
    rss = server.add("/forbes.xml", Route(fixture("rss2.xml"), RSS))
    out = tmp_path / "feeds"
    FeedReader(out).read([FeedSource(rss)], NOW)
    before = files(out)
    server.add("/forbes.xml", Route(b"<html><body>maintenance</body></html>", "text/html"))
    [report] = FeedReader(out).read([FeedSource(rss)], LATER)
    assert report.outcome == "failed"
    assert files(out) == before
    status = FeedReader(out).state.status(rss)
    assert status.entries == 3 and status.last_error == report.error and status.failures == 1
    assert status.last_success == NOW and status.last_error_at == LATER


def test_an_entity_bomb_is_refused_in_bounded_time_and_memory(server: FeedServer, tmp_path: Path) -> None:
    bombs = {
        "/laughs.xml": fixture("bomb.xml"),
        # Quadratic blow-up: one big entity referenced many times, no nesting.
        "/quadratic.xml": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 50_000 + b'">]>'
        b'<rss version="2.0"><channel><title>q</title><item><title>' + b"&a;" * 50_000 + b"</title>"
        b"<link>https://example.com/1</link></item></channel></rss>",
        # An external entity (XXE): never resolved, refused like the others.
        "/xxe.xml": b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title><item><title>&x;</title>'
        b"<link>https://example.com/2</link></item></channel></rss>",
    }
    feeds = [FeedSource(server.add(path, Route(body, RSS))) for path, body in bombs.items()]
    tracemalloc.start()
    started = time.perf_counter()
    reports = FeedReader(tmp_path / "feeds").read(feeds, NOW)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [r.outcome for r in reports] == ["failed", "failed", "failed"]
    assert all("entity" in (r.error or "") for r in reports)
    # Expanded, the first would be about 3 GB and the second 2.5 GB of text.
    assert peak < 64 * 1024 * 1024, peak
    assert elapsed < 30, elapsed
    assert not list((tmp_path / "feeds").glob("*.md"))


def test_gzip_is_read_and_a_compression_bomb_stops_at_the_size_cap(
    server: FeedServer, tmp_path: Path
) -> None:
    zipped = server.add("/zipped.xml", Route(fixture("rss2.xml"), RSS, gzip=True))
    bomb = server.add(
        "/zip-bomb.xml", Route(fixture("rss2.xml")[:200] + b" " * (40 * 1024 * 1024), RSS, gzip=True)
    )
    reports = FeedReader(tmp_path / "feeds", limits=FetchLimits(max_bytes=1024 * 1024)).read(
        [FeedSource(zipped), FeedSource(bomb)], NOW
    )
    assert reports[0].outcome == "ok" and len(reports[0].new) == 3
    assert reports[1].outcome == "failed" and "too large" in (reports[1].error or "")


def test_many_feeds_are_parsed_in_worker_processes_with_the_same_files_as_in_threads(
    server: FeedServer, tmp_path: Path
) -> None:
    body = fixture("rss2.xml")
    feeds = [
        FeedSource(server.add(f"/f{n}.xml", Route(body.replace(b"cognitiveworld", f"desk{n}".encode()), RSS)))
        for n in range(PROCESS_MIN_FEEDS)
    ]
    feeds.append(FeedSource(server.add("/bomb.xml", Route(fixture("bomb.xml"), RSS))))
    in_processes = FeedReader(tmp_path / "p", processes=2).read(feeds, NOW)
    in_threads = FeedReader(tmp_path / "t", processes=1).read(feeds, NOW)
    assert [(len(r.new), r.error) for r in in_processes] == [(len(r.new), r.error) for r in in_threads]
    assert sum(len(r.new) for r in in_processes) == 3 * PROCESS_MIN_FEEDS
    assert "entity" in (in_processes[-1].error or "")  # a FeedError raised in a worker process
    assert files(tmp_path / "p") == files(tmp_path / "t")


def test_rss_1_0_and_0_91_are_read_and_an_html_page_is_named_whatever_its_content_type(
    server: FeedServer, tmp_path: Path
) -> None:
    rdf = server.add("/infoq.rdf", Route(fixture("rss1.rdf"), "application/rdf+xml"))
    old = server.add("/old.xml", Route(fixture("rss091.xml"), "text/xml"))  # a DOCTYPE with an external DTD
    disguised = server.add("/disguised.xml", Route(b"<!-- x -->\n<html><body>Sign in</body></html>", RSS))
    reports = FeedReader(tmp_path / "feeds", known_topics=lambda: ["AWS AI"]).read(
        [FeedSource(rdf), FeedSource(old), FeedSource(disguised)], NOW
    )
    assert [(r.outcome, len(r.new)) for r in reports[:2]] == [("ok", 1), ("ok", 1)]
    assert reports[2].outcome == "failed" and "HTML page" in (reports[2].error or "")
    loaded = load_articles([tmp_path / "feeds"]).articles
    assert "Café robots serve espresso" in {a.title for a in loaded}
    [article] = [a for a in loaded if a.domain == "infoq.com"]
    assert article.title == "Amazon Announces General Availability of AWS Deepcomposer"
    assert article.published == datetime(2020, 4, 11, 11, 9, tzinfo=UTC)
    assert article.provider == "InfoQ - AI, ML & Data Engineering" and article.domain == "infoq.com"
    assert article.topics == ("AWS AI",)


def test_an_entry_gone_from_its_feed_for_30_days_is_forgotten_but_its_file_stays(
    server: FeedServer, tmp_path: Path
) -> None:
    body = fixture("rss2.xml")
    rss = server.add("/forbes.xml", Route(body, RSS))
    out = tmp_path / "feeds"
    FeedReader(out).read([FeedSource(rss)], NOW)
    start = body.index(b"<item>", body.index(b"</item>"))
    shorter = body[:start] + body[body.index(b"</item>", start) + len(b"</item>") :]  # the 2nd item left
    server.add("/forbes.xml", Route(shorter, RSS))
    FeedReader(out).read([FeedSource(rss)], NOW + timedelta(days=29))
    assert FeedReader(out).state.status(rss).entries == 3
    [report] = FeedReader(out).read([FeedSource(rss)], NOW + timedelta(days=31))
    assert report.outcome == "ok" and report.unchanged == 2
    assert FeedReader(out).state.status(rss).entries == 2
    assert len(files(out)) == 3  # the file of the forgotten entry is still there
