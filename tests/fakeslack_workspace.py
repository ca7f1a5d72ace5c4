"""The state behind FakeSlack: channels, users and messages, and the Web API methods that use them.

Not thread-safe on its own: FakeSlack calls it with its lock held.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

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


class Workspace:
    def __init__(self) -> None:
        self.channels: dict[str, Channel] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self._ts = 0

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        body: dict[str, Any] = handler(params)
        return body

    def add_user(self, user_id: str, name: str | None, *, is_admin: bool, is_owner: bool) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name or user_id.lower(),
            "real_name": name or user_id,
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_bot": False,
            "tz": "UTC",
        }

    def _next_ts(self) -> str:
        self._ts += 1
        return f"{1_700_000_000 + self._ts}.{self._ts:06d}"

    def channel_id(self, ref: str) -> str | None:
        ref = ref.removeprefix("#")
        if ref in self.channels:
            return ref
        return next((c.id for c in self.channels.values() if c.name == ref), None)

    def lookup(self, ref: str, *, create: bool) -> Channel | None:
        found = self.channel_id(ref or "")
        if found is not None:
            return self.channels[found]
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
            "team_id": TEAM_ID,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def _api_chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = self.lookup(str(params.get("channel", "")), create=True)
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel.is_archived:
            return {"ok": False, "error": "is_archived"}
        if not channel.is_member:
            return {"ok": False, "error": "channel_not_found" if channel.is_private else "not_in_channel"}
        ts = self._next_ts()
        blocks = params.get("blocks")
        metadata = params.get("metadata")
        message: dict[str, Any] = {
            "type": "message",
            "ts": ts,
            "user": BOT_USER,
            "bot_id": BOT_ID,
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
        limit = int(params.get("limit") or 100)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        newest_first = list(reversed(channel.messages))[:limit]
        messages = [
            {k: v for k, v in m.items() if k != "metadata" or (with_metadata and v)} for m in newest_first
        ]
        return {"ok": True, "messages": messages, "has_more": len(channel.messages) > limit}

    def _channel_info(self, channel: Channel) -> dict[str, Any]:
        return {
            "id": channel.id,
            "name": channel.name,
            "is_channel": not channel.is_private,
            "is_group": channel.is_private,
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
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": dict(user)}
