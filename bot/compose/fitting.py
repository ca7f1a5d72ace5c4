"""Trimming a message payload to fit Slack's limits (`enforce`), and dropping its images for a retry
(`without_images`).

Stories are identified by ``block_id`` ("story-<rank>", "story-<rank>-related", …) so that when a
message is too big the lowest-ranked story goes first, whole.
"""

from __future__ import annotations

import re
from typing import Any

from bot.compose.mrkdwn import LINK, MAX_URL, clean_url, clip, slack_len, trim_mrkdwn
from bot.compose.payload_texts import text_objects, total_text
from bot.compose.slack_limits import (
    MAX_ALT_TEXT,
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_CONTEXT_ELEMENTS,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_MESSAGE_TEXT,
    MAX_SECTION_TEXT,
)

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
        holders = [payload, *(obj for obj in text_objects(blocks))]
        longest = max(holders, key=lambda obj: slack_len(obj["text"]))
        size = slack_len(longest["text"])
        target = max(size - excess, size // 2, 1)
        is_mrkdwn = longest is payload or longest.get("type") == "mrkdwn"
        longest["text"] = trim_mrkdwn(longest["text"], target) if is_mrkdwn else clip(longest["text"], target)


def _is_image(obj: Any) -> bool:
    return isinstance(obj, dict) and obj.get("type") == "image"
