#!/usr/bin/env python3
"""Article files that attack the loader: time and peak memory per file and backend, vs a normal file.

    python scripts/bench_attacks.py [--backend yaml-rs|pyyaml]

Generates the attack files in a temporary folder (an alias bomb of a few KB, 50 MB files, deep
nesting, the largest documents still within the limits, a FIFO and a symlink loop), then parses
each in a fresh process and prints its outcome, the time and the growth of the peak resident
memory (VmHWM) over the process's own start. The baseline is a normal sample article, measured
the same way in the same run. A last line loads the whole folder at once.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIFTY_MB = 50 * 1024 * 1024
HEAD = '---\ntitle: "Attack"\npublishedDateTime: 2024-03-05T10:30:00Z\nwebUrl: "https://e.com/attack"\n'


def write_files(folder: Path) -> list[Path]:
    from bot.articles.limits import MAX_NODES
    from bot.articles.paths import sample_dir

    normal = sorted(sample_dir().rglob("*.md"))[0]
    files = {"normal.md": normal.read_bytes()}
    bomb = ["a0: &a0 [lol]"] + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 30)}]" for n in range(1, 11)]
    files["alias-bomb.md"] = (HEAD + "\n".join(bomb) + "\n---\n").encode()
    block = "".join(" " * n + f"k{n}:\n" for n in range(1000)) + " " * 1000 + "v\n"
    files["deep-block.md"] = (HEAD + block + "---\n").encode()
    files["deep-flow.md"] = (HEAD + "k: " + "[" * 3000 + "]" * 3000 + "\n---\n").encode()
    chain = ["c0: &c0 x"] + [f"c{n}: &c{n} [*c{n - 1}]" for n in range(1, 1200)]
    files["alias-chain.md"] = (HEAD + "\n".join(chain) + "\n---\n").encode()
    aliases = (MAX_NODES - 8 - 12) // 4  # the head's 12 nodes; see tests/test_articles_limits.py
    files["at-limit-aliases.md"] = (HEAD + "a: &a [x, x, x]\nb: [" + "*a, " * aliases + "]\n---\n").encode()
    files["at-limit-1mb.md"] = (HEAD + "k: [" + "abcdefghi," * (MAX_NODES - 20) + "]\n---\n").encode()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    with (folder / "huge-front-matter.md").open("wb") as out:
        out.write(HEAD.encode() + b'excerpt: "')
        for _ in range(50):
            out.write(b"very long " * (FIFTY_MB // 500))
    with (folder / "huge-body.md").open("wb") as out:
        out.write(HEAD.encode() + b"---\n")
        for _ in range(50):
            out.write(b"body text " * (FIFTY_MB // 500))
    os.mkfifo(folder / "fifo.md")
    (folder / "loop.md").symlink_to("loop.md")
    return sorted(folder.iterdir())


def peak_kb() -> int:
    """This process's peak resident memory in KB (VmHWM; ru_maxrss would carry the parent's over exec)."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))


def child(target: Path, backend: str) -> dict[str, Any]:
    from bot.articles import load_articles
    from bot.articles.parse import parse_file

    before = peak_kb()
    started = time.perf_counter()
    if target.is_dir():
        result = load_articles([target], backend=backend, workers=1)
        loaded, same = len(result.articles), result.duplicates
        outcome = f"{loaded} loaded (+{same} with the same URL), {len(result.skipped)} skipped"
    else:
        parsed = parse_file(target, backend)
        outcome = "loaded" if parsed.article else str(parsed.reason)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": (peak_kb() - before) / 1024, "outcome": outcome}


def run_child(target: Path, backend: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", str(target), "--backend", backend]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True, timeout=300)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def size_of(path: Path) -> str:
    if path.is_symlink() or path.is_fifo():
        return "-"
    size = path.stat().st_size
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", help="yaml-rs and/or pyyaml (default: both)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    if args.child:
        print(json.dumps(child(args.child, args.backend[0])))
        return
    from bot.articles.yamlread import available_backends

    backends = args.backend or list(available_backends())
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "articles"
        folder.mkdir()
        files = write_files(folder)
        for backend in backends:
            print(f"\nbackend {backend}  (one fresh process per file; peak = growth of peak RSS)")
            print(f"  {'file':<22}{'size':>9}{'seconds':>9}{'peak MB':>9}  outcome")
            base = run_child(folder / "normal.md", backend)
            for path in [folder / "normal.md", *(p for p in files if p.name != "normal.md"), folder]:
                if path.is_fifo() or path.is_symlink():
                    continue  # never opened: measured with the whole folder below
                got = base if path.name == "normal.md" else run_child(path, backend)
                name = "whole folder" if path == folder else path.name
                print(
                    f"  {name:<22}{size_of(path) if path != folder else '':>9}{got['seconds']:9.3f}"
                    f"{got['peak_mb']:9.1f}  {got['outcome'][:70]}"
                )


if __name__ == "__main__":
    main()
