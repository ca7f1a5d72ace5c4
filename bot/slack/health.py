"""Whether posting works. Shared by the poster (which records what Slack answers) and the health
endpoint (which reads it).

States, most serious first (``PostingHealth.status()``):

- ``token_rejected``: Slack answered invalid_auth, token_revoked, account_inactive or not_authed;
  posting is paused until auth.test passes again;
- ``paused``: posting was stopped for another reason (``pause(reason)``, e.g. the database file);
- ``unreachable``: the last call to Slack got no answer (refused, reset, timed out) or a 5xx;
  cleared by the next call Slack answers;
- ``ok``: posting works.

Each state but ``ok`` carries ``since`` (when it began; it stays while the state lasts) and
``reason`` (Slack's error code or the connection failure, never anything secret).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.slack.results import AUTH_ERRORS


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class HealthStatus:
    state: str  # ok | token_rejected | paused | unreachable (HealthReport adds: database)
    since: datetime | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == "ok"


class PostingHealth:
    """Thread-safe. ``clock`` stamps ``since``."""

    def __init__(self, clock: Callable[[], datetime] = _utc_now) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._reason: str | None = None
        self._paused_since: datetime | None = None
        self._unreachable: str | None = None
        self._unreachable_since: datetime | None = None

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
            if self._reason is None:
                self._paused_since = self._clock()
            self._reason = reason

    def resume(self) -> None:
        with self._lock:
            self._reason = None
            self._paused_since = None

    def unreachable(self, reason: str) -> None:
        """A call got no answer (or a 5xx)."""
        with self._lock:
            if self._unreachable is None:
                self._unreachable_since = self._clock()
            self._unreachable = reason

    def reachable(self) -> None:
        """Slack answered a call (whatever it said)."""
        with self._lock:
            self._unreachable = None
            self._unreachable_since = None

    def now(self) -> datetime:
        """The clock that stamps ``since`` (for other states reported beside these)."""
        return self._clock()

    @property
    def is_unreachable(self) -> bool:
        with self._lock:
            return self._unreachable is not None

    def status(self) -> HealthStatus:
        with self._lock:
            if self._reason is not None:
                state = "token_rejected" if self._reason in AUTH_ERRORS else "paused"
                return HealthStatus(state, self._paused_since, self._reason)
            if self._unreachable is not None:
                return HealthStatus("unreachable", self._unreachable_since, self._unreachable)
            return HealthStatus("ok")
