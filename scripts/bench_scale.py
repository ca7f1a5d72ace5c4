"""Scale benchmark: 50 workspaces × 40 digests = 2,000 digests due in the same minute, posted by real
`newsbot run` processes against the Slack stand-in with faults.

Three runs, each on a fresh database: 1 process on SQLite, 1 process on PostgreSQL, 3 processes on
one PostgreSQL with one of them killed with SIGKILL when half the digests are posted. The processes
run in multi-workspace mode (OAuth settings): each workspace has its own installation and bot
token, so every post goes out with its workspace's token. The stand-in answers 5% of calls with 429
(Retry-After: 1) and 2% with 500, half of those after storing the message.

The digests are stored before the processes start, due in the current minute; the clock starts with
the processes (so start-up, about a second, is included) and stops when the stand-in holds a
message for every occurrence; then the processes stop (SIGTERM: posts in flight are recorded) and
the database is checked. Printed per run: time until all are posted,
duplicates (messages per post key beyond one) and misses (occurrences without exactly one message),
both must be 0; then the ratio of the 3-process run to the 1-process PostgreSQL run.

PostgreSQL comes from tests/pgserver.py (Debian's server binaries: `make postgres`); without them
the PostgreSQL runs are skipped with a message.

    .venv/bin/python scripts/bench_scale.py [--workspaces 50] [--digests 40] [--timeout 300]
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slack_sdk.oauth.installation_store import Installation  # noqa: E402

from bot.digests.spec import DigestSpec  # noqa: E402
from bot.store.factory import open_store  # noqa: E402
from bot.store.secrets import TokenCipher  # noqa: E402
from bot.store.workspaces import StoreInstallations, sql_hooks  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402
from tests.pgserver import ServerUnavailable, start_server  # noqa: E402
from tests.slackbot import SIGNING_SECRET, write_articles  # noqa: E402

RATE_LIMITED = 0.05
SERVER_ERROR = 0.01  # 500, nothing stored
SERVER_ERROR_AFTER = 0.01  # message stored, then 500


@dataclass(frozen=True, slots=True)
class RunResult:
    label: str
    seconds: float | None  # None: not all posted before the timeout
    occurrences: int
    duplicates: int
    misses: int
    posts: int  # chat.postMessage calls
    killed_at: int | None  # posted occurrences when a process was killed


def team(n: int) -> str:
    return f"T{n + 1:07d}"


def token(n: int) -> str:
    return f"xoxb-bench-workspace-{n:02d}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(db: str | Path, workspaces: int, digests: int, due: datetime) -> None:
    """Installations and disabled digests (due at ``due``), in the database the processes will use."""
    store = open_store(db)
    try:
        installations = StoreInstallations(sql_hooks(store), TokenCipher(None))
        created = due - timedelta(minutes=10)
        for w in range(workspaces):
            installations.save(
                Installation(
                    team_id=team(w), bot_token=token(w), bot_id=f"BB{w}", bot_user_id=f"UB{w}", user_id="U1"
                )
            )
            for d in range(digests):
                spec = DigestSpec(
                    name=f"d{d:03d}",
                    channel=f"C{w:02d}{d:04d}",
                    team_id=team(w),
                    source="slack",
                    time=due.time(),
                )
                store.save_digest(spec, actor="bench", now=created)
    finally:
        store.close()


def posted_keys(fake: FakeSlack, workspaces: int) -> int:
    """Distinct post keys in the stand-in's channels: how many occurrences reached Slack."""
    return len(
        {
            m["metadata"]["event_payload"]["post_key"]
            for w in range(workspaces)
            for messages in fake.all_messages(team(w)).values()
            for m in messages
        }
    )


