"""`newsbot check [--articles DIR] [--digests DIR] [--json]`: load the article folders and the digest
files and say what is usable.

Names from the file system may not be UTF-8 (on POSIX, ``os.fsdecode`` keeps such bytes as lone
surrogates, which no terminal encoding can print): every string printed goes through ``printable``,
which shows each such byte as a backslash escape such as ``\\xff``.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bot.articles import LoadResult, display_path
from bot.commands import inputs
from bot.commands.inputs import no_articles_message
from bot.digests.files import read_digest_folder
from bot.errors import ConfigError
from bot.services.catalog import build_snapshot, load_templates


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="load the article folders and report usable, skipped and duplicate files",
        description="Load the article folders and validate the digest files; report what is usable. "
        "Exit 0 when the folders were read (even with skipped files, or none usable: a warning says "
        "so) and every digest file is valid (a warning about a topic no article has is fine), 2 when "
        "a folder cannot be read or a digest file is invalid.",
    )
    inputs.add_articles_arg(parser, sample="the bundled sample articles")
    inputs.add_dir_arg(
        parser,
        "--digests",
        "digests folder to validate (default: $NEWSBOT_DIGESTS, else ./digests when it exists)",
    )
    inputs.add_json_arg(parser, help=inputs.SUMMARY_JSON_HELP)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    roots = inputs.article_roots(args)
    # --json output is for programs: no progress line even on a terminal.
    result = inputs.load_all(roots, stream=None if not args.json else io.StringIO())
    digests = check_digests(_digests_folder(args), result)
    # Here, not at the top: the CLI imports every command module to build its parser, and the feed
    # stack (feedparser, defusedxml) should load only when `check` runs.
    from bot.feeds.service import configured_statuses, status_lines

    feeds = configured_statuses(inputs.folders().feeds_path, roots)
    if args.json:
        data = summary(result, roots)
        data["digests"] = digests
        if feeds is not None:
            data["feeds"] = [status.as_json() for status in feeds]
        print(json.dumps(printable(data), ensure_ascii=False))
    else:
        _print_text(result, roots)
        _print_digests(digests)
        if feeds is not None:
            print(printable("\n".join([f"Feeds ({len(feeds)}, from NEWSBOT_FEEDS):", *status_lines(feeds)])))
    if not result.articles:
        # The folders were read, so this is a finding to report, not a failure of `check` itself
        # (preview and query, which need articles, exit 2 here).
        print(printable(f"newsbot check: warning: {no_articles_message(result, roots)}"), file=sys.stderr)
    if digests is not None and digests["problems"]:
        count = len(digests["problems"])
        problems = f"{count} problem{'s' if count > 1 else ''}"
        print(printable(f"newsbot check: error: {problems} in {digests['folder']}"), file=sys.stderr)
        return 2
    return 0


def printable(value: Any) -> Any:
    """``value`` (a string, or lists and dicts of them) with every undecodable file-name byte shown
    as a backslash escape such as ``\\xff``, so that printing it never fails on any terminal."""
    if isinstance(value, str):
        return display_path(value)
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [printable(v) for v in value]
    return value


def _digests_folder(args: argparse.Namespace) -> Path | None:
    """--digests, else NEWSBOT_DIGESTS as `newsbot run` reads it (bot.settings: with .env and ``~``;
    a folder named there must exist), else ./digests when it exists."""
    folder = inputs.digests_dir(args)
    return folder if args.digests is not None or folder.is_dir() else None


def check_digests(folder: Path | None, result: LoadResult) -> dict[str, Any] | None:
    """The digest files validated as `newsbot run` would, strictly (a misspelt topic is a problem):
    ``{"folder", "digests": [names], "problems": [...], "warnings": [...]}``; None without a folder."""
    if folder is None:
        return None
    data: dict[str, Any] = {"folder": str(folder.absolute()), "digests": [], "problems": [], "warnings": []}
    if not folder.is_dir():
        data["problems"].append(
            f"Digests folder {folder.absolute()} does not exist or is not a folder "
            "(set it with --digests DIR or NEWSBOT_DIGESTS)"
        )
        return data
    # The matcher the running bot would use (built from the same pipeline); none without articles.
    matcher = build_snapshot(result.articles).matcher if result.articles else None
    try:
        templates = load_templates(folder).names()
        report = read_digest_folder(folder, matcher=matcher, strict=True, templates=templates)
    except ConfigError as err:
        data["problems"].append(str(err))
        return data
    data["digests"] = [spec.name for spec in report.specs]
    data["problems"] = list(report.problems)
    data["warnings"] = list(report.warnings)
    return data


def _print_digests(digests: dict[str, Any] | None) -> None:
    if digests is None:
        print("Digests: no digests folder (./digests, --digests or NEWSBOT_DIGESTS)")
        return
    names = ", ".join(digests["digests"]) or "none"
    print(printable(f"Digests in {digests['folder']}: {len(digests['digests'])} valid ({names})"))
    for title, items in (("Digest problems", digests["problems"]), ("Digest warnings", digests["warnings"])):
        if items:
            print(f"{title} ({len(items)}):")
            for item in items:
                print(printable(f"  {item}"))


def summary(result: LoadResult, roots: list[Path]) -> dict[str, Any]:
    """The --json object."""
    topics = _topic_counts(result)
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


def _topic_counts(result: LoadResult) -> Counter[str]:
    """Articles per topic; spellings that differ only in case are one topic (as the bot matches them),
    shown under the spelling most articles use."""
    spellings: dict[str, Counter[str]] = {}
    for article in result.articles:
        for topic in article.topics:
            spellings.setdefault(topic.casefold(), Counter())[topic] += 1
    return Counter({names.most_common(1)[0][0]: names.total() for names in spellings.values()})


def _print_text(result: LoadResult, roots: list[Path]) -> None:
    data = printable(summary(result, roots))
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
            print(printable(f"  {path}: {reason}"))
    if result.warnings:
        print(f"Warnings ({len(result.warnings)}):")
        for warning in result.warnings[:50]:
            print(printable(f"  {warning}"))
        if len(result.warnings) > 50:
            print(f"  ... and {len(result.warnings) - 50} more (see --json)")
