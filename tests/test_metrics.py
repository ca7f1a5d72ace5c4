"""GET /metrics after a posting scenario: posts by outcome, Web API calls by method and status, 429s
and their Retry-After, article loads, the scheduler's lag — as Prometheus scrapes them."""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.digests.spec import DigestSpec
from tests.fakeslack import FakeSlack, Fault
from tests.slackbot import NOW, http, running_bot

CHANNELS = ("CMETRIC01", "CMETRIC02", "CMETRIC03")


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = http(f"{url}/metrics")
    assert reply.status == 200
    samples = {}
    for family in text_string_to_metric_families(reply.body):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_count_what_the_process_did(tmp_path: Path, fake_slack: FakeSlack) -> None:
    with running_bot(tmp_path, fake_slack) as bot:
        store, posting = bot.services.store, bot.services.posting
        for n, channel in enumerate(CHANNELS, start=1):
            spec = DigestSpec(name=f"d{n}", channel=channel, time=time(9, 30), timezone="UTC")
            store.save_digest(spec, actor="test", now=NOW - timedelta(days=1))
        fake_slack.fail("chat.postMessage", Fault.rate_limited(7))

        first = bot.services.scheduler.tick(NOW + timedelta(minutes=31))
        assert sorted(o.status for o in first) == ["deferred", "posted", "posted"]
        [late] = bot.services.scheduler.tick(NOW + timedelta(minutes=31, seconds=8))
        assert late.status == "posted"
        stored = store.get_digest("", "d1")
        assert stored is not None
        spec = stored
        assert posting.post_occurrence(spec, NOW + timedelta(minutes=30), now=NOW).status == "already"
        off = dataclasses.replace(spec, enabled=False)
        assert posting.post_occurrence(off, NOW, now=NOW).status == "disabled"
        fresh = DigestSpec(name="d4", channel="CMETRIC04", time=time(9, 30), timezone="UTC")
        fake_slack.fail("chat.postMessage", Fault.error("token_revoked"))
        assert posting.post_now(fresh, NOW + timedelta(hours=1)).status == "paused"

        samples = scrape(bot.url)

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    posts = {o: value("newsbot_posts_total", outcome=o) for o in ("posted", "deferred", "already")}
    assert posts == {"posted": 3, "deferred": 1, "already": 1}
    assert value("newsbot_posts_total", outcome="disabled") == 1
    assert value("newsbot_posts_total", outcome="paused") == 1
    # 3 posted + the 429 + the token_revoked answer (HTTP 200, ok: false).
    assert value("newsbot_slack_api_calls_total", method="chat.postMessage", status="200") == 4
    assert value("newsbot_slack_api_calls_total", method="chat.postMessage", status="429") == 1
    assert value("newsbot_slack_rate_limited_total", method="chat.postMessage") == 1
    assert value("newsbot_slack_retry_after_seconds_total") == 7
    assert value("newsbot_articles") == 5
    assert value("newsbot_article_load_seconds_count") == 1
    # The 09:30 occurrences, posted at 09:31 and 09:31:08.
    assert value("newsbot_post_lag_seconds_count") == 3
    assert value("newsbot_post_lag_seconds_sum") == 60 + 60 + 68
    assert value("newsbot_scheduler_lag_seconds") == 68
    assert value("newsbot_claims_taken_over_total") == 0
