"""Installations, OAuth state and the move of single-workspace records ("") to the token's team."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.digests.spec import DigestSpec
from bot.errors import ConfigError, StoreError
from bot.settings import Settings
from bot.store.base import Store
from bot.store.secrets import TokenCipher
from bot.store.sqlite import SQLiteStore
from bot.store.workspaces import StoreInstallations, StoreOAuthStates, adopt_default_team, sql_hooks
from tests.fakeslack import TEAM_ID, FakeSlack, Fault
from tests.slackbot import running_bot

T0 = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_start_up_moves_single_workspace_records_to_the_tokens_team_and_remembers_it(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    store = SQLiteStore(tmp_path / "newsbot.db")
    spec = DigestSpec(name="morning", channel="CNEWS0001", time=time(9, 30), timezone="UTC", source="slack")
    store.save_digest(spec, actor="UADMIN001", now=T0)
    claim = store.claim(
        "", "morning", T0, channel="CNEWS0001", owner="old", now=T0, lease=timedelta(minutes=5)
    )
    assert claim is not None
    store.finish(claim, ts="1.2", urls=["https://a.example/1"], now=T0)
    store.close()

    with running_bot(tmp_path, fake_slack, start_workspaces=True) as bot:
        s = bot.services.store
        assert bot.services.workspaces.home_team == TEAM_ID
        assert s.list_digests("") == []
        [moved] = s.list_digests(TEAM_ID)
        assert (moved.name, moved.team_id) == ("morning", TEAM_ID)
        record = s.get_post(TEAM_ID, "morning", T0)
        assert record is not None and record.ts == "1.2"
        assert s.posted_urls(TEAM_ID, "CNEWS0001") == {"https://a.example/1"}
        actions = [e.action for e in s.audit_log(TEAM_ID)]
        assert actions == ["adopt_workspace", "create"]

    # Slack unreachable at the next start: the database remembers which team the token serves.
    fake_slack.fail("auth.test", Fault.server_error())
    with running_bot(tmp_path, fake_slack, start_workspaces=True) as bot:
        assert bot.services.workspaces.home_team == TEAM_ID
        assert [d.name for d in bot.services.store.list_digests(TEAM_ID)] == ["morning"]


def test_adopting_keeps_the_teams_own_version_of_a_digest(store: Store) -> None:
    base = DigestSpec(name="same", channel="C1", time=time(9, 0), timezone="UTC")
    store.save_digest(base, actor="a", now=T0)
    store.save_digest(DigestSpec(name="same", channel="C2", team_id="T9", timezone="UTC"), actor="a", now=T0)
    assert adopt_default_team(sql_hooks(store), "T9", T0) == 0
    [kept] = store.list_digests("T9")
    assert kept.channel == "C2"
    assert [d.name for d in store.list_digests("")] == ["same"]  # left where it was, not lost


def _installation(team: str, token: str) -> Installation:
    return Installation(team_id=team, bot_token=token, bot_id="B1", bot_user_id="U1", user_id="UINST")


def test_installations_are_encrypted_with_the_key_and_unreadable_without_it(store: Store) -> None:
    db = sql_hooks(store)
    key = Fernet.generate_key().decode()
    sealed = StoreInstallations(db, TokenCipher(key))
    sealed.save(_installation("T1", "xoxb-one"))
    raw = db._read("SELECT bot_token FROM installations")[0]["bot_token"]
    assert raw.startswith("fernet:") and "xoxb-one" not in raw
    found = sealed.find_installation(enterprise_id=None, team_id="T1")
    assert found is not None and found.bot_token == "xoxb-one" and found.user_id == "UINST"
    bot = sealed.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-one"
    with pytest.raises(StoreError, match="NEWSBOT_SECRET_KEY"):
        StoreInstallations(db, TokenCipher(None)).bot_token_for("T1")
    other = Fernet.generate_key().decode()
    with pytest.raises(StoreError, match="cannot be decrypted"):
        StoreInstallations(db, TokenCipher(other)).bot_token_for("T1")

    plain = StoreInstallations(db, TokenCipher(None))
    plain.save(_installation("T2", "xoxb-two"))
    assert plain.bot_token_for("T2") == "xoxb-two"
    assert sealed.bot_token_for("T2") == "xoxb-two"  # a key set later still reads earlier plain rows
    sealed.save(_installation("T1", "xoxb-one-again"))  # a reinstall replaces the row
    assert sealed.bot_token_for("T1") == "xoxb-one-again"
    assert [w.team_id for w in sealed.workspaces()] == ["T1", "T2"]
    sealed.delete_all(enterprise_id=None, team_id="T1")
    assert sealed.find_installation(enterprise_id=None, team_id="T1") is None
    assert sealed.bot_token_for("T2") == "xoxb-two"


def test_oauth_state_is_signed_good_once_and_expires(store: Store) -> None:
    db = sql_hooks(store)
    clock = [T0]
    states = StoreOAuthStates(db, "state-secret", expiration_seconds=600, clock=lambda: clock[0])
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False  # used already
    nonce, _, signature = states.issue().rpartition(".")
    assert states.consume(f"{nonce}x.{signature}") is False  # altered
    assert StoreOAuthStates(db, "another-secret").consume(states.issue()) is False
    late = states.issue()
    clock[0] = T0 + timedelta(minutes=11)
    assert states.consume(late) is False


def test_oauth_settings_come_together_and_the_secret_key_must_be_a_fernet_key() -> None:
    base = {"SLACK_SIGNING_SECRET": "s"}
    with pytest.raises(ConfigError) as err:
        Settings.from_env({**base, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2"})
    assert "SLACK_CLIENT_SECRET, SLACK_STATE_SECRET: missing" in str(err.value)
    oauth = {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_STATE_SECRET": "st"}
    settings = Settings.from_env({**base, **oauth})  # no SLACK_BOT_TOKEN needed: tokens come from installs
    assert settings.oauth and settings.slack_bot_token == ""
    assert "'c'" not in repr(settings) and "'st'" not in repr(settings)
    with pytest.raises(ConfigError, match="NEWSBOT_SECRET_KEY: not a Fernet key"):
        Settings.from_env({**base, **oauth, "NEWSBOT_SECRET_KEY": "short"})
