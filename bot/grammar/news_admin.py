"""The `/news-admin` argument grammar (pure: text in, AdminCommand or QueryError out).

    subscribe   [#channel] [name=NAME] [topics=A,B] [time=HH:MM] [timezone=Area/City]
                [days=daily|weekdays|mon,wed,fri] [max_items=N] [min_quality=N]
                [include=A,B] [exclude=A,B] [exclude_outlets=A,B]   (=none clears a filter)
    unsubscribe [#channel] [name=NAME]
    list
    preview     [#channel] [name=NAME]
    post        [#channel] [name=NAME]
    help                                   (also: no text at all)

Values with spaces are quoted with straight or curly quotes (`topics="Computer Vision, AI in
Robotics"`); keys are case-insensitive and `-` may stand for `_`. A channel is `<#C0123|name>`,
`<#C0123>`, `#name` or `C0123` (Slack sends the first form when the command escapes channels).

Parsing checks everything that needs no outside knowledge (keys, time, zone, days, numbers);
topics stay as written in ``AdminCommand.topics`` until ``resolve_subscribe`` resolves them with
the composer's TopicMatcher and fills in defaults from the channel and an existing digest.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from bot.channel_refs import ChannelRef
from bot.digests.spec import DigestSpec
from bot.digests.values import (
    FILTER_FORMS,
    MAX_ITEMS,
    parse_channel,
    parse_days,
    parse_filter_list,
    parse_float,
    parse_int,
    parse_time,
    parse_timezone,
    parse_topics,
    split_list,
)
from bot.errors import QueryError
from bot.topics import TopicMatcher

FILTER_KEYS = ("include", "exclude", "exclude_outlets")
AdminAction = Literal["subscribe", "unsubscribe", "list", "preview", "post", "help"]

USAGES: Mapping[str, str] = MappingProxyType(
    {
        "subscribe": "/news-admin subscribe [#channel] [name=NAME] [topics=A,B] [time=HH:MM] "
        "[timezone=Area/City] [days=daily|weekdays|mon,wed,fri] [max_items=N] [min_quality=N] "
        "[include=A,B] [exclude=A,B] [exclude_outlets=A,B]",
        "unsubscribe": "/news-admin unsubscribe [#channel] [name=NAME]",
        "list": "/news-admin list",
        "preview": "/news-admin preview [#channel] [name=NAME]",
        "post": "/news-admin post [#channel] [name=NAME]",
        "help": "/news-admin help",
    }
)

ADMIN_USAGE = "\n".join(
    [
        "*/news-admin* configures the news digests of this workspace.",
        f"• `{USAGES['subscribe']}` — create or update a digest (default channel: this one; "
        "default name: the channel's name)",
        f"• `{USAGES['unsubscribe']}` — stop a digest",
        f"• `{USAGES['list']}` — show every digest and where it is defined",
        f"• `{USAGES['preview']}` — show the next digest to you only",
        f"• `{USAGES['post']}` — post what the channel has not seen yet, now",
        f"• `{USAGES['help']}` — this text",
        'Quote values with spaces: `topics="Computer Vision, AI in Robotics"`. '
        "include= keeps stories with any of the words, exclude= and exclude_outlets= (names or domains) "
        "leave stories out; `exclude=none` clears a filter. "
        "subscribe, unsubscribe and post are for workspace admins and owners.",
    ]
)

# The form of each option's value, shown in errors ("Did you mean time=HH:MM?").
OPTION_FORMS: Mapping[str, str] = MappingProxyType(
    {
        "name": "name=NAME",
        "topics": "topics=A,B",
        "time": "time=HH:MM",
        "timezone": "timezone=Area/City",
        "days": "days=daily|weekdays|mon,wed,fri",
        "max_items": f"max_items=N ({MAX_ITEMS[0]}-{MAX_ITEMS[1]})",
        "min_quality": "min_quality=N",
        **FILTER_FORMS,
    }
)
_ACTION_OPTIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "subscribe": frozenset(OPTION_FORMS),
        "unsubscribe": frozenset({"name"}),
        "preview": frozenset({"name"}),
        "post": frozenset({"name"}),
        "list": frozenset(),
        "help": frozenset(),
    }
)
MAX_NAME_CHARS = 80  # a digest name shows in headers, lists and logs
_WORD = re.compile(r"[\w.-]{1,60}")  # a token that may be a digest name typed without name=
MAX_ECHO_CHARS = 60  # an error quotes at most this much of what was typed
# topics=all clears a digest's topic filter (every topic).
EVERY_TOPIC = frozenset({"all", "any", "*"})
_TAKES_CHANNEL = frozenset({"subscribe", "unsubscribe", "preview", "post"})
_KEY_ALIASES = {"tz": "timezone", "topic": "topics", "day": "days", "max": "max_items"}
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " "})
# A curly apostrophe inside a word ("Bob’s") is text, not a closing quote.
_APOSTROPHE = re.compile(r"(?<=\w)’(?=\w)")
_APOSTROPHE_MARK = "\ue000"  # a private-use character shlex treats as a letter
_FREE_TEXT = frozenset({"name", "topics", *FILTER_KEYS})
# exclude=none (or include=none, …) clears a filter.
NO_FILTER = frozenset({"none", "-"})
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


@dataclass(frozen=True, slots=True)
class AdminCommand:
    """A parsed `/news-admin` command. None means "not given" (subscribe keeps or defaults it)."""

    action: AdminAction
    channel: ChannelRef | None = None
    options: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    name: str | None = None
    topics: tuple[str, ...] | None = None
    time: dt.time | None = None
    timezone: str | None = None
    days: frozenset[int] | None = None
    max_items: int | None = None
    min_quality: float | None = None
    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] | None = None
    exclude_outlets: tuple[str, ...] | None = None


def parse_admin_command(text: str) -> AdminCommand:
    """Parse the text after `/news-admin`. Raises QueryError naming the problem and the usage."""
    tokens = _tokens(text)
    if not tokens:
        return AdminCommand("help")
    word = tokens[0].casefold()
    action = _action(word)
    if action == "help":
        return AdminCommand("help")
    usage = f"Usage: {USAGES[action]}"
    channel: ChannelRef | None = None
    raw: dict[str, str] = {}
    for token in tokens[1:]:
        if "=" not in token or token.startswith(("<#", "#")):
            found = _channel(token, action, usage)
            if channel is not None:
                raise QueryError(f"Give one channel, not {channel} and {found}. {usage}")
            channel = found
            continue
        key, value = _option(token, action, usage)
        if key in raw:
            raise QueryError(f"Option {key} is given twice; give it once. {usage}")
        raw[key] = value
    try:
        return _command(action, channel, raw)
    except QueryError as err:
        raise QueryError(f"{_sentence(str(err))} {usage}") from None


def subscribe_from_fields(
    channel: ChannelRef | None, fields: Mapping[str, str]
) -> tuple[AdminCommand | None, dict[str, str]]:
    """A `subscribe` command from form fields (``{key: value}``, the grammar's keys and value forms),
    checked by the same rules as the typed command. Returns the command, or None and one message
    per key that is wrong (``{"time": "time: '25:00' is not a time; …"}``), so that a form can show
    each message under its field."""
    allowed = _ACTION_OPTIONS["subscribe"]
    errors: dict[str, str] = {}
    raw: dict[str, str] = {}
    for key, value in fields.items():
        value = value.strip()
        if not value:
            continue
        if key not in allowed:
            errors[key] = f"{key} is not an option of subscribe yet. Usage: {USAGES['subscribe']}"
            continue
        try:
            _command("subscribe", None, {key: value})
        except QueryError as err:
            errors[key] = _sentence(str(err))
            continue
        raw[key] = value
    if errors:
        return None, errors
    return _command("subscribe", channel, raw), {}


def resolve_subscribe(
    cmd: AdminCommand,
    matcher: TopicMatcher,
    *,
    default_channel: ChannelRef,
    existing: DigestSpec | None = None,
    team_id: str = "",
    created_by: str | None = None,
) -> DigestSpec:
    """The digest a `subscribe` command creates (or ``existing`` updated with the options given).

    The channel is the command's, else ``default_channel`` (where the command was run); the name is
    ``name=``, else the existing digest's, else the channel's name. Topics resolve through
    ``matcher``; an unknown or ambiguous one raises QueryError with suggestions.
    """
    if cmd.action != "subscribe":
        raise QueryError(f"{cmd.action} does not create a digest. Usage: {USAGES['subscribe']}")
    channel = cmd.channel or default_channel
    base = existing or DigestSpec(name="", channel="")
    name = cmd.name or base.name or channel.name or channel.id
    if not name or not channel.spec_value:
        raise QueryError(f"Name the digest: name=NAME. Usage: {USAGES['subscribe']}")
    topics = base.topics
    if cmd.topics is not None:
        try:
            topics = parse_topics(list(cmd.topics), matcher)
        except QueryError as err:
            raise QueryError(f"{_sentence(str(err))} Usage: {USAGES['subscribe']}") from None
    given = {
        key: getattr(cmd, key)
        for key in ("time", "timezone", "days", "max_items", "min_quality", *FILTER_KEYS)
        if getattr(cmd, key) is not None
    }
    return dataclasses.replace(
        base,
        name=name,
        channel=channel.spec_value,
        topics=topics,
        team_id=team_id,
        source="slack",
        created_by=base.created_by or created_by,
        **given,
    )


def _tokens(text: str) -> list[str]:
    parts = _APOSTROPHE.split(text)
    lexer = shlex.shlex(_APOSTROPHE_MARK.join(part.translate(_QUOTES) for part in parts), posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # '#' starts a channel here, not a comment
    lexer.escape = ""  # a backslash is an ordinary character
    try:
        return [token.replace(_APOSTROPHE_MARK, "’") for token in lexer]
    except ValueError:
        raise QueryError(
            'A quote is not closed: put a value with spaces between two quotes, e.g. topics="Vision, AI". '
            f"Usage: {USAGES['subscribe']}"
        ) from None


def _action(word: str) -> AdminAction:
    for action in USAGES:
        if word == action:
            return action  # type: ignore[return-value]
    close = difflib.get_close_matches(word, list(USAGES), n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]}?" if close else ""
    raise QueryError(
        f"Unknown command {_shown(word)}.{hint} Commands: {', '.join(USAGES)}. See /news-admin help."
    )


def _channel(token: str, action: AdminAction, usage: str) -> ChannelRef:
    key = _KEY_ALIASES.get(token.casefold(), token.casefold().replace("-", "_"))
    if key in _ACTION_OPTIONS[action]:
        raise QueryError(f"Option {key} needs a value: {OPTION_FORMS[key]} (no spaces around '='). {usage}")
    if action not in _TAKES_CHANNEL:
        raise QueryError(f"{action} takes no arguments (got {_shown(token)}). {usage}")
    try:
        return parse_channel(token)
    except QueryError:
        digest = (
            f", a digest as name={token}"
            if "name" in _ACTION_OPTIONS[action] and _WORD.fullmatch(token)
            else ""
        )
        raise QueryError(
            f"Unexpected {_shown(token)}: write a channel as #channel (or <#C0123>){digest} "
            f"and an option as key=value. {usage}"
        ) from None


def _option(token: str, action: AdminAction, usage: str) -> tuple[str, str]:
    raw_key, value = token.split("=", 1)
    key = raw_key.strip().casefold().replace("-", "_")
    key = _KEY_ALIASES.get(key, key)
    allowed = _ACTION_OPTIONS[action]
    if key not in allowed:
        if key in OPTION_FORMS:
            raise QueryError(f"Option {key} does not apply to {action}. {usage}")
        close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
        hint = f" Did you mean {OPTION_FORMS[close[0]]}?" if close else ""
        raise QueryError(f"Unknown option {_shown(raw_key)}.{hint} {usage}")
    # Only free-text values may hold &, < or >; the others stay as sent, so errors echo them inert.
    value = (_unescape(value) if key in _FREE_TEXT else value).strip()
    if not value:
        raise QueryError(f"Option {key} has no value: write {OPTION_FORMS[key]}. {usage}")
    return key, value


def _command(action: AdminAction, channel: ChannelRef | None, raw: dict[str, str]) -> AdminCommand:
    name = raw.get("name")
    if name is not None and len(name) > MAX_NAME_CHARS:
        raise QueryError(f"name: at most {MAX_NAME_CHARS} characters (got {len(name)}), e.g. name=morning-ai")
    topics = raw.get("topics")
    max_items, min_quality = raw.get("max_items"), raw.get("min_quality")
    return AdminCommand(
        action=action,
        channel=channel,
        options=MappingProxyType(dict(raw)),
        name=name,
        topics=None if topics is None else _topic_names(topics),
        time=parse_time(raw["time"]) if "time" in raw else None,
        timezone=parse_timezone(raw["timezone"]) if "timezone" in raw else None,
        days=parse_days(raw["days"]) if "days" in raw else None,
        max_items=None if max_items is None else _max_items(max_items),
        min_quality=None if min_quality is None else parse_float(min_quality, key="min_quality", minimum=0),
        **{key: _filter(key, raw[key]) for key in FILTER_KEYS if key in raw},
    )


def _filter(key: str, value: str) -> tuple[str, ...]:
    if value.casefold() in NO_FILTER:
        return ()
    return parse_filter_list(value, key=key)


def _max_items(value: str) -> int:
    return parse_int(value, key="max_items", minimum=MAX_ITEMS[0], maximum=MAX_ITEMS[1])


def _topic_names(value: str) -> tuple[str, ...]:
    if value.casefold() in EVERY_TOPIC:
        return ()
    names = tuple(split_list(value, key="topics"))
    if not names:
        raise QueryError("topics: name at least one topic, e.g. topics=robotics,nlp (or topics=all)")
    return names


def _shown(text: str) -> str:
    """What the person typed, quoted for an error message and cut to a readable length."""
    return repr(text if len(text) <= MAX_ECHO_CHARS else text[: MAX_ECHO_CHARS - 1] + "…")


def _sentence(message: str) -> str:
    return message if message.endswith((".", "?", "!")) else message + "."


def _unescape(text: str) -> str:
    """Slack sends &, < and > in command text as HTML entities.

    Only free-text option values are unescaped; error messages echo everything else as Slack sent
    it, so that it stays inert when shown back in Slack.
    """
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text
