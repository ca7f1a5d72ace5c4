"""Three real `newsbot run` processes on one PostgreSQL: every due occurrence posted once, the work
spread over the processes, one of them killed with SIGKILL mid-post losing nothing, and /healthz and
/metrics of each showing that process's own state."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.digests.spec import DigestSpec
from bot.store.factory import open_store
from tests.fakeslack import TEAM_ID, FakeSlack, Fault
from tests.pgserver import PostgresServer
from tests.slackbot import SIGNING_SECRET, command_body, http, signed_headers, wait_for, write_articles
from tests.test_run_command import free_port, start

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")

PROCESSES = 3
DIGESTS = 36


def metric(base: str, name: str, **labels: str) -> float:
    text = http(f"{base}/metrics").body
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def health(base: str) -> dict[str, object] | None:
    try:
        reply = http(f"{base}/healthz")
    except OSError:
        return None
    return reply.json() if reply.status == 200 else None


def test_three_processes_post_each_occurrence_once_and_a_sigkill_mid_post_loses_nothing(
    tmp_path: Path, fake_slack: FakeSlack, postgres_server: PostgresServer
) -> None:
    db = postgres_server.create_schema()
    now = datetime.now(UTC)
    write_articles(tmp_path / "articles", now - timedelta(minutes=5))
    (tmp_path / "digests").mkdir()
    tokens = [f"xoxb-process-{n}" for n in range(PROCESSES)]
    bases: list[str] = []
    processes: list[subprocess.Popen[str]] = []
    for n, token in enumerate(tokens):
        port = free_port()
        bases.append(f"http://127.0.0.1:{port}")
        env = {
            "SLACK_BOT_TOKEN": token,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.url,
            "PORT": str(port),
            "NEWSBOT_ARTICLES": str(tmp_path / "articles"),
            "NEWSBOT_DB": db,
            "NEWSBOT_DIGESTS": str(tmp_path / "digests"),
            "NEWSBOT_TICK_SECONDS": "1",
        }
        (tmp_path / f"p{n}").mkdir()
        processes.append(start(tmp_path / f"p{n}", env))
    try:
        for base in bases:
            assert wait_for(functools.partial(health, base), timeout=30), f"{base} did not come up"
        # The first post is answered only after 20 s (it is in the channel already): its process is
        # killed meanwhile. The others are a little slow, so that one process cannot take them all.
        fake_slack.fail("chat.postMessage", Fault.slow(20), *[Fault.slow(0.15)] * DIGESTS)
        due = now - timedelta(hours=1)
        store = open_store(db)
        channels = [f"CPROC{n:04d}" for n in range(DIGESTS)]
        for n, channel in enumerate(channels):
            spec = DigestSpec(
                name=f"d{n:02d}",
                channel=channel,
                team_id=TEAM_ID,
                source="slack",
                time=dt_time(due.hour, due.minute),
            )
            store.save_digest(spec, actor="UADMIN", now=now - timedelta(days=1))

        first = wait_for(lambda: fake_slack.calls_to("chat.postMessage"), timeout=30)
        assert first, "nothing was posted"
        victim_token = first[0].headers["Authorization"].removeprefix("Bearer ")
        victim = processes[tokens.index(victim_token)]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        survivors = [b for b, p in zip(bases, processes, strict=True) if p is not victim]

        def all_posted() -> bool:
            return all(fake_slack.messages(c) for c in channels) and all(
                (r := store.get_post(TEAM_ID, s.name, s_occ)) is not None and r.status == "posted"
                for s in store.list_digests(TEAM_ID)
                for s_occ in [datetime.combine(due.date(), s.time, UTC)]
            )

        assert wait_for(all_posted, timeout=60), "not every occurrence was posted"
        assert [len(fake_slack.messages(c)) for c in channels] == [1] * DIGESTS  # no duplicate
        records = [
            store.get_post(TEAM_ID, s.name, datetime.combine(due.date(), s.time, UTC))
            for s in store.list_digests(TEAM_ID)
        ]
        # Claims the dead process held were taken over at once (its pid is gone) and finished by a
        # survivor, which found each message already in the channel through its post key.
        taken = [r for r in records if r is not None and r.attempts == 2]
        victims_post = first[0].params["channel"]
        assert victims_post in {r.channel for r in taken}
        for r in taken:
            assert r.ts == fake_slack.messages(r.channel)[0]["ts"]
        assert sum(metric(b, "newsbot_claims_taken_over_total") for b in survivors) == len(taken)

        # The minute's work was spread: every process posted some of it.
        posters = {c.headers["Authorization"] for c in fake_slack.calls_to("chat.postMessage")}
        assert len(posters) == PROCESSES
        assert all(metric(b, "newsbot_posts_total", outcome="posted") > 0 for b in survivors)
        seen = [health(b) for b in survivors]
        assert all(h is not None and h["ok"] for h in seen)
        assert len({str(h["process"]) for h in seen if h}) == 2  # each answers for itself
        store.close()

        # Requests may go to any process.
        body = command_body(
            "/news", "robotics", user="UMEMBER01", response_url=fake_slack.response_url("any")
        )
        assert http(f"{survivors[1]}/slack/events", body, signed_headers(body)).status == 200
        assert wait_for(lambda: fake_slack.responses("any"))
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
