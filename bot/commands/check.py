"""`newsbot check [--articles DIR] [--json]`: load the article folders and say what is usable."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from bot.articles import LoadResult, default_cache_path, load_articles, sample_dir
from bot.errors import QueryError

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


def article_roots(option: str | None, environ: Mapping[str, str]) -> list[Path]:
    """--articles, else NEWSBOT_ARTICLES, else the bundled sample folder."""
    if option is not None and not option.replace(os.pathsep, "").strip():
        raise QueryError(
            "--articles is empty: give a folder, e.g. --articles ./articles "
            f"(several separated by {os.pathsep!r})"
        )
    value = option or environ.get("NEWSBOT_ARTICLES") or ""
    roots = [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]
    return roots or [sample_dir()]


def no_articles_message(result: LoadResult, roots: list[Path]) -> str:
    """Why nothing is usable, and what would be: for a load that produced no article at all."""
    where = ", ".join(str(root) for root in roots)
    if not result.files:
        return (
            f"no article files in {where}: expected Markdown files (*.md) with YAML front matter, "
            "such as those in bot/sample_articles/"
        )
    return (
        f"no usable article in {where}: every one of the {result.files} files was skipped "
        f"(`newsbot check --articles {where}` lists each file and why)"
    )


def run(args: argparse.Namespace) -> int:
    roots = article_roots(args.articles, os.environ)
    cache_path = default_cache_path(roots, os.environ)
    progress = _ProgressLine(sys.stderr) if not args.json and sys.stderr.isatty() else None
    result = load_articles(roots, cache_path=cache_path, progress=progress)
    if progress is not None:
        progress.finish()
    from bot.feeds.service import configured_statuses, status_lines  # feeds (issue 11)

    feeds = configured_statuses(os.environ, roots)
    if args.json:
        data = summary(result, roots)
        if feeds is not None:
            data["feeds"] = [status.as_json() for status in feeds]
        print(json.dumps(data, ensure_ascii=False))
    else:
        _print_text(result, roots)
        if feeds is not None:
            print(f"Feeds ({len(feeds)}, from NEWSBOT_FEEDS):", *status_lines(feeds), sep="\n")
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
