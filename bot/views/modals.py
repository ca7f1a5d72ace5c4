"""The digest configuration modals (``views.open``), their private_metadata, and the options
answers for their external menus.

Two modals share one set of fields (named in bot/views/ids.py like the grammar's keys):
the channel digest modal (admins; channel, name when new, time zone) and the personal digest
modal (anyone; the time zone is the user's own, so it has no time zone field). The topic menu is a
static multi-select while there are at most 100 topics, else an external one served by
``external_options``; the time zone menu likewise.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.compose import blocks as bk
from bot.compose.mrkdwn import clip, escape, one_line
from bot.compose.slack_limits import MAX_PRIVATE_METADATA, MAX_SELECT_OPTIONS, MAX_VIEW_BLOCKS, MAX_VIEW_TITLE
from bot.digests.values import MAX_ITEMS
from bot.errors import QueryError
from bot.views import ids
from bot.views.data import DigestForm, TopicCount
from bot.views.elements import (
    Element,
    counted_option,
    input_block,
    number_input,
    option,
    placeholder,
    plain_text_input,
)

ModalKind = Literal["channel", "personal"]
DAY_VALUES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_LABELS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LIST_HINT = "Comma-separated; matched case-insensitively as whole words in the title and excerpt."


@dataclass(frozen=True, slots=True)
class ModalMetadata:
    """What a submission needs beyond its fields: which modal, whether it edits an existing
    digest, and that digest's name (a personal digest is the submitting user's own: no name)."""

    kind: ModalKind
    name: str | None = None
    editing: bool = False

    def encode(self) -> str:
        data = {"v": 1, "kind": self.kind, "name": self.name, "editing": self.editing}
        text = json.dumps(data, ensure_ascii=False)
        if len(text) > MAX_PRIVATE_METADATA:
            raise QueryError("That digest name is too long to edit in a modal; use /news-admin subscribe.")
        return text

    @classmethod
    def decode(cls, text: str) -> ModalMetadata:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if (
            not isinstance(data, dict)
            or data.get("v") != 1
            or data.get("kind") not in ("channel", "personal")
        ):
            raise QueryError("This form is out of date; open it again from the Home tab.")
        name = data.get("name")
        name = name if isinstance(name, str) else None
        return cls(kind=data["kind"], name=name, editing=data.get("editing") is True)


def channel_digest_modal(
    form: DigestForm,
    *,
    topics: Sequence[TopicCount],
    timezones: Sequence[str],
    editing: str | None = None,
) -> dict[str, Any]:
    """The channel digest modal: new (``editing`` None) or editing the digest of that name."""
    blocks: list[bk.Block] = []
    if editing is not None:
        blocks.append(bk.context([f"Editing the digest *{_escaped(editing)}*."]))
    channel: Element = {
        "type": "conversations_select",
        "action_id": ids.action_id("channel"),
        "placeholder": placeholder("Pick a channel"),
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if form.channel:
        channel["initial_conversation"] = form.channel
    blocks.append(
        input_block(
            ids.block_id("channel"),
            "Channel",
            channel,
            hint="Public channels are joined automatically; invite newsbot to a private one first.",
        )
    )
    if editing is None:
        name = plain_text_input(ids.action_id("name"), hint_text="morning-news", max_length=80)
        blocks.append(
            input_block(
                ids.block_id("name"), "Name", name, optional=True, hint="Default: the channel's name."
            )
        )
    blocks += _schedule_and_content(form, topics)
    blocks.insert(
        _after(blocks, ids.block_id("time")),
        input_block(ids.block_id("timezone"), "Time zone", _timezone_menu(form.timezone, timezones)),
    )
    title = "Edit channel digest" if editing is not None else "New channel digest"
    return _modal(
        title, ids.CHANNEL_DIGEST_CALLBACK, ModalMetadata("channel", editing, editing is not None), blocks
    )


def personal_digest_modal(
    form: DigestForm, *, topics: Sequence[TopicCount], editing: bool, timezone_label: str = ""
) -> dict[str, Any]:
    """The personal DM digest modal; the time is in the user's own time zone (``timezone_label``)."""
    zone = f" ({timezone_label})" if timezone_label else ""
    blocks: list[bk.Block] = [
        bk.context(
            [f"Your digest arrives as a direct message from newsbot at your local time{_escaped(zone)}."]
        ),
        *_schedule_and_content(form, topics),
    ]
    title = "Edit your digest" if editing else "Your daily digest"
    return _modal(title, ids.PERSONAL_DIGEST_CALLBACK, ModalMetadata("personal", None, editing), blocks)


def answer_modal(topic: str, payload: dict[str, Any]) -> dict[str, Any]:
    """A rendered `/news TOPIC` answer (``render_query``'s chat.postMessage payload) as a modal,
    for the Home tab's topic buttons. Read-only: no submit; buttons of the message are left out
    (they act on a channel, and a modal has none)."""
    blocks = [b for b in payload.get("blocks", []) if b.get("type") != "actions"]
    return {
        "type": "modal",
        "callback_id": ids.ANSWER_CALLBACK,
        "title": bk.plain(clip(one_line(topic), MAX_VIEW_TITLE) or "News"),
        "close": bk.plain("Close"),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
    }


