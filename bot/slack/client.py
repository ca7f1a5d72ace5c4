"""The WebClient factory. One place decides how newsbot talks HTTP to Slack."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.settings import DEFAULT_SLACK_API_URL


def make_client(token: str, base_url: str = DEFAULT_SLACK_API_URL, *, timeout: int = 10) -> WebClient:
    """A WebClient for ``base_url`` (SLACK_API_URL; a missing trailing '/' is added).

    No retry handlers: slack_sdk's default one silently re-sends a request after a connection error,
    which could post a digest twice, and its rate-limit handler sleeps in the calling thread, which
    would hold up every other channel. SlackPoster decides about retries instead.
    """
    url = base_url if base_url.endswith("/") else base_url + "/"
    return WebClient(token=token, base_url=url, timeout=timeout, retry_handlers=[])
