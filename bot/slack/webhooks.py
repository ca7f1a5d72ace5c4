"""Sending to a response_url without slack_sdk's automatic re-send after a dropped connection
(Bolt's ``respond`` has it), which could share an answer twice: bot.services.sharing decides."""

from __future__ import annotations

import contextlib
import http.client
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Sent:
    """What one send came to: the HTTP status (None: no answer at all) and Retry-After seconds."""

    status: int | None
    retry_after: float = 1.0


def send_response(url: str, payload: Mapping[str, Any], *, timeout: int = 10) -> Sent:
    """POST ``payload`` to the response_url once; the status (None when nothing answered)."""
    client = WebhookClient(url, timeout=timeout, retry_handlers=[])
    try:
        response = client.send_dict(dict(payload))
    except (OSError, http.client.HTTPException, SlackClientError) as err:
        log.info("response_url did not answer: %r", err)
        return Sent(None)
    retry_after = 1.0
    for name, value in (response.headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            with contextlib.suppress(ValueError):
                retry_after = max(0.0, float(str(raw)))
    return Sent(response.status_code, retry_after)
