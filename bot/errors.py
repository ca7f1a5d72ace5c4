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


class ChannelLookupError(QueryError):
    """Slack could not look a channel up or join it. ``code``: Slack's error string ("no_answer"
    when Slack did not answer), for the caller that words the reply."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code
