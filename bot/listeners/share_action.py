"""The "Share in channel" button under a `/news` answer, and what happens when it is clicked.

The button's value identifies the query (its text and the instant it was answered), so the click
re-composes the very answer the person saw instead of carrying the whole message in the value.
The click posts it in the channel through the action's response_url (no channel membership needed)
and then deletes the ephemeral copy.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond

from bot.compose.limits import enforce
from bot.errors import QueryError
from bot.services.composing import QueryReply

SHARE_ACTION_ID = "newsbot_share"
MAX_QUERY_CHARS = 300  # keeps the button value far below Slack's 2000 characters
MAX_NOTE_CHARS = 150
GONE = "Those stories are no longer available, so there is nothing to share. Run /news again."
# What a Slack username may hold; anything else (markup, line breaks) is dropped from the note.
_NOT_NAME = re.compile(r"[^\w.\- ]")

log = logging.getLogger(__name__)


class Answers(Protocol):
    """What the Share button needs: the answer to a `/news` text at an instant."""

    def answer(self, text: str, now: datetime) -> QueryReply: ...


def share_value(text: str, now: datetime) -> str:
    return json.dumps({"q": text[:MAX_QUERY_CHARS], "t": now.astimezone(UTC).isoformat()})


def parse_share_value(value: str) -> tuple[str, datetime]:
    try:
        data = json.loads(value)
        text, moment = str(data["q"]), datetime.fromisoformat(str(data["t"]))
    except (ValueError, KeyError, TypeError) as err:
        raise QueryError("this button is from an older answer; run /news again") from err
    if moment.tzinfo is None:
        raise QueryError("this button is from an older answer; run /news again")
    return text, moment


def with_share_button(payload: dict[str, Any], value: str) -> dict[str, Any]:
    """The ephemeral answer: the composed payload plus the button (still within Slack's limits)."""
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Share in channel", "emoji": True},
        "action_id": SHARE_ACTION_ID,
        "value": value,
    }
    blocks = [*payload.get("blocks", []), {"type": "actions", "block_id": "share", "elements": [button]}]
    return enforce({**payload, "blocks": blocks})


def shared_by(payload: dict[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    """The in-channel answer: says who shared it, in plain text (a mention would notify the person
    sharing; a name from the request is never read as markup there)."""
    name = _NOT_NAME.sub("", str(user.get("username") or user.get("name") or "")).strip()
    words = f"Shared by @{name} with /news" if name else "Shared with /news"
    note = {
        "type": "context",
        "block_id": "shared-by",
        "elements": [{"type": "plain_text", "text": words[:MAX_NOTE_CHARS], "emoji": False}],
    }
    return enforce({**payload, "blocks": [*payload.get("blocks", []), note]})


class Clicks:
    """The share clicks in progress or done, so that a double click posts once. Bounded: each answer
    has its own button value, and a shared answer's button is deleted, so old entries are dead."""

    def __init__(self, size: int = 1000) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def first(self, key: tuple[str, str]) -> bool:
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True

    def forget(self, key: tuple[str, str]) -> None:
        """After a failed share: clicking again may post."""
        with self._lock:
            self._seen.pop(key, None)


def register(app: App, queries: Answers) -> None:
    clicks = Clicks()

    def share(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        try:
            text, moment = parse_share_value(str(action.get("value") or ""))
        except QueryError as err:
            respond({"response_type": "ephemeral", "replace_original": False, "text": str(err)})
            return
        click = (str((body.get("user") or {}).get("id") or ""), str(action.get("value")))
        if not clicks.first(click):
            return  # a second click on the same button: already being shared
        answer = queries.answer(text, moment)
        if not answer.has_stories:  # the articles changed since: never share a "nothing found"
            clicks.forget(click)
            respond({"response_type": "ephemeral", "replace_original": False, "text": GONE})
            return
        payload = shared_by(answer.payload, body.get("user") or {})
        posted = respond({**payload, "response_type": "in_channel", "replace_original": False})
        if posted.status_code != 200:
            log.warning("sharing a /news answer failed: HTTP %s", posted.status_code)
            clicks.forget(click)
            respond(
                {
                    "response_type": "ephemeral",
                    "replace_original": False,
                    "text": "Sorry, Slack did not take the shared message. Please try again.",
                }
            )
            return
        respond({"delete_original": True})

    app.action(SHARE_ACTION_ID)(share)
