"""The admin check: who counts as an admin, which commands are open, and the users.info cache."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.listeners.admin_guard import AdminGuard, command_verb
from tests.fakeslack import FakeSlack, Fault


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    fake_slack.add_user("UADMIN001", is_admin=True)
    fake_slack.add_user("UOWNER001", is_owner=True)
    fake_slack.add_user("UMEMBER01")
    return WebClient(token="xoxb-test", base_url=fake_slack.url, retry_handlers=[])


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("", "help"),
        ("help", "help"),
        ("  LIST ", "list"),
        ("preview #general", "preview"),
        ("subscribe topics=robotics", "subscribe"),
        ('"unsubscribe"', "unsubscribe"),
        ("post", "post"),
        # Text the grammar rejects is judged by its first word: a broken subscribe stays closed.
        ("subscribe time=99:99", "subscribe"),
        ("list everything", "list"),
        ("frobnicate", "frobnicate"),
    ],
)
def test_command_verb(text: str, verb: str) -> None:
    assert command_verb(text) == verb


def test_admins_owners_and_listed_users(client: WebClient, fake_slack: FakeSlack) -> None:
    guard = AdminGuard(frozenset({"ULISTED01"}))
    assert guard.is_admin(client, "T1", "UADMIN001")
    assert guard.is_admin(client, "T1", "UOWNER001")
    assert not guard.is_admin(client, "T1", "UMEMBER01")
    assert guard.is_admin(client, "T1", "ULISTED01")
    assert [c.params["user"] for c in fake_slack.calls_to("users.info")] == [
        "UADMIN001",
        "UOWNER001",
        "UMEMBER01",
    ]


def test_answers_are_cached_for_the_ttl(client: WebClient, fake_slack: FakeSlack) -> None:
    clock = [1000.0]
    guard = AdminGuard(frozenset(), ttl_seconds=300, monotonic=lambda: clock[0])
    assert not guard.is_admin(client, "T1", "UMEMBER01")
    fake_slack.add_user("UMEMBER01", is_admin=True)  # promoted in Slack
    clock[0] += 299
    assert not guard.is_admin(client, "T1", "UMEMBER01")  # still the cached answer
    clock[0] += 2
    assert guard.is_admin(client, "T1", "UMEMBER01")
    assert len(fake_slack.calls_to("users.info")) == 2


def test_a_failed_lookup_refuses_and_is_not_cached(client: WebClient, fake_slack: FakeSlack) -> None:
    guard = AdminGuard(frozenset())
    fake_slack.fail("users.info", Fault.error("ratelimited"))
    assert not guard.is_admin(client, "T1", "UADMIN001")
    assert guard.is_admin(client, "T1", "UADMIN001")
    fake_slack.fail("users.info", Fault.server_error())
    assert not guard.is_admin(client, "T1", "UNOBODY01")  # unknown user, then a 500: never an admin
