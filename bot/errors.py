"""The exception tree. Catch where a user needs an answer; let the rest reach one error handler."""

from __future__ import annotations

import enum


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


class DatabaseFileError(StoreError):
    """The SQLite file under a running store was deleted, replaced or made read-only; nothing was written.

    ``path``: the database file; ``problem``: "deleted", "replaced" or "read-only".
    """

    def __init__(self, path: str, problem: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.problem = problem


class ChannelLookupError(QueryError):
    """Slack could not look a channel up or join it. ``code``: Slack's error string ("no_answer"
    when Slack did not answer), for the caller that words the reply."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class ChannelProblemKind(enum.StrEnum):
    DIRECT_MESSAGE = "direct_message"  # a digest was asked to post to a DM
    NOT_VISIBLE = "not_visible"  # unknown, or private without the bot
    ARCHIVED = "archived"
    PRIVATE_NOT_MEMBER = "private_not_member"  # the bot needs an invitation
    JOIN_REFUSED = "join_refused"  # Slack refused conversations.join (``code`` says why)


class ChannelProblem(QueryError):
    """A channel a digest cannot use; nothing was saved. The listener words it from the fields:
    ``channel`` is the channel as asked for (``<#C…>`` or ``#name``; "" for the channel the command
    was run in), ``code`` Slack's answer when there was one."""

    def __init__(self, kind: ChannelProblemKind, *, channel: str = "", code: str = "") -> None:
        super().__init__(f"{kind}: {channel or 'this channel'}" + (f" ({code})" if code else ""))
        self.kind = kind
        self.channel = channel
        self.code = code


class DigestProblemKind(enum.StrEnum):
    FILE_OWNED = "file_owned"  # defined in digests/*.yaml: ``origin`` names the file, ``verb`` the change
    SEVERAL = "several"  # more than one digest posts to the channel: ``names``
    NO_SUCH_DIGEST = "no_such_digest"
    WRONG_CHANNEL = "wrong_channel"  # the digest posts to ``posts_to``, not ``channel``
    NONE_IN_CHANNEL = "none_in_channel"  # no digest posts to ``channel`` ("" = this channel)


class DigestProblem(QueryError):
    """A `/news-admin` request naming digests that cannot be done as asked; nothing was saved.
    ``action`` is the command (subscribe, unsubscribe, preview, post); the listener words it."""

    def __init__(
        self,
        kind: DigestProblemKind,
        *,
        action: str,
        name: str = "",
        names: tuple[str, ...] = (),
        origin: str = "",
        verb: str = "",
        channel: str = "",
        posts_to: str = "",
    ) -> None:
        super().__init__(f"{kind}: {name or ', '.join(names) or channel or 'this channel'}")
        self.kind = kind
        self.action = action
        self.name = name
        self.names = names
        self.origin = origin
        self.verb = verb
        self.channel = channel
        self.posts_to = posts_to


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
