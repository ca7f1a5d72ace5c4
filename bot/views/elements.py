"""Interactive Block Kit elements for views (buttons, menus, inputs) as plain dicts.

Texts given here are shown as plain_text, which Slack never parses for links or mentions, so they
need no escaping; they are clipped to Slack's limits instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from bot.compose.blocks import Block, plain
from bot.compose.mrkdwn import clip
from bot.compose.slack_limits import (
    MAX_BUTTON_TEXT,
    MAX_CONFIRM_BUTTON,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_LABEL,
    MAX_OPTION_TEXT,
    MAX_OPTION_VALUE,
    MAX_PLACEHOLDER,
)

Element = dict[str, Any]


def button(
    text: str,
    action_id: str,
    value: str = "",
    *,
    style: str | None = None,
    confirm: Element | None = None,
) -> Element:
    element: Element = {"type": "button", "text": plain(clip(text, MAX_BUTTON_TEXT)), "action_id": action_id}
    if value:
        element["value"] = value
    if style is not None:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def confirm(title: str, text: str, yes: str, no: str = "Cancel") -> Element:
    """A confirmation dialog; ``text`` is plain text (say what happens, not how)."""
    return {
        "title": plain(clip(title, MAX_CONFIRM_TITLE)),
        "text": plain(clip(text, MAX_CONFIRM_TEXT)),
        "confirm": plain(clip(yes, MAX_CONFIRM_BUTTON)),
        "deny": plain(clip(no, MAX_CONFIRM_BUTTON)),
    }


def actions(elements: Sequence[Element], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements)}
    if block_id is not None:
        block["block_id"] = block_id
    return block


def input_block(
    block_id: str, label: str, element: Element, *, optional: bool = False, hint: str | None = None
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(clip(label, MAX_LABEL)),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(clip(hint, MAX_LABEL))
    return block


def option_value(name: str) -> str:
    """A name as an option value; over Slack's 150 characters, a digest of it (see ``from_value``)."""
    if len(name) <= MAX_OPTION_VALUE:
        return name
    return "sha1:" + hashlib.sha1(name.encode("utf-8"), usedforsecurity=False).hexdigest()


def from_value(value: str, names: Sequence[str]) -> str:
    """The name an option value stands for (``value`` itself when it is no digest of a name)."""
    if value.startswith("sha1:"):
        return next((name for name in names if option_value(name) == value), value)
    return value


def option(text: str, value: str) -> Element:
    return {"text": plain(clip(text, MAX_OPTION_TEXT)), "value": option_value(value)}


def counted_option(name: str, count: int) -> Element:
    """ "AI in Robotics (12)": the name clipped so the count always shows."""
    suffix = f" ({count})"
    return option(clip(name, MAX_OPTION_TEXT - len(suffix)) + suffix, name)


def placeholder(text: str) -> dict[str, Any]:
    return plain(clip(text, MAX_PLACEHOLDER))


def plain_text_input(
    action_id: str, *, initial: str = "", hint_text: str = "", max_length: int = 3000, multiline: bool = False
) -> Element:
    element: Element = {"type": "plain_text_input", "action_id": action_id, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if hint_text:
        element["placeholder"] = placeholder(hint_text)
    if multiline:
        element["multiline"] = True
    return element


def number_input(
    action_id: str, *, initial: float, minimum: float, maximum: float | None, decimal: bool
) -> Element:
    def shown(number: float) -> str:
        return f"{number:g}" if decimal else str(int(number))

    element: Element = {
        "type": "number_input",
        "action_id": action_id,
        "is_decimal_allowed": decimal,
        "min_value": shown(minimum),
        "initial_value": shown(initial),
    }
    if maximum is not None:
        element["max_value"] = shown(maximum)
    return element
