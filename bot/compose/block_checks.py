"""Checking a message payload (`check_payload`) or a Home tab / modal view (`check_view`) against
Slack's documented limits and our safety rules; both walk their blocks with the same block checks."""

from __future__ import annotations

from typing import Any

from bot.compose.element_checks import Rules, check_element, check_image, check_text
from bot.compose.mrkdwn import MAX_URL, VIEW_SEQUENCE, links_in, unsafe_sequences
from bot.compose.payload_texts import block_texts, parsed_texts, total_text
from bot.compose.slack_limits import (
    CONTEXT_ELEMENTS,
    INPUT_ELEMENTS,
    INTERACTIVE_ELEMENTS,
    MAX_ACTIONS_ELEMENTS,
    MAX_BLOCK_ID,
    MAX_BLOCKS,
    MAX_CALLBACK_ID,
    MAX_CONTEXT_ELEMENTS,
    MAX_EXTERNAL_ID,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_HINT,
    MAX_LABEL,
    MAX_MESSAGE_TEXT,
    MAX_PRIVATE_METADATA,
    MAX_SECTION_TEXT,
    MAX_VIEW_BLOCKS,
    MAX_VIEW_TITLE,
    VIEW_BLOCK_TYPES,
    VIEW_TYPES,
)


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
    rules = Rules()
    for i, block in enumerate(blocks):
        findings += _check_block(f"blocks[{i}]", block, rules)
    for where, piece in parsed_texts(payload):
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
        findings += check_text("title", view.get("title"), MAX_VIEW_TITLE, kinds=("plain_text",))
        for key in ("submit", "close"):
            if key in view:
                findings += check_text(key, view[key], MAX_VIEW_TITLE, kinds=("plain_text",))
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
    rules = Rules(block_types=VIEW_BLOCK_TYPES, view=True)
    for i, block in enumerate(blocks):
        findings += _check_block(f"blocks[{i}]", block, rules)
    for where, piece in block_texts(blocks, only_mrkdwn=True):
        findings += [f"{where}: unescaped markup {seq!r}" for seq in unsafe_sequences(piece, VIEW_SEQUENCE)]
        findings += [f"{where}: link longer than {MAX_URL}" for url in links_in(piece) if len(url) > MAX_URL]
    return findings


def _check_block(where: str, block: Any, rules: Rules) -> list[str]:
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
        findings += check_text(f"{where}.text", block.get("text"), MAX_HEADER_TEXT, kinds=("plain_text",))
    elif kind == "section":
        if "text" not in block and "fields" not in block:
            findings.append(f"{where}: section needs text or fields")
        if "text" in block:
            findings += check_text(f"{where}.text", block["text"], MAX_SECTION_TEXT)
        for j, field in enumerate(block.get("fields", [])):
            findings += check_text(f"{where}.fields[{j}]", field, MAX_FIELD_TEXT)
        if "accessory" in block:
            findings += check_element(f"{where}.accessory", block["accessory"], rules)
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            return [*findings, f"{where}.elements: context needs 1..{MAX_CONTEXT_ELEMENTS} elements"]
        if len(elements) > MAX_CONTEXT_ELEMENTS:
            findings.append(f"{where}.elements: {len(elements)} > {MAX_CONTEXT_ELEMENTS}")
        findings += _check_elements(
            where, elements, rules, CONTEXT_ELEMENTS, "a context holds only text and images"
        )
    elif kind == "image":
        findings += check_image(where, block)
    elif kind == "actions":
        findings += _check_actions(where, block, rules)
    elif kind == "input":
        findings += _check_input(where, block, rules)
    return findings


def _check_actions(where: str, block: dict[str, Any], rules: Rules) -> list[str]:
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
    where: str, elements: list[Any], rules: Rules, allowed: frozenset[str], refusal: str
) -> list[str]:
    """Each element of a context or actions block; in a view, one whose type is not ``allowed`` is
    refused with ``refusal`` ({kind}: its type) instead of being checked."""
    findings: list[str] = []
    for j, element in enumerate(elements):
        if rules.view and isinstance(element, dict) and element.get("type") not in allowed:
            findings.append(f"{where}.elements[{j}]: " + refusal.format(kind=element.get("type")))
            continue
        findings += check_element(f"{where}.elements[{j}]", element, rules)
    return findings


def _check_input(where: str, block: dict[str, Any], rules: Rules) -> list[str]:
    findings = check_text(f"{where}.label", block.get("label"), MAX_LABEL, kinds=("plain_text",))
    if "hint" in block:
        findings += check_text(f"{where}.hint", block["hint"], MAX_HINT, kinds=("plain_text",))
    if "optional" in block and not isinstance(block["optional"], bool):
        findings.append(f"{where}.optional: must be true or false")
    element = block.get("element")
    if not isinstance(element, dict) or element.get("type") not in INPUT_ELEMENTS:
        kind = element.get("type") if isinstance(element, dict) else None
        return [*findings, f"{where}.element: {kind!r} is not an input element"]
    return findings + check_element(f"{where}.element", element, rules)
