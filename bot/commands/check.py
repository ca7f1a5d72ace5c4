"""`newsbot check [--articles DIR] [--json]`: load the article folders and say what is usable."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from bot.articles import LoadResult, default_cache_path, load_articles
from bot.commands import inputs
from bot.commands.inputs import no_articles_message

# Below this many files a load is quick enough that a progress line would only flicker.
PROGRESS_MIN_FILES = 3000


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="load the article folders and report usable, skipped and duplicate files",
        description="Load the article folders and report what is usable. Exit 0 when the folders "
        "were read (even with skipped files, or none usable: a warning says so), 2 when one cannot "
        "be read.",
    )
    parser.add_argument(
        "--articles",
        metavar="DIR",
        help=f"article folder(s), several separated by {os.pathsep!r} "
        "(default: $NEWSBOT_ARTICLES, else the bundled sample articles)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    roots = inputs.article_roots(args)
    cache_path = inputs.folders().cache_path or default_cache_path(roots)
    progress = _ProgressLine(sys.stderr) if not args.json and sys.stderr.isatty() else None
    result = load_articles(roots, cache_path=cache_path, progress=progress)
    if progress is not None:
        progress.finish()
    if args.json:
        print(json.dumps(summary(result, roots), ensure_ascii=False))
    else:
        _print_text(result, roots)
    if not result.articles:
        # The folders were read, so this is a finding to report, not a failure of `check` itself
        # (preview and query, which need articles, exit 2 here).
        print(f"newsbot check: warning: {no_articles_message(result, roots)}", file=sys.stderr)
    return 0


def summary(result: LoadResult, roots: list[Path]) -> dict[str, Any]:
    """The --json object."""
    topics = Counter(topic for article in result.articles for topic in article.topics)
    dates = [article.published for article in result.articles]
    return {
        "folders": [str(root) for root in roots],
        "files": result.files,
        "loaded": len(result.articles),
        "skipped": [{"path": path, "reason": reason} for path, reason in result.skipped],
        "duplicates": result.duplicates,
        "warnings": list(result.warnings),
        "topics": dict(sorted(topics.items(), key=lambda item: (-item[1], item[0]))),
        "oldest": min(dates).isoformat() if dates else None,
        "newest": max(dates).isoformat() if dates else None,
        "parsed": result.parsed,
        "seconds": round(result.seconds, 3),
    }


def _print_text(result: LoadResult, roots: list[Path]) -> None:
    data = summary(result, roots)
    print(f"Folders: {', '.join(data['folders'])}")
    cached = data["files"] - data["parsed"]
    print(
        f"Loaded {data['loaded']} articles from {data['files']} files in {data['seconds']:.2f} s "
        f"({data['parsed']} parsed, {cached} from the parse cache); "
        f"{len(result.skipped)} skipped, {data['duplicates']} duplicates."
    )
    if data["oldest"]:
        print(f"Published: {data['oldest'][:10]} to {data['newest'][:10]}")
    if data["topics"]:
        print("Topics:")
        for topic, count in data["topics"].items():
            print(f"  {count:6d}  {topic}")
    if result.skipped:
        print("Skipped:")
        for path, reason in result.skipped:
            print(f"  {path}: {reason}")
    if result.warnings:
        print(f"Warnings ({len(result.warnings)}):")
        for warning in result.warnings[:50]:
            print(f"  {warning}")
        if len(result.warnings) > 50:
            print(f"  ... and {len(result.warnings) - 50} more (see --json)")


class _ProgressLine:
    """A self-overwriting "parsed n/N files" line on a terminal, shown only for large loads."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        self.stream.write(f"\rparsing article files: {done}/{total}")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
