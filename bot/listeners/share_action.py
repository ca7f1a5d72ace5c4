"""The "Share in channel" button under a `/news` answer, and what happens when it is clicked.

The button's value identifies the query (its text and the instant it was answered), so the click
re-composes the very answer the person saw instead of carrying the whole message in the value.
The click posts it in the channel through the action's response_url (no channel membership needed)
and then deletes the ephemeral copy.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from bot.compose.limits import enforce
from bot.errors import QueryError

if TYPE_CHECKING:
    from bot.wiring import Services

SHARE_ACTION_ID = "newsbot_share"
MAX_QUERY_CHARS = 300  # keeps the button value far below Slack's 2000 characters

log = logging.getLogger(__name__)


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


def shared_by(payload: dict[str, Any], user_id: str) -> dict[str, Any]:
    """The in-channel answer: says who shared it (a mention of a Slack user ID, never article text)."""
    note = {
        "type": "context",
        "block_id": "shared-by",
        "elements": [{"type": "mrkdwn", "text": f"Shared by <@{user_id}> with `/news`"}],
    }
    return enforce({**payload, "blocks": [*payload.get("blocks", []), note]})


def register(app: App, services: Services) -> None:
    def share(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        user_id = str((body.get("user") or {}).get("id") or "")
        try:
            text, moment = parse_share_value(str(action.get("value") or ""))
        except QueryError as err:
            respond({"response_type": "ephemeral", "replace_original": False, "text": str(err)})
            return
        payload = shared_by(services.answer_query(text, moment).payload, user_id)
        posted = respond({**payload, "response_type": "in_channel", "replace_original": False})
        if posted.status_code != 200:
            log.warning("sharing a /news answer failed: HTTP %s", posted.status_code)
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
