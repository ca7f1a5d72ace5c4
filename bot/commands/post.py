"""`newsbot post CHANNEL_OR_DIGEST [--now ISO8601]`: post now, with the same rules as `/news-admin post`.

The occurrence is the current time (or --now); the digest carries what the channel has not seen yet,
and an empty one is not posted. A digest name selects that digest; a channel (#name, C0123 or
<#C0123|name>) selects every digest of that channel. A short 429 is waited out here: a command line
has no other channel to hold up, and a 5xx or timeout is retried after the history check, exactly
once, as `/news-admin post` does: the command waits (at most 10 minutes) until the post is settled or
given up, and says which.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot import channel_refs
from bot.commands import inputs
from bot.commands.inputs import parse_now
from bot.digests.spec import DigestSpec
from bot.errors import QueryError
from bot.settings import DEFAULT_DOTENV, Settings

if TYPE_CHECKING:  # the Slack stack loads only when the command runs
    from bot.services.manual import ManualPosts
    from bot.services.posting import PostOutcome


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "post",
        help="post a digest now (what its channel has not seen yet)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    parser.add_argument("target", metavar="CHANNEL_OR_DIGEST", help="a digest name, or a channel")
    parser.add_argument(
        "--now",
        type=parse_now,
        default=None,
        metavar="ISO8601",
        help="the time to post as, e.g. 2026-03-29T08:00:00+02:00 (no offset = UTC; default: the clock)",
    )
    inputs.add_articles_arg(parser)
    parser.add_argument(
        "--digests",
        metavar="DIR",
        help="digests folder (default: $NEWSBOT_DIGESTS, else ./digests)",
    )
    parser.set_defaults(handler=run)


def select_digests(
    specs: Sequence[DigestSpec], target: str, resolve: Callable[[str], str | None]
) -> list[DigestSpec]:
    """The digest named ``target``, else every digest of the channel ``target``; QueryError when none."""
    if not target.strip():
        raise QueryError(
            "name a digest or a channel to post to, e.g. `newsbot post morning-ai` or `#ai-news`"
        )
    by_name = [s for s in specs if s.name == target]
    if by_name:
        return by_name
    ref = channel_refs.parse_target(target)
    channel_id, name = ref.id, ref.name
    wanted = {c for c in (channel_id, name, f"#{name}" if name else None) if c}
    found = [s for s in specs if s.channel in wanted]
    if not found and channel_id is None and name:
        resolved = resolve(name)
        found = [s for s in specs if resolved is not None and s.channel == resolved]
    if not found:
        names = ", ".join(sorted(s.name for s in specs)) or "none yet"
        raise QueryError(f"no digest named {target!r} and none posts to that channel (digests: {names})")
    return sorted(found, key=lambda s: s.name)


def run(args: argparse.Namespace) -> int:
    # Imported here so that `newsbot --help` and the other commands need not load the Slack stack.
    from bot.services.manual import ManualPosts
    from bot.wiring import build_services, utc_now

    environ = dict(os.environ)
    if args.articles is not None:
        environ["NEWSBOT_ARTICLES"] = os.pathsep.join(str(p) for p in inputs.article_roots(args))
    if args.digests is not None:
        environ["NEWSBOT_DIGESTS"] = args.digests
    settings = Settings.from_env(environ, dotenv_path=DEFAULT_DOTENV, require_signing_secret=False)
    services = build_services(settings)
    try:
        services.reload()
        now: datetime = args.now or utc_now()
        specs = select_digests(services.store.list_digests(), args.target, services.poster.resolve_channel)
        failures = 0
        # Someone waits at the terminal: 429s are waited out (bounded), while a Slack that still
        # fails after the poster's own quick retries is reported at once, not backed off for minutes.
        manual = ManualPosts(services.posting, services.store, clock=utc_now, retry_failures=False)
        try:
            for spec in specs:
                failures += not _post_one(manual, spec, now)
        finally:
            manual.stop()
        return 1 if failures else 0
    finally:
        services.close()


def _post_one(manual: ManualPosts, spec: DigestSpec, now: datetime) -> bool:
    """Post one digest; True when it is settled (posted, already posted, or nothing new)."""
    # Imported here for the same reason as in run().
    from bot.services.posting import DONE_STATUSES

    def progress(outcome: PostOutcome) -> None:
        wait = f" until {outcome.retry_at:%H:%M:%S} UTC" if outcome.retry_at else ""
        print(f"{spec.name}: {outcome.status} ({outcome.detail}); waiting{wait}", flush=True)

    outcome = manual.post_and_wait(spec, now, progress=progress)
    where = channel_refs.plain(spec.channel)
    extra = f" ts={outcome.ts}" if outcome.ts else ""
    detail = f" ({outcome.detail})" if outcome.detail else ""
    print(f"{spec.name} -> {where}: {outcome.status}{extra}{detail}")
    if outcome.uncertain:
        print(f"{spec.name}: Slack may have received it without confirming; look in {where} first")
    return outcome.status in DONE_STATUSES
