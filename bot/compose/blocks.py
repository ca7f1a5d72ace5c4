"""Block Kit builders: plain dicts in the shapes chat.postMessage accepts (no Slack SDK objects)."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]


def mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not auto-link bare URLs or channel names found in article text.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def header(text: str, block_id: str | None = None) -> Block:
    return _with_id({"type": "header", "text": plain(text)}, block_id)


def section(text: str, *, accessory: dict[str, Any] | None = None, block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if accessory is not None:
        block["accessory"] = accessory
    return _with_id(block, block_id)


def image_accessory(url: str, alt_text: str) -> dict[str, Any]:
    return {"type": "image", "image_url": url, "alt_text": alt_text}


def context(texts: list[str], block_id: str | None = None) -> Block:
    return _with_id({"type": "context", "elements": [mrkdwn(t) for t in texts]}, block_id)


def divider(block_id: str | None = None) -> Block:
    return _with_id({"type": "divider"}, block_id)


def message(text: str, blocks: list[Block]) -> dict[str, Any]:
    """A chat.postMessage payload; unfurls off so Slack adds no previews of the linked articles."""
    return {"text": text, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def _with_id(block: Block, block_id: str | None) -> Block:
    if block_id is not None:
        block["block_id"] = block_id
    return block
