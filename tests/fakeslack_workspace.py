"""The state behind FakeSlack: channels, users and messages, and the Web API methods that use them.

Not thread-safe on its own: FakeSlack calls it with its lock held.

Direct messages: ``conversations.open`` gives each known user one D… channel, which behaves like
a channel for chat.postMessage and conversations.history; posting to a known user's U… ID goes
to that channel, as in Slack. A user removed with ``remove_user`` answers ``user_not_found``
(users.info, conversations.open, views.publish) and posting to their DM answers the error given.

conversations.history pages as Slack does: newest first, ``oldest``/``latest`` exclusive unless
``inclusive``, at most ``limit`` (default 100, at most 999) per page, ``has_more`` and an opaque
``response_metadata.next_cursor`` continuing with older messages.
"""

from __future__ import annotations

import base64
import json
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakeslack_views import Views

BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM_ID = "T0000001"


@dataclass(slots=True)
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_member: bool = True
    is_archived: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)
    user: str | None = None  # the other member of a direct message channel (D…)


class Workspace:
    """One Slack workspace; ``team_id``, ``bot_user`` and ``bot_id`` differ per installed workspace."""

    def __init__(self, team_id: str = TEAM_ID, bot_user: str = BOT_USER, bot_id: str = BOT_ID) -> None:
        self.team_id, self.bot_user, self.bot_id = team_id, bot_user, bot_id
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.views = Views(team_id, bot_id)
        self.clock: Callable[[], float] = time.time  # seconds since the epoch, for message ts
        self.departed: dict[str, str] = {}  # user ID -> error answered when posting to their DM
        self.keep_profile: set[str] = set()  # departed users whose users.info answers deleted: true
        self._ts = 0

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        name = method.replace(".", "_")
        handler = getattr(self, "_api_" + name, None) or getattr(self.views, name, None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        body: dict[str, Any] = handler(params)
        return body

    def remove_user(self, user_id: str, *, post_error: str, keep_profile: bool) -> None:
        self.departed[user_id] = post_error
        self.views.departed.add(user_id)
        if keep_profile:
            self.keep_profile.add(user_id)

    def dm_channel(self, user_id: str) -> Channel:
        dm_id = "D" + user_id[1:]
        if dm_id not in self.channels:
            self.channels[dm_id] = Channel(dm_id, dm_id.lower(), is_private=True, user=user_id)
        return self.channels[dm_id]

    def add_user(
        self, user_id: str, name: str | None, *, is_admin: bool, is_owner: bool, tz: str = "UTC"
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name or user_id.lower(),
            "real_name": name or user_id,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_bot": False,
            "deleted": False,
            "tz": tz,
        }

    def _next_ts(self) -> str:
        """Slack's ts: the time of posting in microseconds (``clock``, default the wall clock),
        strictly increasing."""
        self._ts = max(self._ts + 1, int(self.clock() * 1_000_000))
        return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def channel_id(self, ref: str) -> str | None:
        ref = ref.removeprefix("#")
        if ref in self.channels:
            return ref
        return next((c.id for c in self.channels.values() if c.name == ref), None)

    def lookup(self, ref: str, *, create: bool) -> Channel | None:
        found = self.channel_id(ref or "")
        if found is not None:
            return self.channels[found]
        if ref in self.users:
            return self.dm_channel(ref) if create or "D" + ref[1:] in self.channels else None
        if create and ref[:1] in ("C", "G", "D", "U") and ref.isalnum() and ref.isupper():
            self.channels[ref] = Channel(ref, ref.lower(), is_private=ref.startswith("G"))
            return self.channels[ref]
        return None

    def _api_auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.test/",
            "team": "Fake Team",
            "user": "newsbot",
            "team_id": self.team_id,
            "user_id": self.bot_user,
            "bot_id": self.bot_id,
        }

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.lookup(str(params.get("channel", "")), create=True)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.is_archived:
            return {"ok": False, "error": "is_archived"}
        if not channel.is_member:
            return {"ok": False, "error": "channel_not_found" if channel.is_private else "not_in_channel"}
        if channel.user in self.departed:
            return {"ok": False, "error": self.departed[channel.user]}
        ts = self._next_ts()
        blocks = params.get("blocks")
        metadata = params.get("metadata")
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "user": self.bot_user,
            "bot_id": self.bot_id,
            "text": params.get("text", ""),
            "blocks": json.loads(blocks) if isinstance(blocks, str) else blocks or [],
            "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata,
        }
        channel.messages.append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": message}

    def _api_chat_postEphemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        self.ephemeral.append({**params, "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    def _api_conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.lookup(str(params.get("channel", "")), create=True)
        if channel is None or (channel.is_private and not channel.is_member):
            return {"ok": False, "error": "channel_not_found"}
        if not channel.is_member:
            return {"ok": False, "error": "not_in_channel"}
        try:
            page, has_more = _history_page(channel.messages, params)
        except ValueError as err:
            return {"ok": False, "error": str(err)}
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = [{k: v for k, v in m.items() if k != "metadata" or (with_metadata and v)} for m in page]
        body: dict[str, Any] = {"ok": True, "messages": messages, "has_more": has_more, "pin_count": 0}
        if has_more:
            body["response_metadata"] = {"next_cursor": _cursor(page[-1]["ts"])}
        return body

    def _channel_info(self, channel: Channel) -> dict[str, Any]:
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_group": channel.is_private and channel.user is None,
            "is_im": channel.user is not None,
            "is_private": channel.is_private,
            "is_member": channel.is_member,
            "is_archived": channel.is_archived,
        }

    def _api_conversations_info(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.lookup(str(params.get("channel", "")), create=False)
        if channel is None or (channel.is_private and not channel.is_member):
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": self._channel_info(channel)}

    def _api_conversations_join(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.lookup(str(params.get("channel", "")), create=False)
        if channel is None or (channel.is_private and not channel.is_member):
            return {"ok": False, "error": "channel_not_found"}
        if channel.is_archived:
            return {"ok": False, "error": "is_archived"}
        if channel.is_private:
            return {"ok": False, "error": "method_not_supported_for_channel_type"}
        channel.is_member = True
        return {"ok": True, "channel": self._channel_info(channel)}

    def _api_conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        visible = [
            self._channel_info(c)
            for c in self.channels.values()
            if c.id[:1] in ("C", "G") and (c.is_member or not c.is_private)
        ]
        return {"ok": True, "channels": visible, "response_metadata": {"next_cursor": ""}}

    def _api_users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user", ""))
        user = self.users.get(user_id)
        if user is None or (user_id in self.departed and user_id not in self.keep_profile):
            return {"ok": False, "error": "user_not_found"}
        info = {**user, **_tz_fields(user["tz"]), "deleted": user_id in self.departed}
        return {"ok": True, "user": info}

    def _api_conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = [u for u in str(params.get("users") or "").split(",") if u]
        if not wanted and params.get("channel"):
            channel = self.lookup(str(params["channel"]), create=False)
            if channel is None or channel.user is None:
                return {"ok": False, "error": "channel_not_found"}
            wanted = [channel.user]
        if len(wanted) != 1:
            return {"ok": False, "error": "not_supported" if wanted else "users_list_not_supplied"}
        user = wanted[0]
        if user == self.bot_user:
            return {"ok": False, "error": "cannot_dm_bot"}
        if user not in self.users or user in self.departed:
            return {"ok": False, "error": "user_not_found"}
        existed = "D" + user[1:] in self.channels
        channel = self.dm_channel(user)
        return {"ok": True, "no_op": existed, "already_open": existed, "channel": {"id": channel.id}}


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, micros = ts.partition(".")
    return int(seconds), int((micros + "000000")[:6])


def _bound(params: dict[str, Any], key: str) -> tuple[int, int] | None:
    raw = params.get(key)
    if raw in (None, ""):
        return None
    try:
        return _ts_key(str(raw))
    except ValueError:
        raise ValueError(f"invalid_ts_{key}") from None


def _cursor(ts: str) -> str:
    return base64.b64encode(f"next_ts:{ts.replace('.', '')}".encode()).decode()


def _from_cursor(cursor: str) -> tuple[int, int]:
    try:
        text = base64.b64decode(cursor, validate=True).decode()
        digits = text.removeprefix("next_ts:")
        if not text.startswith("next_ts:") or not digits.isdigit() or len(digits) <= 6:
            raise ValueError
        return int(digits[:-6]), int(digits[-6:])
    except ValueError:
        raise ValueError("invalid_cursor") from None


def _history_page(stored: list[dict[str, Any]], params: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """One page of conversations.history: the newest messages of the window, older than the cursor."""
    inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
    oldest, latest = _bound(params, "oldest"), _bound(params, "latest")
    try:
        limit = min(max(int(params.get("limit") or 100), 1), 999)
    except ValueError:
        raise ValueError("invalid_limit") from None
    cursor = _from_cursor(str(params["cursor"])) if params.get("cursor") else None

    def wanted(ts: tuple[int, int]) -> bool:
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        if latest is not None and (ts > latest or (ts == latest and not inclusive)):
            return False
        return cursor is None or ts < cursor

    window = [
        m for m in sorted(stored, key=lambda m: _ts_key(m["ts"]), reverse=True) if wanted(_ts_key(m["ts"]))
    ]
    return window[:limit], len(window) > limit


def _tz_fields(tz: str) -> dict[str, Any]:
    try:
        zone = zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return {"tz": tz, "tz_label": tz, "tz_offset": 0}
    now = datetime.now(UTC).astimezone(zone)
    offset = now.utcoffset()
    return {
        "tz": tz,
        "tz_label": now.tzname() or tz,
        "tz_offset": int(offset.total_seconds()) if offset else 0,
    }
