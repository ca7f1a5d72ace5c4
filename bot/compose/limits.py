"""Slack's documented Block Kit limits: trimming a payload to fit (`enforce`), checking a message
(`check_payload`) or a Home tab / modal view (`check_view`); both checks share the block checks.

Stories are identified by ``block_id`` ("story-<rank>", "story-<rank>-related", …) so that when a
message is too big the lowest-ranked story goes first, whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.compose.mrkdwn import (
    LINK,
    MAX_URL,
    VIEW_SEQUENCE,
    clean_url,
    clip,
    links_in,
    slack_len,
    trim_mrkdwn,
    unsafe_sequences,
)

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000  # each of a section's fields
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_BUTTON_TEXT = 75
MAX_ALT_TEXT = 2000
MAX_BLOCK_ID = 255
MAX_MESSAGE_TEXT = 12_000  # the whole message must stay under this
MAX_FALLBACK_TEXT = 3000
BLOCK_TYPES = frozenset({"header", "section", "context", "divider", "image", "actions"})

# Views (views.publish / views.open / views.update / views.push).
MAX_VIEW_BLOCKS = 100
MAX_VIEW_TITLE = 24  # a modal's title, submit and close texts
MAX_PRIVATE_METADATA = 3000
MAX_CALLBACK_ID = 255
MAX_EXTERNAL_ID = 255
MAX_ACTION_ID = 255
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS_ELEMENTS = 25
MAX_SELECT_OPTIONS = 100  # per static menu, and option groups per menu
MAX_CHOICE_OPTIONS = 10  # checkboxes and radio buttons
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_LABEL = 2000
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_INPUT_LENGTH = 3000
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
VIEW_BLOCK_TYPES = BLOCK_TYPES | {"input"}
VIEW_TYPES = frozenset({"home", "modal"})
_STATIC_MENUS = frozenset({"static_select", "multi_static_select"})
_EXTERNAL_MENUS = frozenset({"external_select", "multi_external_select"})
_OTHER_MENUS = frozenset(
    {
        "conversations_select",
        "multi_conversations_select",
        "channels_select",
        "multi_channels_select",
        "users_select",
        "multi_users_select",
    }
)
_CHOICES = frozenset({"checkboxes", "radio_buttons"})
_PICKERS = frozenset({"timepicker", "datepicker"})
_TEXT_INPUTS = frozenset({"plain_text_input", "number_input"})
INPUT_ELEMENTS = _STATIC_MENUS | _EXTERNAL_MENUS | _OTHER_MENUS | _CHOICES | _PICKERS | _TEXT_INPUTS
INTERACTIVE_ELEMENTS = INPUT_ELEMENTS - _TEXT_INPUTS | {"button", "overflow"}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(slots=True)
class _Rules:
    """What a surface allows, and the IDs seen so far in it (each must be unique)."""

    block_types: frozenset[str] = BLOCK_TYPES
    view: bool = False  # views allow inputs and menus; messages here only buttons and images
    block_ids: set[str] = field(default_factory=set)
    action_ids: set[str] = field(default_factory=set)


_STORY_ID = re.compile(r"^story-(\d+)(?:-|$)")


def enforce(payload: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``payload`` that fits every limit: texts trimmed with an ellipsis, bad images and
    over-long links dropped, lowest-ranked stories dropped while the message is too big. Never fails."""
    out: dict[str, Any] = _copy(payload)
    out["text"] = trim_mrkdwn(_unlink_long(str(out.get("text") or "")), MAX_FALLBACK_TEXT) or "News"
    blocks = [fitted for block in out.get("blocks", []) if (fitted := _fit_block(block)) is not None]
    while len(blocks) > MAX_BLOCKS and _drop_last_story(blocks):
        pass
    del blocks[MAX_BLOCKS:]
    while total_text(out["text"], blocks) >= MAX_MESSAGE_TEXT and _story_count(blocks) > 1:
        _drop_last_story(blocks)
    _shrink_longest_until_fits(out, blocks)
    out["blocks"] = blocks
    return out


