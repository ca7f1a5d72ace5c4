"""Several workspaces: Bolt's OAuth install of a second workspace against the Slack stand-in's
oauth.v2.access, that workspace's /news-admin and digests with its own token, and its uninstall
pausing only its digests."""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.fernet import Fernet

from tests.fakeslack import TEAM_ID, FakeSlack
from tests.slackbot import (
    BOT_TOKEN,
    NOW,
    Reply,
    RunningBot,
    command_body,
    http,
    running_bot,
    signed_headers,
    wait_for,
)

TEAM_2 = "T0000002"
TOKEN_2 = "xoxb-second-workspace-token"
ADMIN_1 = "UADMIN001"
ADMIN_2 = "UADMIN002"
NEWS_1 = "CNEWS0001"
NEWS_2 = "CNEWS0002"
OAUTH_ENV = {
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "client-secret-0123",
    "SLACK_STATE_SECRET": "state-secret-0123",
    "NEWSBOT_SECRET_KEY": Fernet.generate_key().decode(),
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read().decode()


def install(bot: RunningBot, code: str) -> tuple[int, str]:
    """A person clicks "Add to Slack", approves, and Slack sends the browser back with ``code``."""
    status, headers, page = get(f"{bot.url}/slack/install")
    assert status in (200, 302), page
    found = re.search(r'href="([^"]*state=[^"]+)"', page)
    where = headers.get("Location") or (found.group(1) if found else "")
    state = parse_qs(urlsplit(where.replace("&amp;", "&")).query)["state"][0]
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    status, _, page = get(f"{bot.url}/slack/oauth_redirect?code={code}&state={state}", {"Cookie": cookie})
    return status, page


def admin(bot: RunningBot, text: str, *, team: str, user: str, channel: str, key: str) -> str:
    body = command_body(
        "/news-admin", text, user=user, response_url=bot.fake.response_url(key), channel=channel, team=team
    )
    assert bot.send(body).status == 200
    [answer] = bot.responses(key)
    return str(answer["text"])


def event(bot: RunningBot, team: str, payload: dict[str, Any]) -> Reply:
    body = json.dumps(
        {
            "token": "unused",
            "team_id": team,
            "api_app_id": "A0NEWSBOT",
            "type": "event_callback",
            "event_id": f"Ev{team}{payload['type']}{payload.get('event_ts', '')}",
            "event_time": 1,
            "event": payload,
        }
    ).encode()
    headers = {**signed_headers(body), "Content-Type": "application/json"}
    return http(f"{bot.url}/slack/events", body, headers)


@pytest.fixture
def two_workspaces(tmp_path: Path, fake_slack: FakeSlack) -> Iterator[RunningBot]:
    fake_slack.add_user(ADMIN_1, is_admin=True)
    fake_slack.add_channel(NEWS_1, "news-one")
    with running_bot(tmp_path, fake_slack, env=OAUTH_ENV, start_workspaces=True) as bot:
        yield bot


def test_a_second_workspace_installs_subscribes_posts_and_uninstalls_without_touching_the_first(
    two_workspaces: RunningBot, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    bot = two_workspaces
    store = bot.services.store
    assert bot.services.workspaces.home_team == TEAM_ID  # SLACK_BOT_TOKEN's workspace, from auth.test
    text = admin(
        bot, "subscribe topics=robotics time=09:30", team=TEAM_ID, user=ADMIN_1, channel=NEWS_1, key="a1"
    )
    assert text.startswith("Subscribed"), text

    fake_slack.grant_install("code-2", TEAM_2, token=TOKEN_2, installer=ADMIN_2)
    status, page = install(bot, "code-2")
    assert status == 200, page
    assert bot.services.installations.bot_token_for(TEAM_2) == TOKEN_2
    [exchange] = fake_slack.calls_to("oauth.v2.access")
    assert exchange.params["code"] == "code-2"
    with sqlite3.connect(tmp_path / "newsbot.db") as db:
        stored = dict(db.execute("SELECT team_id, bot_token FROM installations").fetchall())
    assert stored[TEAM_2].startswith("fernet:") and TOKEN_2 not in stored[TEAM_2]  # encrypted at rest

    fake_slack.add_user(ADMIN_2, is_admin=True, team=TEAM_2)
    fake_slack.add_team_channel(TEAM_2, NEWS_2, "news-two")
    text = admin(
        bot, "subscribe topics=vision time=09:30", team=TEAM_2, user=ADMIN_2, channel=NEWS_2, key="a2"
    )
    assert text.startswith("Subscribed"), text
    # users.info and conversations.info for workspace 2 went out with workspace 2's token.
    assert {c.team for c in fake_slack.calls_to("users.info") if c.params.get("user") == ADMIN_2} == {TEAM_2}
    assert [s.name for s in store.list_digests(TEAM_2)] == ["news-two"]
    assert [s.name for s in store.list_digests(TEAM_ID)] == ["news-one"]
    assert [(e.action, e.digest) for e in store.audit_log(TEAM_2)] == [("create", "news-two")]

    outcomes = bot.services.scheduler.tick(NOW + timedelta(minutes=31))
    assert sorted((o.team_id, o.status) for o in outcomes) == [(TEAM_ID, "posted"), (TEAM_2, "posted")]
    [message_2] = fake_slack.messages(NEWS_2, team=TEAM_2)
    assert "Cameras that read sign language" in json.dumps(message_2["blocks"])
    assert len(fake_slack.messages(NEWS_1)) == 1
    posts = {c.team for c in fake_slack.calls_to("chat.postMessage")}
    assert posts == {TEAM_ID, TEAM_2}
    assert store.get_post(TEAM_2, "news-two", NOW + timedelta(minutes=30)) is not None

    fake_slack.revoke(TOKEN_2)
    assert event(bot, TEAM_2, {"type": "app_uninstalled", "event_ts": "1"}).status == 200
    assert wait_for(lambda: not store.list_digests(TEAM_2)[0].enabled)
    assert bot.services.installations.bot_token_for(TEAM_2) is None
    [paused] = store.list_digests(TEAM_2)
    assert paused.enabled is False
    entry = store.audit_log(TEAM_2)[0]
    assert (entry.action, entry.digest, entry.details["reason"]) == ("disable", "news-two", "app_uninstalled")
    [first] = store.list_digests(TEAM_ID)
    assert first.enabled is True

    outcomes = bot.services.scheduler.tick(NOW + timedelta(days=1, minutes=31))
    assert [(o.team_id, o.digest) for o in outcomes] == [(TEAM_ID, "news-one")]
    assert len(fake_slack.messages(NEWS_2, team=TEAM_2)) == 1

    # Installed again: the digests the uninstall paused resume.
    fake_slack.grant_install("code-3", TEAM_2, token="xoxb-second-again", installer=ADMIN_2)
    assert install(bot, "code-3")[0] == 200
    [resumed] = store.list_digests(TEAM_2)
    assert resumed.enabled is True
    assert store.audit_log(TEAM_2)[0].details["reason"] == "app_installed"


def test_tokens_revoked_for_the_bot_pauses_that_workspace_and_user_tokens_alone_do_not(
    two_workspaces: RunningBot, fake_slack: FakeSlack
) -> None:
    bot = two_workspaces
    fake_slack.grant_install("code-2", TEAM_2, token=TOKEN_2, installer=ADMIN_2)
    assert install(bot, "code-2")[0] == 200
    fake_slack.add_user(ADMIN_2, is_admin=True, team=TEAM_2)
    fake_slack.add_team_channel(TEAM_2, NEWS_2, "news-two")
    admin(bot, "subscribe topics=vision", team=TEAM_2, user=ADMIN_2, channel=NEWS_2, key="a2")

    revoked_users = {"type": "tokens_revoked", "tokens": {"oauth": [ADMIN_2]}, "event_ts": "1"}
    assert event(bot, TEAM_2, revoked_users).status == 200
    revoked_bot = {"type": "tokens_revoked", "tokens": {"bot": ["UB0000002"]}, "event_ts": "2"}
    assert event(bot, TEAM_2, revoked_bot).status == 200

    def disables() -> list[Any]:
        return [e for e in bot.services.store.audit_log(TEAM_2) if e.action == "disable"]

    assert wait_for(disables)
    assert bot.services.installations.bot_token_for(TEAM_2) is None
    # The user-token event changed nothing: one audit entry, from the bot one.
    assert [e.details["reason"] for e in disables()] == ["tokens_revoked"]
    assert [s.enabled for s in bot.services.store.list_digests(TEAM_2)] == [False]
    assert bot.services.installations.bot_token_for(TEAM_ID) == BOT_TOKEN


def test_a_forged_oauth_state_installs_nothing(two_workspaces: RunningBot, fake_slack: FakeSlack) -> None:
    bot = two_workspaces
    fake_slack.grant_install("code-2", TEAM_2, token=TOKEN_2)
    status, headers, _ = get(f"{bot.url}/slack/install")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    forged = "made-up.0123456789abcdef0123456789abcdef"
    status, _, _ = get(f"{bot.url}/slack/oauth_redirect?code=code-2&state={forged}", {"Cookie": cookie})
    assert status >= 400
    assert fake_slack.calls_to("oauth.v2.access") == []
    assert bot.services.installations.bot_token_for(TEAM_2) is None
