"""`newsbot fetch [FEED_URL ...] [--feeds FILE] [--out DIR] [--json]`: read feeds into article files once.

Exit 0 when every feed was read (a 304 counts), 1 when some failed (each named with its reason),
2 on a usage error (no feeds, a bad URL or feeds file, no output folder).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.commands import inputs
from bot.errors import QueryError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fetch",
        help="read RSS/Atom feeds into article files",
        description="Fetch RSS and Atom feeds and write one article file per new or changed entry. "
        "Exit 0 when every feed was read, 1 when some failed, 2 on a usage error.",
    )
    parser.add_argument("urls", nargs="*", metavar="FEED_URL", help="feed addresses (http or https)")
    parser.add_argument(
        "--feeds", metavar="FILE", type=Path, help="a feeds file (default when no FEED_URL: $NEWSBOT_FEEDS)"
    )
    inputs.add_dir_arg(
        parser, "--out", "folder for the article files (default: the first $NEWSBOT_ARTICLES folder's feeds/)"
    )
    inputs.add_json_arg(parser, help=inputs.SUMMARY_JSON_HELP)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    # Here, not at the top: the CLI imports every command module to build its parser, and the feed
    # stack (feedparser, defusedxml, a process pool) should load only when `fetch` runs.
    from bot.feeds.reader import FeedReader
    from bot.feeds.service import article_topics, choose_feeds, default_out

    folders = inputs.folders()  # NEWSBOT_FEEDS, NEWSBOT_ARTICLES, NEWSBOT_CACHE as `newsbot run` reads them
    feeds_file = args.feeds if args.feeds is not None or args.urls else folders.feeds_path
    feeds = choose_feeds(args.urls, feeds_file)
    out = args.out or default_out(folders.articles)
    if out is None:
        raise QueryError("no output folder: give --out DIR, or set NEWSBOT_ARTICLES (files go to its feeds/)")
    if out.exists() and not out.is_dir():
        raise QueryError(f"--out {out}: not a folder")
    known_topics = article_topics(folders.articles, folders.cache_path)
    reports = FeedReader(out, known_topics=known_topics).read(feeds, datetime.now(UTC))
    failed = [r for r in reports if r.outcome == "failed"]
    if args.json:
        print(json.dumps({"out": str(out), "feeds": [r.as_json() for r in reports]}, ensure_ascii=False))
    else:
        for report in reports:
            print(_line(report))
        new = sum(len(r.new) for r in reports)
        updated = sum(len(r.updated) for r in reports)
        read = len(reports) - len(failed)
        print(f"{read} of {len(reports)} feeds read; {new} new, {updated} updated in {out}")
    for report in failed:
        print(f"newsbot fetch: feed failed: {report.feed.label}: {report.error}", file=sys.stderr)
    return 1 if failed else 0


def _line(report: Any) -> str:
    label = report.feed.label
    if report.outcome == "failed":
        return f"FAILED  {label}: {report.error}"
    if report.outcome == "not-modified":
        return f"ok      {label}: not modified (304)"
    dropped = f", {report.dropped} without title or link" if report.dropped else ""
    return (
        f"ok      {label}: {len(report.new)} new, {len(report.updated)} updated, "
        f"{report.unchanged} unchanged{dropped}"
    )
