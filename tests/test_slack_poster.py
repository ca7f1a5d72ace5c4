"""SlackPoster against the Slack stand-in over real HTTP: each failure lands the post once or not at all."""

from __future__ import annotations

from typing import Any

import pytest

from bot.slack.client import make_client
from bot.slack.health import PostingHealth
from bot.slack.poster import EVENT_TYPE, SlackPoster
from bot.slack.results import AuthFailed, ChannelGone, Posted, PostFailed, RateLimited
from tests.fakeslack import FakeSlack, Fault

TOKEN = "xoxb-test-token"


def payload() -> dict[str, Any]:
    return {
        "text": "AI digest",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "AI digest"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "<https://example.com/a|Story A>"},
                "accessory": {"type": "image", "image_url": "https://img.example/a.png", "alt_text": "a"},
            },
            {"type": "image", "image_url": "https://img.example/b.png", "alt_text": "b"},
            {"type": "context", "elements": [{"type": "image", "image_url": "x", "alt_text": "x"}]},
        ],
        "unfurl_links": False,
        "unfurl_media": False,
    }


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_poster(fake: FakeSlack, *, timeout: int = 5, sleeps: Sleeps | None = None) -> SlackPoster:
    client = make_client(TOKEN, fake.url.rstrip("/"), timeout=timeout)
    return SlackPoster(client, PostingHealth(), retries=3, backoff=0.5, sleep=sleeps or Sleeps())


def methods(fake: FakeSlack) -> list[str]:
    return [c.method for c in fake.calls]


def test_post_sends_payload_with_post_key_metadata(fake_slack: FakeSlack) -> None:
    result = make_poster(fake_slack).post("C1", payload(), post_key="k-1", check_history=False)

    assert isinstance(result, Posted) and not result.existing and result.channel == "C1"
    [message] = fake_slack.messages("C1")
    assert message["ts"] == result.ts
    assert message["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"post_key": "k-1"}}
    [call] = fake_slack.calls
    assert call.params["unfurl_links"] is False
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"


def test_rate_limit_returns_retry_after_without_sleeping(fake_slack: FakeSlack) -> None:
    sleeps = Sleeps()
    fake_slack.fail("chat.postMessage", Fault.rate_limited(retry_after=7))

    result = make_poster(fake_slack, sleeps=sleeps).post("C1", payload(), post_key="k", check_history=False)

    assert result == RateLimited(retry_after=7)
    assert sleeps.delays == []
    assert fake_slack.messages("C1") == []


def test_server_error_is_retried_with_backoff_after_checking_history(fake_slack: FakeSlack) -> None:
    sleeps = Sleeps()
    fake_slack.fail("chat.postMessage", Fault.server_error(), Fault.server_error())

    result = make_poster(fake_slack, sleeps=sleeps).post("C1", payload(), post_key="k", check_history=False)

    assert isinstance(result, Posted) and not result.existing
    assert len(fake_slack.messages("C1")) == 1
    assert sleeps.delays == [0.5, 1.0]
    assert methods(fake_slack) == [
        "chat.postMessage",
        "conversations.history",
        "chat.postMessage",
        "conversations.history",
        "chat.postMessage",
    ]
    history = fake_slack.calls_to("conversations.history")[0]
    assert history.params["include_all_metadata"] in ("1", "true", True)


def test_server_error_after_posting_is_not_duplicated(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Fault.server_error_after())

    result = make_poster(fake_slack).post("C1", payload(), post_key="k-500", check_history=False)

    [message] = fake_slack.messages("C1")
    assert result == Posted(message["ts"], "C1", existing=True)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_timeout_after_posting_is_not_duplicated(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Fault.slow(1.6))

    result = make_poster(fake_slack, timeout=1).post("C1", payload(), post_key="k-slow", check_history=False)

    [message] = fake_slack.messages("C1")
    assert result == Posted(message["ts"], "C1", existing=True)


def test_history_check_finds_an_earlier_attempt_only_by_its_key(fake_slack: FakeSlack) -> None:
    poster = make_poster(fake_slack)
    first = poster.post("C1", payload(), post_key="k-a", check_history=False)

    again = poster.post("C1", payload(), post_key="k-a", check_history=True)
    other = poster.post("C1", payload(), post_key="k-b", check_history=True)

    assert isinstance(first, Posted) and isinstance(again, Posted) and isinstance(other, Posted)
    assert again.ts == first.ts and again.existing
    assert not other.existing and other.ts != first.ts
    assert len(fake_slack.messages("C1")) == 2


def test_invalid_blocks_is_retried_once_without_images(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Fault.error("invalid_blocks"))

    result = make_poster(fake_slack).post("C1", payload(), post_key="k", check_history=False)

    assert isinstance(result, Posted) and result.without_images
    [message] = fake_slack.messages("C1")
    assert "image" not in str(message["blocks"])
    assert message["blocks"][0]["type"] == "header"


def test_invalid_blocks_twice_gives_up(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Fault.error("invalid_blocks"), Fault.error("invalid_blocks"))

    result = make_poster(fake_slack).post("C1", payload(), post_key="k", check_history=False)

    assert result == PostFailed("invalid_blocks", retryable=False)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"is_archived": True}, "is_archived"),
        ({"is_private": True, "is_member": False}, "channel_not_found"),
    ],
)
def test_channel_errors_are_channel_gone(fake_slack: FakeSlack, setup: dict[str, bool], code: str) -> None:
    fake_slack.add_channel("C9", "gone", **setup)

    result = make_poster(fake_slack).post("C9", payload(), post_key="k", check_history=True)

    assert result == ChannelGone(code)


