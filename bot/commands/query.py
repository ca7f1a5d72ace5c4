"""`newsbot query TEXT`: what `/news TEXT` answers in Slack, shown in the terminal (or --json)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import inputs
from bot.errors import QueryError


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
    from bot.compose.query import answer_query
    from bot.compose.render import Templates, render_query
    from bot.compose.stories import StoryIndex
    from bot.topics import TopicMatcher

    text = " ".join(" ".join(args.text).split())
    if not text:
        raise QueryError('give a topic or words to look up, e.g. newsbot query "computer vision"')
    now = inputs.clock(args)
    loaded = inputs.load(inputs.article_roots(args))
    index = StoryIndex.build(loaded.articles)
    matcher = TopicMatcher.with_default_aliases(index.topic_names)
    answer = answer_query(index, matcher, text, now)
    inputs.print_payload(render_query(answer, Templates.load(None)), as_json=args.json)
    return 0