def external_options(
    action: str, query: str, *, topics: Sequence[TopicCount], timezones: Sequence[str]
) -> dict[str, Any]:
    """The answer to a block_suggestion for ``action``: at most 100 options containing ``query``."""
    needle = query.strip().casefold()
    if action == ids.TOPICS_ACTION:
        found = [counted_option(name, count) for name, count in topics if needle in name.casefold()]
    elif action == ids.TIMEZONE_ACTION:
        found = [option(zone, zone) for zone in timezones if needle.replace(" ", "_") in zone.casefold()]
    else:
        found = []
    return {"options": found[:MAX_SELECT_OPTIONS]}


def _schedule_and_content(form: DigestForm, topics: Sequence[TopicCount]) -> list[bk.Block]:
    days: Element = {
        "type": "checkboxes",
        "action_id": ids.action_id("days"),
        "options": [option(label, value) for label, value in zip(_DAY_LABELS, DAY_VALUES, strict=True)],
    }
    chosen = [option(_DAY_LABELS[d], DAY_VALUES[d]) for d in sorted(form.days)]
    if chosen:
        days["initial_options"] = chosen
    max_items = number_input(
        ids.action_id("max_items"),
        initial=form.max_items,
        minimum=MAX_ITEMS[0],
        maximum=MAX_ITEMS[1],
        decimal=False,
    )
    quality = number_input(
        ids.action_id("min_quality"), initial=form.min_quality, minimum=0, maximum=None, decimal=True
    )
    return [
        input_block(ids.block_id("topics"), "Topics", _topic_menu(form.topics, topics)),
        input_block(
            ids.block_id("time"),
            "Time",
            {"type": "timepicker", "action_id": ids.action_id("time"), "initial_time": form.time},
        ),
        input_block(ids.block_id("days"), "Days", days),
        input_block(ids.block_id("max_items"), "Stories at most", max_items),
        input_block(ids.block_id("min_quality"), "Minimum quality", quality, hint="0 keeps every story."),
        _list_input("include", "Must contain one of", form.include, "e.g. OpenAI, robotics"),
        _list_input("exclude", "Leave out stories with", form.exclude, "e.g. crypto, layoffs"),
        input_block(
            ids.block_id("exclude_outlets"),
            "Leave out outlets",
            plain_text_input(
                ids.action_id("exclude_outlets"),
                initial=", ".join(form.exclude_outlets),
                hint_text="e.g. Forbes, example.com",
                max_length=2000,
            ),
            optional=True,
            hint="Outlet names or domains, comma-separated.",
        ),
    ]


def _list_input(key: str, label: str, values: tuple[str, ...], example: str) -> bk.Block:
    element = plain_text_input(
        ids.action_id(key), initial=", ".join(values), hint_text=example, max_length=2000
    )
    return input_block(ids.block_id(key), label, element, optional=True, hint=_LIST_HINT)


def _topic_menu(chosen: tuple[str, ...], topics: Sequence[TopicCount]) -> Element:
    """Static while the topics (with chosen ones absent from today's articles, count 0) fit one menu."""
    counts = dict(topics)
    menu_topics = [*topics, *((name, 0) for name in chosen if name not in counts)]
    initial = [counted_option(name, counts.get(name, 0)) for name in chosen]
    menu: Element = {"action_id": ids.TOPICS_ACTION, "placeholder": placeholder("Type or pick topics")}
    if len(menu_topics) > MAX_SELECT_OPTIONS:
        menu.update(type="multi_external_select", min_query_length=0)
    else:
        menu.update(type="multi_static_select", options=[counted_option(n, c) for n, c in menu_topics])
    if initial:
        menu["initial_options"] = initial
    return menu


def _timezone_menu(default: str, timezones: Sequence[str]) -> Element:
    menu: Element = {"action_id": ids.TIMEZONE_ACTION, "initial_option": option(default, default)}
    if len(timezones) > MAX_SELECT_OPTIONS or default not in timezones:
        menu.update(
            type="external_select", min_query_length=2, placeholder=placeholder("Type a city, e.g. Berlin")
        )
    else:
        menu.update(type="static_select", options=[option(zone, zone) for zone in timezones])
    return menu


def _after(blocks: list[bk.Block], block_id: str) -> int:
    return next(i + 1 for i, b in enumerate(blocks) if b.get("block_id") == block_id)


def _modal(title: str, callback: str, metadata: ModalMetadata, blocks: list[bk.Block]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": bk.plain(title),
        "submit": bk.plain("Save"),
        "close": bk.plain("Cancel"),
        "private_metadata": metadata.encode(),
        "blocks": blocks,
    }


def _escaped(text: str) -> str:
    return escape(clip(one_line(text), 200))


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A read-only modal with one message (mrkdwn ``text`` the caller has escaped), e.g. what
    Post now did, or why a Home button could not do what it says."""
    return {
        "type": "modal",
        "callback_id": ids.NOTICE_CALLBACK,
        "title": bk.plain(clip(one_line(title), MAX_VIEW_TITLE) or "newsbot"),
        "close": bk.plain("Close"),
        "blocks": [bk.section(clip(text, 3000))],
    }
