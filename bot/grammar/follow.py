"""The `/news follow | unfollow | following` grammar (pure: text in, command or QueryError out).

    follow    TOPIC[, TOPIC] [time=HH:MM] [days=daily|weekdays|mon,wed,fri] [max_items=N]
    unfollow  TOPIC[, TOPIC] | all
    following

Topics are the words that are not ``key=value``; options are checked by the `/news-admin subscribe`
rules (``subscribe_from_fields``), so a personal digest accepts exactly the values a channel digest
does. Topics stay as written; the personal digest service resolves them with the TopicMatcher.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from bot.digests.values import split_list
from bot.errors import QueryError
from bot.grammar.news_admin import EVERY_TOPIC, OPTION_FORMS, AdminCommand, subscribe_from_fields

FollowAction = Literal["follow", "unfollow", "following"]
FOLLOW_VERBS: frozenset[str] = frozenset({"follow", "unfollow", "following"})
# The subscribe keys a personal digest takes (the channel, its name and time zone are the user's own).
_PERSONAL_KEYS = ("time", "days", "max_items", "min_quality", "include", "exclude", "exclude_outlets")
FOLLOW_USAGE = "/news follow TOPIC[, TOPIC] [time=HH:MM] [days=daily|weekdays|mon,wed,fri] [max_items=N]"
UNFOLLOW_USAGE = "/news unfollow TOPIC|all"
_OPTION = re.compile(r"(?:^|(?<=\s))([A-Za-z_-]+)=(\"[^\"]*\"|“[^”]*”|\S+)")


def personal_keys() -> tuple[str, ...]:
    """The option keys of a personal digest that the subscribe grammar knows."""
    return tuple(k for k in _PERSONAL_KEYS if k in OPTION_FORMS)


@dataclass(frozen=True, slots=True)
class FollowCommand:
    """``topics`` as typed (``()`` with ``everything`` for `unfollow all`); ``options`` the parsed
    schedule and content keys (its ``options`` mapping says which were given)."""

    action: FollowAction
    topics: tuple[str, ...] = ()
    everything: bool = False
    options: AdminCommand = field(default_factory=lambda: AdminCommand("subscribe"))
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def is_follow_command(text: str) -> bool:
    words = text.split(maxsplit=1)
    return bool(words) and words[0].casefold() in FOLLOW_VERBS


def parse_follow(text: str) -> FollowCommand:
    """Parse `/news follow …`, `/news unfollow …` or `/news following`."""
    verb, _, rest = text.strip().partition(" ")
    action = verb.casefold()
    rest = rest.strip()
    if action == "following":
        if rest:
            raise QueryError("`/news following` takes nothing after it; it lists what you follow.")
        return FollowCommand("following")
    if action == "unfollow":
        if not rest:
            raise QueryError(f"Name what to stop following. Usage: `{UNFOLLOW_USAGE}`")
        if rest.casefold() in EVERY_TOPIC:
            return FollowCommand("unfollow", everything=True)
        if _OPTION.search(rest):
            raise QueryError(f"unfollow takes topics only. Usage: `{UNFOLLOW_USAGE}`")
        return FollowCommand("unfollow", tuple(split_list(rest, key="topics")))
    if action != "follow":
        raise QueryError(f"Unknown command {verb!r}. Usage: `{FOLLOW_USAGE}`")
    fields: dict[str, str] = {}
    for found in _OPTION.finditer(rest):
        key = found.group(1).casefold().replace("-", "_")
        if key in fields:
            raise QueryError(f"Option {key} is given twice; give it once. Usage: `{FOLLOW_USAGE}`")
        if key not in personal_keys():
            known = ", ".join(f"{k}=" for k in personal_keys())
            raise QueryError(f"Unknown option {key}= (options: {known}). Usage: `{FOLLOW_USAGE}`")
        fields[key] = found.group(2).strip('"“”')
    words = _OPTION.sub(" ", rest).strip()
    topics = tuple(split_list(words, key="topics"))
    if not topics:
        raise QueryError(
            f"Name at least one topic to follow, e.g. `/news follow robotics`. Usage: `{FOLLOW_USAGE}`"
        )
    options, errors = subscribe_from_fields(None, fields)
    if options is None:
        raise QueryError(" ".join(errors.values()) + f" Usage: `{FOLLOW_USAGE}`")
    return FollowCommand("follow", topics, options=options, fields=MappingProxyType(fields))
