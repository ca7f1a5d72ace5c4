"""The real article files and a generated damaged corpus (from ../shared; skipped without it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.articles import load_articles, sample_dir
from bot.articles.parse import parse_file
from bot.articles.yamlread import available_backends
from tests.articles_helpers import CORPUS, MAKE_CORPUS

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
needs_tool = pytest.mark.skipif(not MAKE_CORPUS.is_file(), reason="needs ../shared/tools/make_corpus.py")
needs_yaml_rs = pytest.mark.skipif("yaml-rs" not in available_backends(), reason="yaml-rs not installed")


@needs_corpus
@pytest.mark.parametrize("backend", ["pyyaml", pytest.param("yaml-rs", marks=needs_yaml_rs)])
def test_every_real_article_file_loads(backend: str) -> None:
    files = sorted(CORPUS.rglob("*.md"))
    assert len(files) > 250
    failures = [f"{path}: {parsed.reason}" for path in files if (parsed := parse_file(path, backend)).reason]
    assert failures == []
    result = load_articles([CORPUS / "ai", CORPUS / "power-apps"], backend=backend, workers=1)
    assert result.skipped == ()
    assert len(result.articles) + result.duplicates == len(files)


@needs_corpus
@needs_yaml_rs
def test_yaml_rs_and_pyyaml_give_identical_records_on_the_whole_corpus() -> None:
    files = sorted(CORPUS.rglob("*.md"))
    for path in files:
        assert parse_file(path, "yaml-rs") == parse_file(path, "pyyaml"), path


def test_bundled_sample_loads_cleanly() -> None:
    result = load_articles([sample_dir()])
    assert 30 <= len(result.articles) <= 60 and result.skipped == ()
    assert any(a.related for a in result.articles)
    assert any(a.type == "video" for a in result.articles)
    assert any(b"\r\n" in Path(a.path).read_bytes() for a in result.articles)


@pytest.fixture(scope="module")
def damaged_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not MAKE_CORPUS.is_file():
        pytest.skip("needs ../shared/tools/make_corpus.py")
    out = tmp_path_factory.mktemp("damaged")
    command = [sys.executable, str(MAKE_CORPUS), "--out", str(out), "--count", "250", "--bad", "0.3"]
    subprocess.run([*command, "--end", "2024-03-01", "--seed", "5"], check=True, capture_output=True)
    return out


def _bad_kinds(folder: Path) -> dict[str, str]:
    lines = (folder / "bad-files.txt").read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t") for line in lines if line)


# Damage a file survives (with a default or a cut value); every other kind must be skipped.
SURVIVABLE = {"wrong-types": "quality ignored", "huge-excerpt": "excerpt cut"}


@needs_tool
@pytest.mark.parametrize("backend", ["pyyaml", pytest.param("yaml-rs", marks=needs_yaml_rs)])
def test_damaged_corpus_loads_every_good_file_and_names_every_skipped_one(
    damaged_corpus: Path, backend: str
) -> None:
    kinds = _bad_kinds(damaged_corpus)
    assert len(set(kinds.values())) == 9  # every kind of damage the generator makes is exercised
    result = load_articles([damaged_corpus], backend=backend, workers=1)
    loaded = {Path(a.path).name for a in result.articles}
    skipped = {Path(path).name: reason for path, reason in result.skipped}
    good = {p.name for p in damaged_corpus.glob("*.md") if not p.name.startswith("bad-")}
    assert good <= loaded
    assert result.duplicates == 0
    for name, kind in kinds.items():
        if kind in SURVIVABLE:
            assert name in loaded, (name, kind)
            assert any(
                w.startswith(str(damaged_corpus / name)) and SURVIVABLE[kind] in w for w in result.warnings
            )
        else:
            assert name in skipped, (name, kind)
            assert skipped[name] and "\n" not in skipped[name]


@needs_tool
@needs_yaml_rs
def test_backends_agree_on_the_damaged_corpus(damaged_corpus: Path) -> None:
    for path in sorted(damaged_corpus.glob("*.md")):
        assert parse_file(path, "yaml-rs") == parse_file(path, "pyyaml"), path