def run(
    label: str,
    db: str | Path,
    *,
    processes: int,
    kill_one: bool,
    workspaces: int,
    digests: int,
    timeout: float,
    folder: Path,
    seed: int,
) -> RunResult:
    count = workspaces * digests
    with FakeSlack(seed=seed) as fake:
        for w in range(workspaces):
            fake.add_team(team(w), token(w))
        now = datetime.now(UTC)
        due = now.replace(second=0, microsecond=0)
        prepare(db, workspaces, digests, due)
        started = time.monotonic()  # the digests are due: the clock runs from the processes' start
        ports = [_free_port() for _ in range(processes)]
        fake.set_fault_rates(
            rate_limited=RATE_LIMITED,
            server_error=SERVER_ERROR,
            server_error_after=SERVER_ERROR_AFTER,
            retry_after=1,
            methods=frozenset({"chat.postMessage", "conversations.history"}),
        )
        children: list[subprocess.Popen[bytes]] = []
        logs = []
        for n, port in enumerate(ports):
            env = {
                "PATH": os.environ.get("PATH", ""),
                "PYTHONPATH": str(ROOT),
                "XDG_CACHE_HOME": str(folder / "cache"),
                "SLACK_CLIENT_ID": "1111.2222",
                "SLACK_CLIENT_SECRET": "bench-client-secret",
                "SLACK_STATE_SECRET": "bench-state-secret",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.url,
                "PORT": str(port),
                "NEWSBOT_ARTICLES": str(folder / "articles"),
                "NEWSBOT_DB": str(db),
                "NEWSBOT_DIGESTS": str(folder / "digests"),
                "NEWSBOT_TICK_SECONDS": "1",
                "LOG_LEVEL": "ERROR",
            }
            log = (folder / f"{label.replace(' ', '-')}-{n}.log").open("wb")
            logs.append(log)
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "bot", "run"], cwd=folder, env=env, stdout=log, stderr=log
                )
            )
        try:
            finished: float | None = None
            killed_at: int | None = None
            while time.monotonic() - started < timeout:
                done = posted_keys(fake, workspaces)
                if kill_one and killed_at is None and done >= count // 2:
                    os.kill(children[0].pid, signal.SIGKILL)
                    children[0].wait()
                    killed_at = done
                if done >= count:
                    finished = time.monotonic() - started
                    break
                time.sleep(0.05)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(60)
                except subprocess.TimeoutExpired:
                    child.kill()
            for log in logs:
                log.close()
            if finished is None:  # say why, from the processes' own logs
                for log in logs:
                    print(f"--- {log.name} (last lines)")
                    print("\n".join(Path(log.name).read_text(errors="replace").splitlines()[:12]))

        keys: Counter[str] = Counter()
        for w in range(workspaces):
            for messages in fake.all_messages(team(w)).values():
                for message in messages:
                    keys[message["metadata"]["event_payload"]["post_key"]] += 1
        store = open_store(db)
        try:
            misses = 0
            for w in range(workspaces):
                for d in range(digests):
                    record = store.get_post(team(w), f"d{d:03d}", due)
                    if record is None or record.status != "posted" or keys[record.post_key] != 1:
                        misses += 1
        finally:
            store.close()
        duplicates = sum(v - 1 for v in keys.values() if v > 1)
        posts = len(fake.calls_to("chat.postMessage"))
        return RunResult(label, finished, count, duplicates, misses, posts, killed_at)


def _line(result: RunResult) -> str:
    took = f"{result.seconds:6.2f} s" if result.seconds is not None else "NOT ALL POSTED"
    killed = f"  (one killed at {result.killed_at} posted)" if result.killed_at is not None else ""
    return (
        f"  {result.label:<34} {result.occurrences} posted in {took}  duplicates {result.duplicates}  "
        f"misses {result.misses}  chat.postMessage calls {result.posts}{killed}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workspaces", type=int, default=50)
    parser.add_argument("--digests", type=int, default=40, help="digests per workspace")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--seed", type=int, default=42, help="seed of the stand-in's random faults")
    args = parser.parse_args()
    total = args.workspaces * args.digests
    print(
        f"scale: {args.workspaces} workspaces x {args.digests} digests = {total} due in the same minute "
        f"({os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()})"
    )
    print(
        f"  faults: {RATE_LIMITED:.0%} 429 (Retry-After 1), {SERVER_ERROR + SERVER_ERROR_AFTER:.0%} 500 "
        "(half after storing the message); every process ticks each second"
    )
    results: list[RunResult] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_articles(folder / "articles", datetime.now(UTC) - timedelta(minutes=5))
        (folder / "digests").mkdir()

        def go(label: str, db: str | Path, processes: int, kill_one: bool = False) -> None:
            result = run(
                label,
                db,
                processes=processes,
                kill_one=kill_one,
                workspaces=args.workspaces,
                digests=args.digests,
                timeout=args.timeout,
                folder=folder,
                seed=args.seed,
            )
            results.append(result)
            print(_line(result), flush=True)

        go("1 process, SQLite", folder / "bench.db", 1)
        try:
            server = start_server()
        except ServerUnavailable as exc:
            print(f"  PostgreSQL runs skipped: {exc}")
            server = None
        if server is not None:
            try:
                go("1 process, PostgreSQL", server.create_database("bench_one"), 1)
                go(
                    "3 processes, PostgreSQL, 1 SIGKILL",
                    server.create_database("bench_three"),
                    3,
                    kill_one=True,
                )
            finally:
                server.stop()
    ok = all(r.seconds is not None and r.duplicates == 0 and r.misses == 0 for r in results)
    if len(results) == 3 and results[1].seconds and results[2].seconds:
        ratio = results[2].seconds / results[1].seconds
        print(
            f"  3 processes (one killed halfway) : 1 process on PostgreSQL = {ratio:.2f} "
            f"({1 / ratio:.2f}x the throughput)"
        )
    print("  result:", "OK (no duplicate, no miss)" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
