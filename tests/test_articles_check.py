"""`newsbot check`: the summary, --json, folder fallbacks and the exit code for unreadable folders."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.articles import sample_dir
from bot.cli import main
from bot.commands import inputs
from tests.articles_helpers import REPO


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache" / "articles.cache"
    monkeypatch.setenv("NEWSBOT_CACHE", str(cache))
    monkeypatch.delenv("NEWSBOT_ARTICLES", raising=False)
    return cache


def write_article(folder: Path, name: str, title: str, url: str, topics: str = "[AI]") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    front = f'title: "{title}"\npublishedDateTime: 2024-03-05T10:30:00Z\nwebUrl: "{url}"\ntopics: {topics}\n'
    (folder / name).write_text(f"---\n{front}---\n", encoding="utf-8")


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["check", "--json", *argv]) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def test_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_article(tmp_path, "a.md", "A", "https://e.com/a", "[AI, Robots]")
    write_article(tmp_path, "b.md", "B", "https://e.com/b")
    write_article(tmp_path, "b-copy.md", "B again", "https://e.com/b")
    (tmp_path / "broken.md").write_text("no front matter\n", encoding="utf-8")
    data = run_json(capsys, "--articles", str(tmp_path))
    assert data["loaded"] == 2 and data["duplicates"] == 1
    assert data["skipped"] == [
        {"path": str(tmp_path / "broken.md"), "reason": "no front matter (the first line is not ---)"}
    ]
    assert data["topics"] == {"AI": 2, "Robots": 1}
    assert isinstance(data["seconds"], float)
    assert data["oldest"] == data["newest"] == "2024-03-05T10:30:00+00:00"


def test_several_folders_separated_by_pathsep(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_article(tmp_path / "one", "a.md", "A", "https://e.com/a")
    write_article(tmp_path / "two", "b.md", "B", "https://e.com/b")
    data = run_json(capsys, "--articles", f"{tmp_path / 'one'}{os.pathsep}{tmp_path / 'two'}")
    assert data["loaded"] == 2


def test_falls_back_to_env_then_to_the_sample(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sample_files = len(list(sample_dir().rglob("*.md")))
    assert run_json(capsys)["files"] == sample_files
    write_article(tmp_path, "a.md", "A", "https://e.com/a")
    monkeypatch.setenv("NEWSBOT_ARTICLES", str(tmp_path))
    assert run_json(capsys)["files"] == 1


def test_check_reads_the_folders_from_dotenv_as_run_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One path for settings: ./.env counts for `check` too, with ~ expanded, so it never reads
    another folder than `newsbot run` would."""
    monkeypatch.setenv("HOME", str(tmp_path))
    write_article(tmp_path / "news", "a.md", "A", "https://e.com/a")
    write_article(tmp_path / "news", "b.md", "B", "https://e.com/b")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / ".env").write_text("NEWSBOT_ARTICLES=~/news\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "work")

    data = run_json(capsys)

    assert data["folders"] == [str(tmp_path / "news")] and data["files"] == 2


def test_second_run_uses_the_cache(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], private_cache: Path
) -> None:
    write_article(tmp_path, "a.md", "A", "https://e.com/a")
    assert run_json(capsys, "--articles", str(tmp_path))["parsed"] == 1
    assert private_cache.exists()
    assert run_json(capsys, "--articles", str(tmp_path))["parsed"] == 0


def test_missing_folder_exits_2_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--articles", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and str(tmp_path / "nope") in err


