"""The WebClient factory. One place decides how newsbot talks HTTP to Slack."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.metrics import Metrics
from bot.settings import DEFAULT_SLACK_API_URL


class MeteredWebClient(WebClient):
    """A WebClient that counts every call by method and HTTP status, and every 429 with its
    Retry-After (bot.metrics), when given ``metrics``."""

    def __init__(self, *args: Any, metrics: Metrics | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        if self.metrics is None:
            return super().api_call(api_method, **kwargs)
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as err:
            self._count(api_method, int(getattr(err.response, "status_code", 0) or 0), err.response)
            raise
        except Exception:
            self._count(api_method, 0, None)
            raise
        self._count(api_method, response.status_code, response)
        return response

    def _count(self, method: str, status: int, response: SlackResponse | None) -> None:
        metrics = self.metrics
        assert metrics is not None
        metrics.slack_calls.labels(method, str(status)).inc()
        if status == 429:
            metrics.rate_limited.labels(method).inc()
            headers = getattr(response, "headers", None) or {}
            value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
            try:
                seconds = float(str(value[0] if isinstance(value, list) else value))
            except (TypeError, ValueError):
                seconds = 1.0
            metrics.retry_after.inc(max(seconds, 0.0))


def make_client(
    token: str, base_url: str = DEFAULT_SLACK_API_URL, *, timeout: int = 10, metrics: Metrics | None = None
) -> WebClient:
    """A WebClient for ``base_url`` (SLACK_API_URL; a missing trailing '/' is added).

    No retry handlers: slack_sdk's default one silently re-sends a request after a connection error,
    which could post a digest twice, and its rate-limit handler sleeps in the calling thread, which
    would hold up every other channel. SlackPoster decides about retries instead. ``metrics``:
    count the calls (bot.metrics).
    """
    url = base_url if base_url.endswith("/") else base_url + "/"
    return MeteredWebClient(token=token, base_url=url, timeout=timeout, retry_handlers=[], metrics=metrics)
