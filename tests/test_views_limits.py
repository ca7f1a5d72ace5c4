"""`check_view`: a valid Home tab and modal pass, and every limit it checks is proven to fire."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.compose import blocks as bk
from bot.compose.block_checks import check_payload, check_view
from bot.views.elements import actions, button, confirm, input_block, option

View = dict[str, Any]


def menu(count: int = 3, kind: str = "static_select") -> dict[str, Any]:
    return {"type": kind, "action_id": "menu", "options": [option(f"o{i}", f"v{i}") for i in range(count)]}


def modal(*blocks: bk.Block, **extra: Any) -> View:
    view: View = {
        "type": "modal",
        "callback_id": "cb",
        "title": bk.plain("Title"),
        "submit": bk.plain("Save"),
        "close": bk.plain("Cancel"),
        "private_metadata": "{}",
        "blocks": list(blocks) or [input_block("b", "Label", menu())],
    }
    view.update(extra)
    return view


def home(*blocks: bk.Block) -> View:
    return {"type": "home", "blocks": list(blocks)}


def text_input(**extra: Any) -> bk.Block:
    return input_block("t", "Text", {"type": "plain_text_input", "action_id": "t", **extra})


def number(**extra: Any) -> bk.Block:
    element = {"type": "number_input", "action_id": "n", "is_decimal_allowed": False, **extra}
    return input_block("n", "Number", element)


def test_valid_views_pass() -> None:
    full = modal(
        input_block("a", "Menu", {**menu(), "initial_option": option("o1", "v1")}),
        input_block("b", "Time", {"type": "timepicker", "action_id": "tp", "initial_time": "07:30"}),
        input_block(
            "c", "Days", {"type": "checkboxes", "action_id": "cb", "options": [option("Mon", "mon")]}
        ),
        number(min_value="1", max_value="20", initial_value="5"),
        text_input(max_length=200, initial_value="x"),
        input_block(
            "e",
            "Zone",
            {"type": "external_select", "action_id": "ext", "initial_option": option("UTC", "UTC")},
        ),
        bk.section(
            "In <#C0123>", accessory=button("Go", "go", "v", style="danger", confirm=confirm("T", "x", "Y"))
        ),
    )
    assert check_view(full) == []
    assert check_view(home(bk.header("Hi"), actions([button("A", "a"), button("B", "b")]))) == []


def many(count: int, make: Callable[[int], bk.Block]) -> list[bk.Block]:
    return [make(i) for i in range(count)]


CASES: list[tuple[str, View, str]] = [
    ("home blocks", home(*[bk.divider() for _ in range(101)]), "101 blocks > 100"),
    ("modal blocks", modal(*many(101, lambda i: bk.section(f"s{i}"))), "101 blocks > 100"),
    ("view type", {"type": "message", "blocks": []}, "must be home or modal"),
    ("blocks list", {"type": "home", "blocks": {}}, "blocks: not a list"),
    ("title length", modal(title=bk.plain("t" * 25)), "title: 25 characters > 24"),
    ("title missing", {**modal(), "title": None}, "title: needs a text object"),
    ("title mrkdwn", modal(title=bk.mrkdwn("t")), "title: needs a text object of type plain_text"),
    ("submit length", modal(submit=bk.plain("s" * 25)), "submit: 25 characters > 24"),
    ("close length", modal(close=bk.plain("c" * 25)), "close: 25 characters > 24"),
    ("submit required", {k: v for k, v in modal().items() if k != "submit"}, "submit: required"),
    (
        "private_metadata",
        modal(private_metadata="m" * 3001),
        "private_metadata: must be a string of at most 3000",
    ),
    ("callback_id", modal(callback_id="c" * 256), "callback_id: must be a string of at most 255"),
    ("external_id", modal(external_id=5), "external_id: must be a string"),
    ("header length", home(bk.header("h" * 151)), "151 characters > 150"),
    ("section length", home(bk.section("s" * 3001)), "3001 characters > 3000"),
    ("unknown block", home({"type": "video"}), "unknown block type 'video'"),
    ("block_id repeated", home(bk.divider("x"), bk.divider("x")), "'x' repeated"),
    ("block_id length", home(bk.divider("x" * 256)), "block_id: must be 1..255"),
    (
        "action_id repeated",
        home(actions([button("A", "a")]), actions([button("B", "a")])),
        "action_id: 'a' repeated",
    ),
    ("action_id length", home(actions([button("A", "a" * 256)])), "action_id: must be 1..255"),
    ("button text", home(actions([{**button("A", "a"), "text": bk.plain("b" * 76)}])), "76 characters > 75"),
    (
        "button value",
        home(actions([button("A", "a", "v" * 2001)])),
        "value: must be a string of at most 2000",
    ),
    ("button style", home(actions([button("A", "a", style="loud")])), "style: must be primary or danger"),
    ("button url", home(actions([{**button("A", "a"), "url": "u" * 3001}])), "url: longer than 3000"),
    (
        "confirm text",
        home(actions([button("A", "a", confirm={**confirm("T", "x", "Y"), "text": bk.plain("x" * 301)})])),
        "confirm.text: 301 characters > 300",
    ),
    (
        "confirm title",
        home(actions([button("A", "a", confirm={**confirm("T", "x", "Y"), "title": bk.plain("t" * 101)})])),
        "confirm.title: 101 characters > 100",
    ),
    (
        "confirm button",
        home(actions([button("A", "a", confirm={**confirm("T", "x", "Y"), "confirm": bk.plain("y" * 31)})])),
        "confirm.confirm: 31 characters > 30",
    ),
    ("actions elements", home(actions([button(str(i), f"a{i}") for i in range(26)])), "26 > 25"),
    ("actions empty", home(actions([])), "actions needs 1..25 elements"),
    (
        "actions text input",
        home(actions([{"type": "plain_text_input", "action_id": "p"}])),
        "cannot go in an actions block",
    ),
    (
        "context element",
        home({"type": "context", "elements": [button("A", "a")]}),
        "a context holds only text and images",
    ),
    ("static options", modal(input_block("b", "L", menu(101))), "101 options, needs 1..100"),
    ("multi static options", modal(input_block("b", "L", menu(101, "multi_static_select"))), "101 options"),
    ("no options", modal(input_block("b", "L", menu(0))), "0 options, needs 1..100"),
    (
        "option text",
        modal(
            input_block(
                "b",
                "L",
                {**menu(), "options": [option("x", "v"), {"text": bk.plain("o" * 76), "value": "w"}]},
            )
        ),
        "options[1].text: 76 characters > 75",
    ),
    (
        "option value",
        modal(input_block("b", "L", {**menu(), "options": [{"text": bk.plain("o"), "value": "v" * 151}]})),
        "value: must be 1..150",
    ),
    (
        "option value repeated",
        modal(input_block("b", "L", {**menu(), "options": [option("a", "v"), option("b", "v")]})),
        "'v' repeated",
    ),
    (
        "option groups",
        modal(
            input_block(
                "b",
                "L",
                {
                    "type": "static_select",
                    "action_id": "m",
                    "option_groups": [
                        {"label": bk.plain("g"), "options": [option(str(i), str(i)) for i in range(101)]}
                    ],
                },
            )
        ),
        "option_groups[0].options: 101 options",
    ),
    (
        "too many groups",
        modal(
            input_block(
                "b",
                "L",
                {
                    "type": "static_select",
                    "action_id": "m",
                    "option_groups": [{"label": bk.plain("g"), "options": [option("a", "a")]}] * 101,
                },
            )
        ),
        "needs 1..100 groups",
    ),
    (
        "initial option",
        modal(input_block("b", "L", {**menu(), "initial_option": option("zz", "zz")})),
        "'zz' is not one of the options",
    ),
    (
        "checkbox options",
        modal(
            input_block(
                "b",
                "L",
                {
                    "type": "checkboxes",
                    "action_id": "c",
                    "options": [option(str(i), str(i)) for i in range(11)],
                },
            )
        ),
        "11 options, needs 1..10",
    ),
    (
        "overflow options",
        home(actions([{"type": "overflow", "action_id": "o", "options": [option("a", "a")]}])),
        "1 options, needs 2..5",
    ),
    (
        "external initial",
        modal(
            input_block(
                "b",
                "L",
                {
                    "type": "external_select",
                    "action_id": "e",
                    "initial_option": {"text": bk.plain("x" * 76), "value": "x"},
                },
            )
        ),
        "76 characters > 75",
    ),
    (
        "placeholder",
        modal(input_block("b", "L", {**menu(), "placeholder": bk.plain("p" * 151)})),
        "placeholder: 151 characters > 150",
    ),
    (
        "label length",
        modal({**input_block("b", "L", menu()), "label": bk.plain("l" * 2001)}),
        "label: 2001 characters > 2000",
    ),
    (
        "label missing",
        modal({"type": "input", "block_id": "b", "element": menu()}),
        "label: needs a text object",
    ),
    (
        "hint length",
        modal({**input_block("b", "L", menu()), "hint": bk.plain("h" * 2001)}),
        "hint: 2001 characters > 2000",
    ),
    (
        "optional flag",
        modal({**input_block("b", "L", menu()), "optional": "yes"}),
        "optional: must be true or false",
    ),
    ("input element", modal(input_block("b", "L", button("A", "a"))), "'button' is not an input element"),
    (
        "time",
        modal(input_block("b", "L", {"type": "timepicker", "action_id": "t", "initial_time": "7:30"})),
        "is not HH:mm",
    ),
    (
        "date",
        modal(input_block("b", "L", {"type": "datepicker", "action_id": "d", "initial_date": "1/2/2026"})),
        "is not YYYY-MM-DD",
    ),
    ("text max_length", modal(text_input(max_length=3001)), "max_length <= 3000"),
    ("text initial", modal(text_input(max_length=3, initial_value="four")), "longer than max_length 3"),
    (
        "number decimal flag",
        modal(input_block("n", "N", {"type": "number_input", "action_id": "n"})),
        "is_decimal_allowed: required",
    ),
    ("number format", modal(number(min_value=1)), "is not a number (send it as a string)"),
    ("number bounds", modal(number(min_value="5", max_value="1")), "min_value > max_value"),
    (
        "number initial",
        modal(number(min_value="1", max_value="20", initial_value="21")),
        "outside min_value..max_value",
    ),
    (
        "unsupported element",
        home(bk.section("x", accessory={"type": "video"})),
        "unsupported element type 'video'",
    ),
    ("markup", home(bk.section("<!channel> hi")), "unescaped markup '<!channel>'"),
    ("user mention", home(bk.section("<@U123>")), "unescaped markup"),
    ("long link", home(bk.section(f"<https://a.example/{'a' * 3000}|x>")), "link longer than 3000"),
    ("context count", home(bk.context([str(i) for i in range(11)])), "11 > 10"),
]


@pytest.mark.parametrize(("view", "expected"), [(v, e) for _, v, e in CASES], ids=[n for n, _, _ in CASES])
def test_each_view_limit_fires(view: View, expected: str) -> None:
    findings = check_view(view)
    assert any(expected in f for f in findings), findings


def test_channel_mentions_are_ours_in_views_only() -> None:
    assert check_view(home(bk.section("<#C0123> and <#G0ABC>"))) == []
    assert any("unescaped markup" in f for f in check_payload(bk.message("x", [bk.section("<#C0123>")])))


def test_message_checks_are_unchanged_by_view_rules() -> None:
    """Messages still refuse view-only blocks and do not require unique action_ids."""
    message = bk.message("x", [actions([button("A", "a")]), actions([button("B", "a")])])
    assert check_payload(message) == []
    assert any("unknown block type 'input'" in f for f in check_payload(bk.message("x", [text_input()])))
