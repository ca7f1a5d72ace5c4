"""Personal DM digests with several workspaces: a member of a second workspace follows a topic;
their users.info, conversations.open and DM post go out with that workspace's own token, and the
digest is kept under that workspace's key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.services.personal import personal_name
from tests.fakeslack import TEAM_ID, FakeSlack
from tests.slackbot import RunningBot, command_body, running_bot
from tests.test_oauth_install import OAUTH_ENV, TEAM_2, TOKEN_2, install

CAROL = "UCAROL002"  # a member of workspace 2, in Tokyo: 07:30 there is 22:30 UTC the day before


@pytest.fixture
def bot(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    with running_bot(tmp_path, fake_slack, env=OAUTH_ENV, start_workspaces=True) as running:
        fake_slack.grant_install("code-2", TEAM_2, token=TOKEN_2, installer="UADMIN002")
        assert install(running, "code-2")[0] == 200
        fake_slack.add_user(CAROL, team=TEAM_2, tz="Asia/Tokyo")
        yield running


def test_a_second_workspace_member_follows_and_gets_the_dm_with_that_workspaces_token(
    bot: RunningBot, fake_slack: FakeSlack
) -> None:
    body = command_body(
        "/news",
        "follow robotics time=07:30",
        user=CAROL,
        response_url=fake_slack.response_url("f"),
        team=TEAM_2,
    )
    assert bot.send(body).status == 200
    [answer] = bot.responses("f")
    assert "07:30 your time (Asia/Tokyo)" in answer["text"], answer
    spec = bot.services.store.get_digest(TEAM_2, personal_name(CAROL))
    assert spec is not None and spec.team_id == TEAM_2
    assert bot.services.store.get_digest(TEAM_ID, personal_name(CAROL)) is None
    assert {c.team for c in fake_slack.calls_to("conversations.open")} == {TEAM_2}
    due = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)
    outcomes = bot.services.scheduler.tick(due + timedelta(minutes=1))
    assert [(o.team_id, o.status) for o in outcomes] == [(TEAM_2, "posted")]
    [message] = fake_slack.messages("D" + CAROL[1:], team=TEAM_2)
    assert "Robot arms learn to fold laundry" in json.dumps(message)
    assert {c.team for c in fake_slack.calls_to("chat.postMessage")} == {TEAM_2}
