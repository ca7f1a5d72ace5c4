"""The text pieces of a Block Kit payload: every text object, the mrkdwn Slack parses for links and
mentions, the total Slack counts against a message's size, and the URLs a message links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.compose.mrkdwn import links_in, slack_len


def payload_urls(payload: dict[str, Any]) -> list[str]:
    """Every URL the message links, in order, once each (what the channel has now seen)."""
    urls: dict[str, None] = {}
    for _, piece in parsed_texts(payload):
        urls.update(dict.fromkeys(links_in(piece)))
    return list(urls)


def total_text(fallback: str, blocks: list[dict[str, Any]]) -> int:
    """The characters Slack counts against a message's size: the fallback plus every block text."""
    return slack_len(fallback) + sum(slack_len(t) for _, t in block_texts(blocks))


def text_objects(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        if isinstance(block.get("text"), dict):
            yield block["text"]
        yield from (f for f in block.get("fields", []) if isinstance(f, dict))
        for element in block.get("elements", []):
            if isinstance(element.get("text"), str):
                yield element
            elif isinstance(element.get("text"), dict):
                yield element["text"]


def parsed_texts(payload: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The fallback and every mrkdwn text: the places where Slack parses links and mentions."""
    if isinstance(payload.get("text"), str):
        yield "text", payload["text"]
    blocks = payload.get("blocks")
    if isinstance(blocks, list):
        yield from block_texts(blocks, only_mrkdwn=True)


def block_texts(blocks: list[dict[str, Any]], *, only_mrkdwn: bool = False) -> Iterator[tuple[str, str]]:
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        for obj in text_objects([block]):
            if isinstance(obj.get("text"), str) and (not only_mrkdwn or obj.get("type") == "mrkdwn"):
                yield f"blocks[{i}]", obj["text"]
