"""Channel look-ups over Slack's Web API (conversations.info / list / join): the one place that
finds a channel by name and joins one, for the poster and for the subscription service.

``find_channel`` and ``join_channel`` raise slack_sdk's errors as they come (the poster classifies
them for its retries); ``SlackChannelDirectory`` turns them into ``ChannelLookupError`` for people.
Archived channels are listed too: the caller decides what an archived one means.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.errors import ChannelLookupError

log = logging.getLogger(__name__)

# Answers that mean "the bot cannot see that channel", not "something went wrong".
NOT_VISIBLE = frozenset({"channel_not_found", "not_in_channel"})
PAGE_SIZE = 1000  # conversations.list's maximum
MAX_PAGES = 50


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    id: str
    name: str
    is_private: bool
    is_member: bool
    is_archived: bool


def find_channel(client: WebClient, name: str) -> dict[str, Any] | None:
    """conversations.list's record of the channel called ``name`` ('#' optional, any case), or None."""
    wanted = name.removeprefix("#").casefold()
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        response = client.conversations_list(
            types="public_channel,private_channel", limit=PAGE_SIZE, cursor=cursor
        )
        for data in response.get("channels") or []:
            if str(data.get("name") or "").casefold() == wanted:
                return dict(data)
        cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    log.warning("conversations.list: stopped after %d pages looking for #%s", MAX_PAGES, wanted)
    return None


def join_channel(client: WebClient, channel_id: str) -> None:
    client.conversations_join(channel=channel_id)


def channel_info(data: dict[str, Any]) -> ChannelInfo:
    return ChannelInfo(
        id=str(data.get("id") or ""),
        name=str(data.get("name") or ""),
        is_private=bool(data.get("is_private") or data.get("is_group")),
        is_member=bool(data.get("is_member")),
        is_archived=bool(data.get("is_archived")),
    )


class SlackChannelDirectory:
    """Scopes: channels:read + groups:read (info, list), channels:join (join)."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def info(self, channel_id: str) -> ChannelInfo | None:
        try:
            response = self._client.conversations_info(channel=channel_id)
        except SlackApiError as err:
            if _code(err) in NOT_VISIBLE:
                return None
            raise _unavailable("conversations.info", err) from err
        except SlackClientError as err:
            raise _unavailable("conversations.info", err) from err
        return channel_info(response.get("channel") or {})

    def find_by_name(self, name: str) -> ChannelInfo | None:
        try:
            data = find_channel(self._client, name)
        except (SlackApiError, SlackClientError) as err:
            raise _unavailable("conversations.list", err) from err
        return channel_info(data) if data is not None else None

    def join(self, channel_id: str) -> None:
        try:
            join_channel(self._client, channel_id)
        except (SlackApiError, SlackClientError) as err:
            code = _code(err)
            raise ChannelLookupError(f"Slack answered {code or err}", code=code or "no_answer") from err


def _code(err: SlackClientError) -> str:
    if isinstance(err, SlackApiError):
        return str(err.response.get("error") or "")
    return ""


def _unavailable(method: str, err: SlackClientError) -> ChannelLookupError:
    log.warning("%s failed: %s", method, _code(err) or err)
    return ChannelLookupError(
        f"I could not look the channel up in Slack just now ({_code(err) or 'no answer'}). "
        "Please try again in a minute. Nothing was saved.",
        code=_code(err) or "no_answer",
    )
