#!/usr/bin/env python3
"""Grow N realistic article files from the bundled sample articles (for benchmarks without ../shared).

Each file keeps the shape of a real one (same fields, related coverage, images, the opaque
``secured`` blob) with a recombined title, a unique webUrl, a date within --days before --end and
a jittered quality. Deterministic for a given --seed.

    python scripts/grow_corpus.py --out /tmp/articles-10k --count 10000
"""

from __future__ import annotations

import argparse
import random
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "sample_articles"
FRONT_MATTER = re.compile(r"\A\ufeff?---\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


def read_bases(folder: Path) -> list[dict[str, Any]]:
    bases = []
    for path in sorted(folder.rglob("*.md")):
        match = FRONT_MATTER.match(path.read_text(encoding="utf-8"))
        data = yaml.safe_load(match.group(1)) if match else None
        if isinstance(data, dict) and data.get("title"):
            bases.append(data)
    return bases


def variant(
    base: dict[str, Any], other: dict[str, Any], i: int, when: datetime, rng: random.Random
) -> dict[str, Any]:
    art = dict(base)
    words, extra = str(base["title"]).split(), str(other["title"]).split()
    cut = rng.randint(max(1, len(words) // 3), max(1, len(words) - 1))
    art["title"] = " ".join(
        words[:cut] + extra[rng.randint(0, max(0, len(extra) - 3)) :][: rng.randint(2, 5)]
    )
    url = str(base.get("webUrl") or base.get("originalUrl") or "https://example.org/a")
    art["webUrl"] = f"{url}{'&' if '?' in url else '?'}v={i}"
    for key in ("originalUrl", "ampWebUrl", "cdnAmpWebUrl"):
        art.pop(key, None)
    art["publishedDateTime"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    art["quality"] = max(0, int(base.get("quality") or 50) + rng.randint(-25, 25))
    related = [dict(r) for r in base.get("related") or [] if isinstance(r, dict)]
    related = rng.sample(related, rng.randint(0, len(related)))
    for k, item in enumerate(related):
        if item.get("webUrl") and rng.random() < 0.9:
            item["webUrl"] = f"{item['webUrl']}{'&' if '?' in str(item['webUrl']) else '?'}v={i}-{k}"
    if related:
        art["related"] = related
    else:
        art.pop("related", None)
    return art


def dump(art: dict[str, Any]) -> str:
    body = yaml.safe_dump(art, sort_keys=False, allow_unicode=True, width=4096)
    # Real files write timestamps unquoted (YAML reads them as datetimes); do the same.
    body = re.sub(r"(publishedDateTime: )'([0-9T:.+-]+Z?)'", r"\1\2", body)
    return f"---\n{body}---\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--src", type=Path, default=SAMPLE / "ai")
    parser.add_argument("--end", default="2024-03-01", help="newest publish date, YYYY-MM-DD")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bases = read_bases(args.src)
    end = datetime.fromisoformat(args.end).replace(hour=23, minute=59, tzinfo=UTC)
    args.out.mkdir(parents=True, exist_ok=True)
    for i in range(args.count):
        when = end - timedelta(seconds=rng.randint(0, args.days * 86400))
        art = variant(rng.choice(bases), rng.choice(bases), i, when, rng)
        slug = re.sub(r"[^a-z0-9]+", "-", str(art["title"]).lower()).strip("-")[:80]
        (args.out / f"{when:%Y-%m-%d}-{slug}-{i}.md").write_text(dump(art), encoding="utf-8")
    print(f"wrote {args.count} files to {args.out}")


if __name__ == "__main__":
    main()
