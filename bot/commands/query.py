"""`newsbot query TEXT`: what `/news TEXT` answers in Slack, shown in the terminal (or --json)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot.commands import inputs
from bot.compose.query import answer_query
from bot.compose.render import render_query
from bot.compose.terminal import mrkdwn_to_text
from bot.errors import QueryError
from bot.listeners.news_command import HELP_WORDS, help_message
from bot.services.catalog import build_snapshot, load_templates


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "query",
        help="look up a topic, as /news TEXT does",
        description="Answer a topic lookup from the articles, as the /news command does in Slack.",
    )
    parser.add_argument("text", nargs="+", metavar="TEXT", help='a topic or words, e.g. "computer vision"')
    inputs.add_clock_arg(parser)
    inputs.add_articles_arg(parser)
    inputs.add_json_arg(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    text = " ".join(" ".join(args.text).split())
    if not text:
        raise QueryError('give a topic or words to look up, e.g. newsbot query "computer vision"')
    now = inputs.clock(args)
    loaded = inputs.load(inputs.article_roots(args))
    snapshot = build_snapshot(loaded.articles)
    if text.lower() in HELP_WORDS:  # as `/news help`: usage and the top topics
        payload = help_message(snapshot.top_topics)
        if args.json:
            print(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            print(mrkdwn_to_text(payload["text"]))
        return 0
    answer = answer_query(snapshot.index, snapshot.matcher, text, now)
    inputs.print_payload(render_query(answer, load_templates(None)), as_json=args.json)
    return 0
