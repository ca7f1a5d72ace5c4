"""The channel rules a channel digest obeys: which channel a reference names, whether the bot can post
there, and joining a public channel when it is not in it yet (a private one needs an invitation).

Refusals are ``ChannelProblem``s with fields (the listeners word them). Each workspace's channels
are looked up with that workspace's own token once ``per_workspace`` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.channel_refs import ChannelRef, is_dm_id
from bot.errors import ChannelLookupError, ChannelProblem, ChannelProblemKind
from bot.slack.channels import ChannelInfo


class ChannelDirectory(Protocol):
    """The Slack channel look-ups the admin service needs (bot.slack implements it over WebClient)."""

    def info(self, channel_id: str) -> ChannelInfo | None:
        """None when Slack does not show the bot the channel (unknown, or private without the bot)."""

    def find_by_name(self, name: str) -> ChannelInfo | None:
        """The channel called ``name`` (no '#'), or None."""

    def join(self, channel_id: str) -> None:
        """Join a public channel; raises ChannelLookupError when Slack refuses."""


class ChannelAccess:
    """Resolves channel references and makes sure the bot is a member, per workspace."""

    def __init__(self, channels: ChannelDirectory) -> None:
        self._channels = channels
        self._channels_for: Callable[[str], ChannelDirectory | None] | None = None

    def per_workspace(self, channels_for: Callable[[str], ChannelDirectory | None]) -> None:
        """Look channels up with each workspace's own token (multi-workspace installs)."""
        self._channels_for = channels_for

    def lookup(self, team_id: str, ref: ChannelRef, *, here: bool = False) -> ChannelInfo:
        """The channel ``ref`` names, if the bot can see it and it is in use. ``here``: the channel
        the command was run in (a direct message is refused, and the error names no channel)."""
        if here and is_dm_id(ref.id or ""):
            raise ChannelProblem(ChannelProblemKind.DIRECT_MESSAGE)
        directory = self._directory(team_id)
        info = directory.info(ref.id) if ref.id else directory.find_by_name(ref.name or "")
        if info is None:
            raise ChannelProblem(ChannelProblemKind.NOT_VISIBLE, channel="" if here else str(ref))
        if info.is_archived:
            raise ChannelProblem(ChannelProblemKind.ARCHIVED, channel=f"<#{info.id}>")
        return info

    def ensure_member(self, team_id: str, channel: ChannelInfo) -> bool:
        """Join a public channel; a private one needs an invitation (nothing is saved until then).
        True when the bot joined just now."""
        if channel.is_member:
            return False
        if channel.is_private:
            raise ChannelProblem(ChannelProblemKind.PRIVATE_NOT_MEMBER, channel=f"<#{channel.id}>")
        try:
            self._directory(team_id).join(channel.id)
        except ChannelLookupError as err:
            raise ChannelProblem(
                ChannelProblemKind.JOIN_REFUSED, channel=f"<#{channel.id}>", code=err.code
            ) from err
        return True

    def keys(self, team_id: str, ref: ChannelRef) -> frozenset[str]:
        """Every way a digest may name the channel (its ID, its name); a deleted channel keeps its ID."""
        keys = {k for k in (ref.id, ref.name) if k}
        directory = self._directory(team_id)
        info = directory.info(ref.id) if ref.id else directory.find_by_name(ref.name or "")
        if info is not None:
            keys |= {info.id, info.name}
        return frozenset(keys)

    def _directory(self, team_id: str) -> ChannelDirectory:
        if self._channels_for is None:
            return self._channels
        directory = self._channels_for(team_id)
        if directory is None:
            raise ChannelLookupError("newsbot is not installed in this workspace", code="not_installed")
        return directory


def keys_of(channel: str) -> frozenset[str]:
    """The key a stored digest channel (an ID, or a '#name') matches against ``ChannelAccess.keys``."""
    return frozenset({channel.removeprefix("#")})
