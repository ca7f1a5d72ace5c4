"""SubscriptionService over a temporary SQLite store, the real grammar and matcher, and an in-memory
channel directory (the port the Slack adapter implements)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digests.spec import WEEKDAYS, DigestSpec
from bot.errors import (
    ChannelLookupError,
    ChannelProblem,
    ChannelProblemKind,
    DigestProblem,
    DigestProblemKind,
    QueryError,
)
from bot.grammar.news_admin import parse_admin_command
from bot.services.posting import PostOutcome, PostStatus
from bot.services.subscriptions import SubscriptionService, source_label
from bot.slack.channels import ChannelInfo
from bot.store.sqlite import SQLiteStore
from bot.topics import TopicMatcher

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
TEAM = "T1"
TOPICS = ["AI", "AI in Robotics", "Computer Vision", "Natural Language Processing", "Microsoft AI"]


class FakeChannels:
    """Channels by ID; ``join`` makes the bot a member unless the channel refuses."""

    def __init__(self, *channels: ChannelInfo, refuse_join: frozenset[str] = frozenset()) -> None:
        self.channels = {c.id: c for c in channels}
        self.refuse_join = refuse_join
        self.joined: list[str] = []

    def info(self, channel_id: str) -> ChannelInfo | None:
        found = self.channels.get(channel_id)
        # Slack hides a private channel from a bot that is not in it.
        return None if found is None or (found.is_private and not found.is_member) else found

    def find_by_name(self, name: str) -> ChannelInfo | None:
        return next((c for c in self.channels.values() if c.name == name and not c.is_private), None)

    def join(self, channel_id: str) -> None:
        if channel_id in self.refuse_join:
            code = "method_not_supported_for_channel_type"
            raise ChannelLookupError(f"Slack answered {code}", code=code)
        self.joined.append(channel_id)
        self.channels[channel_id] = dataclasses.replace(self.channels[channel_id], is_member=True)


def _channel(
    cid: str, name: str, *, private: bool = False, member: bool = True, archived: bool = False
) -> ChannelInfo:
    return ChannelInfo(cid, name, private, member, archived)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "admin.db")
    yield s
    s.close()


@pytest.fixture
def channels() -> FakeChannels:
    return FakeChannels(
        _channel("C100", "ai-news"),
        _channel("C200", "robots", member=False),
        _channel("G300", "secret", private=True, member=False),
        _channel("G400", "inner", private=True),
        _channel("C500", "old", archived=True),
        _channel("C600", "noadmit", member=False),
        refuse_join=frozenset({"C600"}),
    )


@pytest.fixture
def posted() -> list[tuple[str, datetime]]:
    return []


@pytest.fixture
def service(
    store: SQLiteStore, channels: FakeChannels, posted: list[tuple[str, datetime]]
) -> SubscriptionService:
    matcher = TopicMatcher.with_default_aliases(TOPICS)

    def preview(spec: DigestSpec, now: datetime) -> Mapping[str, Any]:
        return {"text": f"{spec.name} at {now:%H:%M}", "blocks": []}

    def post_now(
        spec: DigestSpec, now: datetime, *, report: object = None, asked_by: str = ""
    ) -> PostOutcome:
        posted.append((spec.name, now))
        return PostOutcome(PostStatus.POSTED, ts="1.2", digest=spec.name, occurrence=now)

    return SubscriptionService(
        store, channels, matcher_provider=lambda: matcher, previewer=preview, post_now=post_now
    )


def _sub(
    service: SubscriptionService, text: str, *, here: tuple[str, str] = ("C100", "ai-news"), user: str = "U1"
) -> Any:
    return service.subscribe(TEAM, user, here[0], here[1], parse_admin_command(text), NOW)


def test_subscribe_defaults_to_this_channel_and_its_name(
    service: SubscriptionService, store: SQLiteStore
) -> None:
    result = _sub(service, 'subscribe topics="computer visoin, robotics" time=7:30 days=weekdays')
    assert result.created and not result.joined and result.changes == {}
    spec = store.get_digest(TEAM, "ai-news")
    assert spec is not None and spec == result.spec
    assert (spec.channel, spec.topics, spec.time, spec.days) == (
        "C100",
        ("Computer Vision", "AI in Robotics"),
        time(7, 30),
        WEEKDAYS,
    )
    assert (spec.source, spec.created_by, spec.team_id) == ("slack", "U1", TEAM)
    entry = store.audit_log(TEAM)[0]
    assert (entry.action, entry.actor, entry.digest, entry.at) == ("create", "U1", "ai-news", NOW)
    assert store.list_digests("T2") == []


def test_subscribe_again_merges_options_and_audits_the_change(
    service: SubscriptionService, store: SQLiteStore
) -> None:
    _sub(service, "subscribe topics=robotics max_items=3 timezone=Europe/Berlin")
    result = _sub(service, "subscribe max_items=7", user="U2")
    assert not result.created
    assert result.changes == {"max_items": [3, 7]}
    spec = store.get_digest(TEAM, "ai-news")
    assert spec is not None and (spec.topics, spec.max_items, spec.timezone) == (
        ("AI in Robotics",),
        7,
        "Europe/Berlin",
    )
    assert spec.created_by == "U1"  # the creator stays; the audit log says who changed what
    entry = store.audit_log(TEAM)[0]
    assert (entry.action, entry.actor, entry.details) == ("update", "U2", {"changed": {"max_items": [3, 7]}})
    entries = len(store.audit_log(TEAM))
    assert _sub(service, "subscribe max_items=7").changes == {}
    assert len(store.audit_log(TEAM)) == entries  # nothing changed, nothing audited


def test_subscribe_by_name_keeps_the_digest_channel(service: SubscriptionService, store: SQLiteStore) -> None:
    _sub(service, "subscribe name=daily topics=ai")
    _sub(service, "subscribe name=daily min_quality=0.5", here=("G400", "inner"))
    spec = store.get_digest(TEAM, "daily")
    assert spec is not None and (spec.channel, spec.min_quality) == ("C100", 0.5)
    moved = _sub(service, "subscribe name=daily <#G400|inner>")
    assert moved.changes == {"channel": ["C100", "G400"]}


def test_subscribe_joins_a_public_channel(service: SubscriptionService, channels: FakeChannels) -> None:
    result = _sub(service, "subscribe #robots topics=robotics")
    assert result.joined and channels.joined == ["C200"]
    assert result.spec.channel == "C200" and result.spec.name == "robots"


@pytest.mark.parametrize(
    ("text", "here", "message"),
    [
        ("subscribe <#G300|secret> topics=ai", ("C100", "ai-news"), "not_visible: <#G300>"),
        ("subscribe topics=ai", ("G300", "secret"), "not_visible: this channel"),
        ("subscribe #old", ("C100", "ai-news"), "archived: <#C500>"),
        ("subscribe #nowhere", ("C100", "ai-news"), "not_visible: #nowhere"),
        (
            "subscribe #noadmit",
            ("C100", "ai-news"),
            r"join_refused: <#C600> \(method_not_supported_for_channel_type\)",
        ),
        ("subscribe topics=robtcs", ("C100", "ai-news"), "topics: Unknown topic 'robtcs'. Did you mean"),
        ("subscribe topics=ai", ("C200", "robots"), None),  # joins, so this one works
    ],
)
def test_subscribe_errors_save_nothing(
    service: SubscriptionService, store: SQLiteStore, text: str, here: tuple[str, str], message: str | None
) -> None:
    if message is None:
        assert _sub(service, text, here=here).joined
        return
    with pytest.raises(QueryError, match=message):
        _sub(service, text, here=here)
    assert store.list_digests() == [] and store.audit_log(TEAM) == []


def test_subscribe_keeps_a_topic_no_article_has_yet_and_warns(service: SubscriptionService) -> None:
    result = _sub(service, "subscribe topics=quantum,robotics")
    assert result.spec.topics == ("quantum", "AI in Robotics")
    assert result.absent_topics == ("quantum",)  # the listener words the warning (test_news_admin_words)
    assert _sub(service, "subscribe max_items=3").absent_topics == ()  # only when topics= is given


def test_private_channel_after_invite(service: SubscriptionService, channels: FakeChannels) -> None:
    with pytest.raises(ChannelProblem) as refused:
        _sub(service, "subscribe <#G300|secret>")
    # Slack shows the bot no private channel it is not in: "invite me" is the answer (see the wording).
    assert refused.value.kind is ChannelProblemKind.NOT_VISIBLE and refused.value.channel == "<#G300>"
    channels.channels["G300"] = dataclasses.replace(channels.channels["G300"], is_member=True)
    assert _sub(service, "subscribe <#G300|secret>").spec.channel == "G300"
    assert channels.joined == []


def test_file_digest_cannot_be_changed_or_removed(service: SubscriptionService, store: SQLiteStore) -> None:
    file_spec = DigestSpec("ai-news", "C100", team_id=TEAM, origin="digests/ai-news.yaml")
    store.sync_file_digests([file_spec], now=NOW)
    for text in ("subscribe max_items=2", "subscribe name=ai-news #robots"):
        with pytest.raises(DigestProblem) as refused:
            _sub(service, text)
        assert refused.value.kind is DigestProblemKind.FILE_OWNED and refused.value.name == "ai-news"
        assert (refused.value.origin, refused.value.verb) == ("digests/ai-news.yaml", "change")
    with pytest.raises(DigestProblem) as refused:
        service.unsubscribe(TEAM, "U1", "C100", "ai-news", parse_admin_command("unsubscribe"), NOW)
    assert refused.value.kind is DigestProblemKind.FILE_OWNED and refused.value.verb == "remove"
    assert store.get_digest(TEAM, "ai-news") == file_spec
    listing = service.list_digests(TEAM)
    assert [(item.spec.name, item.source) for item in listing] == [("ai-news", "file digests/ai-news.yaml")]


def test_unsubscribe_by_channel_or_name(service: SubscriptionService, store: SQLiteStore) -> None:
    _sub(service, "subscribe topics=ai")
    _sub(service, "subscribe name=second topics=robotics")
    cmd = parse_admin_command("unsubscribe")
    with pytest.raises(DigestProblem, match="several: ai-news, second"):
        service.unsubscribe(TEAM, "U9", "C100", "ai-news", cmd, NOW)
    removed = service.unsubscribe(
        TEAM, "U9", "C999", "elsewhere", parse_admin_command("unsubscribe name=second"), NOW
    )
    assert removed.name == "second"
    removed = service.unsubscribe(
        TEAM, "U9", "C999", "elsewhere", parse_admin_command("unsubscribe #ai-news"), NOW
    )
    assert removed.name == "ai-news" and store.list_digests(TEAM) == []
    entry = store.audit_log(TEAM)[0]
    assert (entry.action, entry.actor, entry.details["old"]["topics"]) == ("delete", "U9", ["AI"])
    with pytest.raises(DigestProblem, match="none_in_channel: this channel"):
        service.unsubscribe(TEAM, "U9", "C100", "ai-news", cmd, NOW)
    with pytest.raises(DigestProblem, match="no_such_digest: gone"):
        service.unsubscribe(TEAM, "U9", "C100", "ai-news", parse_admin_command("unsubscribe name=gone"), NOW)


def test_unsubscribe_a_deleted_channel_by_id(
    service: SubscriptionService, store: SQLiteStore, channels: FakeChannels
) -> None:
    _sub(service, "subscribe #robots")
    del channels.channels["C200"]  # channel_not_found from now on
    removed = service.unsubscribe(
        TEAM, "U1", "C100", "ai-news", parse_admin_command("unsubscribe <#C200>"), NOW
    )
    assert removed.name == "robots"


def test_list_shows_the_source(service: SubscriptionService, store: SQLiteStore) -> None:
    _sub(service, "subscribe topics=ai", user="U77")
    store.sync_file_digests(
        [DigestSpec("morning", "ai-news", team_id=TEAM, origin="digests/morning.yaml")], now=NOW
    )
    store.save_digest(DigestSpec("legacy", "C100", team_id=TEAM, source="slack"), actor="U1", now=NOW)
    labels = {item.spec.name: item.source for item in service.list_digests(TEAM)}
    assert labels == {
        "ai-news": "slack, by <@U77>",
        "legacy": "slack",
        "morning": "file digests/morning.yaml",
    }
    assert source_label(DigestSpec("x", "C1")) == "file digests/*.yaml"


def test_preview_and_post_each_digest_of_the_channel(
    service: SubscriptionService, store: SQLiteStore, posted: list[tuple[str, datetime]]
) -> None:
    _sub(service, "subscribe topics=ai")
    # A file digest naming the channel by name belongs to the channel too.
    store.sync_file_digests([DigestSpec("morning", "ai-news", team_id=TEAM)], now=NOW)
    previews = service.preview(TEAM, "C100", "ai-news", parse_admin_command("preview"), NOW)
    assert [(p.spec.name, p.payload["text"]) for p in previews] == [
        ("ai-news", "ai-news at 09:00"),
        ("morning", "morning at 09:00"),
    ]
    later = NOW + timedelta(minutes=5)
    results = service.post(
        TEAM, "C999", "elsewhere", parse_admin_command("post #ai-news name=morning"), later
    )
    assert [(r.spec.name, r.outcome.status) for r in results] == [("morning", "posted")]
    assert posted == [("morning", later)]
    with pytest.raises(DigestProblem) as refused:
        service.post(TEAM, "C100", "ai-news", parse_admin_command("post #robots name=ai-news"), NOW)
    assert refused.value.kind is DigestProblemKind.WRONG_CHANNEL
    assert (refused.value.posts_to, refused.value.channel) == ("<#C100>", "#robots")
    with pytest.raises(DigestProblem, match="none_in_channel: #robots"):
        service.preview(TEAM, "C100", "ai-news", parse_admin_command("preview #robots"), NOW)
    assert posted == [("morning", later)]


def test_wrong_action_is_rejected(service: SubscriptionService) -> None:
    with pytest.raises(QueryError, match="Expected subscribe"):
        service.subscribe(TEAM, "U1", "C100", "ai-news", parse_admin_command("list"), NOW)
