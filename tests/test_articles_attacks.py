"""Article files that attack the loader: each is skipped with its name and reason, the rest still load.

Generated in tmp_path (nothing large is shipped). Time and memory bounds are measured by
scripts/bench_attacks.py, not here.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.articles import ArticleLibrary, display_path, load_articles
from bot.articles.limits import MAX_DEPTH, MAX_FRONT_MATTER_BYTES, MAX_NODES
from bot.articles.parse import parse_file
from bot.articles.paths import default_cache_path
from bot.articles.yamlread import available_backends

BACKENDS_HERE = list(available_backends())
GOOD = '---\ntitle: "Good"\npublishedDateTime: 2024-03-05T10:30:00Z\nwebUrl: "https://e.com/good"\n---\n'
FIFTY_MB = 50 * 1024 * 1024


def article(title: str, extra: str = "") -> str:
    return f'---\ntitle: "{title}"\npublishedDateTime: 2024-03-05T10:30:00Z\nwebUrl: "https://e.com/{title}"\n{extra}---\n'


def alias_bomb() -> str:
    """About 3 KB that expand to 30**10 lists: far more than any memory."""
    lines = ["a0: &a0 [lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 30)}]" for n in range(1, 11)]
    return article("Bomb", "\n".join(lines) + "\n")


def deep_nesting(depth: int) -> str:
    nested = "".join(" " * level + f"k{level}:\n" for level in range(depth)) + " " * depth + "v\n"
    return article("Deep", nested)


@pytest.fixture
def attacked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, dict[str, str]]]:
    """A folder of good files among attack files, and the reason expected for each attack file."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.md").write_text(GOOD)
    (folder / "z-good.md").write_text(article("Also-good"))
    (folder / "bomb.md").write_text(alias_bomb())
    (folder / "deep.md").write_text(deep_nesting(1000))
    (folder / "deep-flow.md").write_text(article("Flow", "k: " + "[" * 3000 + "]" * 3000 + "\n"))
    # 50 MB files; sparse after the first 2 MB, which keeps the test quick (only 1 MiB is ever read).
    with (folder / "huge.md").open("wb") as out:  # front matter that never closes
        out.write(b'---\ntitle: "Huge"\nexcerpt: "' + b"very long " * 200_000)
        out.truncate(FIFTY_MB)
    with (folder / "huge-body.md").open("wb") as out:  # small front matter, then a 50 MB body
        out.write(article("Huge-body").encode() + b"body text " * 200_000)
        out.truncate(FIFTY_MB)
    (folder / "loop.md").symlink_to("loop.md")
    (folder / "ping.md").symlink_to("pong.md")
    (folder / "pong.md").symlink_to("ping.md")
    (folder / "dangling.md").symlink_to("nowhere.md")
    os.mkfifo(folder / "fifo.md")
    monkeypatch.chdir(folder)  # a socket path must be short
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("socket.md")
    expected = {
        "bomb.md": f"YAML has more than {MAX_NODES:,} nodes once aliases are expanded (the limit)",
        "deep.md": f"YAML nested deeper than {MAX_DEPTH} levels (the limit)",
        "deep-flow.md": f"YAML nested deeper than {MAX_DEPTH} levels (the limit)",
        "huge.md": f"front matter not closed within the first {MAX_FRONT_MATTER_BYTES // 1024} KiB "
        "of the file (the limit)",
        "loop.md": "cannot read (Too many levels of symbolic links)",
        "ping.md": "cannot read (Too many levels of symbolic links)",
        "pong.md": "cannot read (Too many levels of symbolic links)",
        "dangling.md": "cannot read (No such file or directory)",
        "fifo.md": "not a regular file (a FIFO)",
        "socket.md": "not a regular file (a socket)",
    }
    if Path("/dev/zero").exists():
        (folder / "device.md").symlink_to("/dev/zero")  # endless: reading it would never finish
        expected["device.md"] = "not a regular file (a device)"
    try:
        yield folder, expected
    finally:
        server.close()


@pytest.mark.parametrize("backend", BACKENDS_HERE)
def test_attack_files_are_each_skipped_with_name_and_reason_and_the_rest_loads(
    attacked: tuple[Path, dict[str, str]], backend: str
) -> None:
    folder, expected = attacked
    result = load_articles([folder], backend=backend, workers=1)
    assert sorted(a.title for a in result.articles) == ["Also-good", "Good", "Huge-body"]
    skipped = {Path(path).name: reason for path, reason in result.skipped}
    assert skipped == expected
    assert all(path == str(folder / Path(path).name) for path, _ in result.skipped)
    assert [path for path, _ in result.skipped] == sorted(path for path, _ in result.skipped)


