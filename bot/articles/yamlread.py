"""Front-matter YAML → plain Python values, with yaml-rs as an optional accelerator over PyYAML.

Both backends read the same schema so that they give the same records: YAML 1.2 core scalars
(``yes``/``on`` stay strings, ``0o17`` is octal) and timestamps left as strings, which the record
builder parses itself. That also keeps a quoted date-like title a string with yaml-rs, which
would otherwise turn quoted timestamps into datetimes. Both refuse the same documents: the limits
in bot.articles.limits are checked before either backend builds a value.
"""

from __future__ import annotations

import importlib
import math
import re
from typing import Any, Final

import yaml

from bot.articles.limits import MAX_DEPTH, MAX_NODES, check_yaml_limits, one_line
from bot.errors import ArticleError


def _optional_yaml_rs() -> Any:
    try:  # optional accelerator: pip install 'newsbot[fast]'
        return importlib.import_module("yaml_rs")
    except ImportError:
        return None


_YAML_RS: Any = _optional_yaml_rs()
# Looser than our own limits (checked first), so yaml-rs never refuses what PyYAML would load.
_YAML_RS_LIMITS: Any = (
    None
    if _YAML_RS is None
    else _YAML_RS.AliasLimits(max_total_replayed_events=4 * MAX_NODES, max_replay_stack_depth=2 * MAX_DEPTH)
)
BACKENDS: Final = ("yaml-rs", "pyyaml")

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# YAML 1.2 core schema plain scalars (plus 0b and _ separators, as yaml-rs reads them); no timestamps.
_TYPED_SCALAR = re.compile(
    r"(?:(?P<null>~|null|Null|NULL)|(?P<bool>true|True|TRUE|false|False|FALSE)"
    r"|(?P<int>[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)"
    r"|(?P<float>[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)))\Z"
)
_TYPED_FIRST = frozenset("~nNtTfF-+.0123456789")
_TAGS = {"null": _NULL, "bool": _BOOL, "int": _INT, "float": _FLOAT}


class _CoreSchemaLoader(yaml.CSafeLoader if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader):  # type: ignore[misc]
    """libyaml's parser with YAML 1.2 core implicit types (what yaml-rs reads) and no timestamps.

    ``resolve`` runs in Python for every node, so it is one regex instead of PyYAML's table walk.
    """

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                if not value:
                    return _NULL
                if value[0] in _TYPED_FIRST:
                    typed = _TYPED_SCALAR.match(value)
                    if typed and typed.lastgroup:
                        return _TAGS[typed.lastgroup]
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers: nothing to track."""

    def ascend_resolver(self) -> None:
        """No path resolvers: nothing to track."""


def _scalar(node: yaml.ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == _STR:
        return text
    if tag == _NULL:
        return None
    if tag == _BOOL:
        return text.lower() == "true"
    if tag == _INT:
        digits = text.replace("_", "")
        for prefix, base in (("0o", 8), ("0x", 16), ("0b", 2)):
            if digits.startswith(prefix):
                return int(digits[2:], base)
        return int(digits)
    if tag == _FLOAT:
        lowered = text.lower()
        if lowered.endswith(".inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        return float(text.replace("_", ""))
    return text  # explicit or unknown tags: keep the text, like yaml-rs


def _plain(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item) for item in node.value]
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _plain(key_node)
        if isinstance(key, dict | list):
            continue  # an unhashable key cannot name a field we read
        result[key] = _plain(value_node)  # last one wins, as in yaml-rs with LastWins
    return result


def _load_pyyaml(text: str) -> Any:
    try:
        node = yaml.compose(text, Loader=_CoreSchemaLoader)
    except yaml.YAMLError as err:
        raise ArticleError(f"YAML error: {one_line(str(err))}") from None
    return None if node is None else _plain(node)


def _load_yaml_rs(text: str) -> Any:
    try:
        return _YAML_RS.loads(
            text,
            parse_datetime=False,
            alias_limits=_YAML_RS_LIMITS,
            duplicate_key_policy=_YAML_RS.DuplicateKeyPolicy.LastWins,
        )
    except (ValueError, TypeError) as err:  # YAMLDecodeError is a ValueError
        raise ArticleError(f"YAML error: {one_line(str(err))}") from None


def available_backends() -> tuple[str, ...]:
    """The backends installed here, fastest first."""
    return BACKENDS if _YAML_RS is not None else ("pyyaml",)


def default_backend() -> str:
    """The fastest backend installed: yaml-rs when present, else PyYAML."""
    return available_backends()[0]


def load_yaml(text: str, backend: str) -> Any:
    """Parse one front-matter document; raises ArticleError with a one-line reason.

    A document over the limits (bot.articles.limits) is refused with the same reason by both backends.
    """
    check_yaml_limits(text)
    if backend == "yaml-rs" and _YAML_RS is not None:
        return _load_yaml_rs(text)
    return _load_pyyaml(text)
