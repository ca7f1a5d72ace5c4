"""A large corpus on the command line: one summary line about skipped files (check lists them all),
progress with rate and ETA on a terminal only, and the digests folder named when it is missing."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.commands import inputs
from tests.test_cli_preview import NOW, write_article


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three usable articles and 30 broken files."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for n in range(1, 4):
        write_article(folder, n, f"Robots learn trick {n}", ["AI", "AI in Robotics"], "2024-03-05T06:00:00Z")
    for n in range(30):
        (folder / f"broken-{n:02d}.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "argv",
    [
        ["query", "robots", "--now", NOW],
        ["preview", "--topics", "robotics", "--now", NOW],
        ["demo"],
    ],
    ids=["query", "preview", "demo"],
)
def test_skipped_files_get_one_summary_line_outside_check(
    corpus: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    for _ in range(2):  # a cold and a warm cache say the same
        assert main([*argv, "--articles", str(corpus)]) == 0
        err = capsys.readouterr().err
        lines = [line for line in err.splitlines() if "skipped" in line]
        assert lines == [
            f"skipped 30 of 33 article files that cannot be used (`newsbot check --articles {corpus}` "
            "lists each and why)"
        ]


def test_check_still_lists_every_skipped_file(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--articles", str(corpus)]) == 0
    out = capsys.readouterr().out
    assert all(f"broken-{n:02d}.md" in out for n in range(30))


def test_one_skipped_file_is_named_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_article(tmp_path, 1, "Robots", ["AI"], "2024-03-05T06:00:00Z")
    (tmp_path / "broken.md").write_text("no front matter\n", encoding="utf-8")
    assert main(["query", "robots", "--articles", str(tmp_path), "--now", NOW]) == 0
    [line] = [x for x in capsys.readouterr().err.splitlines() if "skipped" in x]
    assert line.startswith(f"skipped {tmp_path / 'broken.md'}: ")


def test_progress_shows_rate_and_eta_on_a_terminal() -> None:
    terminal = Terminal()
    ticks = iter([0.0, 2.0, 4.0])
    line = inputs.ProgressLine(terminal, monotonic=lambda: next(ticks))
    line(5000, 20000)
    line(10000, 20000)
    line.finish()
    shown = terminal.getvalue()
    assert "\rparsing article files: 5000/20000 (2,500 files/s, ETA 6 s)" in shown
    assert "\rparsing article files: 10000/20000 (2,500 files/s, ETA 4 s)" in shown
    assert shown.endswith("\n")


def test_query_shows_progress_on_a_terminal_only(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inputs, "PROGRESS_MIN_FILES", 2)
    monkeypatch.setenv("NEWSBOT_CACHE", str(tmp_path / "first.cache"))
    assert main(["query", "robots", "--articles", str(corpus), "--now", NOW]) == 0
    assert "parsing article files" not in capsys.readouterr().err  # not a terminal
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setenv("NEWSBOT_CACHE", str(tmp_path / "second.cache"))  # cold again: files to parse
    assert main(["query", "robots", "--articles", str(corpus), "--now", NOW]) == 0
    assert "parsing article files: 33/33 (" in terminal.getvalue()
    assert "files/s, ETA 0 s)" in terminal.getvalue()


def test_preview_digest_without_a_digests_folder_names_its_absolute_path_and_how_to_set_it(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSBOT_DIGESTS", raising=False)
    assert main(["preview", "--digest", "x", "--articles", str(corpus), "--now", NOW]) == 2
    err = capsys.readouterr().err
    assert f"Digests folder {tmp_path / 'digests'} does not exist" in err
    assert "--digests DIR or NEWSBOT_DIGESTS" in err


def test_preview_with_a_digests_folder_that_does_not_exist_is_an_error(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nonexistent"
    assert main(["preview", "--digests", str(missing), "--articles", str(corpus), "--now", NOW]) == 2
    assert f"Digests folder {missing} does not exist" in capsys.readouterr().err