def check_payload(payload: dict[str, Any]) -> list[str]:
    """Findings against Slack's documented limits and our safety rules; an empty list means valid."""
    findings: list[str] = []
    text = payload.get("text")
    if not isinstance(text, str) or not text.strip():
        findings.append("text: missing fallback text")
    if payload.get("unfurl_links") is not False or payload.get("unfurl_media") is not False:
        findings.append("unfurl_links and unfurl_media must be false")
    blocks = payload.get("blocks")
    if not isinstance(blocks, list):
        return [*findings, "blocks: not a list"]
    if len(blocks) > MAX_BLOCKS:
        findings.append(f"blocks: {len(blocks)} blocks > {MAX_BLOCKS}")
    rules = _Rules()
    for i, block in enumerate(blocks):
        findings += _check_block(f"blocks[{i}]", block, rules)
    for where, piece in _texts(payload):
        findings += [f"{where}: unescaped markup {seq!r}" for seq in unsafe_sequences(piece)]
        findings += [f"{where}: link longer than {MAX_URL}" for url in links_in(piece) if len(url) > MAX_URL]
    total = total_text(text if isinstance(text, str) else "", blocks)
    if total >= MAX_MESSAGE_TEXT:
        findings.append(f"message: {total} characters of text, limit {MAX_MESSAGE_TEXT}")
    return findings


def check_view(view: dict[str, Any]) -> list[str]:
    """Findings for a Home tab or modal view against Slack's limits; an empty list means valid.

    Beyond Slack's own rules, every ``action_id`` must be unique in the whole view (Slack asks it
    only per block): listeners route on it and submissions read ``state.values`` by it.
    """
    if not isinstance(view, dict):
        return ["view: not an object"]
    findings: list[str] = []
    kind = view.get("type")
    if kind not in VIEW_TYPES:
        findings.append(f"type: must be home or modal, not {kind!r}")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        return [*findings, "blocks: not a list"]
    if len(blocks) > MAX_VIEW_BLOCKS:
        findings.append(f"blocks: {len(blocks)} blocks > {MAX_VIEW_BLOCKS}")
    if kind == "modal":
        findings += _check_text("title", view.get("title"), MAX_VIEW_TITLE, kinds=("plain_text",))
        for key in ("submit", "close"):
            if key in view:
                findings += _check_text(key, view[key], MAX_VIEW_TITLE, kinds=("plain_text",))
        if "submit" not in view and any(isinstance(b, dict) and b.get("type") == "input" for b in blocks):
            findings.append("submit: required when the modal has input blocks")
    for key, limit in (
        ("private_metadata", MAX_PRIVATE_METADATA),
        ("callback_id", MAX_CALLBACK_ID),
        ("external_id", MAX_EXTERNAL_ID),
    ):
        value = view.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            findings.append(f"{key}: must be a string of at most {limit} characters")
    rules = _Rules(block_types=VIEW_BLOCK_TYPES, view=True)
    for i, block in enumerate(blocks):
        findings += _check_block(f"blocks[{i}]", block, rules)
    for where, piece in _block_texts(blocks, only_mrkdwn=True):
        findings += [f"{where}: unescaped markup {seq!r}" for seq in unsafe_sequences(piece, VIEW_SEQUENCE)]
        findings += [f"{where}: link longer than {MAX_URL}" for url in links_in(piece) if len(url) > MAX_URL]
    return findings


