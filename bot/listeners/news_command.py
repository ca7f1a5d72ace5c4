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

from slack_bolt import Ack, App, BoltContext, Respond

from bot.compose.mrkdwn import escape, unescape
from bot.digests.spec import DigestSpec
from bot.digests.values import days_label
from bot.errors import NewsbotError, QueryError
from bot.grammar.follow import FOLLOW_USAGE, UNFOLLOW_USAGE, FollowCommand, is_follow_command, parse_follow
from bot.listeners.share_action import MAX_QUERY_CHARS, Answers, share_value, with_share_button
from bot.listeners.team import TeamKeys, request_team
from bot.services.home import filters_text
from bot.services.personal import FollowResult

HELP_WORDS = frozenset({"", "help", "?", "-h", "--help"})
TOPICS_SHOWN = 12
# Slack sends an emoji typed in the text as its code, e.g. ":robot_face:" or ":+1::skin-tone-2:".
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:")

log = logging.getLogger(__name__)


class Queries(Answers, Protocol):
    """What `/news` needs (bot.services.composing.QueryService)."""

    def top_topics(self) -> Sequence[tuple[str, int]]: ...


class Following(Protocol):
    """What `/news follow | unfollow | following` needs (bot.services.personal.PersonalDigests)."""

    def follow(self, team_id: str, user_id: str, cmd: FollowCommand, now: datetime) -> FollowResult: ...

    def unfollow(
        self, team_id: str, user_id: str, cmd: FollowCommand, now: datetime
    ) -> DigestSpec | None: ...

    def get(self, team_id: str, user_id: str) -> DigestSpec | None: ...


def personal_text(spec: DigestSpec) -> str:
    topics = ", ".join(f"*{escape(t)}*" for t in spec.topics)
    state = "" if spec.enabled else " It is turned off: turn it on from newsbot's Home tab."
    filters = filters_text(spec)
    shown = f" Filters: {escape(filters)}." if filters else ""
    return (
        f"You follow {topics}: up to {spec.max_items} stories in a direct message from newsbot at "
        f"{spec.time:%H:%M} your time ({escape(spec.timezone)}), {days_label(spec.days)}.{shown}{state}"
    )


def follow_reply(personal: Following, team_id: str, user_id: str, text: str, now: datetime) -> str:
    """The answer to a follow, unfollow or following command (errors worded for the user)."""
    try:
        cmd = parse_follow(text)
        if cmd.action == "following":
            spec = personal.get(team_id, user_id)
            return personal_text(spec) if spec else "You follow no topics yet. Try `/news follow robotics`."
        if cmd.action == "unfollow":
            remaining = personal.unfollow(team_id, user_id, cmd, now)
            if remaining is None:
                return "Done: you follow nothing now, and no digest will be sent to you."
            return "Done. " + personal_text(remaining)
        result = personal.follow(team_id, user_id, cmd, now)
    except QueryError as err:
        return f":warning: {escape(str(err))}"
    except NewsbotError as err:  # Slack did not answer users.info / conversations.open
        log.warning("/news %s for %s failed: %s", text.split()[0], user_id, err)
        return ":warning: Slack did not answer in time; please try again in a minute. Nothing was saved."
    return ("Done. " if result.added or not result.created else "") + personal_text(result.spec)


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
    lines += [
        "",
        f"*Your own daily digest* in a direct message: `{FOLLOW_USAGE}`; `{UNFOLLOW_USAGE}`;",
        "`/news following` shows what you follow (or use newsbot's Home tab).",
        "",
        "Channel digests: `/news-admin help`.",
    ]
    return {"response_type": "ephemeral", "text": "\n".join(lines)}


def query_text(raw: str) -> str:
    """What to look up: Slack's entities decoded, emoji codes (``:robot_face:``) dropped unless
    they are all there is, whitespace collapsed, and cut to what a Share button can carry."""
    text = unescape(raw)
    words = _EMOJI_CODE.sub(" ", text).split() or text.split()
    return " ".join(words)[:MAX_QUERY_CHARS]


def register(
    app: App,
    queries: Queries,
    clock: Callable[[], datetime],
    *,
    personal: Following | None = None,
    teams: TeamKeys | None = None,
) -> None:
    """``personal``: follow/unfollow/following; ``teams``: which workspace's records (bot.listeners.team)."""

    def news(ack: Ack, command: dict[str, Any], respond: Respond, context: BoltContext) -> None:
        ack()
        # Slack sends &, < and > in command text as entities.
        raw = unescape(str(command.get("text") or "")).strip()
        if personal is not None and is_follow_command(raw):
            team_id = request_team(teams, context)
            reply = follow_reply(personal, team_id, str(command.get("user_id") or ""), raw, clock())
            respond({"response_type": "ephemeral", "text": reply})
            return
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
