"""The bot scopes newsbot asks for when a workspace installs it (manifest.yml lists the same ones;
tests/test_manifest.py checks both against the Web API methods the code calls)."""

from __future__ import annotations

BOT_SCOPES = (
    "commands",
    "chat:write",
    "users:read",
    "channels:join",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
    "im:write",
)
