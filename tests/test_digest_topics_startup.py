"""Start-up and reload with digest files whose topics today's articles lack: warnings, never a failure."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.wiring import build_services
from tests.fakeslack import FakeSlack
from tests.slackbot import BOT_TOKEN, SIGNING_SECRET, write_articles


def test_absent_and_misspelt_topics_are_logged_once_and_the_digests_load(
    tmp_path: Path, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    write_articles(tmp_path / "articles")  # topics: AI in Robotics, Computer Vision, NLP, AI in Finance, AI
    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / "prod.yaml").write_text(
        "name: prod\nchannel: C1\ntopics: [Quantum, robotics]\n", encoding="utf-8"
    )
    (digests / "typo.yaml").write_text("name: typo\nchannel: C1\ntopics: [robtcs]\n", encoding="utf-8")
    settings = Settings.from_env(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.url,
            "NEWSBOT_ARTICLES": str(tmp_path / "articles"),
            "NEWSBOT_DB": str(tmp_path / "bot.db"),
            "NEWSBOT_DIGESTS": str(digests),
        }
    )
    services = build_services(settings)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.services.upkeep"):
            services.reload()
            services.reload()
        specs = {s.name: s.topics for s in services.store.list_digests()}
        assert specs == {"prod": ("Quantum", "AI in Robotics"), "typo": ("robtcs",)}
        logged = [r.getMessage() for r in caplog.records if r.name == "bot.services.upkeep"]
        assert logged == [
            f"{digests / 'prod.yaml'}: topics: no loaded article has the topic 'Quantum'; the digest finds "
            "no stories on it until such articles are loaded",
            f"{digests / 'typo.yaml'}: topics: Unknown topic 'robtcs'. Did you mean: AI in Robotics? "
            "Until it is fixed, the digest finds no stories on it.",
        ]
    finally:
        services.close()
