from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import DEFAULT_SLACK_API_URL, Folders, Settings

BOT_TOKEN = "xoxb-1111-2222-secretbotvalue"
SIGNING = "signing-secret-value-123"
APP_TOKEN = "xapp-1-A111-secretappvalue"


def minimal(**extra: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING, **extra}


def config_error(environ: dict[str, str], **kwargs: object) -> str:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ, **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_defaults_with_only_the_required_settings() -> None:
    settings = Settings.from_env(minimal())
    assert settings.slack_bot_token == BOT_TOKEN
    assert settings.slack_signing_secret == SIGNING
    assert settings.slack_app_token is None
    assert not settings.socket_mode
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.port == 3000
    assert settings.articles == ()
    assert settings.db_path == Path("newsbot.db")
    assert settings.digests_dir == Path("digests")
    assert settings.cache_path is None
    assert settings.admins == frozenset()
    assert settings.grace_hours == 3.0
    assert settings.reload_minutes == 5.0
    assert settings.log_level == "INFO"


def test_every_setting_read(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (tmp_path / "d").mkdir()
    settings = Settings.from_env(
        minimal(
            SLACK_APP_TOKEN=APP_TOKEN,
            SLACK_API_URL="http://127.0.0.1:8999/api",
            PORT="8080",
            NEWSBOT_ARTICLES=f"{first}{os.pathsep}{second}",
            NEWSBOT_DB=str(tmp_path / "x.db"),
            NEWSBOT_ADMINS="U0123ABC, W999",
            NEWSBOT_DIGESTS=str(tmp_path / "d"),
            NEWSBOT_CACHE=str(tmp_path / "cache"),
            NEWSBOT_GRACE_HOURS="0",
            NEWSBOT_RELOAD_MINUTES="0.5",
            LOG_LEVEL="debug",
        )
    )
    assert settings.socket_mode
    assert settings.slack_api_url == "http://127.0.0.1:8999/api/"  # slash added for WebClient
    assert settings.port == 8080
    assert settings.articles == (first, second)
    assert settings.db_path == tmp_path / "x.db"
    assert settings.admins == frozenset({"U0123ABC", "W999"})
    assert settings.digests_dir == tmp_path / "d"
    assert settings.cache_path == tmp_path / "cache"
    assert settings.grace_hours == 0.0
    assert settings.reload_minutes == 0.5
    assert settings.log_level == "DEBUG"


def test_missing_required_settings_are_all_named() -> None:
    message = config_error({})
    assert "SLACK_BOT_TOKEN" in message
    assert "SLACK_SIGNING_SECRET" in message


def test_socket_mode_and_posting_commands_need_no_signing_secret() -> None:
    assert Settings.from_env({"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN}).socket_mode
    posting = Settings.from_env({"SLACK_BOT_TOKEN": BOT_TOKEN}, require_signing_secret=False)
    assert posting.slack_signing_secret is None


def test_each_malformed_setting_is_named_in_one_error(tmp_path: Path) -> None:
    message = config_error(
        {
            "SLACK_BOT_TOKEN": "xapp-wrong-kind",
            "SLACK_SIGNING_SECRET": SIGNING,
            "SLACK_APP_TOKEN": "xoxb-wrong-kind",
            "SLACK_API_URL": "ftp://example.com",
            "PORT": "70000",
            "NEWSBOT_ARTICLES": str(tmp_path / "nope"),
            "NEWSBOT_ADMINS": "U123,bob",
            "NEWSBOT_GRACE_HOURS": "-1",
            "NEWSBOT_RELOAD_MINUTES": "0",
            "LOG_LEVEL": "LOUD",
        }
    )
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "PORT",
        "NEWSBOT_ARTICLES",
        "NEWSBOT_ADMINS",
        "NEWSBOT_GRACE_HOURS",
        "NEWSBOT_RELOAD_MINUTES",
        "LOG_LEVEL",
    ):
        assert f"{name}:" in message, name
    assert "bob" in message
    assert "SLACK_SIGNING_SECRET" not in message


@pytest.mark.parametrize(
    ("name", "value"),
    [("PORT", "http"), ("NEWSBOT_GRACE_HOURS", "three"), ("NEWSBOT_RELOAD_MINUTES", "nan"), ("PORT", "0")],
)
def test_non_numbers_rejected(name: str, value: str) -> None:
    assert f"{name}:" in config_error(minimal(**{name: value}))


def test_blank_values_count_as_unset() -> None:
    settings = Settings.from_env(minimal(PORT="  ", SLACK_APP_TOKEN="", NEWSBOT_ADMINS=""))
    assert settings.port == 3000
    assert settings.slack_app_token is None
    assert settings.admins == frozenset()


def test_dotenv_file_read_and_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"# comment\nSLACK_BOT_TOKEN={BOT_TOKEN}\nSLACK_SIGNING_SECRET={SIGNING}\n"
        "PORT=4000\nNEWSBOT_DB=from-file.db\n",
        encoding="utf-8",
    )
    settings = Settings.from_env({"PORT": "5000"}, dotenv_path=dotenv)
    assert settings.port == 5000
    assert settings.db_path == Path("from-file.db")
    assert settings.slack_bot_token == BOT_TOKEN


def test_dotenv_lines_that_are_not_settings_are_each_named(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"SLACK_BOT_TOKEN={BOT_TOKEN}\nthis line is junk\n=novalue\nPORT=4000\n", encoding="utf-8"
    )
    message = config_error({}, dotenv_path=dotenv)
    assert f"{dotenv} line 2: not NAME=value: 'this line is junk'" in message
    assert f"{dotenv} line 3: not NAME=value: '=novalue'" in message
    assert "a .env file holds NAME=value lines, as in .env.example" in message
    assert BOT_TOKEN not in message


def test_a_dotenv_file_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"\xff\xfePORT=1\n")
    assert config_error(minimal(), dotenv_path=dotenv) == (
        f"{dotenv}: not UTF-8 text; a .env file holds NAME=value lines, as in .env.example"
    )


