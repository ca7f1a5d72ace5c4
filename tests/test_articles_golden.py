"""Golden records: a handful of article files → the exact record the loader makes of each."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bot.articles.parse import parse_file
from bot.articles.yamlread import available_backends
from tests.articles_helpers import record

GOLDEN = Path(__file__).resolve().parent / "golden" / "articles"
INPUTS = sorted(GOLDEN.glob("*.md"))


def _actual(path: Path, backend: str) -> dict[str, object]:
    parsed = parse_file(path, backend)
    assert parsed.article is not None, parsed.reason
    warnings = [w.removeprefix(f"{path}: ") for w in parsed.warnings]
    return {"record": record(parsed.article, relative_to=GOLDEN), "warnings": warnings}


@pytest.mark.parametrize("backend", available_backends())
@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_golden_record(path: Path, backend: str) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert _actual(path, backend) == expected


def test_every_golden_input_has_an_expected_record() -> None:
    assert len(INPUTS) >= 5
    assert all(path.with_suffix(".json").exists() for path in INPUTS)


if __name__ == "__main__":  # regenerate after an intended change, then review the diff
    for source in INPUTS:
        data = _actual(source, "pyyaml")
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        source.with_suffix(".json").write_text(text, encoding="utf-8")
        print(f"wrote {source.with_suffix('.json').name}", file=sys.stderr)
