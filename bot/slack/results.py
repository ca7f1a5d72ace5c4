"""What one SlackPoster.post call came to. The posting service decides what each means for the store."""

from __future__ import annotations

from dataclasses import dataclass

CHANNEL_GONE_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
# Posting to a direct message: the person left the workspace (checked against auth.test first, as
# account_inactive also names a deactivated bot token).
DM_GONE_ERRORS = frozenset({"user_not_found", "account_inactive", "user_disabled"})
AUTH_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
# ok:false answers that mean "Slack had a problem", not "your request is wrong": worth a retry.
TRANSIENT_ERRORS = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout"})


@dataclass(frozen=True, slots=True)
class Posted:
    """The message is in the channel. ``existing``: an earlier attempt had posted it (found by post_key)."""

    ts: str
    channel: str
    existing: bool = False
    without_images: bool = False


@dataclass(frozen=True, slots=True)
class RateLimited:
    """Slack answered 429: try this channel again after ``retry_after`` seconds (nobody slept)."""

    retry_after: int


@dataclass(frozen=True, slots=True)
class ChannelGone:
    """The channel is deleted, archived, or the bot is not in it: retries will not help."""

    code: str


@dataclass(frozen=True, slots=True)
class AuthFailed:
    """Slack rejected the token; posting is paused everywhere until it is fixed."""

    code: str


@dataclass(frozen=True, slots=True)
class PostFailed:
    """Anything else. ``retryable``: a 5xx, timeout or connection error that outlasted the retries.
    ``maybe_sent``: Slack may have posted it without confirming (the next attempt checks history)."""

    code: str
    retryable: bool
    maybe_sent: bool = False


PostResult = Posted | RateLimited | ChannelGone | AuthFailed | PostFailed
