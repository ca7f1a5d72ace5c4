"""Slack conversation references: the one place that parses and displays them.

Forms a person types or a digest stores: ``<#C0123|name>``, ``<#C0123>``, ``#name``, ``C0123`` /
``G0123`` (channels), ``D0123`` (a direct message). Stored values (``DigestSpec.channel``) are an
ID or a name; Slack channel names are lower case, so an upper-case word starting with C or G is an ID.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The one conversation-ID pattern: C… / G… channels, D… direct messages.
_ID = r"[CGD][A-Z0-9]+"
_CONVERSATION_ID = re.compile(_ID)
# A channel link as Slack writes it; the label (after '|') holds no angle brackets.
CHANNEL_LINK = re.compile(rf"<#({_ID})(?:\|([^<>]*))?>")
# Slack's placeholders for conversations that have no channel name.
NAMELESS = frozenset({"directmessage", "privategroup", "mpdm"})


@dataclass(frozen=True, slots=True)
class ChannelRef:
    """A channel as written by a person: its ID, its name (without '#'), or both."""

    id: str | None
    name: str | None

    @property
    def spec_value(self) -> str:
        """What DigestSpec.channel holds: the ID when known, else the name."""
        return self.id or self.name or ""

    def __str__(self) -> str:
        return f"<#{self.id}>" if self.id else f"#{self.name}"


def is_conversation_id(text: str) -> bool:
    """A channel (C/G) or direct-message (D) ID."""
    return _CONVERSATION_ID.fullmatch(text) is not None


def is_channel_id(text: str) -> bool:
    """A channel ID (C… public, G… private); not a DM."""
    return is_conversation_id(text) and not is_dm_id(text)


def is_dm_id(text: str) -> bool:
    return is_conversation_id(text) and text.startswith("D")


def is_typed_channel_id(text: str) -> bool:
    """An ID as a person types it bare: at least five characters with a digit (``C0123``), so that a
    shouted name such as ``CEOS`` is not taken for one."""
    return is_channel_id(text) and len(text) >= 5 and any(c.isdigit() for c in text)


def parse_link(text: str) -> ChannelRef | None:
    """``<#C0123|name>`` / ``<#C0123>`` as a reference; None for anything else."""
    link = CHANNEL_LINK.fullmatch(text)
    if link is None or is_dm_id(link.group(1)):
        return None
    return ChannelRef(link.group(1), link.group(2) or None)


def parse_target(text: str) -> ChannelRef:
    """A link, an ID or a name (with or without '#'), leniently: whatever is not an ID is a name."""
    text = text.strip()
    link = parse_link(text)
    if link is not None:
        return link
    if is_channel_id(text):
        return ChannelRef(text, None)
    return ChannelRef(None, text.removeprefix("#"))


def stored_ref(channel: str) -> ChannelRef:
    """A DigestSpec.channel value (an ID or a name, perhaps with '#') as a reference."""
    bare = channel.removeprefix("#")
    return ChannelRef(bare, None) if is_channel_id(bare) else ChannelRef(None, bare)


def label(channel: str) -> str:
    """A stored channel as mrkdwn: a link for an ID, ``#name`` (escaped) for a name."""
    ref = stored_ref(channel)
    if ref.id:
        return f"<#{ref.id}>"
    # mrkdwn's three control characters (as bot.compose.mrkdwn.escape, which sits in a layer above:
    # bot.digests parses channels with this module and bot.compose builds on bot.digests).
    name = (ref.name or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"#{name}"


def plain(channel: str) -> str:
    """A stored channel for a terminal: the ID as it is, a name as ``#name``."""
    return channel if is_channel_id(channel) else f"#{channel.removeprefix('#')}"
