"""The exception tree. Catch where a user needs an answer; let the rest reach one error handler."""

from __future__ import annotations


class NewsbotError(Exception):
    """Base of every error newsbot raises on purpose. ``str(err)`` is a message fit for a user."""


class ConfigError(NewsbotError):
    """Settings or a digest definition are missing or malformed (names the setting/file and key)."""


class ArticleError(NewsbotError):
    """One article file cannot be used; the loader skips it with this message as the reason."""


class ArticlesUnavailableError(NewsbotError):
    """An articles folder does not exist or cannot be read."""


class QueryError(NewsbotError):
    """A topic lookup or a command argument that cannot be answered; the message says what would work."""


class StoreError(NewsbotError):
    """The store cannot complete an operation (database unreadable, migration failed, ...)."""


class SlackPostError(NewsbotError):
    """Posting to Slack failed in a way retries will not fix. ``code`` is Slack's error string."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(message or f"Slack answered {code}")
        self.code = code


class FeedError(NewsbotError):
    """One feed could not be read or used. ``url`` names the feed; ``reason`` says why, for a user."""

    def __init__(self, url: str, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.retry_after = retry_after  # seconds the server asked us to wait (Retry-After), if any

    def __reduce__(self) -> tuple[type[FeedError], tuple[str, str], dict[str, float | None]]:
        # Crosses a process boundary (parsing runs in worker processes) with its fields intact.
        return (FeedError, (self.url, self.reason), {"retry_after": self.retry_after})
