#!/usr/bin/env python3
"""Article loading benchmark: cold, warm-cache and reload times, memory per article, vs python-frontmatter.

    python scripts/bench_load.py [--count 10000] [--dir FOLDER]

Generates --count files like those in the real ai/ folder (with ../shared/tools/make_corpus.py
when ../shared exists, else with scripts/grow_corpus.py from the bundled sample), then times each
case in a fresh process. The baseline is the loop a user would write: ``frontmatter.load`` per file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED_TOOL = REPO.parent / "shared" / "tools" / "make_corpus.py"
SHARED_AI = REPO.parent / "shared" / "corpus" / "ai"


def generate(folder: Path, count: int, *, bundled: bool) -> str:
    if not bundled and SHARED_TOOL.is_file() and SHARED_AI.is_dir():
        command = [str(SHARED_TOOL), "--src", str(SHARED_AI), "--dup-rate", "0"]
        source = "../shared/tools/make_corpus.py (from ../shared/corpus/ai)"
    else:
        command = [str(REPO / "scripts" / "grow_corpus.py")]
        source = "scripts/grow_corpus.py (from the bundled sample)"
    subprocess.run(
        [sys.executable, *command, "--out", str(folder), "--count", str(count), "--end", "2024-03-01"],
        check=True,
        capture_output=True,
    )
    return source


# --- measurements, each run in a fresh interpreter (``--child``) ----------------------------------


def child(mode: str, folder: Path, cache: Path, backend: str) -> dict[str, Any]:
    started = time.perf_counter()
    if mode == "frontmatter":
        import frontmatter

        files = sorted(folder.rglob("*.md"))
        loop_start = time.perf_counter()
        posts = [frontmatter.load(path) for path in files]
        return {"seconds": time.perf_counter() - loop_start, "count": len(posts)}

    from bot.articles import ArticleLibrary

    if mode == "memory":
        import gc
        import tracemalloc

        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        library = ArticleLibrary([folder], cache, backend=backend)
        result = library.reload()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        return {"bytes_per_article": (after - before) / len(result.articles), "count": len(result.articles)}

    library = ArticleLibrary([folder], cache, backend=backend)
    first = library.reload()
    out: dict[str, Any] = {
        "seconds": first.seconds,
        "process_seconds": time.perf_counter() - started,
        "parsed": first.parsed,
        "count": len(first.articles),
    }
    if mode == "reloads":
        out["unchanged"] = min(library.reload().seconds for _ in range(3))
        changed = sorted(folder.glob("*.md"))[:100]
        for path in changed:
            with path.open("a", encoding="utf-8") as handle:
                handle.write("edited\n")  # after the front matter: a new size, same record
        again = library.reload()
        out["changed100"] = again.seconds
        out["changed_parsed"] = again.parsed
    return out


def run_child(mode: str, folder: Path, cache: Path, backend: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", mode, "--dir", str(folder), "--cache", str(cache)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--backend", backend], cwd=REPO, capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    result["wall"] = time.perf_counter() - started
    return result


def bench(folder: Path, backends: list[str]) -> None:
    baseline = run_child("frontmatter", folder, Path("unused"), "pyyaml")
    n = baseline["count"]
    print(f"{n} files; python-frontmatter loop (frontmatter.load per file): {baseline['seconds']:.2f} s")
    for backend in backends:
        with tempfile.TemporaryDirectory() as scratch:
            cache = Path(scratch) / "articles.cache"
            cold = run_child("cold", folder, cache, backend)
            warm = run_child("warm", folder, cache, backend)
            reloads = run_child("reloads", folder, cache, backend)
            memory = run_child("memory", folder, Path(scratch) / "none.cache", backend)
        ratio = baseline["seconds"] / cold["seconds"]
        print(f"\nbackend {backend}:  (load call; whole fresh process incl. interpreter start in brackets)")
        print(
            f"  cold load, no cache             {cold['seconds']:6.2f} s  ({cold['wall']:.2f} s)  "
            f"{ratio:.1f}x faster than the baseline"
        )
        print(f"  fresh process, warm cache       {warm['seconds']:6.2f} s  ({warm['wall']:.2f} s)")
        print(f"  reload, nothing changed         {reloads['unchanged']:6.3f} s")
        print(
            f"  reload after 100 changed files  {reloads['changed100']:6.3f} s  "
            f"({reloads['changed_parsed']} parsed)"
        )
        print(f"  retained memory per article     {memory['bytes_per_article'] / 1024:6.2f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, help="use (or create) this folder of generated files")
    parser.add_argument(
        "--backend", action="append", help="yaml-rs and/or pyyaml (default: both if installed)"
    )
    parser.add_argument(
        "--bundled", action="store_true", help="generate with scripts/grow_corpus.py even if ../shared exists"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    if args.child:
        print(json.dumps(child(args.child, args.dir, args.cache, args.backend[0])))
        return

    from bot.articles.yamlread import available_backends

    backends = args.backend or list(available_backends())
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.dir or Path(scratch) / "articles"
        if not folder.is_dir() or not any(folder.glob("*.md")):
            started = time.perf_counter()
            source = generate(folder, args.count, bundled=args.bundled)
            print(f"generated {args.count} files with {source} in {time.perf_counter() - started:.0f} s")
        bench(folder, backends)


if __name__ == "__main__":
    main()
