"""`/news TEXT`: top stories on a topic, only for the person who asked, with a Share button.

The acknowledgement goes back at once and carries nothing; the answer follows through the command's
response_url (ephemeral), so composing never counts against Slack's 3-second limit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond

from bot.compose.mrkdwn import escape, unescape
from bot.listeners.share_action import MAX_QUERY_CHARS, Answers, share_value, with_share_button

HELP_WORDS = frozenset({"", "help", "?", "-h", "--help"})
TOPICS_SHOWN = 12
# Slack sends an emoji typed in the text as its code, e.g. ":robot_face:" or ":+1::skin-tone-2:".
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:")

log = logging.getLogger(__name__)


class Queries(Answers, Protocol):
    """What `/news` needs (bot.services.composing.QueryService)."""

    def top_topics(self) -> Sequence[tuple[str, int]]: ...


def help_message(top_topics: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Usage, and the topics with the most stories (their names come from article files: escaped)."""
    lines = [
        "*`/news TOPIC`* shows the top stories on a topic, only to you; *Share in channel* posts them",
        "for everyone. A topic can be a name, a word of it or an alias (`/news robotics`, `/news nlp`);",
        "anything else is looked up in titles and excerpts (`/news quantum chips`).",
    ]
    if top_topics:
        shown = ", ".join(f"{escape(name)} ({count})" for name, count in top_topics[:TOPICS_SHOWN])
        lines += ["", f"*Top topics:* {shown}"]
    else:
        lines += ["", "No articles are loaded yet."]
    lines += ["", "Channel digests: `/news-admin help`."]
    return {"response_type": "ephemeral", "text": "\n".join(lines)}


def query_text(raw: str) -> str:
    """What to look up: Slack's entities decoded, emoji codes (``:robot_face:``) dropped unless
    they are all there is, whitespace collapsed, and cut to what a Share button can carry."""
    text = unescape(raw)
    words = _EMOJI_CODE.sub(" ", text).split() or text.split()
    return " ".join(words)[:MAX_QUERY_CHARS]


def register(app: App, queries: Queries, clock: Callable[[], datetime]) -> None:
    def news(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        # Slack sends &, < and > in command text as entities.
        text = query_text(str(command.get("text") or ""))
        if text.lower() in HELP_WORDS:
            respond(help_message(queries.top_topics()))
            return
        now = clock()
        answer = queries.answer(text, now)
        payload = answer.payload
        if answer.has_stories:  # "nothing matched" is not worth sharing
            payload = with_share_button(payload, share_value(text, now))
        respond({**payload, "response_type": "ephemeral"})

    app.command("/news")(news)
