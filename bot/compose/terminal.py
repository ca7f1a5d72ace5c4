"""A readable terminal rendering of a chat.postMessage payload, for `newsbot preview` and `query`.

Links become "title (url)" (in context lines just "title", as Slack shows them: a related line
of five outlets stays readable), Slack dates their UTC fallback, bold titles ANSI bold on a terminal.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from bot.compose.mrkdwn import LINK, unescape, utc_label

BOLD, RESET = "\033[1m", "\033[0m"
RULE = "─" * 60

_DATE = re.compile(r"<!date\^(\d+)\^[^|<>]*\|[^<>]*>")
_BOLD_LINK = re.compile(r"\*<(https?://[^\s<>|]+)\|([^<>]*)>\*")
_BOLD = re.compile(r"(?<![\w*])\*([^*\n<>]+?)\*(?![\w*])")


def render_text(payload: dict[str, Any], *, ansi: bool = False) -> str:
    """The message as plain lines: header underlined, sections, indented context, rules for dividers."""
    lines: list[str] = []
    for block in payload.get("blocks", []):
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            lines += [_bold(title, ansi), "═" * min(len(title), 60)]
        elif kind == "section":
            lines += ["", *_text(block.get("text", {}), ansi).splitlines()]
            accessory = block.get("accessory") or {}
            if accessory.get("type") == "image":
                lines.append(f"[image: {accessory.get('image_url')}]")
        elif kind == "context":
            for element in block.get("elements", []):
                if "text" in element:
                    lines += [f"  {line}" for line in _text(element, ansi, urls=False).splitlines()]
        elif kind == "divider":
            lines += ["", RULE]
        elif kind == "actions":
            buttons = [e.get("text", {}).get("text", "") for e in block.get("elements", [])]
            lines.append("  ".join(f"[{b}]" for b in buttons))
    return "\n".join(lines).strip("\n") + "\n"


def mrkdwn_to_text(text: str, *, ansi: bool = False, urls: bool = True) -> str:
    """Plain text of a piece of mrkdwn; ``urls=False`` shows a labelled link as its label only."""

    def plain_link(m: re.Match[str]) -> str:
        label, url = m.group(2), m.group(1)
        if not label:
            return url
        return f"{label} ({url})" if urls else label

    text = _DATE.sub(lambda m: utc_label(datetime.fromtimestamp(int(m.group(1)), tz=UTC)), text)
    text = _BOLD_LINK.sub(lambda m: f"{_bold(m.group(2), ansi)} ({m.group(1)})", text)
    text = LINK.sub(plain_link, text)
    text = _BOLD.sub(lambda m: _bold(m.group(1), ansi), text)
    return unescape(text)


def _text(obj: dict[str, Any], ansi: bool, *, urls: bool = True) -> str:
    text = str(obj.get("text", ""))
    return mrkdwn_to_text(text, ansi=ansi, urls=urls) if obj.get("type") == "mrkdwn" else text


def _bold(text: str, ansi: bool) -> str:
    return f"{BOLD}{text}{RESET}" if ansi else text
