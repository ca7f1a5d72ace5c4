"""`newsbot demo` (`make demo`): a real digest and one topic lookup from the bundled sample articles.

The sample is old news, so the clock is set to just after its newest article (and the screen says so).
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.commands import inputs
from bot.compose.digest import compose_digest
from bot.compose.model import Digest
from bot.compose.query import answer_query
from bot.compose.render import render_digest, render_query
from bot.compose.stories import StoryIndex
from bot.digests.spec import DigestSpec
from bot.errors import ArticlesUnavailableError
from bot.services.catalog import build_snapshot, load_templates

# The sample is sparse: the demo digest looks back a day, else a week, a month, a year, until it
# has a few stories to show.
DEMO_WINDOWS = ((24.0, "day"), (24.0 * 7, "week"), (24.0 * 30, "30 days"), (24.0 * 365, "year"))
DEMO_MIN_STORIES = 3
DEMO_QUERIES = ("robotics", "computer vision", "power apps")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="show a digest and a topic lookup from the bundled sample (no Slack needed)",
        description="Compose a digest and answer one topic lookup from the bundled sample articles.",
    )
    inputs.add_articles_arg(parser)
    inputs.add_json_arg(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    roots = inputs.article_roots(args)
    folder = ", ".join(str(root) for root in roots)
    loaded = inputs.load(roots)
    if not loaded.articles:
        raise ArticlesUnavailableError(f"no usable articles in {folder}")
    newest = max(a.published for a in loaded.articles)
    now = newest.replace(second=0, microsecond=0) + timedelta(minutes=1)
    snapshot = build_snapshot(loaded.articles)
    templates = load_templates(None)
    label, digest = _demo_digest(snapshot.index, now)
    query = next((q for q in DEMO_QUERIES if snapshot.matcher.match(q).topics), DEMO_QUERIES[0])
    answer = answer_query(snapshot.index, snapshot.matcher, query, now)

    _say(f"newsbot demo: {len(loaded.articles)} articles from {folder}", args.json)
    _say(f"clock set to {now:%Y-%m-%d %H:%M} UTC, just after the sample's newest article", args.json)
    _say(f"\n── the digest a channel would get (stories of the last {label}) ──\n", args.json)
    inputs.print_payload(render_digest(digest, templates), as_json=args.json)
    _say(f"\n── /news {query} ──\n", args.json)
    inputs.print_payload(render_query(answer, templates), as_json=args.json)
    _say(f"\nTry: {program()} preview --topics nlp --now {now:%Y-%m-%dT%H:%MZ}", args.json)
    return 0


def _demo_digest(index: StoryIndex, now: datetime) -> tuple[str, Digest]:
    """The digest of the shortest look-back window that has a few stories, and that window's name."""
    found: tuple[str, Digest] | None = None
    for hours, label in DEMO_WINDOWS:
        spec = DigestSpec(name="demo", channel="demo", title="Demo digest", window_hours=hours)
        found = (label, compose_digest(index, spec, now, since=None))
        if found[1].total >= DEMO_MIN_STORIES:
            break
    assert found is not None
    return found


def program(argv0: str | None = None) -> str:
    """How to run newsbot again from here: `newsbot` when that is on PATH, else the path it was
    started by (`.venv/bin/newsbot` after `make demo`), else `python -m bot`."""
    started = Path(argv0 if argv0 is not None else sys.argv[0])
    on_path = shutil.which("newsbot")
    if started.name == "newsbot" and started.is_file():
        if on_path and started.samefile(on_path):
            return "newsbot"
        return shlex.quote(_shortest(started))
    return f"{shlex.quote(_shortest(Path(sys.executable)))} -m bot"


def _shortest(path: Path) -> str:
    """``path`` relative to the working folder when inside it (``.venv/bin/newsbot``), else absolute
    (not resolved: the venv's python is a symlink that must stay the venv's)."""
    full = path.absolute()
    return str(full.relative_to(Path.cwd())) if full.is_relative_to(Path.cwd()) else str(full)


def _say(text: str, as_json: bool) -> None:
    """Narration; with --json it goes to stderr so stdout holds only the two payloads."""
    print(text, file=sys.stderr if as_json else sys.stdout)
