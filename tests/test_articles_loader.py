"""The loader: folders, duplicates, skipped files, the persistent parse cache and reloads."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from bot.articles import ArticleLibrary, load_articles
from bot.articles import cache as cache_module
from bot.articles import loader as loader_module
from bot.errors import ArticlesUnavailableError


def article_text(title: str, url: str, when: str = "2024-03-05T10:30:00Z", crlf: bool = False) -> str:
    text = f'---\ntitle: "{title}"\npublishedDateTime: {when}\nwebUrl: "{url}"\ntopics: [AI]\n---\n'
    return text.replace("\n", "\r\n") if crlf else text


def put(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def titles(library_result: loader_module.LoadResult) -> list[str]:
    return sorted(a.title for a in library_result.articles)


def test_loads_md_files_recursively_from_several_folders(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    put(one, "a.md", article_text("A", "https://e.com/a"))
    put(one, "sub/deeper/b.md", article_text("B", "https://e.com/b", crlf=True))
    put(one, "notes.txt", article_text("not an article", "https://e.com/t"))
    put(one, ".git/c.md", article_text("hidden", "https://e.com/h"))
    put(two, "c.md", b"\xef\xbb\xbf" + article_text("C", "https://e.com/c").encode())
    result = load_articles([one, two])
    assert titles(result) == ["A", "B", "C"]
    assert result.files == 3 and result.skipped == () and result.duplicates == 0


def test_articles_come_newest_first(tmp_path: Path) -> None:
    put(tmp_path, "old.md", article_text("Old", "https://e.com/o", "2024-01-01T00:00:00Z"))
    put(tmp_path, "new.md", article_text("New", "https://e.com/n", "2024-02-01T00:00:00Z"))
    assert [a.title for a in load_articles([tmp_path]).articles] == ["New", "Old"]


def test_same_url_in_several_files_becomes_one_article(tmp_path: Path) -> None:
    put(tmp_path, "a.md", article_text("Older copy", "https://e.com/x", "2024-03-01T00:00:00Z"))
    put(tmp_path, "b.md", article_text("Newest copy", "https://e.com/x", "2024-03-02T00:00:00Z"))
    put(tmp_path, "c.md", article_text("Middle copy", "https://e.com/x", "2024-03-01T12:00:00Z"))
    put(tmp_path, "d.md", article_text("Tie, earlier path", "https://e.com/y"))
    put(tmp_path, "e.md", article_text("Tie, later path", "https://e.com/y"))
    result = load_articles([tmp_path])
    assert titles(result) == ["Newest copy", "Tie, later path"]
    assert result.duplicates == 3


def test_bad_files_are_skipped_with_path_and_reason_and_never_stop_the_load(tmp_path: Path) -> None:
    put(tmp_path, "good.md", article_text("Good", "https://e.com/g"))
    put(tmp_path, "empty.md", b"")
    put(tmp_path, "binary.md", b"---\ntitle: \xff\n---\n")
    put(tmp_path, "notitle.md", article_text("", "https://e.com/n"))
    result = load_articles([tmp_path])
    assert titles(result) == ["Good"]
    reasons = {Path(path).name: reason for path, reason in result.skipped}
    assert set(reasons) == {"empty.md", "binary.md", "notitle.md"}
    assert reasons["empty.md"] == "empty file"
    assert "UTF-8" in reasons["binary.md"] and reasons["notitle.md"] == "no title"


def test_missing_or_non_folder_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ArticlesUnavailableError, match="does not exist"):
        load_articles([tmp_path / "nope"])
    file_root = put(tmp_path, "a.md", article_text("A", "https://e.com/a"))
    with pytest.raises(ArticlesUnavailableError, match="not a folder"):
        load_articles([file_root])


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions as non-root")
def test_unreadable_root_is_an_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        with pytest.raises(ArticlesUnavailableError, match="cannot be read"):
            load_articles([locked])
    finally:
        locked.chmod(0o755)


def test_progress_reports_parsed_counts(tmp_path: Path) -> None:
    for n in range(3):
        put(tmp_path, f"{n}.md", article_text(f"T{n}", f"https://e.com/{n}"))
    calls: list[tuple[int, int]] = []
    load_articles([tmp_path], progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (3, 3)


# --- reloads and the persistent cache ---------------------------------------------------------------


def test_reload_parses_only_new_and_changed_files_and_drops_removed(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    put(folder, "a.md", article_text("A", "https://e.com/a"))
    put(folder, "b.md", article_text("B", "https://e.com/b"))
    library = ArticleLibrary([folder], tmp_path / "cache.bin")
    first = library.reload()
    assert (titles(first), first.parsed) == (["A", "B"], 2)

    unchanged = library.reload()
    assert unchanged.parsed == 0 and unchanged.articles == first.articles

    put(folder, "c.md", article_text("C", "https://e.com/c"))  # new
    put(folder, "a.md", article_text("A, edited", "https://e.com/a"))  # changed
    (folder / "b.md").unlink()  # removed
    changed = library.reload()
    assert (titles(changed), changed.parsed) == (["A, edited", "C"], 2)


def test_touched_but_unchanged_file_is_reparsed_to_the_same_record(tmp_path: Path) -> None:
    path = put(tmp_path / "f", "a.md", article_text("A", "https://e.com/a"))
    library = ArticleLibrary([tmp_path / "f"], tmp_path / "cache.bin")
    before = library.reload()
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    after = library.reload()
    assert after.parsed == 1 and after.articles == before.articles


def test_a_new_process_reuses_the_cache_file(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    for n in range(5):
        put(folder, f"{n}.md", article_text(f"T{n}", f"https://e.com/{n}"))
    put(folder, "bad.md", b"no front matter")
    cold = ArticleLibrary([folder], tmp_path / "cache.bin").reload()
    warm = ArticleLibrary([folder], tmp_path / "cache.bin").reload()
    assert (cold.parsed, warm.parsed) == (6, 0)
    assert warm.articles == cold.articles and warm.skipped == cold.skipped


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        cache_module._MAGIC + b"\x80\x05truncated",
        cache_module._MAGIC + pickle.dumps({"key": "0|an older format", "entries": {}}),
        cache_module._MAGIC + pickle.dumps({"key": cache_module.cache_key(), "entries": os.system}),
        cache_module._MAGIC + pickle.dumps(["not", "a", "dict"]),
    ],
    ids=["empty", "truncated", "outdated", "foreign-object", "wrong-shape"],
)
def test_corrupt_or_outdated_cache_is_ignored_and_rebuilt(tmp_path: Path, damage: bytes) -> None:
    folder = tmp_path / "articles"
    put(folder, "a.md", article_text("A", "https://e.com/a"))
    cache_file = tmp_path / "cache.bin"
    ArticleLibrary([folder], cache_file).reload()
    cache_file.write_bytes(damage)
    rebuilt = ArticleLibrary([folder], cache_file).reload()
    assert (titles(rebuilt), rebuilt.parsed) == (["A"], 1)
    assert ArticleLibrary([folder], cache_file).reload().parsed == 0  # the rebuilt cache is good


@pytest.mark.parametrize(
    "foreign",
    [
        b"garbage that is not a cache",
        b"SQLite format 3\x00" + bytes(100),
        b"root:x:0:0:root:/root:/bin/bash\n",
    ],
    ids=["garbage", "a-database", "a-system-file"],
)
def test_a_file_that_is_not_a_parse_cache_is_never_overwritten(tmp_path: Path, foreign: bytes) -> None:
    # NEWSBOT_CACHE=newsbot.db (or any other file by mistake) replaced that file with the cache.
    # It is ignored as a cache, left as it is, and the warning names it.
    folder = tmp_path / "articles"
    put(folder, "a.md", article_text("A", "https://e.com/a"))
    cache_file = tmp_path / "not-a-cache"
    cache_file.write_bytes(foreign)
    result = ArticleLibrary([folder], cache_file).reload()
    assert (titles(result), result.parsed) == (["A"], 1)
    assert cache_file.read_bytes() == foreign
    assert any(
        f"parse cache {cache_file} not saved" in w and "not a newsbot parse cache" in w
        for w in result.warnings
    )
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_cache_that_cannot_be_written_is_a_warning(tmp_path: Path) -> None:
    put(tmp_path / "f", "a.md", article_text("A", "https://e.com/a"))
    blocker = put(tmp_path, "blocker", b"a file where the cache folder should be")
    result = ArticleLibrary([tmp_path / "f"], blocker / "cache.bin").reload()
    assert titles(result) == ["A"]
    assert any("parse cache" in warning for warning in result.warnings)


def test_parallel_parse_gives_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(40):
        put(
            tmp_path,
            f"{n:02d}.md",
            article_text(f"T{n}", f"https://e.com/{n % 35}", f"2024-03-0{1 + n % 9}T00:00:00Z"),
        )
    put(tmp_path, "bad.md", b"---\nno: [closing\n---\n")
    sequential = load_articles([tmp_path], workers=1)
    monkeypatch.setattr(loader_module, "PARALLEL_THRESHOLD", 10)
    monkeypatch.setattr(loader_module, "_CHUNK", 7)
    parallel = load_articles([tmp_path], workers=2)
    assert parallel.articles == sequential.articles
    assert parallel.skipped == sequential.skipped and parallel.duplicates == sequential.duplicates == 5


def test_the_running_bot_keeps_a_parse_cache_by_default(tmp_path: Path) -> None:
    from bot.settings import Settings
    from bot.wiring import build_services

    folder = tmp_path / "articles"
    put(folder, "a.md", article_text("A", "https://e.com/a"))
    (tmp_path / "digests").mkdir()
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "NEWSBOT_ARTICLES": str(folder),
        "NEWSBOT_DB": str(tmp_path / "bot.db"),
        "NEWSBOT_DIGESTS": str(tmp_path / "digests"),
    }
    services = build_services(Settings.from_env(environ), owner="test")
    try:
        services.reload()
    finally:
        services.close()
    # conftest points XDG_CACHE_HOME at this test's folder: a restart would reuse this file.
    assert list((tmp_path / "xdg-cache" / "newsbot").glob("articles-*.cache"))
