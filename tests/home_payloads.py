"""Slack's interaction payloads for the Home tab and the modals, as the app receives them
(signed by RunningBot.send): app_home_opened, block_actions from a view, view_submission with the
state a user leaves in a modal, and block_suggestion for external menus."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from bot.views.elements import option_value
from tests.fakeslack import TEAM_ID
from tests.slackbot import Reply, RunningBot, signed_headers


def _user(user: str) -> dict[str, Any]:
    return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID}


def _interaction(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def home_opened_request(user: str, *, tab: str = "home") -> tuple[bytes, dict[str, str]]:
    """The signed Events API request of an ``app_home_opened`` event (body, headers)."""
    body = json.dumps(
        {
            "token": "unused",
            "team_id": TEAM_ID,
            "api_app_id": "A0NEWSBOT",
            "type": "event_callback",
            "event_id": f"Ev{user}{tab}",
            "event_time": 1,
            "event": {"type": "app_home_opened", "user": user, "channel": "D" + user[1:], "tab": tab},
        }
    ).encode()
    return body, {**signed_headers(body), "Content-Type": "application/json"}


def home_opened(bot: RunningBot, user: str, *, tab: str = "home") -> Reply:
    return bot.send(*home_opened_request(user, tab=tab))


def click(
    bot: RunningBot, user: str, action_id: str, value: str = "", *, trigger: str | None = None
) -> Reply:
    """A button pressed in the user's Home tab (or any action_id/value, as a forger would send)."""
    view = bot.fake.home(user) or {"type": "home", "blocks": []}
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": _user(user),
        "api_app_id": "A0NEWSBOT",
        "container": {"type": "view", "view_id": "VHOME"},
        "trigger_id": trigger or bot.fake.mint_trigger(user),
        "view": {**view, "id": "VHOME"},
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b", "value": value, "action_ts": "1"}
        ],
    }
    return bot.send(_interaction(payload))


def button(view: dict[str, Any], action_prefix: str) -> dict[str, Any]:
    """The first button of ``view`` whose action_id starts with ``action_prefix``."""
    for block in view["blocks"]:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if str(element.get("action_id") or "").startswith(action_prefix):
                return dict(element)
    raise AssertionError(f"no button {action_prefix} in the view")


def action_ids(view: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for block in view["blocks"]:
        for element in [*(block.get("elements") or []), block.get("accessory") or {}]:
            if "action_id" in element:
                found.add(str(element["action_id"]).split("#")[0])
    return found


def _state_of(element: dict[str, Any], given: Any) -> dict[str, Any]:
    kind = element["type"]
    state: dict[str, Any] = {"type": kind}
    if kind == "conversations_select":
        state["selected_conversation"] = given if given is not None else element.get("initial_conversation")
    elif kind in ("multi_static_select", "multi_external_select"):
        if given is None:
            state["selected_options"] = element.get("initial_options", [])
        else:
            state["selected_options"] = [{"value": option_value(v)} for v in given]
    elif kind == "checkboxes":
        if given is None:
            state["selected_options"] = element.get("initial_options", [])
        else:
            state["selected_options"] = [{"value": v} for v in given]
    elif kind == "timepicker":
        state["selected_time"] = given if given is not None else element.get("initial_time")
    elif kind in ("static_select", "external_select"):
        chosen = {"value": given} if given is not None else element.get("initial_option")
        state["selected_option"] = chosen
    else:
        state["value"] = given if given is not None else element.get("initial_value")
    return state


def submit(
    bot: RunningBot, user: str, modal: dict[str, Any], *, metadata: str | None = None, **fields: Any
) -> Reply:
    """Submit ``modal`` as the user left it: its initial values, with ``fields`` (grammar keys) changed."""
    values: dict[str, Any] = {}
    for block in modal["blocks"]:
        if block.get("type") != "input":
            continue
        key = str(block["block_id"]).removeprefix("digest.")
        element = block["element"]
        values[block["block_id"]] = {element["action_id"]: _state_of(element, fields.get(key))}
    view = {
        **modal,
        "id": "VMODAL",
        "state": {"values": values},
        "private_metadata": modal.get("private_metadata", "") if metadata is None else metadata,
    }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": _user(user),
        "api_app_id": "A0NEWSBOT",
        "trigger_id": "1.2.3",
        "view": view,
    }
    return bot.send(_interaction(payload))


def suggest(bot: RunningBot, user: str, action_id: str, typed: str) -> Reply:
    payload = {
        "type": "block_suggestion",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": _user(user),
        "api_app_id": "A0NEWSBOT",
        "action_id": action_id,
        "block_id": action_id.removesuffix(".input"),
        "value": typed,
        "view": {"id": "VMODAL", "type": "modal", "callback_id": "modal.channel_digest"},
    }
    return bot.send(_interaction(payload))
