"""Whether posting works. Shared by the poster (which pauses it) and the health endpoint (which reads it)."""

from __future__ import annotations

import threading


class PostingHealth:
    """Paused after Slack rejects the token (invalid_auth, token_revoked, account_inactive).

    Thread-safe. ``reason`` is Slack's error code, never anything secret.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None

    @property
    def paused(self) -> bool:
        with self._lock:
            return self._reason is not None

    @property
    def reason(self) -> str | None:
        with self._lock:
            return self._reason

    def pause(self, reason: str) -> None:
        with self._lock:
            self._reason = reason

    def resume(self) -> None:
        with self._lock:
            self._reason = None
