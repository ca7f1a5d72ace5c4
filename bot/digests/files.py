"""digests/*.yaml: one file per digest, validated into DigestSpec records (keys: digests/README.md).

Validation collects every problem of every file and raises one ConfigError listing them all, each
naming the file and the key, so a broken folder is fixed in one pass. The YAML loader is PyYAML's
safe loader with two changes: a time such as ``time: 8:00`` stays text (YAML 1.1 would read it as
the base-60 number 480), and a key given twice in one mapping is an error instead of a silent
overwrite.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Collection, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from bot.digests.spec import DigestSpec, RankingWeights
from bot.digests.values import (
    MAX_ITEMS,
    parse_channel,
    parse_days,
    parse_filter_list,
    parse_float,
    parse_int,
    parse_time,
    parse_timezone,
    resolve_topics,
    split_list,
)
from bot.errors import ConfigError, QueryError
from bot.topics import TopicMatcher

SUFFIXES = (".yaml", ".yml")
MAX_WINDOW_HOURS = 24 * 366.0
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_INT_TAG = "tag:yaml.org,2002:int"
# YAML 1.1 integers without the base-60 form ("8:00" → 480) and the octal one ("0730" → 472):
# those stay text as written, so a time reads as the person wrote it and "010" is ten.
_INT = re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$")


class _DigestLoader(yaml.SafeLoader):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_DigestLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _INT_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_DigestLoader.add_implicit_resolver(_INT_TAG, _INT, list("-+0123456789"))


class LoadedDigests(NamedTuple):
    """The valid digests of a folder and the warnings about them (e.g. a topic no article has)."""

    specs: list[DigestSpec]
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class DigestFolderReport:
    """Everything found in a digests folder: valid specs, problems (each "path: key: message", a
    file with one is not loaded) and warnings (the digest loads, but e.g. finds no stories)."""

    folder: Path
    specs: list[DigestSpec]
    problems: list[str]
    warnings: list[str]

    def error(self) -> ConfigError:
        count = f"{len(self.problems)} problem{'s' if len(self.problems) > 1 else ''}"
        return ConfigError(
            f"Digest files in {self.folder} have {count}:\n" + "\n".join(f"- {p}" for p in self.problems)
        )


def load_digest_files(
    folder: Path,
    *,
    matcher: TopicMatcher | None,
    strict: bool = False,
    team_id: str = "",
    templates: Collection[str] | None = None,
) -> LoadedDigests:
    """Every digest defined in ``folder`` (*.yaml / *.yml; subfolders such as templates/ ignored),
    with the warnings to log or print. Raises ConfigError listing every problem when the folder or
    any file is invalid. The arguments are those of :func:`read_digest_folder`."""
    report = read_digest_folder(folder, matcher=matcher, strict=strict, team_id=team_id, templates=templates)
    if report.problems:
        raise report.error()
    return LoadedDigests(report.specs, report.warnings)


def read_digest_folder(
    folder: Path,
    *,
    matcher: TopicMatcher | None,
    strict: bool = False,
    team_id: str = "",
    templates: Collection[str] | None = None,
) -> DigestFolderReport:
    """Validate every digest file of ``folder``; raises ConfigError only when it is not a folder.

    ``matcher`` resolves topics to real topic names; None keeps them as written (no articles yet).
    A topic no loaded article has is a warning (the digest finds no stories on it until such
    articles arrive); an ambiguous one or a likely misspelling of a known one is a problem when
    ``strict`` (`newsbot check`: someone is writing the file now), else a warning too (start-up and
    reload never fail because today's articles lack a topic). ``templates`` (e.g.
    ``Templates.load(folder / "templates").names()``), when given, are the template names a digest
    may use.
    """
    if not folder.is_dir():
        raise ConfigError(f"Digests folder {folder} does not exist or is not a folder")
    problems: list[str] = []
    warnings: list[str] = []
    specs: list[DigestSpec] = []
    owners: dict[str, Path] = {}
    for path in digest_paths(folder):
        file_warnings: list[str] = []
        spec, file_problems = read_digest_file(
            path, matcher=matcher, team_id=team_id, strict=strict, warnings=file_warnings, templates=templates
        )
        problems.extend(f"{path}: {problem}" for problem in file_problems)
        warnings.extend(f"{path}: {warning}" for warning in file_warnings)
        if spec is None:
            continue
        first = owners.setdefault(spec.name.casefold(), path)
        if first != path:
            problems.append(f"{path}: name: digest name {spec.name!r} is already used by {first}")
            continue
        specs.append(spec)
    return DigestFolderReport(folder, specs, problems, warnings)


def digest_paths(folder: Path) -> list[Path]:
    """The digest files of ``folder`` in name order (hidden files skipped)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def read_digest_file(
    path: Path,
    *,
    matcher: TopicMatcher | None,
    team_id: str = "",
    strict: bool = False,
    warnings: list[str] | None = None,
    templates: Collection[str] | None = None,
) -> tuple[DigestSpec | None, list[str]]:
    """One file → (spec, problems); warnings are appended to ``warnings`` when given. The spec is
    None whenever there is a problem. ``templates``: as for :func:`read_digest_folder`."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_DigestLoader)  # noqa: S506 (safe loader)
    except UnicodeDecodeError:
        return None, ["not UTF-8 text"]
    except OSError as err:
        return None, [f"cannot be read ({err.strerror or err})"]
    except yaml.MarkedYAMLError as err:
        where = f" (line {err.problem_mark.line + 1})" if err.problem_mark else ""
        return None, [f"not valid YAML: {err.problem or err}{where}"]
    except yaml.YAMLError as err:
        return None, [f"not valid YAML: {err}"]
    if not isinstance(data, dict):
        return None, [
            "must be a mapping of keys, e.g. `name: morning-ai` and `channel: ai-news` on their own lines"
        ]
    spec, problems = spec_from_mapping(
        data, matcher=matcher, team_id=team_id, strict=strict, warnings=warnings, templates=templates
    )
    if spec is not None:
        # `/news-admin list` names the file a digest comes from.
        spec = dataclasses.replace(spec, origin=f"{path.parent.name}/{path.name}")
    return spec, problems


def spec_from_mapping(
    data: Mapping[object, object],
    *,
    matcher: TopicMatcher | None,
    team_id: str = "",
    strict: bool = False,
    warnings: list[str] | None = None,
    templates: Collection[str] | None = None,
) -> tuple[DigestSpec | None, list[str]]:
    """Validate one digest's keys (as loaded from YAML) → (spec, problems naming each key);
    warnings (see :func:`read_digest_folder`) are appended to ``warnings`` when given."""
    context = _Context(matcher, strict, [] if warnings is None else warnings, templates)
    problems: list[str] = []
    fields: dict[str, object] = {}
    for raw_key, value in data.items():
        key = str(raw_key)
        parse = _PARSERS.get(key)
        if parse is None:
            problems.append(f"unknown key {key!r}{_did_you_mean(key, _PARSERS)}")
        elif value is None and key != "title":
            problems.append(f"{key}: has no value{_COMMENT_HINT if key == 'channel' else ''}")
        else:
            try:
                fields[key] = parse(value, context)
            except QueryError as err:
                problems.append(_as_file_example(str(err), key))
    for key in ("name", "channel"):
        if key not in data:
            problems.append(f"missing required key {key!r}")
    if problems:
        return None, problems
    return DigestSpec(team_id=team_id, source="file", **fields), []  # type: ignore[arg-type]


def _as_file_example(message: str, key: str) -> str:
    """The value parsers are shared with `/news-admin subscribe`, whose examples read ``key=value``;
    in a file the example is a YAML key (``time: 07:30``)."""
    return re.sub(rf"(?<![\w.]){re.escape(key)}=(?=\S)", f"{key}: ", message)


_COMMENT_HINT = ' (in YAML a # starts a comment: write `channel: ai-news` or `channel: "#ai-news"`)'


def _did_you_mean(key: str, valid: Mapping[str, object]) -> str:
    close = difflib.get_close_matches(key.casefold().replace("-", "_"), list(valid), n=1, cutoff=0.6)
    options = ", ".join(sorted(valid))
    return f"; did you mean {close[0]!r}?" if close else f"; valid keys: {options}"


def _text(value: object, key: str) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise QueryError(
        f"{key}: {value!r} is not text; write a non-empty string (quote it if it looks like a number)"
    )


def _bool(value: object, key: str) -> bool:
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else ""
    if word in ("true", "false"):
        raise QueryError(f"{key}: {value!r} is quoted text, not true or false; write {key}: {word} unquoted")
    raise QueryError(f"{key}: {value!r} is not true or false")


def _template(value: object, key: str) -> str:
    name = _text(value, key)
    if not _TEMPLATE_NAME.fullmatch(name) or ".." in name:
        raise QueryError(f"{key}: {name!r} is not a template name; use a plain name such as default or brief")
    return name


def _known_template(name: str, templates: Collection[str] | None) -> str:
    if templates is not None and name not in templates:
        known = ", ".join(sorted(templates))
        raise QueryError(f"template: no template named {name!r}; available: {known}")
    return name


@dataclass(frozen=True, slots=True)
class _Context:
    matcher: TopicMatcher | None
    strict: bool
    warnings: list[str]
    templates: Collection[str] | None = None  # the names a digest may use; None: not checked


def _topics(value: object, context: _Context) -> tuple[str, ...]:
    if context.matcher is None:
        return tuple(split_list(value, key="topics"))
    topics, warnings = resolve_topics(value, context.matcher, strict=context.strict)
    context.warnings.extend(warnings)
    return topics


_WEIGHT_PARSERS: dict[str, Callable[[object], float]] = {
    "quality": lambda v: parse_float(v, key="weights.quality", minimum=0),
    "breadth": lambda v: parse_float(v, key="weights.breadth", minimum=0),
    "half_life_hours": lambda v: parse_float(v, key="weights.half_life_hours", positive=True),
}


def _weights(value: object) -> RankingWeights:
    if not isinstance(value, dict):
        raise QueryError(
            "weights: must be a mapping such as {quality: 1.0, breadth: 1.0, half_life_hours: 24}"
        )
    problems: list[str] = []
    fields: dict[str, float] = {}
    for raw_key, item in value.items():
        key = str(raw_key)
        if key not in _WEIGHT_PARSERS:
            problems.append(f"weights: unknown key {key!r}{_did_you_mean(key, _WEIGHT_PARSERS)}")
            continue
        try:
            fields[key] = _WEIGHT_PARSERS[key](item)
        except QueryError as err:
            problems.append(str(err))
    if problems:
        raise QueryError("; ".join(problems))
    return RankingWeights(**fields)


_Parser = Callable[[object, _Context], object]
_PARSERS: dict[str, _Parser] = {
    "name": lambda v, _: _text(v, "name"),
    "channel": lambda v, _: parse_channel(v, allow_bare_name=True).spec_value,
    "title": lambda v, _: None if v is None else _text(v, "title"),
    "topics": _topics,
    "time": lambda v, _: parse_time(v),
    "timezone": lambda v, _: parse_timezone(v),
    "days": lambda v, _: parse_days(v),
    "max_items": lambda v, _: parse_int(v, key="max_items", minimum=MAX_ITEMS[0], maximum=MAX_ITEMS[1]),
    "min_quality": lambda v, _: parse_float(v, key="min_quality", minimum=0),
    "window_hours": lambda v, _: parse_float(v, key="window_hours", positive=True, maximum=MAX_WINDOW_HOURS),
    "types": lambda v, _: tuple(split_list(v, key="types")),
    "include": lambda v, _: parse_filter_list(v, key="include"),
    "exclude": lambda v, _: parse_filter_list(v, key="exclude"),
    "exclude_outlets": lambda v, _: parse_filter_list(v, key="exclude_outlets"),
    "weights": lambda v, _: _weights(v),
    "template": lambda v, c: _known_template(_template(v, "template"), c.templates),
    "post_when_empty": lambda v, _: _bool(v, "post_when_empty"),
    "enabled": lambda v, _: _bool(v, "enabled"),
}
