"""Checking one Block Kit element or composition object (text, image, button, menu, option, input,
confirm dialog) against Slack's limits; `block_checks` walks blocks and calls these."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.compose.mrkdwn import MAX_URL, clean_url, slack_len
from bot.compose.slack_limits import (
    BLOCK_TYPES,
    CHOICES,
    EXTERNAL_MENUS,
    INPUT_ELEMENTS,
    MAX_ACTION_ID,
    MAX_ALT_TEXT,
    MAX_BUTTON_TEXT,
    MAX_BUTTON_VALUE,
    MAX_CHOICE_OPTIONS,
    MAX_CONFIRM_BUTTON,
    MAX_CONFIRM_TEXT,
    MAX_CONFIRM_TITLE,
    MAX_INPUT_LENGTH,
    MAX_OPTION_TEXT,
    MAX_OPTION_VALUE,
    MAX_PLACEHOLDER,
    MAX_SECTION_TEXT,
    MAX_SELECT_OPTIONS,
    STATIC_MENUS,
    TEXT_INPUTS,
)

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(slots=True)
class Rules:
    """What a surface allows, and the IDs seen so far in it (each must be unique)."""

    block_types: frozenset[str] = BLOCK_TYPES
    view: bool = False  # views allow inputs and menus; messages here only buttons and images
    block_ids: set[str] = field(default_factory=set)
    action_ids: set[str] = field(default_factory=set)


def check_element(where: str, element: Any, rules: Rules) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: not an object"]
    kind = element.get("type")
    if kind == "image":
        return check_image(where, element)
    if kind in ("mrkdwn", "plain_text"):
        return check_text(where, element, MAX_SECTION_TEXT)
    findings = _check_action_id(where, element, rules) if rules.view else []
    if kind == "button":
        findings += check_text(f"{where}.text", element.get("text"), MAX_BUTTON_TEXT, kinds=("plain_text",))
        url = element.get("url")
        if url is not None and (not isinstance(url, str) or len(url) > MAX_URL):
            findings.append(f"{where}.url: longer than {MAX_URL}")
        if rules.view:
            findings += _check_button_extras(where, element)
        return findings
    if not rules.view or kind not in INPUT_ELEMENTS | {"overflow"}:
        return [f"{where}: unsupported element type {kind!r}"]
    if "placeholder" in element:
        findings += check_text(
            f"{where}.placeholder", element["placeholder"], MAX_PLACEHOLDER, ("plain_text",)
        )
    if "confirm" in element:
        findings += _check_confirm(f"{where}.confirm", element["confirm"])
    if kind in STATIC_MENUS:
        findings += _check_static_menu(where, element)
    elif kind in CHOICES:
        findings += _check_options(where, element.get("options"), MAX_CHOICE_OPTIONS, min_count=1)
        findings += _check_initial(where, element, _flat_options(element))
    elif kind == "overflow":
        findings += _check_options(where, element.get("options"), 5, min_count=2)
    elif kind in EXTERNAL_MENUS:
        for key in ("initial_option",):
            if key in element:
                findings += _check_option(f"{where}.{key}", element[key])
        for j, option in enumerate(element.get("initial_options", [])):
            findings += _check_option(f"{where}.initial_options[{j}]", option)
    elif kind == "timepicker" and "initial_time" in element and not _TIME.match(str(element["initial_time"])):
        findings.append(f"{where}.initial_time: {element['initial_time']!r} is not HH:mm")
    elif kind == "datepicker" and "initial_date" in element and not _DATE.match(str(element["initial_date"])):
        findings.append(f"{where}.initial_date: {element['initial_date']!r} is not YYYY-MM-DD")
    elif kind in TEXT_INPUTS:
        findings += _check_text_input(where, element)
    return findings


def _check_action_id(where: str, element: dict[str, Any], rules: Rules) -> list[str]:
    action_id = element.get("action_id")
    if action_id is None:
        return []
    if not isinstance(action_id, str) or not action_id or len(action_id) > MAX_ACTION_ID:
        return [f"{where}.action_id: must be 1..{MAX_ACTION_ID} characters"]
    if action_id in rules.action_ids:
        return [f"{where}.action_id: {action_id!r} repeated"]
    rules.action_ids.add(action_id)
    return []


def _check_button_extras(where: str, element: dict[str, Any]) -> list[str]:
    findings: list[str] = []
    value = element.get("value")
    if value is not None and (not isinstance(value, str) or len(value) > MAX_BUTTON_VALUE):
        findings.append(f"{where}.value: must be a string of at most {MAX_BUTTON_VALUE} characters")
    if element.get("style") not in (None, "primary", "danger"):
        findings.append(f"{where}.style: must be primary or danger")
    if "confirm" in element:
        findings += _check_confirm(f"{where}.confirm", element["confirm"])
    return findings


def _check_confirm(where: str, confirm: Any) -> list[str]:
    if not isinstance(confirm, dict):
        return [f"{where}: not an object"]
    return [
        *check_text(f"{where}.title", confirm.get("title"), MAX_CONFIRM_TITLE, kinds=("plain_text",)),
        *check_text(f"{where}.text", confirm.get("text"), MAX_CONFIRM_TEXT),
        *check_text(f"{where}.confirm", confirm.get("confirm"), MAX_CONFIRM_BUTTON, kinds=("plain_text",)),
        *check_text(f"{where}.deny", confirm.get("deny"), MAX_CONFIRM_BUTTON, kinds=("plain_text",)),
    ]


def _check_static_menu(where: str, element: dict[str, Any]) -> list[str]:
    groups = element.get("option_groups")
    if groups is None:
        findings = _check_options(where, element.get("options"), MAX_SELECT_OPTIONS, min_count=1)
    elif "options" in element:
        return [f"{where}: options and option_groups together"]
    elif not isinstance(groups, list) or not 1 <= len(groups) <= MAX_SELECT_OPTIONS:
        return [f"{where}.option_groups: needs 1..{MAX_SELECT_OPTIONS} groups"]
    else:
        findings = []
        for g, group in enumerate(groups):
            label = group.get("label") if isinstance(group, dict) else None
            findings += check_text(
                f"{where}.option_groups[{g}].label", label, MAX_OPTION_TEXT, ("plain_text",)
            )
            options = group.get("options") if isinstance(group, dict) else None
            findings += _check_options(
                f"{where}.option_groups[{g}]", options, MAX_SELECT_OPTIONS, min_count=1
            )
    return findings + _check_initial(where, element, _flat_options(element))


def _flat_options(element: dict[str, Any]) -> list[Any]:
    if isinstance(element.get("option_groups"), list):
        return [o for g in element["option_groups"] if isinstance(g, dict) for o in g.get("options") or []]
    options = element.get("options")
    return options if isinstance(options, list) else []


def _check_options(where: str, options: Any, limit: int, *, min_count: int) -> list[str]:
    if not isinstance(options, list) or not min_count <= len(options) <= limit:
        count = len(options) if isinstance(options, list) else 0
        return [f"{where}.options: {count} options, needs {min_count}..{limit}"]
    findings: list[str] = []
    values: set[str] = set()
    for j, option in enumerate(options):
        findings += _check_option(f"{where}.options[{j}]", option)
        value = option.get("value") if isinstance(option, dict) else None
        if isinstance(value, str) and value in values:
            findings.append(f"{where}.options[{j}].value: {value!r} repeated")
        elif isinstance(value, str):
            values.add(value)
    return findings


def _check_option(where: str, option: Any) -> list[str]:
    if not isinstance(option, dict):
        return [f"{where}: not an object"]
    findings = check_text(f"{where}.text", option.get("text"), MAX_OPTION_TEXT)
    if "description" in option:
        findings += check_text(f"{where}.description", option["description"], MAX_OPTION_TEXT)
    value = option.get("value")
    if not isinstance(value, str) or not value or len(value) > MAX_OPTION_VALUE:
        findings.append(f"{where}.value: must be 1..{MAX_OPTION_VALUE} characters")
    return findings


def _check_initial(where: str, element: dict[str, Any], options: list[Any]) -> list[str]:
    """Slack refuses initial options that are not exactly among the options."""
    initial = [element["initial_option"]] if "initial_option" in element else []
    initial += element.get("initial_options") or []
    return [
        f"{where}.initial_options: {chosen.get('value') if isinstance(chosen, dict) else chosen!r} "
        "is not one of the options"
        for chosen in initial
        if chosen not in options
    ]


def _check_text_input(where: str, element: dict[str, Any]) -> list[str]:
    findings: list[str] = []
    if element["type"] == "plain_text_input":
        top = element.get("max_length", MAX_INPUT_LENGTH)
        low = element.get("min_length", 0)
        if not isinstance(top, int) or not isinstance(low, int) or not 0 <= low <= top <= MAX_INPUT_LENGTH:
            findings.append(f"{where}: needs 0 <= min_length <= max_length <= {MAX_INPUT_LENGTH}")
        initial = element.get("initial_value")
        if initial is not None and (
            not isinstance(initial, str) or (isinstance(top, int) and len(initial) > top)
        ):
            findings.append(f"{where}.initial_value: longer than max_length {top}")
        return findings
    if not isinstance(element.get("is_decimal_allowed"), bool):
        findings.append(f"{where}.is_decimal_allowed: required, true or false")
    numbers: dict[str, float] = {}
    for key in ("min_value", "max_value", "initial_value"):
        raw = element.get(key)
        number = _number(raw)
        if raw is not None and number is None:
            findings.append(f"{where}.{key}: {raw!r} is not a number (send it as a string)")
        elif number is not None:
            numbers[key] = number
    low, top = numbers.get("min_value", float("-inf")), numbers.get("max_value", float("inf"))
    if low > top:
        findings.append(f"{where}: min_value > max_value")
    if not low <= numbers.get("initial_value", low) <= top:
        findings.append(f"{where}.initial_value: outside min_value..max_value")
    return findings


def _number(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def check_image(where: str, obj: dict[str, Any]) -> list[str]:
    findings: list[str] = []
    url = obj.get("image_url")
    if not isinstance(url, str) or clean_url(url) != url:
        findings.append(f"{where}.image_url: missing, not http(s), or longer than {MAX_URL}")
    alt = obj.get("alt_text")
    if not isinstance(alt, str) or not alt.strip() or len(alt) > MAX_ALT_TEXT:
        findings.append(f"{where}.alt_text: required, 1..{MAX_ALT_TEXT} characters")
    return findings


def check_text(
    where: str, obj: Any, limit: int, kinds: tuple[str, ...] = ("mrkdwn", "plain_text")
) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"{where}: needs a text object of type {' or '.join(kinds)}"]
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return [f"{where}: empty text"]
    if slack_len(text) > limit:
        return [f"{where}: {slack_len(text)} characters > {limit}"]
    return []