def test_text_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_article(tmp_path, "a.md", "A", "https://e.com/a")
    (tmp_path / "empty.md").write_bytes(b"")
    assert main(["check", "--articles", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Loaded 1 articles from 2 files" in out
    assert f"{tmp_path / 'empty.md'}: empty file" in out
    assert "parsing article files" not in out


def test_console_entry_point_prints_one_json_object(tmp_path: Path) -> None:
    write_article(tmp_path, "a.md", "A", "https://e.com/a")
    env = {**os.environ, "NEWSBOT_CACHE": str(tmp_path / "c.cache")}
    command = [sys.executable, "-m", "bot", "check", "--json", "--articles", str(tmp_path)]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no progress line when output is not a terminal
    assert json.loads(done.stdout)["loaded"] == 1


def test_a_reader_that_leaves_early_ends_the_command_quietly(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSBOT_CACHE": str(tmp_path / "c.cache")}
    command = [sys.executable, "-m", "bot", "check", "--articles", str(sample_dir())]
    with subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # like `newsbot check | head -0`
        errors = process.stderr.read()
    assert process.returncode == 141
    assert errors == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("as_json", [False, True])
def test_progress_only_on_a_terminal_and_not_with_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    for n in range(3):
        write_article(tmp_path, f"{n}.md", f"T{n}", f"https://e.com/{n}")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(inputs, "PROGRESS_MIN_FILES", 2)
    assert main(["check", "--articles", str(tmp_path), *(["--json"] if as_json else [])]) == 0
    shown = "parsing article files: 3/3" in terminal.getvalue()
    assert shown is not as_json


# --- digests folder ---------------------------------------------------------------------------


def _digest(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_check_validates_the_digests_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    articles, digests = tmp_path / "articles", tmp_path / "digests"
    write_article(articles, "a.md", "A", "https://e.com/a", "[AI, Computer Vision]")
    _digest(digests, "good.yaml", "name: good\nchannel: ai-news\ntopics: [vision, Quantum]\n")
    argv = ["check", "--articles", str(articles), "--digests", str(digests)]
    assert main([*argv, "--json"]) == 0  # an absent topic is only a warning
    data = json.loads(capsys.readouterr().out)["digests"]
    assert data["digests"] == ["good"] and data["problems"] == []
    assert data["warnings"] == [
        f"{digests / 'good.yaml'}: topics: no loaded article has the topic 'Quantum'; the digest finds no "
        "stories on it until such articles are loaded"
    ]
    _digest(digests, "bad.yaml", "name: bad\nchannel: ai-news\ntime: '25:00'\ntopics: [compter vishun]\n")
    assert main([*argv, "--json"]) == 2
    data = json.loads(capsys.readouterr().out)["digests"]
    bad = digests / "bad.yaml"
    assert data["problems"] == [
        f"{bad}: time: '25:00' is not a time; use HH:MM on a 24-hour clock, e.g. time: 07:30",
        f"{bad}: topics: Unknown topic 'compter vishun'. Did you mean: Computer Vision?",
    ]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "Digest problems (2):" in out and f"  {bad}: time: '25:00' is not a time" in out
    assert "Digest warnings (1):" in out
    assert f"newsbot check: error: 2 problems in {digests.absolute()}" in err


def test_check_digests_folder_from_env_must_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article(tmp_path / "articles", "a.md", "A", "https://e.com/a")
    monkeypatch.setenv("NEWSBOT_DIGESTS", str(tmp_path / "nope"))
    # Read through bot.settings as `newsbot run` reads it: the setting is invalid, and says so.
    assert main(["check", "--articles", str(tmp_path / "articles"), "--json"]) == 2
    assert f"NEWSBOT_DIGESTS: not a folder: {tmp_path / 'nope'}" in capsys.readouterr().err
    monkeypatch.delenv("NEWSBOT_DIGESTS")
    argv = ["check", "--articles", str(tmp_path / "articles"), "--digests", str(tmp_path / "nope")]
    assert main([*argv, "--json"]) == 2
    [problem] = json.loads(capsys.readouterr().out)["digests"]["problems"]
    assert problem.startswith(f"Digests folder {tmp_path / 'nope'} does not exist")
    assert "--digests DIR or NEWSBOT_DIGESTS" in problem
    monkeypatch.chdir(tmp_path)  # no ./digests here: nothing to validate, not an error
    assert main(["check", "--articles", str(tmp_path / "articles")]) == 0
    assert "Digests: no digests folder" in capsys.readouterr().out


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs a file system that allows any bytes")
def test_non_utf8_file_names_are_printed_safely(tmp_path: Path) -> None:
    articles, digests = tmp_path / "articles", tmp_path / "digests"
    write_article(articles, "a.md", "A", "https://e.com/a")
    (articles / os.fsdecode(b"caf\xe9.md")).write_bytes(b"no front matter\n")
    digests.mkdir()
    (digests / os.fsdecode(b"d\xff.yaml")).write_bytes(b"name: x\n")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    for mode in ([], ["--json"]):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "check",
                "--articles",
                str(articles),
                "--digests",
                str(digests),
                *mode,
            ],
            capture_output=True,
            env=env,
            cwd=REPO,
            timeout=60,
        )
        assert result.returncode == 2, result.stderr  # d\xff.yaml lacks its channel
        out = result.stdout.decode("utf-8")  # valid UTF-8 whatever the names
        assert "Traceback" not in result.stderr.decode("utf-8")
        if mode:
            data = json.loads(out)
            assert data["skipped"][0]["path"] == str(articles / "caf\\xe9.md")
            assert data["digests"]["problems"] == [
                f"{digests / 'd'}\\xff.yaml: missing required key 'channel'"
            ]
        else:
            assert f"{articles / 'caf'}\\xe9.md: no front matter" in out
            assert f"{digests / 'd'}\\xff.yaml: missing required key 'channel'" in out


def test_topics_that_differ_only_in_case_are_counted_as_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The bot treats "Quantum Computing" and "quantum computing" as one topic (/news finds both);
    # check listed them as two topics with one article each.
    folder = tmp_path / "a"
    write_article(folder, "1.md", "One", "https://e.com/1", "[Quantum Computing]")
    write_article(folder, "2.md", "Two", "https://e.com/2", "[quantum computing]")
    write_article(folder, "3.md", "Three", "https://e.com/3", "[Quantum Computing, AI]")
    (tmp_path / "digests").mkdir()
    data = run_json(capsys, "--articles", str(folder), "--digests", str(tmp_path / "digests"))
    assert data["topics"] == {"Quantum Computing": 3, "AI": 1}
