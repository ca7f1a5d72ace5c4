"""What `preview`, `query` and `demo` share: the clock, the folders, loading, and printing a payload."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.errors import QueryError

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


def article_roots(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> list[Path]:
    """--articles, else NEWSBOT_ARTICLES (several folders separated by os.pathsep), else the sample."""
    from bot.commands.check import article_roots as roots_from

    return roots_from(args.articles, environ)


def digests_dir(args: argparse.Namespace, environ: Mapping[str, str] = os.environ) -> Path:
    chosen: Path | None = getattr(args, "digests", None)
    if chosen is None and environ.get("NEWSBOT_DIGESTS"):
        chosen = Path(environ["NEWSBOT_DIGESTS"]).expanduser()
    return chosen if chosen is not None else Path("digests")


def load(roots: list[Path]) -> Any:
    """The articles of the folders (a LoadResult); each skipped file is reported on stderr.
    QueryError when not one article is usable (nothing to compose from)."""
    from bot.articles import load_articles
    from bot.commands.check import no_articles_message

    result = load_articles(roots)
    for skipped in result.skipped[:SKIPPED_SHOWN]:
        print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    if len(result.skipped) > SKIPPED_SHOWN:
        print(f"… and {len(result.skipped) - SKIPPED_SHOWN} more skipped files", file=sys.stderr)
    if not result.articles:
        raise QueryError(no_articles_message(result, roots))
    return result


def print_payload(payload: dict[str, Any], *, as_json: bool) -> None:
    from bot.compose.terminal import render_text

    if as_json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(payload, ansi=sys.stdout.isatty()))
