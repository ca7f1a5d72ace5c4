"""What an article file may cost the loader, and the checks that refuse more before any value is built.

Both YAML backends must refuse exactly the same documents, so the limits are checked here, once,
in front of either backend, and each backend's own (different, looser) limits are never reached:

- the front matter must end within the first ``MAX_FRONT_MATTER_BYTES`` of the file (only that
  much of any file is read);
- collections may nest at most ``MAX_DEPTH`` deep, counting the nesting an alias brings in;
- a document may hold at most ``MAX_NODES`` nodes (scalars, keys and collections) once aliases
  are expanded, so a few KB of anchors cannot expand to gigabytes.

Walking the YAML events costs about twice a yaml-rs parse, so a cheap scan of the text first
proves most documents within the limits (no anchor, alias or tag; too few brackets and too
little indentation to nest that deep; too short to hold that many nodes) and only the rest
are walked.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any, Final

import yaml

from bot.errors import ArticleError

MAX_FRONT_MATTER_BYTES: Final = 1024 * 1024
MAX_DEPTH: Final = 64
MAX_NODES: Final = 100_000

_Parser: Any = yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader
# An anchor (&), alias (*) or tag (!) can only stand where a node starts: at a line start, or after
# an indicator, then spaces. (Some text inside scalars looks the same, which only costs an exact check.)
_MARKS: Final = "&*!"
_NODE_START: Final = frozenset(":,[{\n\r\x85\u2028\u2029")  # libyaml also breaks lines at NEL, LS, PS
_INDICATORS: Final = frozenset("-?")  # these two need a space after them
_MANY_MARKS: Final = 64
_ODD_BREAKS: Final = ("\x85", "\u2028", "\u2029")
_RUN: Final = "[ \t?:-]"


def front_matter_too_large() -> ArticleError:
    """The reason for a file whose front matter does not close within MAX_FRONT_MATTER_BYTES."""
    limit = MAX_FRONT_MATTER_BYTES // 1024
    return ArticleError(f"front matter not closed within the first {limit} KiB of the file (the limit)")


def check_yaml_limits(text: str) -> None:
    """Raise ArticleError (a one-line reason) when the document breaks MAX_DEPTH or MAX_NODES."""
    if _may_break_limits(text):
        _walk_events(text)


def one_line(message: str) -> str:
    """A parser message as one short line."""
    return " ".join(message.split())[:200]


def _may_break_limits(text: str) -> bool:
    # Every node takes at least half a character (e.g. "?," is a key and a value).
    if 2 * len(text) + 2 > MAX_NODES or _has_node_property(text):
        return True
    # A block collection starts within its line's leading run of spaces and indicators, and nesting
    # one needs a greater column (a sequence may share its parent key's column once), so a document
    # whose runs are at most P long nests block collections at most 2·(P + 1) deep; each flow
    # collection adds one level and starts at a "[" or "{".
    flow = text.count("[") + text.count("{") if "[" in text or "{" in text else 0  # "in" is 20x faster
    longest_run = (MAX_DEPTH - flow) // 2 - 1  # the longest run that keeps 2·(P + 1) + flow ≤ MAX_DEPTH
    return longest_run < 0 or _has_longer_run(text, longest_run)


def _has_node_property(text: str) -> bool:
    """Whether an anchor, alias or tag may start a node (str.find: this runs for every file)."""
    seen = 0
    for mark in _MARKS:
        at = text.find(mark)
        while at >= 0:
            seen += 1
            before = at - 1
            while before >= 0 and text[before] in " \t":
                before -= 1
            if before < 0 or seen > _MANY_MARKS or text[before] in _NODE_START:
                return True
            if text[before] in _INDICATORS and before < at - 1:  # "- &a", but not "What?!"
                return True
            at = text.find(mark, at + 1)
    return False


def _has_longer_run(text: str, longest: int) -> bool:
    """Whether a line starts with more than ``longest`` spaces and indicators."""
    start, after_newline, after_cr, after_odd = _run_patterns(longest + 1)
    if start.match(text) or after_newline.search(text):
        return True
    if "\r" in text and after_cr.search(text):
        return True
    return not text.isascii() and any(b in text for b in _ODD_BREAKS) and after_odd.search(text) is not None


@functools.cache
def _run_patterns(length: int) -> tuple[re.Pattern[str], ...]:
    run = f"{_RUN}{{{length}}}"
    return tuple(re.compile(prefix + run) for prefix in ("", "\n", "\r", "[\x85\u2028\u2029]"))


def _walk_events(text: str) -> None:
    """Count nodes and depth over the parser's events, aliases expanded by arithmetic, never built."""
    nodes = depth = 0
    anchors: dict[str, tuple[int, int]] = {}  # anchor → (nodes, collection height) of what it names
    open_collections: list[list[Any]] = []  # [anchor, nodes before it, deepest depth reached inside]
    try:
        events: Iterator[Any] = yaml.parse(text, Loader=_Parser)
        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                nodes += 1
                if event.anchor is not None:
                    anchors[event.anchor] = (1, 0)
            elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
                nodes += 1
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep()
                open_collections.append([event.anchor, nodes - 1, depth])
            elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                anchor, before, deepest = open_collections.pop()
                if anchor is not None:
                    anchors[anchor] = (nodes - before, deepest - depth + 1)
                depth -= 1
                if open_collections and deepest > open_collections[-1][2]:
                    open_collections[-1][2] = deepest
            elif kind is yaml.AliasEvent:
                named = anchors.get(event.anchor)
                if named is None:  # undefined, or the collection it is inside (recursive)
                    raise ArticleError(f"YAML error: alias *{event.anchor} has no complete anchor before it")
                nodes += named[0]
                reached = depth + named[1]
                if reached > MAX_DEPTH:
                    raise _too_deep()
                if open_collections and reached > open_collections[-1][2]:
                    open_collections[-1][2] = reached
            if nodes > MAX_NODES:
                raise ArticleError(
                    f"YAML has more than {MAX_NODES:,} nodes once aliases are expanded (the limit)"
                )
    except yaml.YAMLError as err:
        if "exceeded maximum nesting depth" in str(err):  # libyaml's own limit (1000) is far above ours
            raise _too_deep() from None
        raise ArticleError(f"YAML error: {one_line(str(err))}") from None


def _too_deep() -> ArticleError:
    return ArticleError(f"YAML nested deeper than {MAX_DEPTH} levels (the limit)")