def test_public_channel_the_bot_left_is_joined_again(fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C5", "general", is_member=False)

    result = make_poster(fake_slack).post("C5", payload(), post_key="k", check_history=True)

    assert isinstance(result, Posted)
    assert methods(fake_slack) == [
        "conversations.history",
        "conversations.join",
        "conversations.history",
        "chat.postMessage",
    ]
    assert len(fake_slack.messages("C5")) == 1


def test_not_in_channel_that_cannot_be_joined_is_channel_gone(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Fault.error("not_in_channel"))
    fake_slack.fail("conversations.join", Fault.error("method_not_supported_for_channel_type"))

    result = make_poster(fake_slack).post("C5", payload(), post_key="k", check_history=False)

    assert result == ChannelGone("not_in_channel")
    assert fake_slack.messages("C5") == []


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.rate_limited(7), RateLimited(7)),
        (Fault.server_error(), PostFailed("http_500", retryable=True)),
        (Fault.error("token_revoked"), AuthFailed("token_revoked")),
    ],
)
def test_a_failed_rejoin_that_may_work_later_is_not_channel_gone(
    fake_slack: FakeSlack, fault: Fault, expected: object
) -> None:
    # A public channel the bot was removed from: a 429, 5xx or bad token on conversations.join says
    # nothing about the channel, so the digest must not be disabled for it.
    fake_slack.add_channel("C5", "general", is_member=False)
    fake_slack.fail("conversations.join", fault)

    result = make_poster(fake_slack).post("C5", payload(), post_key="k", check_history=False)

    assert result == expected
    assert fake_slack.messages("C5") == []


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "account_inactive"])
def test_auth_errors_pause_posting(
    fake_slack: FakeSlack, code: str, caplog: pytest.LogCaptureFixture
) -> None:
    poster = make_poster(fake_slack)
    fake_slack.fail("chat.postMessage", Fault.error(code))

    result = poster.post("C1", payload(), post_key="k", check_history=False)

    assert result == AuthFailed(code)
    assert poster.health.paused and poster.health.reason == code
    assert code in caplog.text and TOKEN not in caplog.text
    assert poster.check_auth() is True
    assert not poster.health.paused


def test_retries_exhausted_gives_retryable_failure_and_no_post(fake_slack: FakeSlack) -> None:
    sleeps = Sleeps()
    fake_slack.fail("chat.postMessage", *[Fault.server_error()] * 4)

    result = make_poster(fake_slack, sleeps=sleeps).post("C1", payload(), post_key="k", check_history=False)

    assert result == PostFailed("http_500", retryable=True, maybe_sent=True)  # a 500 may hide a post
    assert sleeps.delays == [0.5, 1.0, 2.0]
    assert fake_slack.messages("C1") == []


def test_rate_limit_on_history_check_is_reported(fake_slack: FakeSlack) -> None:
    fake_slack.fail("conversations.history", Fault.rate_limited(retry_after=3))

    result = make_poster(fake_slack).post("C1", payload(), post_key="k", check_history=True)

    assert result == RateLimited(3)
    assert fake_slack.calls_to("chat.postMessage") == []


def test_connection_refused_is_a_retryable_failure() -> None:
    with FakeSlack() as fake:
        url = fake.url
    client = make_client(TOKEN, url, timeout=1)
    poster = SlackPoster(client, PostingHealth(), retries=1, sleep=Sleeps())

    result = poster.post("C1", payload(), post_key="k", check_history=False)

    assert isinstance(result, PostFailed) and result.retryable
    assert result.code == "Slack unreachable: Connection refused"  # what `newsbot post` shows


def test_channel_named_not_by_id_is_resolved_for_the_history_check(fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C777", "ai-news")
    poster = make_poster(fake_slack)
    first = poster.post("ai-news", payload(), post_key="k", check_history=False)

    again = make_poster(fake_slack).post("ai-news", payload(), post_key="k", check_history=True)

    assert isinstance(first, Posted) and first.channel == "C777"
    assert again == Posted(first.ts, "C777", existing=True)
    assert len(fake_slack.messages("C777")) == 1
