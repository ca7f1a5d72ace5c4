"""The App Home tab (``views.publish``): the user's digest, topic look-ups, and the admin part.

The admin part is present only when ``HomeData.admin`` is given: the caller decides who is an
admin (the same rule as `/news-admin`). When the digests do not fit Slack's 100 blocks, the last
ones are left out and a line says how many, pointing to `/news-admin list`.
"""

from __future__ import annotations

from typing import Any

from bot.channel_refs import is_channel_id
from bot.compose import blocks as bk
from bot.compose.mrkdwn import clip, escape, one_line, slack_date
from bot.compose.slack_limits import MAX_VIEW_BLOCKS
from bot.views import ids
from bot.views.data import DigestRow, HomeData, PersonalDigestView, TopicCount
from bot.views.elements import actions, button, confirm

MAX_HOME_TOPICS = 20  # topic buttons; the rest are a `/news TOPIC` away
_NAME_SHOWN = 100
_LIST_SHOWN = 600


def home_view(data: HomeData) -> dict[str, Any]:
    """The ``view`` for views.publish."""
    blocks: list[bk.Block] = [*_personal_blocks(data.personal), bk.divider(), *_topic_blocks(data.topics)]
    if data.admin is not None:
        blocks += _admin_blocks(data.admin.digests, budget=MAX_VIEW_BLOCKS - len(blocks))
    return {"type": "home", "callback_id": ids.HOME_CALLBACK, "blocks": blocks}


def _personal_blocks(personal: PersonalDigestView | None) -> list[bk.Block]:
    head = bk.header("Your digest")
    if personal is None:
        offer = button("Get a daily digest in DM", ids.HOME_PERSONAL_NEW, style="primary")
        text = "Follow a few topics and get their top stories in a direct message, once a day."
        return [head, bk.section(text, accessory=offer)]
    lines = [
        f"*Topics:* {_list(personal.topics)}",
        f"*When:* {escape(one_line(personal.schedule))}",
        f"*Stories:* up to {personal.max_items}",
    ]
    if personal.filters:
        lines.append(f"*Filters:* {escape(clip(one_line(personal.filters), _LIST_SHOWN))}")
    lines.append(
        "*Status:* on" if personal.enabled else "*Status:* off — nothing is sent until you turn it on"
    )
    toggle = (
        button("Turn off", ids.HOME_PERSONAL_OFF)
        if personal.enabled
        else button("Turn on", ids.HOME_PERSONAL_ON, style="primary")
    )
    edit = button("Edit", ids.HOME_PERSONAL_EDIT, style="primary" if personal.enabled else None)
    return [head, bk.section("\n".join(lines)), actions([edit, toggle], block_id="home.personal")]


def _topic_blocks(topics: tuple[TopicCount, ...]) -> list[bk.Block]:
    head = bk.header("Look up a topic")
    if not topics:
        return [head, bk.context(["No stories are loaded yet."])]
    shown = topics[:MAX_HOME_TOPICS]
    buttons = [
        button(f"{name} ({count})", ids.row_action(ids.HOME_TOPIC, i), name)
        for i, (name, count) in enumerate(shown)
    ]
    more = f" — {len(topics) - len(shown)} more topics" if len(topics) > len(shown) else ""
    hint = f"Or type `/news TOPIC` anywhere{more}."
    return [head, actions(buttons, block_id="home.topics"), bk.context([hint])]


def _admin_blocks(digests: tuple[DigestRow, ...], *, budget: int) -> list[bk.Block]:
    new = button("New channel digest", ids.HOME_DIGEST_NEW, style="primary")
    blocks: list[bk.Block] = [
        bk.divider(),
        bk.header("Channel digests"),
        actions([new], block_id="home.digests"),
    ]
    if not digests:
        return [*blocks, bk.context(["No channel digests yet."])]
    rows = [_digest_blocks(row, i) for i, row in enumerate(digests)]
    budget -= len(blocks)
    if sum(map(len, rows)) <= budget:
        return blocks + [b for row in rows for b in row]
    shown = 0
    for row in rows:
        if len(row) > budget - 1:  # keep one block for the "and N more" line
            break
        blocks += row
        budget -= len(row)
        shown += 1
    more = len(digests) - shown
    return [*blocks, bk.context([f"…and {more} more — `/news-admin list` shows them all."])]


def _digest_blocks(row: DigestRow, i: int) -> list[bk.Block]:
    status = "" if row.enabled else "  _(paused)_"
    lines = [
        f"*{escape(clip(one_line(row.name), _NAME_SHOWN))}* → {_channel(row.channel)}{status}",
        f"*Topics:* {_list(row.topics)}",
        f"*Schedule:* {escape(one_line(row.schedule))}",
        f"*Source:* {_source(row)}",
        f"*Last post:* {slack_date(row.last_post) if row.last_post else 'never'}"
        f"   *Next post:* {slack_date(row.next_post) if row.next_post and row.enabled else '—'}",
    ]
    section = bk.section("\n".join(lines), block_id=f"home.digest#{i}")
    value = row.name
    shown = "its channel" if is_channel_id(row.channel) else f"#{row.channel}"
    buttons = [
        button("Preview", ids.row_action(ids.HOME_DIGEST_PREVIEW, i), value),
        button(
            "Post now",
            ids.row_action(ids.HOME_DIGEST_POST, i),
            value,
            confirm=confirm("Post now?", f"Posts what {shown} has not seen yet, now.", "Post"),
        ),
    ]
    if not row.editable:
        where = f"Defined in `{escape(row.origin)}`" if row.origin else "Defined in a file"
        note = bk.context([f"{where}: read-only here — change the file to change it."])
        return [section, actions(buttons, block_id=f"home.digest.actions#{i}"), note]
    toggle = (
        button("Pause", ids.row_action(ids.HOME_DIGEST_PAUSE, i), value)
        if row.enabled
        else button("Resume", ids.row_action(ids.HOME_DIGEST_RESUME, i), value)
    )
    delete = button(
        "Delete",
        ids.row_action(ids.HOME_DIGEST_DELETE, i),
        value,
        style="danger",
        confirm=confirm("Delete this digest?", f"{clip(row.name, 80)} stops posting for good.", "Delete"),
    )
    edit = button("Edit", ids.row_action(ids.HOME_DIGEST_EDIT, i), value, style="primary")
    return [section, actions([edit, *buttons, toggle, delete], block_id=f"home.digest.actions#{i}")]


def _channel(channel: str) -> str:
    return f"<#{channel}>" if is_channel_id(channel) else f"#{escape(one_line(channel))}"


def _source(row: DigestRow) -> str:
    if row.source == "file":
        return f"file `{escape(row.origin)}`" if row.origin else "file"
    return "Slack (`/news-admin` or the Home tab)"


def _list(items: tuple[str, ...]) -> str:
    return escape(clip(", ".join(one_line(t) for t in items), _LIST_SHOWN)) if items else "all topics"
