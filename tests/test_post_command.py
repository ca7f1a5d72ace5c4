"""`newsbot post` end to end: settings from the environment, the SQLite store, the stand-in over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.channel_refs import ChannelRef, parse_target
from bot.cli import main
from bot.commands.inputs import parse_now
from bot.commands.post import select_digests
from bot.digests.spec import DigestSpec
from bot.errors import QueryError
from bot.store.sqlite import SQLiteStore
from tests.fakeslack import FakeSlack, Fault

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def write_article(folder: Path, n: int, published: datetime) -> None:
    (folder / f"article-{n}.md").write_text(
        "---\n"
        f'title: "Robots learn trick number {n}"\n'
        f'excerpt: "Story {n} about machine learning."\n'
        f"publishedDateTime: {published.isoformat().replace('+00:00', 'Z')}\n"
        f'webUrl: "https://news{n}.example.com/story-{n}"\n'
        "type: article\n"
        "provider:\n"
        f"  name: Outlet {n}\n"
        f"  domain: news{n}.example.com\n"
        "topics:\n"
        "  - AI\n"
        "---\n",
        encoding="utf-8",
    )


@pytest.fixture
def env(tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> Path:
    articles = tmp_path / "articles"
    articles.mkdir()
    for n in (1, 2):
        write_article(articles, n, NOW - timedelta(hours=n))
    store = SQLiteStore(tmp_path / "newsbot.db")
    store.save_digest(
        DigestSpec(name="ai-daily", channel="C100", topics=("AI",), source="slack", created_by="UADMIN"),
        actor="UADMIN",
        now=NOW - timedelta(days=1),
    )
    store.close()
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    (tmp_path / "digests").mkdir(exist_ok=True)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-cli-test",
        "SLACK_API_URL": fake_slack.url,
        "NEWSBOT_ARTICLES": str(articles),
        "NEWSBOT_DB": str(tmp_path / "newsbot.db"),
        "NEWSBOT_DIGESTS": str(tmp_path / "digests"),
    }.items():
        monkeypatch.setenv(name, value)
    fake_slack.add_channel("C100", "ai-news")
    return articles


def test_post_by_digest_name_then_nothing_new(
    env: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["post", "ai-daily", "--now", NOW.isoformat()]) == 0
    assert main(["post", "ai-daily", "--now", (NOW + timedelta(minutes=5)).isoformat()]) == 0

    [message] = fake_slack.messages("C100")
    assert message["metadata"]["event_type"] == "newsbot_digest"
    assert "news1.example.com/story-1" in str(message["blocks"])
    assert "news2.example.com/story-2" in str(message["blocks"])
    out = capsys.readouterr().out
    assert "ai-daily -> C100: posted" in out and "ai-daily -> C100: empty" in out


def test_post_by_channel_carries_only_unseen_stories(env: Path, fake_slack: FakeSlack) -> None:
    assert main(["post", "<#C100|ai-news>", "--now", NOW.isoformat()]) == 0
    write_article(env, 3, NOW + timedelta(minutes=30))

    assert main(["post", "#ai-news", "--now", (NOW + timedelta(hours=1)).isoformat()]) == 0

    _, second = fake_slack.messages("C100")
    shown = str(second["blocks"])
    assert "news3.example.com/story-3" in shown and "news1.example.com/story-1" not in shown


def test_post_waits_out_a_short_rate_limit(env: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", Fault.rate_limited(retry_after=1))

    assert main(["post", "C100", "--now", NOW.isoformat()]) == 0

    assert len(fake_slack.messages("C100")) == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_unknown_target_names_the_digests(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["post", "nope", "--now", NOW.isoformat()]) == 2
    assert "ai-daily" in capsys.readouterr().err


def test_archived_channel_exits_nonzero(env: Path, fake_slack: FakeSlack) -> None:
    fake_slack.add_channel("C100", "ai-news", is_archived=True)

    assert main(["post", "ai-daily", "--now", NOW.isoformat()]) == 1

    assert fake_slack.messages("UADMIN")


def test_channel_forms_and_selection() -> None:
    specs = [
        DigestSpec(name="a", channel="C1"),
        DigestSpec(name="b", channel="C1"),
        DigestSpec("c", "general"),
    ]
    resolved = {"ai-news": "C1"}

    assert parse_target("<#C1|ai-news>") == ChannelRef("C1", "ai-news")
    assert parse_target("<#C1>") == ChannelRef("C1", None)
    assert parse_target("#general") == ChannelRef(None, "general")
    assert parse_target("C0123") == ChannelRef("C0123", None)
    assert [s.name for s in select_digests(specs, "b", resolved.get)] == ["b"]
    assert [s.name for s in select_digests(specs, "<#C1>", resolved.get)] == ["a", "b"]
    assert [s.name for s in select_digests(specs, "#ai-news", resolved.get)] == ["a", "b"]
    assert [s.name for s in select_digests(specs, "#general", resolved.get)] == ["c"]
    with pytest.raises(QueryError, match="digests: a, b, c"):
        select_digests(specs, "#random", resolved.get)


def test_now_parsing() -> None:
    assert parse_now("2026-03-29T08:00:00+02:00") == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert parse_now("2026-03-29T08:00:00Z") == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
    assert parse_now("2026-03-29T08:00") == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("target", ["", "  "])
def test_an_empty_target_says_what_to_give(
    env: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    assert main(["post", target, "--now", NOW.isoformat()]) == 2
    assert "name a digest or a channel to post to, e.g. `newsbot post morning-ai`" in capsys.readouterr().err


def test_an_unreachable_slack_fails_at_once_saying_so(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeSlack() as gone:
        url = gone.url  # a port nobody listens on any more
    monkeypatch.setenv("SLACK_API_URL", url)

    assert main(["post", "ai-daily", "--now", NOW.isoformat()]) == 1

    out = capsys.readouterr().out
    assert "waiting" not in out  # only 429s are waited out
    assert out.strip().endswith("ai-daily -> C100: failed (Slack unreachable: Connection refused)")


def test_post_reads_the_folders_given_like_the_other_commands(
    env: Path, tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-articles"
    other.mkdir()
    write_article(other, 7, NOW - timedelta(hours=1))
    monkeypatch.setenv("NEWSBOT_ARTICLES", str(tmp_path / "nowhere"))
    monkeypatch.setenv("NEWSBOT_DIGESTS", str(tmp_path / "nowhere-digests"))
    (tmp_path / "file-digests").mkdir()

    argv = ["post", "ai-daily", "--now", NOW.isoformat(), "--articles", str(other)]
    assert main([*argv, "--digests", str(tmp_path / "file-digests")]) == 0

    [message] = fake_slack.messages("C100")
    assert "news7.example.com/story-7" in str(message["blocks"])


def test_post_under_two_429s_and_a_500_waits_and_reports_posted(
    env: Path, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_slack.fail("chat.postMessage", Fault.rate_limited(1), Fault.rate_limited(1), Fault.server_error())

    assert main(["post", "ai-daily", "--now", NOW.isoformat()]) == 0

    assert len(fake_slack.messages("C100")) == 1
    out = capsys.readouterr().out
    assert out.count("waiting until") == 2 and out.strip().endswith(
        "ai-daily -> C100: posted ts=" + (fake_slack.messages("C100")[0]["ts"])
    )
