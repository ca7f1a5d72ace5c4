"""What the commands share: the clock (one ``parse_now``), the folders (through bot.settings, as
`newsbot run` reads them), loading, and printing a payload."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from bot.articles import LoadResult, default_cache_path, display_path, load_articles
from bot.articles.fields import FIRST_YEAR, LAST_YEAR
from bot.compose.terminal import render_text
from bot.errors import QueryError
from bot.settings import Folders
from bot.settings_values import split_paths

# Below this many files a load is quick enough that a progress line would only flicker.
PROGRESS_MIN_FILES = 3000


def add_clock_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="ISO8601",
        type=parse_now,
        help="fix the clock, e.g. 2023-06-01T08:00Z (default: now)",
    )


def add_articles_arg(parser: argparse.ArgumentParser, sample: str = "the bundled sample") -> None:
    parser.add_argument(
        "--articles",
        metavar="DIR",
        help=f"article folder(s), several separated by {os.pathsep!r} "
        f"(default: $NEWSBOT_ARTICLES, else {sample})",
    )


def add_dir_arg(parser: argparse.ArgumentParser, flag: str, help: str) -> None:
    """A folder option (``flag DIR``) given as a Path."""
    parser.add_argument(flag, metavar="DIR", type=Path, help=help)


SUMMARY_JSON_HELP = "print one JSON object instead of a summary"


PAYLOAD_JSON_HELP = "print exactly the chat.postMessage payload"


def add_json_arg(parser: argparse.ArgumentParser, help: str = PAYLOAD_JSON_HELP) -> None:
    parser.add_argument("--json", action="store_true", help=help)


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


def checked_digests_dir(args: argparse.Namespace, *, needed: bool) -> Path:
    """``digests_dir``, which must be a folder when it was given (--digests) or is ``needed``."""
    folder = digests_dir(args)
    if (needed or getattr(args, "digests", None) is not None) and not folder.is_dir():
        raise QueryError(
            f"Digests folder {folder.absolute()} does not exist or is not a folder: "
            "set it with --digests DIR or NEWSBOT_DIGESTS"
        )
    return folder


def no_articles_message(result: LoadResult, roots: list[Path]) -> str:
    """Why nothing is usable, and what would be: for a load that produced no article at all."""
    where = ", ".join(str(root) for root in roots)
    if not result.files:
        return (
            f"no article files in {where}: expected Markdown files (*.md) with YAML front matter, "
            "such as those in bot/sample_articles/"
        )
    option = shlex.quote(os.pathsep.join(map(str, roots)))  # a command that can be pasted as it is
    return (
        f"no usable article in {where}: every one of the {result.files} files was skipped "
        f"(`newsbot check --articles {option}` lists each file and why)"
    )


def load_all(roots: list[Path], *, stream: TextIO | None = None) -> LoadResult:
    """The one load every command makes: the parse cache `newsbot run` uses, and on a terminal
    (``stream``, default stderr, a tty) a progress line with rate and ETA for a large load."""
    out = sys.stderr if stream is None else stream
    cache_path = folders().cache_path or default_cache_path(roots)
    progress = ProgressLine(out) if out.isatty() else None
    result = load_articles(roots, cache_path=cache_path, progress=progress)
    if progress is not None:
        progress.finish()
    return result


def load(roots: list[Path]) -> LoadResult:
    """The articles of the folders for query, preview and demo: skipped files get one summary line
    on stderr (`newsbot check` lists each). QueryError when not one article is usable."""
    result = load_all(roots)
    line = skipped_summary(result, roots)
    if line:
        print(line, file=sys.stderr)
    if not result.articles:
        raise QueryError(no_articles_message(result, roots))
    return result


def skipped_summary(result: LoadResult, roots: list[Path]) -> str | None:
    """One line about the skipped files: the file and reason when there is one, else how many."""
    if not result.skipped or not result.articles:  # none usable: no_articles_message says it all
        return None
    if len(result.skipped) == 1:
        [only] = result.skipped
        return f"skipped {display_path(only.path)}: {only.reason}"
    where = os.pathsep.join(str(root) for root in roots)
    return (
        f"skipped {len(result.skipped)} of {result.files} article files that cannot be used "
        f"(`newsbot check --articles {where}` lists each and why)"
    )


class ProgressLine:
    """A self-overwriting "parsing article files: n/N (rate files/s, ETA s)" line on a terminal,
    shown only for loads of at least PROGRESS_MIN_FILES files to parse."""

    def __init__(self, stream: TextIO, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.shown = False
        self._monotonic = monotonic
        self._started = monotonic()

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        elapsed = max(self._monotonic() - self._started, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else 0.0
        self.stream.write(f"\rparsing article files: {done}/{total} ({rate:,.0f} files/s, ETA {eta:.0f} s)  ")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def print_payload(payload: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(render_text(payload, ansi=sys.stdout.isatty()))
