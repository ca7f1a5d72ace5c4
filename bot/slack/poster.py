"""Posting one message so that it lands once, whatever Slack answers.

Each message carries ``post_key`` in its metadata. After any attempt that may have reached Slack
(a 5xx, a timeout, a dropped connection, or an earlier claim of the same occurrence), the channel's
history is searched for that key before posting again, so a retry never duplicates a post: every
page from ``since`` (the first attempt, less HISTORY_MARGIN for clock skew) up to now, however many
messages arrived meanwhile. Reads (history, channel look-ups, auth.test) go through ``reader``, a
client with retry handlers; chat.postMessage through ``client``, which never retries by itself.
A 429 is handed back to the caller with its Retry-After instead of sleeping here: the caller defers
that one channel and the others keep posting.
"""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.channel_refs import is_conversation_id, is_dm_id
from bot.compose.fitting import without_images as strip_images
from bot.slack.channels import find_channel, join_channel
from bot.slack.health import PostingHealth
from bot.slack.results import (
    AUTH_ERRORS,
    CHANNEL_GONE_ERRORS,
    DM_GONE_ERRORS,
    TRANSIENT_ERRORS,
    AuthFailed,
    ChannelGone,
    Posted,
    PostFailed,
    PostResult,
    RateLimited,
)

log = logging.getLogger(__name__)

EVENT_TYPE = "newsbot_digest"
# Slack's clock and ours may differ a little; history is searched from this long before ``since``.
HISTORY_MARGIN = timedelta(minutes=10)
# A sanity bound on the history search (200 messages a page): a million messages in one channel
# since the first attempt is not a case to page through.
MAX_HISTORY_PAGES = 5000


def unreachable(err: BaseException) -> str:
    """A connection failure as a person reads it: "Slack unreachable: Connection refused"."""
    reason = getattr(err, "reason", None) or err  # urllib's URLError wraps the socket error
    detail = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
    return f"Slack unreachable: {detail}"[:120]


class _Transient(Exception):
    """A failure after which the request may or may not have taken effect."""

    def __init__(self, code: str, *, maybe_sent: bool = True) -> None:
        super().__init__(code)
        self.code = code
        self.maybe_sent = maybe_sent  # False: the request never reached Slack (connection refused)


class _Refused(Exception):
    """Slack answered and did nothing: ok:false or 429 (with its Retry-After)."""

    def __init__(self, code: str, retry_after: int = 1) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


