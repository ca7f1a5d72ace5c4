"""`newsbot preview`, `newsbot query` and `newsbot demo` end to end, on article files written to disk."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from bot.compose.block_checks import check_payload

NOW = "2024-03-05T08:00Z"


def write_article(folder: Path, n: int, title: str, topics: list[str], published: str, **extra: Any) -> None:
    data: dict[str, Any] = {
        "title": title,
        "excerpt": f"Excerpt {n} & more <b>.",
        "publishedDateTime": published,
        "webUrl": f"https://outlet{n}.example.com/a/{n}",
        "type": "article",
        "quality": 40 + n,
        "provider": {"name": f"Outlet {n}", "domain": f"outlet{n}.example.com"},
        "topics": topics,
        "images": [{"url": f"https://img.example.com/{n}.jpg", "width": 800, "height": 600}],
        **extra,
    }
    text = "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n"
    (folder / f"2024-03-05-article-{n}.md").write_text(text, encoding="utf-8")


@pytest.fixture
def articles(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    write_article(
        folder, 1, "Robot arms learn to sort recycling", ["AI", "AI in Robotics"], "2024-03-05T06:00:00Z"
    )
    write_article(
        folder,
        2,
        "<!channel> Vision models & <@U123> read X-rays",
        ["AI", "Computer Vision"],
        "2024-03-05T05:00:00Z",
    )
    write_article(
        folder,
        3,
        "Language models summarise court rulings",
        ["AI", "Natural Language Processing"],
        "2024-03-04T20:00:00Z",
    )
    write_article(folder, 4, "An old robotics story", ["AI", "AI in Robotics"], "2024-02-01T10:00:00Z")
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_preview_json_is_exactly_a_valid_payload(articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "preview", "--articles", str(articles), "--now", NOW, "--json")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"text", "blocks", "unfurl_links", "unfurl_media"}
    assert check_payload(payload) == []
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert len(sections) == 3, "the February story is outside the 24-hour window"
    assert "&lt;!channel&gt; Vision models &amp; &lt;@U123&gt;" in "".join(sections)
    assert "broken.md" in err and "broken.md" not in out


def test_preview_text_is_readable(articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "preview", "--articles", str(articles), "--now", NOW, "--topics", "robotics")
    assert code == 0
    assert "Preview: AI in Robotics · Tuesday 5 March 2024" in out
    assert "Robot arms learn to sort recycling (https://outlet1.example.com/a/1)" in out
    assert "Outlet 1 · 2024-03-05 06:00 UTC · AI, AI in Robotics" in out
    assert "<!date" not in out and "&amp;" not in out
    assert "Vision models" not in out


def test_preview_max_items_and_empty_hint(articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "preview", "--articles", str(articles), "--now", NOW, "--max-items", "1", "--json"
    )
    assert code == 0
    assert sum(b["type"] == "section" for b in json.loads(out)["blocks"]) == 1
    code, out, err = run(capsys, "preview", "--articles", str(articles), "--now", "2025-01-01T00:00")
    assert code == 0
    assert "No new stories." in out
    assert "try --now 2024-03-05T06:01Z" in err
    # The hint points at the newest story of the topics asked for, before --now when there is one.
    argv = ["preview", "--articles", str(articles), "--topics", "nlp"]
    code, _, err = run(capsys, *argv, "--now", "2025-01-01T00:00")
    assert code == 0
    assert "No stories on Natural Language Processing in the 24 hours before 2025-01-01 00:00 UTC" in err
    assert "try --now 2024-03-04T20:01Z" in err
    code, _, err = run(capsys, *argv, "--now", "2024-03-01T00:00")
    assert "try --now 2024-03-04T20:01Z" in err


def test_preview_unknown_topic_says_what_would_work(
    articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "preview", "--articles", str(articles), "--topics", "quantum basket weaving")
    assert code == 2
    assert out == ""
    assert "Topics (stories):" in err


def test_preview_named_digest_with_override_template(
    articles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digests = tmp_path / "digests"
    (digests / "templates").mkdir(parents=True)
    (digests / "vision.yaml").write_text(
        "name: vision\nchannel: cv-news\ntitle: Vision Daily\ntopics: [computer vision]\ntemplate: terse\n",
        encoding="utf-8",
    )
    (digests / "templates" / "terse.j2").write_text(
        "{% macro story(story) %}>> {{ story.lead.title | mrkdwn }}{% endmacro %}", encoding="utf-8"
    )
    argv = ["preview", "--articles", str(articles), "--digests", str(digests), "--now", NOW]
    code, out, _ = run(capsys, *argv, "--digest", "vision", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["blocks"][0]["text"]["text"] == "Vision Daily · Tuesday 5 March 2024"
    assert (
        payload["blocks"][1]["text"]["text"]
        == "&gt;&gt; &lt;!channel&gt; Vision models &amp; &lt;@U123&gt; read X-rays"
    )
    code, _, err = run(capsys, *argv, "--digest", "nope")
    assert code == 2 and "no digest named 'nope'" in err and "vision" in err
    (digests / "templates" / "terse.j2").unlink()
    code, out, err = run(capsys, *argv, "--digest", "vision")
    assert code == 2 and out == ""
    assert "vision.yaml: template: no template named 'terse'; available: default" in err


def test_environment_supplies_the_folders(
    articles: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSBOT_ARTICLES", str(articles))
    code, out, _ = run(capsys, "query", "nlp", "--now", NOW)
    assert code == 0
    assert out.startswith("Topic: Natural Language Processing — 1 story, showing 1\n")


def test_several_folders_separated_by_pathsep(
    articles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    more = tmp_path / "more"
    more.mkdir()
    write_article(more, 5, "Chatbots draft patient letters", ["AI", "Natural Language Processing"], NOW)
    monkeypatch.setenv("NEWSBOT_ARTICLES", f"{articles}{os.pathsep}{more}")
    code, out, _ = run(capsys, "query", "nlp", "--now", NOW)
    assert code == 0
    assert out.startswith("Topic: Natural Language Processing — 2 stories, showing 2\n")


def test_query_json_and_no_match(articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "robotics", "--articles", str(articles), "--now", NOW, "--json")
    assert code == 0
    payload = json.loads(out)
    assert check_payload(payload) == []
    assert payload["blocks"][0]["text"]["text"] == "*Topic: AI in Robotics* — 2 stories, showing 2"
    code, out, _ = run(capsys, "query", "zzqx", "--articles", str(articles), "--now", NOW)
    assert code == 0
    assert out.startswith("No topic or story matches “zzqx”.")


def test_bad_now_is_a_usage_error(articles: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["query", "robotics", "--articles", str(articles), "--now", "yesterday"])
    assert exit_info.value.code == 2
    assert "not an ISO 8601 time" in capsys.readouterr().err


def test_demo_sets_the_clock_after_the_newest_article(
    articles: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "demo", "--articles", str(articles))
    assert code == 0
    assert "clock set to 2024-03-05 06:01 UTC, just after the sample's newest article" in out
    assert "Demo digest · Tuesday 5 March 2024" in out
    assert "── /news robotics ──" in out
    assert "broken.md" in err


def test_demo_on_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.articles import sample_dir

    if not sample_dir().is_dir():
        pytest.skip("the bundled sample is not there yet")
    code, out, err = run(capsys, "demo", "--json")
    assert code == 0
    assert "clock set to" in err
    decoder = json.JSONDecoder()
    digest, end = decoder.raw_decode(out)
    query, _ = decoder.raw_decode(out[end:].lstrip())
    assert check_payload(digest) == [] and check_payload(query) == []
    assert any(b["type"] == "section" for b in digest["blocks"][1:])


def test_preview_digest_with_an_excluded_keyword_keeps_its_stories_out(
    articles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digests = tmp_path / "digests"
    digests.mkdir()
    (digests / "all.yaml").write_text("name: all\nchannel: news\n", encoding="utf-8")
    (digests / "calm.yaml").write_text(
        "name: calm\nchannel: news\nexclude: [Recycling, x-rays]\nexclude_outlets: [outlet3.example.com]\n",
        encoding="utf-8",
    )
    argv = ["preview", "--articles", str(articles), "--digests", str(digests), "--now", NOW]
    code, everything, _ = run(capsys, *argv, "--digest", "all")
    assert code == 0 and "Robot arms learn to sort recycling" in everything and "X-rays" in everything
    code, out, err = run(capsys, *argv, "--digest", "calm")
    assert code == 0
    assert "No new stories." in out
    assert "recycling" not in out.casefold() and "x-rays" not in out.casefold() and "court rulings" not in out
    assert "the newest is from 2024-02-01 10:00 UTC" in err  # the newest story the filters let through


def test_preview_unknown_topic_on_the_sample_lists_topics_and_suggests(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "preview", "--topics", "robotics")
    assert code == 2 and out == ""
    assert "No article here has the topic 'AI in Robotics' ('robotics'). Topics (stories): AI (29), " in err
    assert "Computer Vision (6), AI in Autos (4)," in err
    assert "Portals (1)." in err  # every topic of the sample (fewer than 15), with its story count
    code, _, err = run(capsys, "preview", "--topics", "compter vishun")
    assert code == 2 and "Unknown topic 'compter vishun'. Did you mean: Computer Vision? Topics" in err


@pytest.mark.parametrize("word", ["help", "HELP", "?"])
def test_query_help_lists_the_top_topics_as_news_help_does(
    articles: Path, capsys: pytest.CaptureFixture[str], word: str
) -> None:
    # `newsbot query TEXT` is what `/news TEXT` answers, and `/news help` lists the top topics.
    code, out, _ = run(capsys, "query", word, "--articles", str(articles), "--now", NOW)
    assert code == 0
    assert "/news TOPIC" in out and "Top topics: AI (4), AI in Robotics (2)" in out
    assert "Stories mentioning" not in out
    code, out, _ = run(capsys, "query", word, "--articles", str(articles), "--now", NOW, "--json")
    assert code == 0 and "Top topics:* AI (4)" in json.loads(out)["text"]


def test_the_command_demo_suggests_runs_as_printed(tmp_path: Path) -> None:
    # After `make demo` newsbot lives in .venv/bin, not on PATH: "Try: newsbot …" would not run.
    import shlex
    import subprocess
    import sys

    entry = Path(sys.executable).parent / "newsbot"
    if not entry.is_file():
        pytest.skip("newsbot is not installed next to this Python")
    root = Path(__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    shown = subprocess.run(
        [str(entry.relative_to(root) if entry.is_relative_to(root) else entry), "demo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tries = [line.removeprefix("Try: ") for line in shown.splitlines() if line.startswith("Try: ")]
    assert len(tries) == 1
    shlex.split(tries[0])  # one command line, quoted for a shell
    tried = subprocess.run(["/bin/sh", "-c", tries[0]], cwd=root, env=env, capture_output=True, text=True)
    assert tried.returncode == 0, tried.stderr
    assert "Natural Language Processing" in tried.stdout
