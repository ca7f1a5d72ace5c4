"""The WebClient factory. One place decides how newsbot talks HTTP to Slack.

Two kinds of client:

- ``make_client``: for chat.postMessage (and the other calls that change something). No retry
  handlers: slack_sdk's default one silently re-sends a request after a connection error, which
  could post a digest twice, and its rate-limit handler sleeps in the calling thread, which would
  hold up every other channel. SlackPoster decides about retries instead (post key, history check).
- ``make_read_client``: for read-only calls (users.info, conversations.info/list/history, auth.test),
  which are safe to repeat. It retries one 429 (after Retry-After, when that is short), a 500/503
  and a dropped connection, with slack_sdk's retry handlers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.metrics import Metrics
from bot.settings import DEFAULT_SLACK_API_URL

READ_RETRIES = 2
# A read waits out a Retry-After up to this long; a longer one is answered as the 429 it is.
MAX_READ_WAIT = 5.0


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
    """A WebClient for ``base_url`` (SLACK_API_URL; a missing trailing '/' is added), without retries.
    ``metrics``: count the calls (bot.metrics)."""
    return MeteredWebClient(
        token=token, base_url=_url(base_url), timeout=timeout, retry_handlers=[], metrics=metrics
    )


def make_read_client(
    token: str,
    base_url: str = DEFAULT_SLACK_API_URL,
    *,
    timeout: int = 10,
    max_wait: float = MAX_READ_WAIT,
    sleep: Callable[[float], None] = time.sleep,
    metrics: Metrics | None = None,
) -> WebClient:
    """A WebClient for read-only calls: retries rate limits (Retry-After ≤ ``max_wait``), 5xx and
    dropped connections. Never use it for chat.postMessage."""
    handlers: list[RetryHandler] = [
        ShortRateLimitRetryHandler(max_retry_count=READ_RETRIES, max_wait=max_wait, sleep=sleep),
        ServerErrorRetryHandler(max_retry_count=READ_RETRIES),
        ConnectionErrorRetryHandler(max_retry_count=READ_RETRIES),
    ]
    return MeteredWebClient(
        token=token, base_url=_url(base_url), timeout=timeout, retry_handlers=handlers, metrics=metrics
    )


class ShortRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk's RateLimitErrorRetryHandler, but only for a Retry-After of at most ``max_wait``
    seconds (a read made while someone waits must not hang for a minute), slept exactly."""

    def __init__(
        self, *, max_retry_count: int, max_wait: float, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._max_wait = max_wait
        self._sleep = sleep

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response) <= self._max_wait

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self._sleep(_retry_after(response) if response is not None else 1.0)
        state.increment_current_attempt()


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after":
            value = values[0] if isinstance(values, list) and values else values
            try:
                return max(0.0, float(str(value)))
            except ValueError:
                return 1.0
    return 1.0


def _url(base_url: str) -> str:
    return base_url if base_url.endswith("/") else base_url + "/"