def without_images(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with every image removed, for a retry after Slack answers ``invalid_blocks``."""
    out: dict[str, Any] = _copy(payload)
    blocks: list[dict[str, Any]] = []
    for block in out.get("blocks", []):
        if block.get("type") == "image":
            continue
        if _is_image(block.get("accessory")):
            del block["accessory"]
        if block.get("type") == "context":
            block["elements"] = [e for e in block.get("elements", []) if not _is_image(e)]
            if not block["elements"]:
                continue
        blocks.append(block)
    out["blocks"] = blocks
    return out


def payload_urls(payload: dict[str, Any]) -> list[str]:
    """Every URL the message links, in order, once each (what the channel has now seen)."""
    urls: dict[str, None] = {}
    for _, piece in _texts(payload):
        urls.update(dict.fromkeys(links_in(piece)))
    return list(urls)


def total_text(fallback: str, blocks: list[dict[str, Any]]) -> int:
    return slack_len(fallback) + sum(slack_len(t) for _, t in _block_texts(blocks))


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars); several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _fit_block(block: dict[str, Any]) -> dict[str, Any] | None:
    kind = block.get("type")
    if kind == "header":
        text = block["text"]
        text["text"] = clip(text.get("text", "").strip(), MAX_HEADER_TEXT) or "News"
    elif kind == "section":
        if "text" in block:
            _fit_text(block["text"], MAX_SECTION_TEXT)
        for field in block.get("fields", []):
            _fit_text(field, MAX_FIELD_TEXT)
        if "accessory" in block and not _fit_image(block["accessory"]):
            del block["accessory"]
    elif kind == "context":
        elements = [e for e in block.get("elements", []) if e.get("type") != "image" or _fit_image(e)]
        block["elements"] = elements[:MAX_CONTEXT_ELEMENTS]
        for element in block["elements"]:
            if "text" in element:
                _fit_text(element, MAX_SECTION_TEXT)
        if not block["elements"]:
            return None
    elif kind == "image" and not _fit_image(block):
        return None
    elif kind == "actions":
        for element in block.get("elements", []):
            if isinstance(element.get("text"), dict):
                element["text"]["text"] = clip(element["text"]["text"], MAX_BUTTON_TEXT)
            if "url" in element and clean_url(element["url"]) is None:
                del element["url"]
    return block


def _fit_text(obj: dict[str, Any], limit: int) -> None:
    text = _unlink_long(str(obj.get("text", "")))
    obj["text"] = (trim_mrkdwn(text, limit) if obj.get("type") == "mrkdwn" else clip(text, limit)) or " "


def _fit_image(obj: dict[str, Any]) -> bool:
    url = clean_url(obj.get("image_url"))
    if url is None:
        return False
    obj["image_url"] = url
    obj["alt_text"] = clip(str(obj.get("alt_text") or "").strip(), MAX_ALT_TEXT) or "image"
    return True


def _unlink_long(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        return match.group(0) if len(match.group(1)) <= MAX_URL else (match.group(2) or "link")

    return LINK.sub(replace, text)


def _story_count(blocks: list[dict[str, Any]]) -> int:
    return len(_story_ranks(blocks))


def story_count(payload: dict[str, Any]) -> int:
    """How many stories a rendered payload holds (after ``enforce`` dropped any)."""
    return _story_count(list(payload.get("blocks", [])))


def _story_rank(block: dict[str, Any]) -> int | None:
    match = _STORY_ID.match(str(block.get("block_id", "")))
    return int(match.group(1)) if match else None


def _story_ranks(blocks: list[dict[str, Any]]) -> set[int]:
    return {rank for block in blocks if (rank := _story_rank(block)) is not None}


def _drop_last_story(blocks: list[dict[str, Any]]) -> bool:
    ranks = _story_ranks(blocks)
    if not ranks:
        return False
    last = max(ranks)
    blocks[:] = [b for b in blocks if _story_rank(b) != last]
    return True


def _shrink_longest_until_fits(payload: dict[str, Any], blocks: list[dict[str, Any]]) -> None:
    """Last resort when one story alone is too big: halve the longest text until the message fits."""
    while (excess := total_text(payload["text"], blocks) - MAX_MESSAGE_TEXT + 1) > 0:
        holders = [payload, *(obj for obj in _text_objects(blocks))]
        longest = max(holders, key=lambda obj: slack_len(obj["text"]))
        size = slack_len(longest["text"])
        target = max(size - excess, size // 2, 1)
        is_mrkdwn = longest is payload or longest.get("type") == "mrkdwn"
        longest["text"] = trim_mrkdwn(longest["text"], target) if is_mrkdwn else clip(longest["text"], target)


def _text_objects(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        if isinstance(block.get("text"), dict):
            yield block["text"]
        yield from (f for f in block.get("fields", []) if isinstance(f, dict))
        for element in block.get("elements", []):
            if isinstance(element.get("text"), str):
                yield element
            elif isinstance(element.get("text"), dict):
                yield element["text"]


def _texts(payload: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The fallback and every mrkdwn text: the places where Slack parses links and mentions."""
    if isinstance(payload.get("text"), str):
        yield "text", payload["text"]
    blocks = payload.get("blocks")
    if isinstance(blocks, list):
        yield from _block_texts(blocks, only_mrkdwn=True)


def _block_texts(blocks: list[dict[str, Any]], *, only_mrkdwn: bool = False) -> Iterator[tuple[str, str]]:
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        for obj in _text_objects([block]):
            if isinstance(obj.get("text"), str) and (not only_mrkdwn or obj.get("type") == "mrkdwn"):
                yield f"blocks[{i}]", obj["text"]


def _is_image(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("type") == "image"


def _check_block(where: str, block: Any, rules: _Rules) -> list[str]:
    if not isinstance(block, dict):
        return [f"{where}: not an object"]
    kind = block.get("type")
    if kind not in rules.block_types:
        return [f"{where}: unknown block type {kind!r}"]
    findings: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not block_id or len(block_id) > MAX_BLOCK_ID:
            findings.append(f"{where}.block_id: must be 1..{MAX_BLOCK_ID} characters")
        elif block_id in rules.block_ids:
            findings.append(f"{where}.block_id: {block_id!r} repeated")
        else:
            rules.block_ids.add(block_id)
    if kind == "header":
        findings += _check_text(f"{where}.text", block.get("text"), MAX_HEADER_TEXT, kinds=("plain_text",))
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            findings.append(f"{where}: section needs text or fields")
        if "text" in block:
            findings += _check_text(f"{where}.text", block["text"], MAX_SECTION_TEXT)
        for j, field in enumerate(block.get("fields", [])):
            findings += _check_text(f"{where}.fields[{j}]", field, MAX_FIELD_TEXT)
        if "accessory" in block:
            findings += _check_element(f"{where}.accessory", block["accessory"], rules)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            return [*findings, f"{where}.elements: context needs 1..{MAX_CONTEXT_ELEMENTS} elements"]
        if len(elements) > MAX_CONTEXT_ELEMENTS:
            findings.append(f"{where}.elements: {len(elements)} > {MAX_CONTEXT_ELEMENTS}")
        findings += _check_elements(
            where, elements, rules, _CONTEXT_ELEMENTS, "a context holds only text and images"
        )
    elif kind == "image":
        findings += _check_image(where, block)
    elif kind == "actions":
        findings += _check_actions(where, block, rules)
    elif kind == "input":
        findings += _check_input(where, block, rules)
    return findings


_CONTEXT_ELEMENTS = frozenset({"image", "mrkdwn", "plain_text"})


def _check_actions(where: str, block: dict[str, Any], rules: _Rules) -> list[str]:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        return [f"{where}.elements: actions needs 1..{MAX_ACTIONS_ELEMENTS} elements"]
    findings: list[str] = []
    if len(elements) > MAX_ACTIONS_ELEMENTS:
        findings.append(f"{where}.elements: {len(elements)} > {MAX_ACTIONS_ELEMENTS}")
    findings += _check_elements(
        where, elements, rules, INTERACTIVE_ELEMENTS, "{kind!r} cannot go in an actions block"
    )
    return findings


def _check_elements(
    where: str, elements: list[Any], rules: _Rules, allowed: frozenset[str], refusal: str
) -> list[str]:
    """Each element of a context or actions block; in a view, one whose type is not ``allowed`` is
    refused with ``refusal`` ({kind}: its type) instead of being checked."""
    findings: list[str] = []
    for j, element in enumerate(elements):
        if rules.view and isinstance(element, dict) and element.get("type") not in allowed:
            findings.append(f"{where}.elements[{j}]: " + refusal.format(kind=element.get("type")))
            continue
        findings += _check_element(f"{where}.elements[{j}]", element, rules)
    return findings


def _check_input(where: str, block: dict[str, Any], rules: _Rules) -> list[str]:
    findings = _check_text(f"{where}.label", block.get("label"), MAX_LABEL, kinds=("plain_text",))
    if "hint" in block:
        findings += _check_text(f"{where}.hint", block["hint"], MAX_HINT, kinds=("plain_text",))
    if "optional" in block and not isinstance(block["optional"], bool):
        findings.append(f"{where}.optional: must be true or false")
    element = block.get("element")
    if not isinstance(element, dict) or element.get("type") not in INPUT_ELEMENTS:
        kind = element.get("type") if isinstance(element, dict) else None
        return [*findings, f"{where}.element: {kind!r} is not an input element"]
    return findings + _check_element(f"{where}.element", element, rules)


def _check_element(where: str, element: Any, rules: _Rules) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: not an object"]
    kind = element.get("type")
    if kind == "image":
        return _check_image(where, element)
    if kind in ("mrkdwn", "plain_text"):
        return _check_text(where, element, MAX_SECTION_TEXT)
    findings = _check_action_id(where, element, rules) if rules.view else []
    if kind == "button":
        findings += _check_text(f"{where}.text", element.get("text"), MAX_BUTTON_TEXT, kinds=("plain_text",))
        url = element.get("url")
        if url is not None and (not isinstance(url, str) or len(url) > MAX_URL):
            findings.append(f"{where}.url: longer than {MAX_URL}")
        if rules.view:
            findings += _check_button_extras(where, element)
        return findings
    if not rules.view or kind not in INPUT_ELEMENTS | {"overflow"}:
        return [f"{where}: unsupported element type {kind!r}"]
    if "placeholder" in element:
        findings += _check_text(
            f"{where}.placeholder", element["placeholder"], MAX_PLACEHOLDER, ("plain_text",)
        )
    if "confirm" in element:
        findings += _check_confirm(f"{where}.confirm", element["confirm"])
    if kind in _STATIC_MENUS:
        findings += _check_static_menu(where, element)
    elif kind in _CHOICES:
        findings += _check_options(where, element.get("options"), MAX_CHOICE_OPTIONS, min_count=1)
        findings += _check_initial(where, element, _flat_options(element))
    elif kind == "overflow":
        findings += _check_options(where, element.get("options"), 5, min_count=2)
    elif kind in _EXTERNAL_MENUS:
        for key in ("initial_option",):
            if key in element:
                findings += _check_option(f"{where}.{key}", element[key])
        for j, option in enumerate(element.get("initial_options", [])):
            findings += _check_option(f"{where}.initial_options[{j}]", option)
    elif kind == "timepicker" and "initial_time" in element and not _TIME.match(str(element["initial_time"])):
        findings.append(f"{where}.initial_time: {element['initial_time']!r} is not HH:mm")
    elif kind == "datepicker" and "initial_date" in element and not _DATE.match(str(element["initial_date"])):
        findings.append(f"{where}.initial_date: {element['initial_date']!r} is not YYYY-MM-DD")
    elif kind in _TEXT_INPUTS:
        findings += _check_text_input(where, element)
    return findings


def _check_action_id(where: str, element: dict[str, Any], rules: _Rules) -> list[str]:
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
        *_check_text(f"{where}.title", confirm.get("title"), MAX_CONFIRM_TITLE, kinds=("plain_text",)),
        *_check_text(f"{where}.text", confirm.get("text"), MAX_CONFIRM_TEXT),
        *_check_text(f"{where}.confirm", confirm.get("confirm"), MAX_CONFIRM_BUTTON, kinds=("plain_text",)),
        *_check_text(f"{where}.deny", confirm.get("deny"), MAX_CONFIRM_BUTTON, kinds=("plain_text",)),
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
            findings += _check_text(
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
    findings = _check_text(f"{where}.text", option.get("text"), MAX_OPTION_TEXT)
    if "description" in option:
        findings += _check_text(f"{where}.description", option["description"], MAX_OPTION_TEXT)
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


def _check_image(where: str, obj: dict[str, Any]) -> list[str]:
    findings: list[str] = []
    url = obj.get("image_url")
    if not isinstance(url, str) or clean_url(url) != url:
        findings.append(f"{where}.image_url: missing, not http(s), or longer than {MAX_URL}")
    alt = obj.get("alt_text")
    if not isinstance(alt, str) or not alt.strip() or len(alt) > MAX_ALT_TEXT:
        findings.append(f"{where}.alt_text: required, 1..{MAX_ALT_TEXT} characters")
    return findings


def _check_text(
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