def test_a_dotenv_file_with_a_bom_export_and_quotes_is_read(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        f"\ufeffexport SLACK_BOT_TOKEN=\"{BOT_TOKEN}\"\nSLACK_SIGNING_SECRET='{SIGNING}'  # note\n",
        encoding="utf-8",
    )
    settings = Settings.from_env({}, dotenv_path=dotenv)
    assert (settings.slack_bot_token, settings.slack_signing_secret) == (BOT_TOKEN, SIGNING)


def test_missing_dotenv_file_is_not_an_error(tmp_path: Path) -> None:
    assert Settings.from_env(minimal(), dotenv_path=tmp_path / "absent.env").port == 3000


def test_repr_never_shows_secrets() -> None:
    settings = Settings.from_env(minimal(SLACK_APP_TOKEN=APP_TOKEN, NEWSBOT_ADMINS="U0123ABC"))
    for text in (repr(settings), str(settings), f"{settings}"):
        assert "secretbotvalue" not in text
        assert "secretappvalue" not in text
        assert SIGNING not in text
        assert "U0123ABC" in text


def test_env_example_documents_every_setting() -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text(encoding="utf-8")
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "SLACK_API_URL",
        "PORT",
        "NEWSBOT_ARTICLES",
        "NEWSBOT_DB",
        "NEWSBOT_ADMINS",
        "NEWSBOT_DIGESTS",
        "NEWSBOT_CACHE",
        "NEWSBOT_GRACE_HOURS",
        "NEWSBOT_RELOAD_MINUTES",
        "LOG_LEVEL",
    ):
        assert f"{name}=" in example, name


def test_named_digests_folder_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"NEWSBOT_DIGESTS: not a folder"):
        Settings.from_env(minimal(NEWSBOT_DIGESTS=str(tmp_path / "missing")))


def test_folders_come_from_dotenv_with_home_expanded_as_for_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI commands read their folders exactly as `newsbot run` does (one path for settings)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "arts").mkdir()
    (tmp_path / "digs").mkdir()
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "NEWSBOT_ARTICLES=~/arts\nNEWSBOT_DIGESTS=~/digs\nNEWSBOT_CACHE=~/c.cache\nNEWSBOT_DB=~/n.db\n",
        encoding="utf-8",
    )
    folders = Folders.from_env({}, dotenv_path=dotenv)
    settings = Settings.from_env(minimal(), dotenv_path=dotenv)

    assert folders.article_roots == settings.article_roots == (tmp_path / "arts",)
    assert folders.digests_dir == settings.digests_dir == tmp_path / "digs"
    assert folders.cache_path == settings.cache_path == tmp_path / "c.cache"
    assert folders.db_path == settings.db_path == tmp_path / "n.db"


def test_folders_are_validated_as_for_run(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="NEWSBOT_ARTICLES: not a folder") as err:
        Folders.from_env({"NEWSBOT_ARTICLES": str(tmp_path / "nope")}, dotenv_path=None)
    assert "NEWSBOT_ARTICLES: not a folder" in config_error(minimal(NEWSBOT_ARTICLES=str(tmp_path / "nope")))
    assert str(err.value).startswith("invalid settings:")


def test_no_folder_configured_means_the_bundled_sample() -> None:
    roots = Folders.from_env({}, dotenv_path=None).article_roots
    assert roots == Settings.from_env(minimal()).article_roots
    assert len(roots) == 1 and roots[0].name == "sample_articles" and any(roots[0].rglob("*.md"))
