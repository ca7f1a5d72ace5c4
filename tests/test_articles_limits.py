"""The YAML limits: both backends load what is within them and refuse, with one reason, what is not."""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml

from bot.articles import limits
from bot.articles.limits import MAX_DEPTH, MAX_NODES
from bot.articles.yamlread import available_backends, load_yaml
from bot.errors import ArticleError

BACKENDS_HERE = list(available_backends())
TOO_DEEP = ("refused", f"YAML nested deeper than {MAX_DEPTH} levels (the limit)")
TOO_MANY = ("refused", f"YAML has more than {MAX_NODES:,} nodes once aliases are expanded (the limit)")


def outcome(text: str, backend: str) -> tuple[str, Any]:
    try:
        return ("loaded", load_yaml(text, backend))
    except ArticleError as err:
        return ("refused", str(err))


def agreed(text: str) -> tuple[str, Any]:
    """The one outcome every installed backend gives."""
    results = [outcome(text, backend) for backend in BACKENDS_HERE]
    assert all(result == results[0] for result in results), results
    return results[0]


def block_maps(depth: int) -> str:
    """A mapping nested ``depth`` deep in block style (the root mapping is level 1)."""
    nested = "".join("  " * level + f"k{level}:\n" for level in range(depth - 1))
    return nested + "  " * (depth - 1) + "k: v\n"


def flow_lists(depth: int) -> str:
    return "k: " + "[" * (depth - 1) + "x" + "]" * (depth - 1) + "\n"


def alias_chain(depth: int) -> str:
    """Each anchor wraps the previous one in a list: the last alias expands ``depth`` levels deep."""
    lines = ["c0: &c0 x"] + [f"c{n}: &c{n} [*c{n - 1}]" for n in range(1, depth)]
    return "\n".join(lines) + "\n"


def alias_bomb(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def nodes_via_aliases(total: int) -> str:
    """A document of exactly ``total`` nodes (≥ 100,000 here), most of them from aliases."""
    # root, key a, list a (1 + 3 scalars), key b, list b, m aliases of 4 nodes each, then plain scalars
    aliases, rest = divmod(total - 8, 4)
    return "a: &a [x, x, x]\nb: [" + "*a, " * aliases + "y, " * rest + "]\n"


@pytest.mark.parametrize(
    "make", [block_maps, flow_lists, alias_chain], ids=["block maps", "flow lists", "alias chain"]
)
def test_nesting_up_to_the_limit_loads_and_one_level_more_is_refused_by_every_backend(make: Any) -> None:
    assert agreed(make(MAX_DEPTH))[0] == "loaded"
    assert agreed(make(MAX_DEPTH + 1)) == TOO_DEEP


@pytest.mark.parametrize("depth", [1000, 3000])
def test_very_deep_nesting_gets_the_same_reason_from_every_backend(depth: int) -> None:
    assert agreed(block_maps(depth)) == TOO_DEEP
    assert agreed(flow_lists(depth)) == TOO_DEEP
    assert agreed(alias_chain(depth)) == TOO_DEEP


def test_nodes_up_to_the_limit_load_and_one_more_is_refused_by_every_backend() -> None:
    for make in (nodes_via_aliases, lambda n: "k: [" + "1," * (n - 3) + "]\n"):
        state, value = agreed(make(MAX_NODES))
        assert state == "loaded" and value is not None
        assert agreed(make(MAX_NODES + 1)) == TOO_MANY


@pytest.mark.parametrize("levels", [5, 6, 9, 12])
def test_an_alias_bomb_is_refused_by_every_backend_without_expanding_it(levels: int) -> None:
    text = alias_bomb(levels)
    assert len(text) < 1000  # 9**12 lists of "lol" once expanded: far beyond any memory
    assert agreed(text) == TOO_MANY


def test_a_small_alias_expansion_loads_the_same_everywhere() -> None:
    state, value = agreed(alias_bomb(3))
    assert state == "loaded" and len(value["a3"]) == 9 and value["a3"][0][0][0] == ["lol"]


def test_an_alias_without_an_anchor_gets_one_reason() -> None:
    reason = "YAML error: alias *nowhere has no complete anchor before it"
    assert agreed("a: [*nowhere]\n") == ("refused", reason)


# --- the cheap scan that decides which documents need the exact walk -------------------------------


def _depth_and_nodes(node: yaml.Node) -> tuple[int, int]:
    if isinstance(node, yaml.ScalarNode):
        return 0, 1
    children = node.value if isinstance(node, yaml.SequenceNode) else [n for pair in node.value for n in pair]
    measured = [_depth_and_nodes(child) for child in children]
    return 1 + max((d for d, _ in measured), default=0), 1 + sum(n for _, n in measured)


def _random_value(rng: random.Random, depth: int) -> Any:
    if depth <= 1 or rng.random() < 0.05:
        return rng.choice(["x", 1, None, "a: b", "- c", "[d]", "e, f"])
    width = 1 if rng.random() < 0.97 else 2  # deep, not wide: a few dozen nodes
    if rng.random() < 0.5:
        return [_random_value(rng, depth - 1) for _ in range(width)]
    return {f"k{n}": _random_value(rng, depth - 1) for n in range(width)}


def _documents() -> list[str]:
    rng = random.Random(8)
    documents = []
    for _ in range(300):
        value = {"root": _random_value(rng, rng.randint(2, 2 * MAX_DEPTH))}
        flow = rng.choice([None, True, False])
        indent = rng.randint(2, 4)
        documents.append(yaml.dump(value, Dumper=yaml.CSafeDumper, default_flow_style=flow, indent=indent))
    # Hand-made compact forms: sequences in sequences on one line, sequences at their key's column.
    for depth in (20, 40, 63, 64, 65, 90):
        documents.append("- " * depth + "x\n")
        half = depth // 2
        same_column = "".join("  " * (n - 1) + f"- k{n}:\n" for n in range(1, half))
        documents.append("k0:\n" + same_column + "  " * (half - 1) + "- v\n")
        entries = "".join("  " * n + f"- k{n}:\n" for n in range(half))
        documents.append(entries + "  " * half + " v\n")
    return documents


def test_a_document_the_scan_passes_is_always_within_the_limits() -> None:
    walked = 0
    documents = _documents()
    for text in documents:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
        assert node is not None
        depth, nodes = _depth_and_nodes(node)
        if limits._may_break_limits(text):
            walked += 1
        else:
            assert depth <= MAX_DEPTH and nodes <= MAX_NODES, text
    assert 0 < walked < len(documents)  # both paths were exercised


def test_text_that_only_looks_like_aliases_loads_the_same_everywhere() -> None:
    text = 'excerpt: "Power Apps &#8211; a *bold* claim & more"\nurl: "https://e.com/?a=1&b=*2"\n'
    state, value = agreed(text)
    assert state == "loaded" and value["excerpt"].startswith("Power Apps &#8211;")
