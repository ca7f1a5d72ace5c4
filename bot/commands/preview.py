"""`newsbot preview`: compose and render a digest without posting it (terminal text or --json payload)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.commands import inputs
from bot.errors import QueryError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="show the digest that would be posted now",
        description="Compose a digest from the articles and show it; nothing is posted.",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--digest", metavar="NAME", help="a digest defined in the digests folder")
    which.add_argument("--topics", metavar="A,B", help="comma-separated topics (default: every topic)")
    parser.add_argument(
        "--max-items", metavar="N", type=int, help="number of stories (default: the digest's)"
    )
    parser.add_argument(
        "--digests",
        metavar="DIR",
        type=Path,
        help="digests folder (default: $NEWSBOT_DIGESTS, else ./digests)",
    )
    inputs.add_clock_arg(parser)
    inputs.add_articles_arg(parser)
    inputs.add_json_arg(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bot.compose.digest import compose_digest
    from bot.compose.render import Templates, render_digest
    from bot.compose.stories import StoryIndex
    from bot.topics import TopicMatcher

    if args.max_items is not None and args.max_items < 1:
        raise QueryError("--max-items must be at least 1")
    now = inputs.clock(args)
    loaded = inputs.load(inputs.articles_dir(args))
    index = StoryIndex.build(loaded.articles)
    matcher = TopicMatcher.with_default_aliases(index.topic_names)
    digests = inputs.digests_dir(args)
    spec = _spec(args, digests, matcher)
    digest = compose_digest(index, spec, now, since=None, max_items=args.max_items)
    payload = render_digest(digest, Templates.load(digests / "templates"))
    inputs.print_payload(payload, as_json=args.json)
    if not digest.stories and loaded.articles:
        newest: datetime = max(a.published for a in loaded.articles)
        suggestion = (newest + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%MZ")
        print(
            f"No stories in the {spec.window_hours:g} hours before {now:%Y-%m-%d %H:%M} UTC; "
            f"the newest article is from {newest:%Y-%m-%d %H:%M} UTC (try --now {suggestion}).",
            file=sys.stderr,
        )
    return 0


def _spec(args: argparse.Namespace, digests: Path, matcher: Any) -> Any:
    from bot.digests.files import load_digest_files
    from bot.digests.spec import DigestSpec

    if args.digest:
        specs = load_digest_files(digests, matcher=matcher)
        for spec in specs:
            if spec.name.casefold() == args.digest.casefold():
                return spec
        names = ", ".join(s.name for s in specs) or "none"
        raise QueryError(f"no digest named {args.digest!r} in {digests} (digests: {names})")
    topics: tuple[str, ...] = ()
    if args.topics:
        topics = tuple(dict.fromkeys(matcher.resolve(t) for t in args.topics.split(",") if t.strip()))
    title = f"Preview: {', '.join(topics)}" if topics else "Preview: all topics"
    return DigestSpec(name="preview", channel="preview", topics=topics, title=title)
