"""Load article folders: scan, reuse cached parses, parse the rest (on all cores when many), deduplicate."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from bot.articles.cache import Entries, read_cache, write_cache
from bot.articles.parse import ParsedFile, parse_file
from bot.articles.scan import Unusable, scan_roots
from bot.articles.yamlread import default_backend
from bot.models import Article

Progress = Callable[[int, int], None]
# Below this many files to parse, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 1500
_CHUNK = 250


class Skipped(NamedTuple):
    """A file that could not be used, and why (one line)."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class LoadResult:
    """Usable articles (one per URL, newest first) and what the load had to say about the rest."""

    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    duplicates: int
    seconds: float
    files: int
    parsed: int


class ArticleLibrary:
    """The articles of some folders, kept current by ``reload()``: only new or changed files are parsed.

    ``cache_path`` (optional) persists parses across processes. ``backend`` picks the YAML parser
    ("yaml-rs" or "pyyaml"; default: yaml-rs when installed). ``workers`` caps parse processes.
    """

    def __init__(
        self,
        roots: Sequence[Path],
        cache_path: Path | None = None,
        *,
        backend: str | None = None,
        workers: int | None = None,
    ) -> None:
        self.roots = tuple(Path(root) for root in roots)
        self.cache_path = cache_path
        self.backend = backend or default_backend()
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self._entries: Entries | None = None
        self._last: LoadResult | None = None
        self._last_unusable: Unusable = {}
        self._lock = threading.Lock()

    def reload(self, progress: Progress | None = None) -> LoadResult:
        """Re-scan the folders; parse only files whose (mtime, size) changed; drop removed ones.

        Safe to call from several threads: concurrent calls run one after the other.
        """
        with self._lock:
            return self._reload(progress)

    def _reload(self, progress: Progress | None) -> LoadResult:
        started = time.perf_counter()
        warnings: list[str] = []
        unusable: Unusable = {}
        signatures = scan_roots(self.roots, warnings, unusable)
        if self._entries is None:
            self._entries = read_cache(self.cache_path) if self.cache_path else {}
        old = self._entries
        entries: Entries = {}
        stale: list[str] = []
        for path, (mtime_ns, size) in signatures.items():
            cached = old.get(path)
            if cached is not None and cached[0] == mtime_ns and cached[1] == size:
                entries[path] = cached
            else:
                stale.append(path)
        changed = bool(stale) or len(entries) != len(old)
        if not changed and self._last is not None and not warnings and unusable == self._last_unusable:
            result = dataclasses.replace(self._last, seconds=time.perf_counter() - started, parsed=0)
            self._last = result
            return result
        for path, parsed in zip(stale, self._parse(stale, progress), strict=True):
            mtime_ns, size = signatures[path]
            entries[path] = (mtime_ns, size, parsed)
        entries = {path: entries[path] for path in signatures}  # back in path order
        self._entries = entries
        if changed and self.cache_path is not None:
            problem = write_cache(self.cache_path, entries)
            if problem:
                warnings.append(problem)
        result = _combine(entries, unusable, warnings, len(stale), started)
        self._last, self._last_unusable = result, unusable
        return result

    def _parse(self, paths: list[str], progress: Progress | None) -> Iterable[ParsedFile]:
        total = len(paths)
        if total >= PARALLEL_THRESHOLD and self.workers > 1:
            try:
                return _parse_parallel(paths, self.backend, self.workers, progress)
            except (OSError, BrokenProcessPool):
                pass  # no helper processes here (sandbox, killed helper): parse in this process instead
        results: list[ParsedFile] = []
        for done, path in enumerate(paths, start=1):
            results.append(parse_file(path, self.backend))
            if progress is not None and (done % _CHUNK == 0 or done == total):
                progress(done, total)
        return results


def load_articles(
    roots: Sequence[Path],
    *,
    cache_path: Path | None = None,
    progress: Progress | None = None,
    backend: str | None = None,
    workers: int | None = None,
) -> LoadResult:
    """One-shot load of the article folders (see ArticleLibrary for the options)."""
    library = ArticleLibrary(roots, cache_path, backend=backend, workers=workers)
    return library.reload(progress)


def _parse_chunk(paths: list[str], backend: str) -> list[ParsedFile]:
    return [parse_file(path, backend) for path in paths]


def _parse_parallel(
    paths: list[str], backend: str, workers: int, progress: Progress | None
) -> list[ParsedFile]:
    """Helper processes take chunks from the end of the list while this process works from the front.

    This process parses too (it would otherwise idle, then spend the time unpickling), and the
    two ends meet wherever the helpers' start-up cost puts them: ``workers`` cores in use.
    """
    chunks = [paths[i : i + _CHUNK] for i in range(0, len(paths), _CHUNK)]
    done: list[list[ParsedFile] | None] = [None] * len(chunks)
    front, back = 0, len(chunks)
    in_flight: deque[tuple[int, Future[list[ParsedFile]]]] = deque()
    parsed = 0
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=_worker_context()) as pool:
        while front < back or in_flight:
            while len(in_flight) < 2 * (workers - 1) and front < back:
                back -= 1
                in_flight.append((back, pool.submit(_parse_chunk, chunks[back], backend)))
            if front < back:
                done[front] = _parse_chunk(chunks[front], backend)
                parsed += len(chunks[front])
                front += 1
            elif in_flight:
                in_flight[0][1].result()  # nothing left for this process: wait for the helpers
            while in_flight and in_flight[0][1].done():
                index, future = in_flight.popleft()
                done[index] = future.result()
                parsed += len(chunks[index])
            if progress is not None:
                progress(parsed, len(paths))
    return [outcome for chunk in done if chunk is not None for outcome in chunk]


def _worker_context() -> Any:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Helpers fork from a server that imported the parser once, and never run the caller's script
        # (forking the bot itself is unsafe: it runs Slack and scheduler threads).
        context.set_forkserver_preload(["bot.articles.parse"])
        return context
    return multiprocessing.get_context("spawn")


def _combine(
    entries: Entries, unusable: Unusable, warnings: list[str], parsed: int, started: float
) -> LoadResult:
    """One article per URL: the latest publishedDateTime wins, ties go to the later path.

    Skipped files, those the scan found unusable (never opened) among them, come in path order.
    """
    winners: dict[str, Article] = {}
    skipped = [Skipped(path, reason) for path, reason in unusable.items()]
    duplicates = 0
    for path, (_, _, outcome) in entries.items():  # entries are in path order
        warnings.extend(outcome.warnings)
        article = outcome.article
        if article is None:
            skipped.append(Skipped(path, outcome.reason or "unusable"))
            continue
        current = winners.get(article.url)
        if current is not None:
            duplicates += 1
            if current.published > article.published:
                continue
        winners[article.url] = article
    if unusable:
        skipped.sort()
    articles = sorted(winners.values(), key=lambda a: a.url)
    articles.sort(key=lambda a: a.published, reverse=True)
    return LoadResult(
        articles=tuple(articles),
        skipped=tuple(skipped),
        warnings=tuple(warnings),
        duplicates=duplicates,
        seconds=time.perf_counter() - started,
        files=len(entries),
        parsed=parsed,
    )
