"""The two WebClients: posting never retries by itself; reads retry a short 429, a 500, a reset."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack.client import make_client, make_read_client
from tests.fakeslack import FakeSlack, Fault


def test_the_posting_client_never_retries(fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Fault.rate_limited(1))
    with pytest.raises(SlackApiError):
        make_client("xoxb-t", fake_slack.url).chat_postMessage(channel="C1", text="x")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


@pytest.mark.parametrize("fault", [Fault.rate_limited(2), Fault.server_error(), Fault.reset()])
def test_the_read_client_retries_after_the_retry_after(fake_slack: FakeSlack, fault: Fault) -> None:
    slept: list[float] = []
    client = make_read_client("xoxb-t", fake_slack.url, sleep=slept.append)
    fake_slack.fail("auth.test", fault)

    assert client.auth_test().get("ok") is True

    assert len(fake_slack.calls_to("auth.test")) == 2
    if fault.kind == "ratelimited":
        assert slept == [2.0]


def test_a_long_retry_after_is_not_waited_out(fake_slack: FakeSlack) -> None:
    slept: list[float] = []
    client = make_read_client("xoxb-t", fake_slack.url, max_wait=5, sleep=slept.append)
    fake_slack.fail("users.info", Fault.rate_limited(30))

    with pytest.raises(SlackApiError) as caught:
        client.users_info(user="U1")

    assert caught.value.response.status_code == 429 and slept == []
    assert len(fake_slack.calls_to("users.info")) == 1
