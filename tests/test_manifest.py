"""manifest.yml asks for exactly the scopes the code uses and routes everything to /slack/events."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.slack.scopes import BOT_SCOPES

ROOT = Path(__file__).resolve().parents[1]

# Web API method → the bot scopes it needs (public and private channels both supported).
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_open": {"im:write"},
    "conversations_info": {"channels:read", "groups:read"},
    "conversations_list": {"channels:read", "groups:read"},
    "conversations_join": {"channels:join"},
    "users_info": {"users:read"},
    "auth_test": set(),
}


def manifest() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    return data


def methods_called() -> set[str]:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    return set(re.findall(r"\.((?:chat|conversations|users|auth|apps|reactions|files)_[A-Za-z]+)\b", source))


def test_both_commands_escape_mentions_and_use_the_events_path() -> None:
    commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    assert set(commands) == {"/news", "/news-admin"}
    for command in commands.values():
        assert command["should_escape"] is True
        assert command["url"].endswith("/slack/events")
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True
    assert manifest()["settings"]["interactivity"]["request_url"].endswith("/slack/events")


def test_scopes_are_exactly_those_the_code_uses() -> None:
    called = methods_called()
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add the scopes of {unknown} to METHOD_SCOPES and manifest.yml"
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called))
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_home_tab_messages_tab_events_and_options_url() -> None:
    data = manifest()
    home = data["features"]["app_home"]
    assert home["home_tab_enabled"] is True
    assert home["messages_tab_enabled"] is True
    events = data["settings"]["event_subscriptions"]
    assert "app_home_opened" in events["bot_events"]
    assert events["request_url"].endswith("/slack/events")
    assert data["settings"]["interactivity"]["message_menu_options_url"].endswith("/slack/events")


def test_an_oauth_install_asks_for_the_manifest_scopes_and_returns_to_the_redirect_path() -> None:
    assert set(BOT_SCOPES) == set(manifest()["oauth_config"]["scopes"]["bot"])
    [redirect] = manifest()["oauth_config"]["redirect_urls"]
    assert redirect.endswith("/slack/oauth_redirect")


def test_the_events_the_code_listens_to_are_subscribed_in_the_manifest() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "bot").rglob("*.py"))
    listened = set(re.findall(r"\.event\(\"([a-z_]+)\"\)", source))
    events = manifest()["settings"]["event_subscriptions"]
    assert listened and set(events["bot_events"]) == listened
    assert events["request_url"].endswith("/slack/events")