@pytest.mark.skipif(len(BACKENDS_HERE) < 2, reason="yaml-rs not installed")
def test_both_backends_give_the_same_outcome_for_every_attack_file(
    attacked: tuple[Path, dict[str, str]],
) -> None:
    folder, _ = attacked
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.is_fifo():
            assert parse_file(path, "yaml-rs") == parse_file(path, "pyyaml"), path


def test_a_reload_still_names_the_attack_files(attacked: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    folder, expected = attacked
    library = ArticleLibrary([folder], tmp_path / "cache.bin", workers=1)
    library.reload()
    again = library.reload()
    assert again.parsed == 0 and {Path(p).name for p, _ in again.skipped} == set(expected)
    (folder / "fifo.md").unlink()
    (folder / "fifo.md").write_text(article("Was-a-fifo"))
    fixed = library.reload()
    assert "Was-a-fifo" in {a.title for a in fixed.articles} and "fifo.md" not in {
        Path(p).name for p, _ in fixed.skipped
    }


def test_a_fifo_that_replaced_a_file_after_the_scan_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "late.md"
    os.mkfifo(fifo)
    outcome: list[object] = []
    reader = threading.Thread(target=lambda: outcome.append(parse_file(fifo, "pyyaml")), daemon=True)
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():  # blocked in open(): give it a writer so the thread can end
        with fifo.open("wb"):
            pass
        reader.join()
        pytest.fail("parse_file blocked on a FIFO")
    assert outcome[0] == parse_file(fifo, "pyyaml")
    assert getattr(outcome[0], "reason", None) == "not a regular file (a FIFO)"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions as non-root")
def test_an_unreadable_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(GOOD)
    locked = tmp_path / "locked.md"
    locked.write_text(article("Locked"))
    locked.chmod(0)
    result = load_articles([tmp_path])
    assert [a.title for a in result.articles] == ["Good"]
    assert result.skipped[0].reason == "cannot read (Permission denied)"


# --- file names that are not UTF-8 -------------------------------------------------------------------


@pytest.fixture
def latin1_name(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    name = os.fsdecode(b"caf\xe9.md")  # Latin-1 bytes: not UTF-8
    try:
        (folder / name).write_text(article("Cafe", "quality: [not, a, number]\n"))
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    (folder / os.fsdecode(b"bad-\xff.md")).write_bytes(b"no front matter")
    return folder


def test_a_name_that_is_not_utf8_loads_and_prints_safely(latin1_name: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache.bin"
    result = ArticleLibrary([latin1_name], cache).reload()
    assert [a.title for a in result.articles] == ["Cafe"]
    loaded = result.articles[0].path
    assert Path(loaded).read_bytes().startswith(b"---")  # the real name still opens the file
    assert display_path(loaded) == str(latin1_name / "caf\\xe9.md")
    skipped = [(display_path(path), reason) for path, reason in result.skipped]
    assert skipped == [(str(latin1_name / "bad-\\xff.md"), "no front matter (the first line is not ---)")]
    report = json.dumps({"skipped": skipped, "warnings": result.warnings}, ensure_ascii=False)
    report.encode("utf-8")  # what a UTF-8 stdout does with it: no UnicodeEncodeError
    shown = f"{latin1_name}/caf\\xe9.md"
    assert result.warnings == (f"{shown}: quality ignored (not a number: ['not', 'a', 'number'])",)
    warm = ArticleLibrary([latin1_name], cache).reload()  # the cache keeps such names too
    assert warm.parsed == 0 and warm.articles == result.articles


def test_a_folder_whose_name_is_not_utf8_gets_a_default_cache(latin1_name: Path) -> None:
    odd_root = latin1_name / os.fsdecode(b"d\xe9j\xe0")
    path = default_cache_path([odd_root], {"XDG_CACHE_HOME": "/c"})
    assert path.parent == Path("/c/newsbot") and path.name.startswith("articles-")
    assert default_cache_path([Path("/x/ok")], {"XDG_CACHE_HOME": "/c"}) != path


def test_display_path_leaves_valid_names_alone() -> None:
    assert display_path("/tmp/naïve café.md") == "/tmp/naïve café.md"
    assert display_path(Path("/tmp/a.md")) == "/tmp/a.md"
    assert display_path("x\ud800y") == "x\\ud800y"  # a surrogate that did not come from a file name
