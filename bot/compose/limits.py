"""Slack's documented Block Kit limits: trimming a payload to fit (`enforce`), checking it (`check_payload`).

Stories are identified by ``block_id`` ("story-<rank>", "story-<rank>-related", …) so that when a
message is too big the lowest-ranked story goes first, whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bot.compose.mrkdwn import (
    LINK,
    MAX_URL,
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
    seen_ids: set[str] = set()
    for i, block in enumerate(blocks):
        findings += _check_block(f"blocks[{i}]", block, seen_ids)
    for where, piece in _texts(payload):
        findings += [f"{where}: unescaped markup {seq!r}" for seq in unsafe_sequences(piece)]
        findings += [f"{where}: link longer than {MAX_URL}" for url in links_in(piece) if len(url) > MAX_URL]
    total = total_text(text if isinstance(text, str) else "", blocks)
    if total >= MAX_MESSAGE_TEXT:
        findings.append(f"message: {total} characters of text, limit {MAX_MESSAGE_TEXT}")
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


def _check_block(where: str, block: Any, seen_ids: set[str]) -> list[str]:
    if not isinstance(block, dict):
        return [f"{where}: not an object"]
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        return [f"{where}: unknown block type {kind!r}"]
    findings: list[str] = []
    block_id = block.get("block_id")
    if block_id is not None:
        if not isinstance(block_id, str) or not block_id or len(block_id) > MAX_BLOCK_ID:
            findings.append(f"{where}.block_id: must be 1..{MAX_BLOCK_ID} characters")
        elif block_id in seen_ids:
            findings.append(f"{where}.block_id: {block_id!r} repeated")
        else:
            seen_ids.add(block_id)
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
            findings += _check_element(f"{where}.accessory", block["accessory"])
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not elements:
            return [*findings, f"{where}.elements: context needs 1..{MAX_CONTEXT_ELEMENTS} elements"]
        if len(elements) > MAX_CONTEXT_ELEMENTS:
            findings.append(f"{where}.elements: {len(elements)} > {MAX_CONTEXT_ELEMENTS}")
        for j, element in enumerate(elements):
            findings += _check_element(f"{where}.elements[{j}]", element)
    elif kind == "image":
        findings += _check_image(where, block)
    elif kind == "actions":
        for j, element in enumerate(block.get("elements", [])):
            findings += _check_element(f"{where}.elements[{j}]", element)
    return findings


def _check_element(where: str, element: Any) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: not an object"]
    kind = element.get("type")
    if kind == "image":
        return _check_image(where, element)
    if kind in ("mrkdwn", "plain_text"):
        return _check_text(where, element, MAX_SECTION_TEXT)
    if kind == "button":
        findings = _check_text(f"{where}.text", element.get("text"), MAX_BUTTON_TEXT, kinds=("plain_text",))
        url = element.get("url")
        if url is not None and (not isinstance(url, str) or len(url) > MAX_URL):
            findings.append(f"{where}.url: longer than {MAX_URL}")
        return findings
    return [f"{where}: unsupported element type {kind!r}"]


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
