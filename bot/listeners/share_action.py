"""The "Share in channel" button under a `/news` answer, and what happens when it is clicked.

The button's value identifies the query (its text and the instant it was answered), so the click
re-composes the very answer the person saw instead of carrying the whole message in the value.
The click posts it in the channel through the action's response_url (no channel membership needed)
and then deletes the ephemeral copy. Slack failures are handled by bot.services.sharing (a 429 is
waited out, a 5xx or dropped connection re-sent only when the channel's history shows the answer is
not there: its "Shared by" note carries a block_id unique to the click); the person is told when it
was not shared, or when Slack may have taken it without saying so.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, Respond

from bot.compose.fitting import enforce
from bot.errors import QueryError
from bot.services.composing import QueryReply
from bot.services.sharing import Delivery, deliver
from bot.slack.webhooks import send_response

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


def share_marker(click: tuple[str, str]) -> str:
    """The block_id of the "Shared by" note: unique to the click, so the channel's history tells
    whether the answer is there already."""
    return "shared-by-" + hashlib.sha256("\0".join(click).encode()).hexdigest()[:24]


def shared_by(payload: dict[str, Any], user: Mapping[str, Any], marker: str = "shared-by") -> dict[str, Any]:
    """The in-channel answer: says who shared it, in plain text (a mention would notify the person
    sharing; a name from the request is never read as markup there)."""
    name = _NOT_NAME.sub("", str(user.get("username") or user.get("name") or "")).strip()
    words = f"Shared by @{name} with /news" if name else "Shared with /news"
    note = {
        "type": "context",
        "block_id": marker,
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


class History(Protocol):
    """Whether the channel shows a message with that block (None: cannot tell); SlackPoster.find_block."""

    def find_block(self, channel: str, block_id: str, since: datetime) -> bool | None: ...


NOT_SHARED = "Sorry, Slack did not take the shared message ({reason}). Please try again."
MAYBE_SHARED = (
    "Slack did not confirm the shared message ({reason}) and I cannot read the channel to check: "
    "look there before sharing again."
)


def register(
    app: App,
    queries: Answers,
    history: History | None = None,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """``history``: reads the channel after an unconfirmed send (None: never re-send after one)."""
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
        marker = share_marker(click)
        payload = shared_by(answer.payload, body.get("user") or {}, marker)
        channel = str((body.get("channel") or {}).get("id") or "")
        clicked = clock()

        def in_channel() -> bool | None:
            return history.find_block(channel, marker, clicked) if history and channel else None

        url = str(body.get("response_url") or respond.response_url or "")
        result = deliver(
            lambda message: send_response(url, message),
            {**payload, "response_type": "in_channel", "replace_original": False},
            is_in_channel=in_channel,
            sleep=sleep,
        )
        if result.delivery is Delivery.POSTED:
            respond({"delete_original": True})
            return
        clicks.forget(click)
        words = NOT_SHARED if result.delivery is Delivery.NOT_POSTED else MAYBE_SHARED
        respond(
            {
                "response_type": "ephemeral",
                "replace_original": False,
                "text": words.format(reason=result.reason),
            }
        )

    app.action(SHARE_ACTION_ID)(share)
