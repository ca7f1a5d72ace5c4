"""PostingService with the real SQLite store and SlackPoster, against the Slack stand-in over HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.digests.spec import DigestSpec
from bot.services.posting import DONE_STATUSES, RETRY_STATUSES, PostingService, PostStatus
from bot.slack.client import make_client
from bot.slack.health import PostingHealth
from bot.slack.poster import SlackPoster
from bot.store.sqlite import SQLiteStore
from tests.fakeslack import FakeSlack, Fault

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
OCC = NOW
LEASE = timedelta(minutes=5)


class FixedArticles:
    """A composer over a fixed list of (url, published): what is new since ``since`` and unseen."""

    def __init__(self, *articles: tuple[str, datetime]) -> None:
        self.articles = list(articles)
        self.calls: list[tuple[datetime | None, frozenset[str]]] = []

    def __call__(
        self, spec: DigestSpec, now: datetime, since: datetime | None, exclude: frozenset[str]
    ) -> tuple[Mapping[str, Any], Sequence[str]]:
        self.calls.append((since, exclude))
        urls = [u for u, p in self.articles if u not in exclude and (since is None or p > since)]
        blocks: list[dict[str, Any]] = [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{url}|story>"},
                "accessory": {"type": "image", "image_url": f"{url}.png", "alt_text": "x"},
            }
            for url in urls
        ]
        return {"text": f"{spec.name}: {len(urls)} stories", "blocks": blocks}, urls


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "newsbot.db")
    yield s
    s.close()


def article(n: int, hours_ago: float = 1) -> tuple[str, datetime]:
    return f"https://example.com/{n}", NOW - timedelta(hours=hours_ago)


def make_service(
    fake: FakeSlack,
    store: SQLiteStore,
    composer: FixedArticles | None = None,
    *,
    retries: int = 2,
    timeout: int = 5,
    owner: str = "proc-1",
) -> PostingService:
    client = make_client("xoxb-test", fake.url, timeout=timeout)
    poster = SlackPoster(client, PostingHealth(), retries=retries, sleep=lambda _: None)
    return PostingService(
        store, poster, composer or FixedArticles(article(1), article(2)), owner=owner, lease=LEASE
    )


def spec(name: str = "ai", channel: str = "C100", **kwargs: Any) -> DigestSpec:
    return DigestSpec(name=name, channel=channel, **kwargs)


def test_posts_once_and_records_ts_urls_and_post_key(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    service = make_service(fake_slack, store)

    first = service.post_occurrence(spec(), OCC, now=NOW)
    again = service.post_occurrence(spec(), OCC, now=NOW + timedelta(minutes=1))

    [message] = fake_slack.messages("C100")
    record = store.get_post("", "ai", OCC)
    assert first.status == "posted" and first.ts == message["ts"]
    assert again.status == "already" and again.ts == message["ts"]
    assert record is not None and record.status == "posted" and record.ts == message["ts"]
    assert record.urls == ("https://example.com/1", "https://example.com/2")
    assert message["metadata"]["event_payload"] == {"post_key": record.post_key}


def test_rate_limit_defers_that_channel_only(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    service = make_service(fake_slack, store)
    fake_slack.fail("chat.postMessage", Fault.rate_limited(retry_after=30))

    limited = service.post_occurrence(spec("a", "C1"), OCC, now=NOW)
    other = service.post_occurrence(spec("b", "C2"), OCC, now=NOW)
    too_early = service.post_occurrence(spec("a", "C1"), OCC, now=NOW + timedelta(seconds=10))
    retried = service.post_occurrence(spec("a", "C1"), OCC, now=NOW + timedelta(seconds=30))

    assert limited.status is PostStatus.DEFERRED and limited.retry_at == NOW + timedelta(seconds=30)
    assert limited.rate_limited  # a typed fact, so `newsbot post` need not read the detail text
    assert other.status is PostStatus.POSTED and not other.rate_limited
    assert not too_early.rate_limited  # deferred by the store's record, not by a 429 just now
    assert too_early.status == "deferred" and too_early.retry_at == NOW + timedelta(seconds=30)
    assert retried.status == "posted"
    assert len(fake_slack.messages("C1")) == 1 and len(fake_slack.messages("C2")) == 1


def test_server_errors_are_retried(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    fake_slack.fail("chat.postMessage", Fault.server_error(), Fault.server_error())

    outcome = make_service(fake_slack, store).post_occurrence(spec(), OCC, now=NOW)

    assert outcome.status == "posted"
    assert len(fake_slack.messages("C100")) == 1


def test_500_after_posting_is_not_posted_again_on_the_next_claim(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    service = make_service(fake_slack, store, retries=0)
    fake_slack.fail("chat.postMessage", Fault.server_error_after())

    failed = service.post_occurrence(spec(), OCC, now=NOW)
    assert failed.status == "deferred" and failed.retry_at is not None
    later = service.post_occurrence(spec(), OCC, now=failed.retry_at)

    [message] = fake_slack.messages("C100")
    assert later.status == "posted" and later.ts == message["ts"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    record = store.get_post("", "ai", OCC)
    assert record is not None and record.status == "posted" and record.attempts == 2


def test_claim_left_by_a_dead_process_is_retried_without_duplicate(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    dead = make_service(fake_slack, store, owner="dead")
    claim = store.claim("", "ai", OCC, channel="C100", owner="dead", now=NOW, lease=LEASE)
    assert claim is not None
    dead.poster.post("C100", {"text": "digest"}, post_key=claim.post_key, check_history=False)
    alive = make_service(fake_slack, store, owner="alive")

    busy = alive.post_occurrence(spec(), OCC, now=NOW + timedelta(minutes=1))
    taken_over = alive.post_occurrence(spec(), OCC, now=NOW + LEASE)

    assert busy.status == "busy"
    [message] = fake_slack.messages("C100")
    assert taken_over.status == "posted" and taken_over.ts == message["ts"]


def test_timeout_then_success_posts_once(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    fake_slack.fail("chat.postMessage", Fault.slow(1.6))

    outcome = make_service(fake_slack, store, timeout=1).post_occurrence(spec(), OCC, now=NOW)

    [message] = fake_slack.messages("C100")
    assert outcome.status == "posted" and outcome.ts == message["ts"]


def test_invalid_blocks_posts_without_images(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    fake_slack.fail("chat.postMessage", Fault.error("invalid_blocks"))

    outcome = make_service(fake_slack, store).post_occurrence(spec(), OCC, now=NOW)

    [message] = fake_slack.messages("C100")
    assert outcome.status == "posted" and "without images" in outcome.detail
    assert "image" not in str(message["blocks"]) and "https://example.com/1" in str(message["blocks"])


@pytest.mark.parametrize(
    ("setup", "code"),
    [({"is_archived": True}, "is_archived"), ({"is_private": True, "is_member": False}, "channel_not_found")],
)
def test_gone_channel_disables_the_digest_audits_and_tells_its_creator(
    fake_slack: FakeSlack, store: SQLiteStore, setup: dict[str, bool], code: str
) -> None:
    fake_slack.add_channel("G200", "secret", **setup)
    gone = spec("secret", "G200", source="slack", created_by="UADMIN")
    store.save_digest(gone, actor="UADMIN", now=NOW - timedelta(days=1))

    outcome = make_service(fake_slack, store).post_occurrence(gone, OCC, now=NOW)

    assert outcome.status == "disabled" and outcome.detail == code
    saved = store.get_digest("", "secret")
    assert saved is not None and not saved.enabled
    latest = store.audit_log("")[0]
    assert (latest.action, latest.digest, latest.details["reason"]) == ("disable", "secret", code)
    [notice] = fake_slack.messages("UADMIN")
    assert "secret" in notice["text"] and "/invite" in notice["text"]
    record = store.get_post("", "secret", OCC)
    assert record is not None and record.status == "failed" and record.detail == code


def test_gone_channel_notice_shows_the_typed_name_as_text(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    fake_slack.add_channel("C300", "old", is_archived=True)
    gone = spec("Team <!here> news", "C300", source="slack", created_by="UADMIN")
    store.save_digest(gone, actor="UADMIN", now=NOW - timedelta(days=1))

    assert make_service(fake_slack, store).post_occurrence(gone, OCC, now=NOW).status == "disabled"

    [notice] = fake_slack.messages("UADMIN")
    assert "<!here>" not in notice["text"]
    assert "*Team &lt;!here&gt; news*" in notice["text"] and "<#C300>" in notice["text"]
    assert 'name="Team &lt;!here&gt; news"' in notice["text"]


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "account_inactive"])
def test_auth_error_pauses_all_posting(fake_slack: FakeSlack, store: SQLiteStore, code: str) -> None:
    service = make_service(fake_slack, store)
    fake_slack.fail("chat.postMessage", Fault.error(code))

    first = service.post_occurrence(spec("a", "C1"), OCC, now=NOW)
    calls = len(fake_slack.calls)
    second = service.post_occurrence(spec("b", "C2"), OCC, now=NOW)

    assert first.status == "paused" and first.detail == code
    assert second.status == "paused" and len(fake_slack.calls) == calls
    assert service.poster.health.paused and service.poster.health.reason == code
    record = store.get_post("", "a", OCC)
    assert record is not None and record.status == "failed"


def test_paused_posting_resumes_once_auth_test_passes(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    service = make_service(fake_slack, store)
    fake_slack.fail("chat.postMessage", Fault.error("token_revoked"))
    fake_slack.fail("auth.test", Fault.error("token_revoked"))

    paused = service.post_occurrence(spec(), OCC, now=NOW)
    still = service.post_occurrence(spec(), OCC, now=NOW + timedelta(minutes=5))
    not_asked_yet = service.post_occurrence(spec(), OCC, now=NOW + timedelta(minutes=9))
    resumed = service.post_occurrence(spec(), OCC, now=NOW + timedelta(minutes=10))

    assert [o.status for o in (paused, still, not_asked_yet, resumed)] == [
        "paused",
        "paused",
        "paused",
        "posted",
    ]
    assert len(fake_slack.calls_to("auth.test")) == 2
    assert not service.poster.health.paused
    assert len(fake_slack.messages("C100")) == 1


def test_manual_post_then_scheduled_carries_only_newer_unseen_stories(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    composer = FixedArticles(article(1, hours_ago=3), article(2, hours_ago=2))
    service = make_service(fake_slack, store, composer)
    manual_at = NOW - timedelta(hours=1)

    manual = service.post_occurrence(spec(), manual_at, now=manual_at, manual=True)
    composer.articles.append(article(3, hours_ago=0.5))
    scheduled = service.post_occurrence(spec(), OCC, now=NOW)

    assert manual.status == "posted" and scheduled.status == "posted"
    assert composer.calls[1] == (manual_at, frozenset({"https://example.com/1", "https://example.com/2"}))
    newest = fake_slack.messages("C100")[-1]
    assert "example.com/3" in str(newest["blocks"]) and "example.com/1" not in str(newest["blocks"])


def test_empty_digest_is_skipped_unless_post_when_empty(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    service = make_service(fake_slack, store, FixedArticles())

    empty = service.post_occurrence(spec(), OCC, now=NOW)
    wanted = service.post_occurrence(spec("b", post_when_empty=True), OCC, now=NOW)
    manual = service.post_occurrence(spec("c", post_when_empty=True), NOW, now=NOW, manual=True)

    assert empty.status == "empty" and manual.status == "empty"
    assert wanted.status == "posted"
    record = store.get_post("", "ai", OCC)
    assert record is not None and record.status == "skipped"
    assert len(fake_slack.messages("C100")) == 1


def test_disabled_digest_is_not_posted(fake_slack: FakeSlack, store: SQLiteStore) -> None:
    outcome = make_service(fake_slack, store).post_occurrence(spec(enabled=False), OCC, now=NOW)

    assert outcome.status == "disabled"
    assert fake_slack.calls == [] and store.get_post("", "ai", OCC) is None


def test_status_sets_cover_every_status_once() -> None:
    """Each status is settled, owed a retry, or neither (busy, disabled, a given-up manual post)."""
    assert not DONE_STATUSES & RETRY_STATUSES
    assert {PostStatus.BUSY, PostStatus.DISABLED, PostStatus.FAILED} == set(
        PostStatus
    ) - DONE_STATUSES - RETRY_STATUSES
    assert f"{PostStatus.POSTED}" == "posted"  # logs and JSON show the plain word


def test_crash_after_slack_accepted_then_250_messages_still_one_digest(
    fake_slack: FakeSlack, store: SQLiteStore
) -> None:
    """The dead process's post is older than the newest 200 messages: the history check pages back
    to the claim's first attempt (``oldest=``) and finds it."""
    moment = [NOW.timestamp()]
    fake_slack.set_clock(lambda: moment[0])
    dead = make_service(fake_slack, store, owner="dead")
    claim = store.claim("", "ai", OCC, channel="C100", owner="dead", now=NOW, lease=LEASE)
    assert claim is not None
    dead.poster.post("C100", {"text": "digest"}, post_key=claim.post_key, check_history=False)
    moment[0] += 60
    fake_slack.add_messages("C100", 250)
    moment[0] += LEASE.total_seconds()

    outcome = make_service(fake_slack, store, owner="alive").post_occurrence(spec(), OCC, now=NOW + LEASE)

    digests = [m for m in fake_slack.messages("C100") if m.get("metadata")]
    assert outcome.status == "posted" and [m["ts"] for m in digests] == [outcome.ts]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    pages = fake_slack.calls_to("conversations.history")
    assert len(pages) == 2 and float(pages[0].params["oldest"]) <= OCC.timestamp()
