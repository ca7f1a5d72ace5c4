"""What the commands share: the clock (one ``parse_now``), the folders (through bot.settings, as
`newsbot run` reads them), loading, and printing a payload."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.articles import LoadResult, display_path, load_articles
from bot.compose.terminal import render_text
from bot.errors import QueryError
from bot.settings import Folders, split_paths

SKIPPED_SHOWN = 20
FIRST_YEAR, LAST_YEAR = 1970, 9998


def add_clock_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="ISO8601",
        type=parse_now,
        help="fix the clock, e.g. 2023-06-01T08:00Z (default: now)",
    )


def add_articles_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--articles",
        metavar="DIR",
        help=f"article folder(s), several separated by {os.pathsep!r} "
        "(default: $NEWSBOT_ARTICLES, else the bundled sample)",
    )


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print exactly the chat.postMessage payload")


def parse_now(text: str) -> datetime:
    """An ISO 8601 instant; a time without an offset is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError as err:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 time: {text!r} (e.g. 2026-03-29T08:00:00+02:00, or 2026-03-29T06:00Z)"
        ) from err
    return in_range(moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC), text)


def in_range(moment: datetime, text: str) -> datetime:
    """``moment`` when its year is one the clock maths can handle (a window before it, days after)."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{text!r} is out of range: give a time from {FIRST_YEAR} to {LAST_YEAR}"
        )
    return moment


def clock(args: argparse.Namespace) -> datetime:
    now: datetime | None = args.now
    return now if now is not None else datetime.now(UTC)


def folders(environ: Mapping[str, str] = os.environ) -> Folders:
    """The folders from the environment and ./.env, read and validated as `newsbot run` reads them."""
    return Folders.from_env(environ)


def article_roots(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> list[Path]:
    """--articles, else NEWSBOT_ARTICLES (several folders separated by os.pathsep), else the sample."""
    option: str | None = args.articles
    if option is not None and not option.replace(os.pathsep, "").strip():
        raise QueryError(
            "--articles is empty: give a folder, e.g. --articles ./articles "
            f"(several separated by {os.pathsep!r})"
        )
    if option:
        return list(split_paths(option))
    return list(folders(environ).article_roots)


def digests_dir(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Path:
    """--digests, else NEWSBOT_DIGESTS, else ./digests."""
    chosen: Path | None = getattr(args, "digests", None)
    return chosen.expanduser() if chosen is not None else folders(environ).digests_dir


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


def load(roots: list[Path]) -> LoadResult:
    """The articles of the folders; each skipped file is reported on stderr.
    QueryError when not one article is usable (nothing to compose from)."""
    result = load_articles(roots)
    for skipped in result.skipped[:SKIPPED_SHOWN]:
        print(f"skipped {display_path(skipped.path)}: {skipped.reason}", file=sys.stderr)
    if len(result.skipped) > SKIPPED_SHOWN:
        print(f"… and {len(result.skipped) - SKIPPED_SHOWN} more skipped files", file=sys.stderr)
    if not result.articles:
        raise QueryError(no_articles_message(result, roots))
    return result


def print_payload(payload: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(payload, ansi=sys.stdout.isatty()))
