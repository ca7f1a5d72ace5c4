"""Delivering a shared `/news` answer to the channel through the click's response_url, once.

A response_url has no idempotency key either, so the rules are those of chat.postMessage: a 429 is
waited out after its Retry-After and sent again (Slack did nothing); any other 4xx is final (an
expired response_url, say); after a 5xx, a timeout or a dropped connection the message may be in the
channel, so it is sent again only once the channel's history (read from the click on) shows that it
is not there, found by the unique ``block_id`` of the "Shared by" note. When the history cannot be
read (the bot is not in the channel), nothing is sent again: the person is told to look first.
Bounded: at most ``max_wait`` of waiting and ``max_attempts`` sends.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.slack.webhooks import Sent

log = logging.getLogger(__name__)

MAX_WAIT = 60.0
MAX_ATTEMPTS = 4
BACKOFF = 0.5


class Delivery(enum.StrEnum):
    POSTED = "posted"
    NOT_POSTED = "not_posted"  # Slack took nothing; the person may share again
    UNKNOWN = "unknown"  # Slack may have taken it and the channel cannot be checked


@dataclass(frozen=True, slots=True)
class ShareResult:
    delivery: Delivery
    reason: str = ""


def deliver(
    send: Callable[[Mapping[str, Any]], Sent],
    payload: Mapping[str, Any],
    *,
    is_in_channel: Callable[[], bool | None],
    max_wait: float = MAX_WAIT,
    max_attempts: int = MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> ShareResult:
    """``is_in_channel()``: True when the history shows the message, False when it shows it is not
    there, None when the history cannot be read."""
    waited = 0.0
    reason = ""
    for attempt in range(1, max_attempts + 1):
        sent = send(payload)
        if sent.status == 200:
            return ShareResult(Delivery.POSTED)
        if sent.status == 429:
            reason = "Slack kept answering 429 (rate limited)"
            if waited + sent.retry_after > max_wait:
                break
            sleep(sent.retry_after)
            waited += sent.retry_after
            continue
        if sent.status is not None and sent.status < 500:
            return ShareResult(Delivery.NOT_POSTED, f"Slack answered HTTP {sent.status}")
        reason = "Slack did not answer" if sent.status is None else f"Slack answered HTTP {sent.status}"
        found = is_in_channel()
        if found is None:
            log.warning("sharing a /news answer: %s, and the channel cannot be checked", reason)
            return ShareResult(Delivery.UNKNOWN, reason)
        if found:
            return ShareResult(Delivery.POSTED)
        if attempt < max_attempts:
            pause = BACKOFF * 2 ** (attempt - 1)
            sleep(pause)
            waited += pause
    log.warning("sharing a /news answer failed: %s", reason)
    return ShareResult(Delivery.NOT_POSTED, reason)