class SlackPoster:
    """Posts payloads (chat.postMessage keyword arguments: text, blocks, unfurl_*) to channels.

    ``retries`` extra attempts follow a 5xx or connection failure, after ``backoff * 2**n`` seconds
    (``sleep`` is injectable so tests need not wait). History is read ``history_limit`` messages a
    page. ``reader`` (default: ``client``) serves the read-only calls.
    """

    def __init__(
        self,
        client: WebClient,
        health: PostingHealth,
        *,
        reader: WebClient | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        history_limit: int = 200,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.reader = reader or client
        self.health = health
        self._retries = retries
        self._backoff = backoff
        self._history_limit = history_limit
        self._sleep = sleep
        self._channel_ids: dict[str, str] = {}

    def post(
        self,
        channel: str,
        payload: Mapping[str, Any],
        *,
        post_key: str,
        check_history: bool,
        since: datetime | None = None,
    ) -> PostResult:
        """Post once. ``since``: when the first attempt at this post_key was made (the history check
        reads every message from then on); None reads only the newest page."""
        body = dict(payload)
        without_images = joined = False
        attempt = 0
        # Whether the message may be in the channel unconfirmed: an earlier attempt may have posted
        # it (check_history) until the history says otherwise; a send that got no clear answer may.
        maybe_sent = check_history
        while True:
            sending = False
            try:
                if check_history:
                    ts = self._find_post(channel, post_key, since)
                    if ts is not None:
                        log.info("post %s already in %s (ts %s); not posting again", post_key, channel, ts)
                        return Posted(ts, self._channel_ids.get(channel, channel), existing=True)
                    maybe_sent = False
                sending = True
                return self._send(channel, body, post_key, without_images)
            except _Transient as err:
                attempt += 1
                check_history = True
                maybe_sent = maybe_sent or (sending and err.maybe_sent)
                if attempt > self._retries:
                    log.warning("posting %s to %s failed %d times: %s", post_key, channel, attempt, err.code)
                    return PostFailed(err.code, retryable=True, maybe_sent=maybe_sent)
                self._sleep(self._backoff * 2 ** (attempt - 1))
            except _Refused as err:
                if err.code == "invalid_blocks" and not without_images:
                    log.info("Slack refused the blocks for %s; retrying without images", channel)
                    body = strip_images(body)
                    without_images = True
                    continue
                if err.code == "not_in_channel" and not joined:
                    joined = True  # a public channel the bot was removed from: join it again, once
                    failure = self._join(channel)
                    if failure is None:
                        continue
                    if isinstance(failure, _Transient):  # the join may work next time: no disabling
                        return PostFailed(failure.code, retryable=True)
                    if failure.code == "ratelimited" or failure.code in AUTH_ERRORS:
                        return self._classify(channel, failure)
                return self._classify(channel, err)

    def notify(self, user: str, text: str) -> bool:
        """Send a plain message to a user (the app's DM with them). False when Slack refuses."""
        try:
            self.client.chat_postMessage(channel=user, text=text)
        except SlackApiError as err:
            log.warning("could not notify %s: %s", user, err.response.get("error"))
            return False
        except OSError as err:
            log.warning("could not notify %s: %s", user, err)
            return False
        return True

    def check_auth(self) -> bool:
        """Ask auth.test whether the token works; resume posting when it does, pause when rejected."""
        return self.whoami() is not None

    def whoami(self) -> dict[str, Any] | None:
        """auth.test's answer (team_id, user_id, bot_id, …) when the token works, else None; pauses
        and resumes posting as ``check_auth`` says."""
        try:
            response = self._call(self.reader.auth_test)
        except _Refused as err:
            if err.code in AUTH_ERRORS:
                self._pause(err.code)
            return None
        except _Transient:
            return None
        self.health.resume()
        return dict(response.data) if isinstance(response.data, dict) else {}

    def find_block(self, channel: str, block_id: str, since: datetime) -> bool | None:
        """Whether a message with a block ``block_id`` is in the channel's history from ``since``
        (less HISTORY_MARGIN); None when the history cannot be read (not a member, no answer)."""
        try:
            return any(
                block.get("block_id") == block_id
                for message in self._history(channel, since, metadata=False)
                for block in message.get("blocks") or []
            )
        except (_Refused, _Transient) as err:
            log.info("cannot read the history of %s: %s", channel, err.code)
            return None

    def resolve_channel(self, channel: str) -> str | None:
        """The channel ID for an ID, a name or '#name'; None when Slack does not know it (or cannot say)."""
        try:
            return self._resolve(channel)
        except (_Refused, _Transient) as err:
            log.info("cannot resolve channel %r: %s", channel, err.code)
            return None

    # --- internals ------------------------------------------------------------------------------
    def _send(self, channel: str, body: dict[str, Any], post_key: str, without_images: bool) -> Posted:
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"post_key": post_key}}
        response = self._call(self.client.chat_postMessage, channel=channel, metadata=metadata, **body)
        channel_id = str(response.get("channel") or channel)
        self._channel_ids[channel] = channel_id
        return Posted(str(response["ts"]), channel_id, existing=False, without_images=without_images)

    def _join(self, channel: str) -> _Refused | _Transient | None:
        """None once joined; else why not (a private channel answers method_not_supported_…)."""
        try:
            self._call(join_channel, client=self.client, channel_id=self._resolve(channel))
        except (_Refused, _Transient) as err:
            log.info("cannot join %s: %s", channel, err.code)
            return err
        log.info("joined %s again", channel)
        return None

    def _find_post(self, channel: str, post_key: str, since: datetime | None) -> str | None:
        for message in self._history(self._resolve(channel), since, metadata=True):
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == EVENT_TYPE and payload.get("post_key") == post_key:
                return str(message["ts"])
        return None

    def _history(
        self, channel_id: str, since: datetime | None, *, metadata: bool
    ) -> Iterator[dict[str, Any]]:
        """The channel's messages, newest first: every page back to ``since`` (less HISTORY_MARGIN);
        without ``since``, the newest page only."""
        oldest = None if since is None else f"{(since - HISTORY_MARGIN).timestamp():.6f}"
        cursor: str | None = None
        for _ in range(MAX_HISTORY_PAGES):
            response = self._call(
                self.reader.conversations_history,
                channel=channel_id,
                limit=self._history_limit,
                oldest=oldest,
                cursor=cursor,
                include_all_metadata=metadata or None,
            )
            yield from response.get("messages") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if since is None or not cursor or not response.get("has_more", True):
                return
        log.warning("history of %s: stopped after %d pages", channel_id, MAX_HISTORY_PAGES)

    def _resolve(self, channel: str) -> str:
        """conversations.history needs an ID; a digest may name its channel."""
        if is_conversation_id(channel):
            return channel
        if channel in self._channel_ids:
            return self._channel_ids[channel]
        info = self._call(find_channel, client=self.reader, name=channel)
        if info is None:
            raise _Refused("channel_not_found")
        if info.get("is_archived"):
            raise _Refused("is_archived")
        self._channel_ids[channel] = str(info["id"])
        return str(info["id"])

    def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        """One Web API call. Raises _Transient when it may or may not have taken effect, else _Refused."""
        try:
            response = method(**kwargs)
        except SlackApiError as err:
            status = int(getattr(err.response, "status_code", 200))
            code = str(err.response.get("error") or f"http_{status}")
            if status >= 500:
                self.health.unreachable(f"Slack answered HTTP {status}")
                raise _Transient(f"http_{status}") from err
            self.health.reachable()
            if code in TRANSIENT_ERRORS and status != 429:
                raise _Transient(code) from err
            if status == 429:
                raise _Refused("ratelimited", _retry_after(err)) from err
            raise _Refused(code) from err
        except (OSError, http.client.HTTPException) as err:  # timeouts, refused or dropped connections
            self.health.unreachable(unreachable(err))
            refused = isinstance(getattr(err, "reason", err), ConnectionRefusedError)
            raise _Transient(unreachable(err), maybe_sent=not refused) from err
        self.health.reachable()
        return response

    def _classify(self, channel: str, err: _Refused) -> PostResult:
        if err.code == "ratelimited":
            log.info("rate limited posting to %s; retry after %ds", channel, err.retry_after)
            return RateLimited(err.retry_after)
        if err.code in CHANNEL_GONE_ERRORS:
            log.warning("channel %s is gone for newsbot: %s", channel, err.code)
            return ChannelGone(err.code)
        if is_dm_id(channel) and err.code in DM_GONE_ERRORS and self._token_works():
            # The person at the other end of the DM left the workspace (or was deactivated): Slack
            # answers about them, not about the bot's token, which auth.test has just confirmed.
            log.warning("the user of direct message %s is gone: %s", channel, err.code)
            return ChannelGone(err.code)
        if err.code in AUTH_ERRORS:
            self._pause(err.code)
            return AuthFailed(err.code)
        log.warning("Slack refused a post to %s: %s", channel, err.code)
        return PostFailed(err.code, retryable=False)

    def _token_works(self) -> bool:
        try:
            self.client.auth_test()
        except (SlackApiError, OSError, http.client.HTTPException):
            return False
        return True

    def _pause(self, code: str) -> None:
        log.error("Slack rejected the bot token (%s): posting is paused until the token is fixed", code)
        self.health.pause(code)


def _retry_after(err: SlackApiError) -> int:
    headers = getattr(err.response, "headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return max(1, int(str(value[0] if isinstance(value, list) else value)))
    except (TypeError, ValueError):
        return 1
