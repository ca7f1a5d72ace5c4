"""Two processes on one SQLite file: one opening, writing and closing the store must not break the
other's. (The file-liveness check once re-read the header through a new descriptor; closing it
dropped the process's POSIX locks, so the other process's last close deleted the WAL under it and
its next read failed with "disk I/O error".)"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime, time
from pathlib import Path

from bot.digests.spec import DigestSpec
from bot.store.sqlite import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]

# The long-running process: reads when told to, and says how it went.
READER = textwrap.dedent(
    """
    import sys
    from bot.store.sqlite import SQLiteStore

    store = SQLiteStore(sys.argv[1])
    for line in sys.stdin:
        try:
            names = [d.name for d in store.list_digests()]
            print("ok", len(names), flush=True)
        except Exception as err:
            print("error", err, flush=True)
    store.close()
    """
)


def test_another_process_writing_and_closing_leaves_a_running_store_working(tmp_path: Path) -> None:
    db = tmp_path / "newsbot.db"
    SQLiteStore(db).close()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None and reader.stdout is not None
    answers: list[str] = []

    def ask() -> None:
        assert reader.stdin is not None and reader.stdout is not None
        reader.stdin.write("read\n")
        reader.stdin.flush()
        answers.append(reader.stdout.readline().strip())

    try:
        ask()
        for n in range(3):
            writer = SQLiteStore(db)
            spec = DigestSpec(name=f"d{n}", channel="C1", time=time(9), source="slack")
            writer.save_digest(spec, actor="test", now=datetime.now(UTC))
            ask()  # the file changed: the reader checks its header again
            writer.close()  # the writer's last connection
            ask()
    finally:
        reader.stdin.close()
        reader.wait(30)
    assert answers == ["ok 0", "ok 1", "ok 1", "ok 2", "ok 2", "ok 3", "ok 3"]
