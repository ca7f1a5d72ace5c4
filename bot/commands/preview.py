"""`newsbot preview`: compose and render a digest without posting it (terminal text or --json payload)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.commands import inputs
from bot.compose.digest import compose_digest, newest_story
from bot.compose.render import render_digest
from bot.digests.files import load_digest_files
from bot.digests.spec import DigestSpec
from bot.digests.values import MAX_ITEMS
from bot.errors import QueryError
from bot.services.catalog import Snapshot, build_snapshot, load_templates


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="show the digest that would be posted now",
        description="Compose a digest from the articles and show it; nothing is posted. It holds the "
        "stories of the digest's window_hours (default 24) before --now, as a digest's first post "
        "would; once a digest has posted, it carries what is new since its last post "
        "(see /news-admin preview).",
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--digest", metavar="NAME", help="a digest defined in the digests folder")
    which.add_argument("--topics", metavar="A,B", help="comma-separated topics (default: every topic)")
    parser.add_argument(
        "--max-items", metavar="N", type=int, help="number of stories (default: the digest's)"
    )
    inputs.add_dir_arg(parser, "--digests", "digests folder (default: $NEWSBOT_DIGESTS, else ./digests)")
    inputs.add_clock_arg(parser)
    inputs.add_articles_arg(parser)
    inputs.add_json_arg(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    low, high = MAX_ITEMS
    if args.max_items is not None and not low <= args.max_items <= high:
        raise QueryError(f"--max-items must be a whole number from {low} to {high} (got {args.max_items})")
    if args.digest is not None and not args.digest.strip():
        raise QueryError(
            "--digest needs a digest name, e.g. --digest morning-ai (the names are in digests/*.yaml)"
        )
    if args.topics is not None and not [t for t in args.topics.split(",") if t.strip()]:
        raise QueryError(
            '--topics needs at least one topic, e.g. --topics "Computer Vision,AI in Robotics" '
            "(leave it out for every topic)"
        )
    now = inputs.clock(args)
    digests = inputs.checked_digests_dir(args, needed=bool(args.digest))
    loaded = inputs.load(inputs.article_roots(args))
    snapshot = build_snapshot(loaded.articles)
    index = snapshot.index
    templates = load_templates(digests)
    spec = _spec(args, digests, snapshot, templates.names())
    digest = compose_digest(index, spec, now, since=None, max_items=args.max_items)
    payload = render_digest(digest, templates)
    inputs.print_payload(payload, as_json=args.json)
    if not digest.stories and loaded.articles:
        print(_empty_hint(spec, now, newest_story(index, spec, now)), file=sys.stderr)
    return 0


def _empty_hint(spec: DigestSpec, now: datetime, newest: datetime | None) -> str:
    """Why the preview is empty, and a --now that would show something."""
    what = f"stories on {', '.join(spec.topics)}" if spec.topics else "stories"
    said = f"No {what} in the {spec.window_hours:g} hours before {now:%Y-%m-%d %H:%M} UTC"
    if newest is None:
        return f"{said}, nor at any other time (the filters match no article)."
    suggestion = (newest.replace(second=0, microsecond=0) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%MZ")
    return f"{said}; the newest is from {newest:%Y-%m-%d %H:%M} UTC (try --now {suggestion})."


TOPICS_SHOWN = 15


def _resolve(text: str, snapshot: Snapshot) -> str:
    """The topic ``text`` means, or QueryError with the closest topics and the topics there are."""
    matcher = snapshot.matcher
    found = matcher.match(text)
    if len(found.topics) == 1:
        return str(found.topics[0])
    if found.ambiguous:
        matcher.resolve(text)  # raises: "'x' is ambiguous: A, B. Which one?"
    ranked = snapshot.top_topics  # (name, stories), most stories first
    shown = ", ".join(f"{name} ({stories})" for name, stories in ranked[:TOPICS_SHOWN])
    more = f" … and {len(ranked) - TOPICS_SHOWN} more" if len(ranked) > TOPICS_SHOWN else ""
    absent = matcher.absent_topic(text)
    close = () if absent else matcher.near_topics(text) or matcher.suggest(text)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    what = (
        f"No article here has the topic {absent!r} ({text.strip()!r})"
        if absent
        else f"Unknown topic {text.strip()!r}"
    )
    raise QueryError(
        f"{what}.{hint} Topics (stories): {shown}{more}. "
        "`newsbot check` lists every topic; `newsbot query TEXT` also searches titles and excerpts."
    )


def _spec(
    args: argparse.Namespace, digests: Path, snapshot: Snapshot, templates: tuple[str, ...]
) -> DigestSpec:
    if args.digest:
        specs, warnings = load_digest_files(digests, matcher=snapshot.matcher, templates=templates)
        for spec in specs:
            if spec.name.casefold() == args.digest.casefold():
                own = f"{digests / (spec.origin or '').rsplit('/', 1)[-1]}: "
                for warning in warnings:
                    if warning.startswith(own):
                        print(f"warning: {warning}", file=sys.stderr)
                return spec
        names = ", ".join(s.name for s in specs) or "none"
        raise QueryError(f"no digest named {args.digest!r} in {digests} (digests: {names})")
    topics: tuple[str, ...] = ()
    if args.topics:
        topics = tuple(dict.fromkeys(_resolve(t, snapshot) for t in args.topics.split(",") if t.strip()))
    title = f"Preview: {', '.join(topics)}" if topics else "Preview: all topics"
    return DigestSpec(name="preview", channel="preview", topics=topics, title=title)
