"""Slack's Block Kit limits: `enforce` trims any payload to fit; `check_payload` finds each violation."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.compose import blocks as bk
from bot.compose.block_checks import check_payload
from bot.compose.fitting import enforce, without_images
from bot.compose.mrkdwn import slack_len
from bot.compose.payload_texts import payload_urls, total_text
from bot.compose.render import Templates, render_digest, render_query
from bot.compose.slack_limits import MAX_BLOCKS, MAX_MESSAGE_TEXT
from tests.compose_fixtures import answer, coverage, digest, story


def story_blocks(rank: int, text: str = "story", related: str = "Related: x") -> list[bk.Block]:
    return [
        bk.section(
            text, accessory=bk.image_accessory("https://i.example/1.png", "alt"), block_id=f"story-{rank}"
        ),
        bk.context([related], f"story-{rank}-related"),
    ]


def message(*blocks: bk.Block, text: str = "fallback") -> dict[str, Any]:
    return bk.message(text, list(blocks))


def test_check_payload_accepts_a_plain_valid_message() -> None:
    assert check_payload(message(bk.header("Hi"), *story_blocks(1))) == []


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (message(bk.header("h" * 151)), "151 characters > 150"),
        (message(bk.section("s" * 3001)), "3001 characters > 3000"),
        (message(bk.context([f"c{i}" for i in range(11)])), "11 > 10"),
        (message(*[bk.divider() for _ in range(51)]), "51 blocks > 50"),
        (message(bk.section("x", accessory=bk.image_accessory("https://i.example/a.png", ""))), "alt_text"),
        (message(bk.section("x", accessory=bk.image_accessory("javascript:x", "a"))), "image_url"),
        (message(bk.section("<!channel> hi")), "unescaped markup"),
        (message(bk.section("<@U123>")), "unescaped markup"),
        (message(bk.section(f"<https://a.example/{'a' * 3000}|x>")), "link longer than 3000"),
        (
            message(
                bk.section("x" * 2999), bk.section("x" * 2999), bk.section("x" * 2999), bk.section("x" * 2999)
            ),
            "limit 12000",
        ),
        (message({"type": "video"}), "unknown block type"),
        (message({"type": "section"}), "needs text or fields"),
        (message({"type": "context", "elements": []}), "context needs"),
        (message(bk.section("a", block_id="x"), bk.section("b", block_id="x")), "repeated"),
        (
            message({"type": "actions", "elements": [{"type": "button", "text": bk.plain("b" * 76)}]}),
            "76 characters > 75",
        ),
        (message(bk.section("   ")), "empty text"),
        ({"text": "t", "blocks": []}, "unfurl"),
        (message(text=""), "missing fallback"),
    ],
)
def test_check_payload_finds_each_violation(payload: dict[str, Any], expected: str) -> None:
    findings = check_payload(payload)
    assert any(expected in f for f in findings), findings


def test_enforce_trims_every_text_with_an_ellipsis() -> None:
    payload = message(
        bk.header("h" * 400),
        bk.section("s" * 5000),
        bk.context([f"c{i}" for i in range(15)]),
        {"type": "actions", "elements": [{"type": "button", "text": bk.plain("b" * 100), "action_id": "a"}]},
        bk.section("x", accessory=bk.image_accessory("https://i.example/a.png", "   ")),
    )
    fitted = enforce(payload)
    assert check_payload(fitted) == []
    header, section, context, actions, image_section = fitted["blocks"]
    assert header["text"]["text"] == "h" * 149 + "…"
    assert section["text"]["text"] == "s" * 2999 + "…"
    assert len(context["elements"]) == 10
    assert actions["elements"][0]["text"]["text"] == "b" * 74 + "…"
    assert image_section["accessory"]["alt_text"] == "image"
    assert payload["blocks"][1]["text"]["text"] == "s" * 5000, "enforce must not modify its input"


def test_enforce_drops_lowest_ranked_stories_when_over_fifty_blocks() -> None:
    blocks = (
        [bk.header("h")]
        + [b for rank in range(1, 31) for b in story_blocks(rank)]
        + [bk.context(["f"], "footer")]
    )
    fitted = enforce(message(*blocks))
    ids = [b.get("block_id") for b in fitted["blocks"]]
    assert len(ids) <= MAX_BLOCKS
    assert "story-1" in ids and "story-24" in ids and "story-25" not in ids and "story-30" not in ids
    assert ids[-1] == "footer"
    assert check_payload(fitted) == []


def test_enforce_keeps_the_whole_message_under_12000_characters() -> None:
    blocks = [b for rank in range(1, 9) for b in story_blocks(rank, text="w" * 2900, related="r" * 2000)]
    fitted = enforce(message(*blocks, text="f" * 5000))
    assert total_text(fitted["text"], fitted["blocks"]) < MAX_MESSAGE_TEXT
    assert [b["block_id"] for b in fitted["blocks"]][:2] == ["story-1", "story-1-related"]
    assert check_payload(fitted) == []


def test_enforce_shrinks_a_single_story_that_is_too_big_alone() -> None:
    huge_related = bk.context(["r" * 2999 for _ in range(10)], "story-1-related")
    fitted = enforce(message(bk.section("w" * 2999, block_id="story-1"), huge_related, text="f" * 2999))
    assert check_payload(fitted) == []
    assert len(fitted["blocks"]) == 2


def test_enforce_unlinks_urls_over_3000_and_drops_bad_images() -> None:
    long_link = f"<https://a.example/{'a' * 3000}|the label>"
    payload = message(
        bk.section(long_link, accessory=bk.image_accessory("https://i.example/" + "i" * 3000, "a")),
        {"type": "image", "image_url": "ftp://x.example/a.png", "alt_text": "a"},
    )
    fitted = enforce(payload)
    assert fitted["blocks"] == [bk.section("the label")]


def test_without_images_removes_every_image() -> None:
    payload = message(
        *story_blocks(1),
        {"type": "image", "image_url": "https://i.example/b.png", "alt_text": "b"},
        {
            "type": "context",
            "elements": [{"type": "image", "image_url": "https://i.example/c.png", "alt_text": "c"}],
        },
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": "https://i.example/d.png", "alt_text": "d"},
                bk.mrkdwn("t"),
            ],
        },
    )
    stripped = without_images(payload)
    assert "image" not in repr(stripped)
    assert [b["type"] for b in stripped["blocks"]] == ["section", "context", "context"]
    assert "accessory" in payload["blocks"][0], "without_images must not modify its input"
    assert check_payload(stripped) == []


def test_payload_urls_lists_each_linked_url_once() -> None:
    payload = message(
        bk.section(
            "<https://a.example/?x=1&amp;y=2|A> <https://b.example|B> <https://a.example/?x=1&amp;y=2|A>"
        )
    )
    assert payload_urls(payload) == ["https://a.example/?x=1&y=2", "https://b.example"]


def test_many_big_stories_render_within_limits() -> None:
    templates = Templates.load(None)
    stories = tuple(
        replace(
            story(i, title="🤖" * 600, excerpt="ü" * 20_000),
            coverage=tuple(coverage(1000 * i + j) for j in range(40)),
        )
        for i in range(1, 61)
    )
    for payload in (render_digest(digest(stories), templates), render_query(answer(stories), templates)):
        assert check_payload(payload) == []
        assert len(payload["blocks"]) <= MAX_BLOCKS
        assert total_text(payload["text"], payload["blocks"]) < MAX_MESSAGE_TEXT
        assert all(slack_len(b["text"]["text"]) <= 3000 for b in payload["blocks"] if b["type"] == "section")


def test_without_images_keeps_text_and_drops_empty_contexts() -> None:
    """What the poster sends after Slack refuses a payload's blocks (moved from the poster's tests)."""
    original = {
        "text": "AI digest",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "AI digest"}},
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "<https://example.com/a|Story A>"},
                "accessory": {"type": "image", "image_url": "https://img.example/a.png", "alt_text": "a"},
            },
            {"type": "image", "image_url": "https://img.example/b.png", "alt_text": "b"},
            {"type": "context", "elements": [{"type": "image", "image_url": "x", "alt_text": "x"}]},
        ],
    }
    stripped = without_images(original)

    assert [b["type"] for b in stripped["blocks"]] == ["header", "section"]
    assert "accessory" not in stripped["blocks"][1]
    assert stripped["text"] == "AI digest"
    assert len(original["blocks"]) == 4


def test_the_footer_counts_the_stories_left_after_trimming_to_slacks_limits() -> None:
    # 20 stories that do not fit in 12,000 characters: the lowest-ranked are dropped, and the
    # footer ("Top N of T"), the notification text and the query intro ("showing N") say so.
    long = [
        story(n, related=5, title=f"Story {n} " + "headline " * 30, excerpt="word " * 600)
        for n in range(1, 21)
    ]
    templates = Templates.load(None)
    payload = render_digest(digest(tuple(long), total=40), templates)
    sections = [b for b in payload["blocks"] if b["type"] == "section" and b["block_id"].startswith("story-")]
    assert check_payload(payload) == [] and 1 < len(sections) < 20
    footer = payload["blocks"][-1]["elements"][0]["text"]
    assert footer.startswith(f"Top {len(sections)} of 40 stories")
    assert f"Story {len(sections) + 1} " not in payload["text"]
    reply = render_query(answer(tuple(long), total=40), templates)
    shown = [b for b in reply["blocks"] if b["type"] == "section" and b["block_id"].startswith("story-")]
    assert 1 < len(shown) < 20 and f"40 stories, showing {len(shown)}" in reply["blocks"][0]["text"]["text"]
