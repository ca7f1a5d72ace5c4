#!/usr/bin/env python3
"""Feed fetching benchmark: newsbot's reader against a plain sequential feedparser loop.

    python scripts/bench_feeds.py [--feeds 200] [--entries 50] [--workers 8] [--latency-ms 0]

Serves --feeds feeds of --entries entries each (half RSS 2.0, half Atom, with HTML descriptions,
categories and ETags) from a local HTTP server in a separate process, then measures, each in a
fresh process so that peak memory is its own:

- baseline: ``for url in urls: feedparser.parse(url)`` (feedparser fetching and parsing, defaults);
- full fetch: ``FeedReader.read`` into an empty folder (download, parse, map, write every file);
- second fetch: the same again, every feed answering 304 Not Modified;
- baseline, conditional: the sequential loop again with each feed's ETag (feedparser's own 304).

Prints one line per case (seconds, peak RSS) and the speed-up over the baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = [
    *("model", "vision", "robot", "chip", "startup", "language", "cloud", "data", "privacy", "health"),
    *("finance", "research", "agent", "training", "benchmark", "open", "source", "regulation", "lab"),
]
CATEGORIES = ("Machine Learning", "Computer Vision", "AI in Robotics", "Startups", "Policy", "ML")
START = datetime(2024, 3, 1, tzinfo=UTC)


def _words(seed: int, count: int) -> str:
    return " ".join(WORDS[(seed * 7 + i * 13) % len(WORDS)] for i in range(count))


def feed_body(number: int, entries: int) -> bytes:
    """Feed ``number``: RSS 2.0 when even, Atom when odd; deterministic content."""
    items = []
    for i in range(entries):
        title = escape(f"{_words(number * 100 + i, 8).title()} ({number}-{i})")
        when = START - timedelta(minutes=37 * i + number)
        link = f"https://outlet{number}.example/{when:%Y/%m/%d}/story-{i}"
        summary = escape(f"<p>{_words(i + number, 40)} <b>{_words(i, 5)}</b> &amp; more.</p>")
        category = CATEGORIES[(number + i) % len(CATEGORIES)]
        if number % 2 == 0:
            items.append(
                f"<item><title>{title}</title><link>{link}</link>"
                f"<guid isPermaLink='false'>o{number}-{i}</guid>"
                f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate><category>{category}</category>"
                f"<description>{summary}</description>"
                f"<enclosure url='https://img.example/{number}/{i}.jpg' type='image/jpeg' length='1000'/>"
                "</item>"
            )
        else:
            items.append(
                f"<entry><title>{title}</title><link href='{link}' rel='alternate'/>"
                f"<id>tag:outlet{number}.example,2024:{i}</id><updated>{when.isoformat()}</updated>"
                f"<category term='{category}'/><summary type='html'>{summary}</summary></entry>"
            )
    if number % 2 == 0:
        return (
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
            f"<title>Outlet {number}</title><link>https://outlet{number}.example/</link>"
            f"<description>Feed {number}</description>{''.join(items)}</channel></rss>"
        ).encode()
    return (
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Outlet {number}</title><link href='https://outlet{number}.example/'/>"
        f"<id>tag:outlet{number}.example,2024:feed</id><updated>{START.isoformat()}</updated>"
        f"{''.join(items)}</feed>"
    ).encode()


def serve(feeds: int, entries: int, latency: float) -> None:
    """The publisher side: prints its port, then serves until stdin closes. Every answer waits
    ``latency`` seconds first, as a remote host's round trips and think time would."""
    bodies = {f"/feed/{n}.xml": feed_body(n, entries) for n in range(feeds)}
    etags = {path: '"' + hashlib.sha256(body).hexdigest()[:16] + '"' for path, body in bodies.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            etag = etags[self.path]
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            kind = "application/rss+xml" if self.path.split("/")[-1].split(".")[0].isdigit() else "text/xml"
            self.send_header("Content-Type", kind)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    # socketserver's default listen backlog is 5: eight clients at once would see dropped SYNs and
    # one-second retransmits that no real feed host would cause.
    class Server(ThreadingHTTPServer):
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()
    server.shutdown()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def peak_child_rss_mb() -> float:
    """The largest parse worker process (0 when none was started)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def measure(case: str, urls: list[str], out: Path, workers: int, processes: int | None) -> dict[str, Any]:
    """One case in this (fresh) process."""
    import feedparser

    before = peak_rss_mb()
    if case in ("baseline", "baseline-304"):
        etags: dict[str, str] = json.loads((out / "etags.json").read_text()) if case == "baseline-304" else {}
        started = time.perf_counter()
        results = [feedparser.parse(url, etag=etags.get(url)) for url in urls]
        seconds = time.perf_counter() - started
        etags = {u: r.get("etag") for u, r in zip(urls, results, strict=True)}
        (out / "etags.json").write_text(json.dumps(etags))
        entries = sum(len(r.entries) for r in results)
        not_modified = sum(1 for r in results if r.get("status") == 304)
        return {
            "seconds": seconds,
            "entries": entries,
            "not_modified": not_modified,
            "rss_mb": peak_rss_mb(),
            "imports_mb": before,
        }
    from bot.feeds.config import FeedSource
    from bot.feeds.reader import PROCESSES, FeedReader

    reader = FeedReader(
        out / "articles", workers=workers, processes=PROCESSES if processes is None else processes
    )
    started = time.perf_counter()
    reports = reader.read([FeedSource(url) for url in urls], datetime.now(UTC))
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "written": sum(len(r.new) + len(r.updated) for r in reports),
        "not_modified": sum(1 for r in reports if r.outcome == "not-modified"),
        "failed": [r.error for r in reports if r.outcome == "failed"][:3],
        "rss_mb": peak_rss_mb(),
        "worker_mb": peak_child_rss_mb(),
        "imports_mb": before,
    }


def run_case(case: str, urls: list[str], out: Path, workers: int, processes: int | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", case, "--out", str(out), "--workers", str(workers)]
    if processes is not None:
        command += ["--processes", str(processes)]
    done = subprocess.run(command, input=json.dumps(urls), capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--processes", type=int, help="parse worker processes (default: the reader's)")
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay of every answer (a remote host's; default 0)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.feeds, args.entries, args.latency_ms / 1000)
        return 0
    if args.measure:
        urls = json.loads(sys.stdin.read())
        print(json.dumps(measure(args.measure, urls, args.out, args.workers, args.processes)))
        return 0

    server = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--serve",
            "--feeds",
            str(args.feeds),
            "--entries",
            str(args.entries),
            "--latency-ms",
            str(args.latency_ms),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        urls = [f"http://127.0.0.1:{port}/feed/{n}.xml" for n in range(args.feeds)]
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder)
            baseline = run_case("baseline", urls, out, args.workers, args.processes)
            full = run_case("full", urls, out, args.workers, args.processes)
            again = run_case("again", urls, out, args.workers, args.processes)
            baseline_304 = run_case("baseline-304", urls, out, args.workers, args.processes)
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)

    from bot.feeds.reader import PROCESSES

    total = args.feeds * args.entries
    print(
        f"{args.feeds} feeds x {args.entries} entries ({total} entries), served on 127.0.0.1 with "
        f"{args.latency_ms:g} ms latency; newsbot with {args.workers} worker threads, "
        f"{args.processes if args.processes is not None else PROCESSES} parse processes; "
        f"Python {sys.version.split()[0]}"
    )
    print(
        f"  baseline, sequential feedparser.parse(url): {baseline['seconds']:6.2f} s  "
        f"peak RSS {baseline['rss_mb']:6.1f} MB  ({baseline['entries']} entries parsed, no files written)"
    )
    print(
        f"  newsbot fetch, full:                        {full['seconds']:6.2f} s  "
        f"peak RSS {full['rss_mb']:6.1f} MB + {full['worker_mb']:.1f} MB per parse worker  "
        f"({full['written']} files written)  "
        f"{baseline['seconds'] / full['seconds']:.1f}x the baseline"
    )
    print(
        f"  newsbot fetch, second (all 304):            {again['seconds']:6.2f} s  "
        f"peak RSS {again['rss_mb']:6.1f} MB  ({again['not_modified']} not modified, "
        f"{again['written']} written)  "
        f"{baseline['seconds'] / again['seconds']:.1f}x the baseline"
    )
    print(
        f"  baseline with ETags (sequential, all 304):  {baseline_304['seconds']:6.2f} s  "
        f"peak RSS {baseline_304['rss_mb']:6.1f} MB  ({baseline_304['not_modified']} not modified)"
    )
    print(
        f"  (a fresh interpreter with the imports: {full['imports_mb']:.1f} MB newsbot, "
        f"{baseline['imports_mb']:.1f} MB feedparser alone)"
    )
    for case in (full, again):
        if case.get("failed"):
            print(f"  failures: {case['failed']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
