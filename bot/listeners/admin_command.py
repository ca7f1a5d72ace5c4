"""`/news-admin`: parse with the grammar, call the AdminService, answer ephemerally.

Who may change what is decided in ``admin_guard`` (a middleware on this command), nowhere else.
Every failure the person can fix comes back as an ephemeral message naming the problem and the form.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

from bot.admin.grammar import ADMIN_USAGE, AdminCommand, parse_admin_command
from bot.compose.mrkdwn import escape
from bot.digests.spec import ALL_DAYS, WEEKDAYS, DigestSpec
from bot.errors import NewsbotError, QueryError

if TYPE_CHECKING:
    from bot.services.admin import PostNowResult, SubscribeResult
    from bot.wiring import Services

# A single-workspace install keeps every record under the default workspace key, so digests from
# files and from Slack live side by side; a multi-workspace install would pass the request's team_id.
WORKSPACE = ""
MAX_PREVIEWS = 4  # a response_url takes five messages; the fifth names the digests not shown
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Slack's placeholders for conversations that have no channel name.
_NAMELESS = frozenset({"directmessage", "privategroup", "mpdm"})
# The one control sequence an error reply keeps: a channel link (ours, or the person's own channel
# argument; both harmless). Whatever else the person typed and an error echoes back (<!channel>,
# <@U0123>, <https://…|…>) must show as text.
_CHANNEL_LINK = re.compile(r"<#[CG][A-Z0-9]+(?:\|[^<>]*)?>")
_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")

log = logging.getLogger(__name__)


def ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}


def inert(text: str) -> str:
    """``text`` with every ``<`` and ``>`` outside channel links escaped. ``&`` stays: what Slack sent
    escaped (``&lt;``) is shown as typed, not as ``&amp;lt;``."""
    parts: list[str] = []
    start = 0
    for link in _CHANNEL_LINK.finditer(text):
        parts += [_angles(text[start : link.start()]), link.group()]
        start = link.end()
    return "".join([*parts, _angles(text[start:])])


def with_mentions(text: str) -> str:
    """``text`` escaped, except mentions of Slack user IDs (who created a digest), which stay links."""
    return _ESCAPED_MENTION.sub(r"<@\1>", escape(text))


def _angles(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def channel_label(channel: str) -> str:
    bare = channel.removeprefix("#")
    if bare[:1] in ("C", "G") and bare.isupper() and bare.isalnum():
        return f"<#{bare}>"
    return f"#{escape(bare)}"


def days_label(days: frozenset[int]) -> str:
    if days == ALL_DAYS:
        return "daily"
    if days == WEEKDAYS:
        return "weekdays"
    return ",".join(_DAY_NAMES[d] for d in sorted(days))


def describe(spec: DigestSpec) -> str:
    topics = ", ".join(escape(t) for t in spec.topics) or "all topics"
    return (
        f"*{escape(spec.name)}* → {channel_label(spec.channel)} · {spec.time:%H:%M} {escape(spec.timezone)} "
        f"· {days_label(spec.days)} · {topics} · up to {spec.max_items} stories"
        + (f" · min quality {spec.min_quality:g}" if spec.min_quality else "")
        + "".join(
            f" · {label} {', '.join(escape(w) for w in words)}"
            for label, words in (
                ("with any of", spec.include),
                ("without", spec.exclude),
                ("not from", spec.exclude_outlets),
            )
            if words
        )
    )


def subscribed_text(result: SubscribeResult) -> str:
    spec = result.spec
    if result.created:
        head = f"Subscribed: {describe(spec)}."
    elif result.changes:
        changed = "; ".join(
            f"{escape(k)}: {_changed(k, v[0])} → {_changed(k, v[1])}" for k, v in result.changes.items()
        )
        head = f"Updated *{escape(spec.name)}* ({changed}).\nNow: {describe(spec)}."
    else:
        head = f"No change: {describe(spec)}."
    if result.joined:
        head += f"\nI joined {channel_label(spec.channel)} to post there."
    for warning in result.warnings:
        head += f"\n:information_source: {escape(warning)}"
    return head


def posted_text(result: PostNowResult) -> str:
    outcome, name = result.outcome, f"*{escape(result.spec.name)}*"
    where = channel_label(result.spec.channel)
    messages = {
        "posted": f"Posted {name} to {where}.",
        "already": f"{name} was already posted to {where} just now.",
        "empty": f"Nothing new to post for {name}: no matching story that {where} has not seen yet.",
        "busy": f"{name} is being posted right now by another worker.",
        "deferred": f"Slack asked me to wait; {name} will be retried shortly.",
        "disabled": f"{name} is disabled: {escape(outcome.detail)}.",
        "paused": f"Posting is paused ({escape(outcome.detail)}); check the bot's token.",
    }
    return messages.get(outcome.status, f"{name}: {escape(outcome.status)} {escape(outcome.detail)}")


def _changed(key: str, value: Any) -> str:
    """An old or new value in an "Updated" line, written as the person would type it."""
    if key == "days" and isinstance(value, list | tuple):
        return f"`{days_label(frozenset(int(d) for d in value))}`"
    if key == "topics" and not value:
        return "`all topics`"
    if key in ("include", "exclude", "exclude_outlets") and not value:
        return "`none`"
    if key == "channel" and isinstance(value, str):
        return channel_label(value)
    if isinstance(value, float):
        return f"`{value:g}`"
    return _short(value)


def _short(value: Any) -> str:
    text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return f"`{escape(text[:80])}`"


def register(app: App, services: Services) -> None:
    def admin(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        user_id = str(command.get("user_id") or "")
        channel_id = str(command.get("channel_id") or "")
        channel_name = str(command.get("channel_name") or "") or None
        if channel_name in _NAMELESS:
            channel_name = None
        try:
            cmd = parse_admin_command(str(command.get("text") or ""))
            for message in _run(services, cmd, user_id, channel_id, channel_name):
                respond(message)
        except QueryError as err:
            respond(ephemeral(f":warning: {inert(str(err))}"))
        except NewsbotError as err:
            log.error("/news-admin failed: %s", err)
            respond(ephemeral(f":warning: That did not work: {inert(str(err))}"))

    app.command("/news-admin", middleware=[services.guard.middleware])(admin)


def _run(
    services: Services, cmd: AdminCommand, user_id: str, channel_id: str, channel_name: str | None
) -> list[dict[str, Any]]:
    admin, now = services.admin, services.clock()
    if cmd.action == "help":
        return [ephemeral(ADMIN_USAGE)]
    if cmd.action == "list":
        listings = admin.list_digests(WORKSPACE)
        if not listings:
            return [
                ephemeral("No digests yet. Create one with `/news-admin subscribe` (see `/news-admin help`).")
            ]
        lines = [
            f"• {describe(item.spec)} · _{with_mentions(item.source)}_"
            + ("" if item.spec.enabled else " · *disabled*")
            for item in listings
        ]
        return [ephemeral("*Digests*\n" + "\n".join(lines))]
    if cmd.action == "subscribe":
        result = admin.subscribe(WORKSPACE, user_id, channel_id, channel_name, cmd, now)
        return [ephemeral(subscribed_text(result))]
    if cmd.action == "unsubscribe":
        spec = admin.unsubscribe(WORKSPACE, user_id, channel_id, channel_name, cmd, now)
        return [
            ephemeral(
                f"Unsubscribed: *{escape(spec.name)}* no longer posts to {channel_label(spec.channel)}."
            )
        ]
    if cmd.action == "preview":
        previews = admin.preview(WORKSPACE, channel_id, channel_name, cmd, now)
        shown = [
            {**dict(p.payload), "response_type": "ephemeral", "replace_original": False}
            for p in previews[:MAX_PREVIEWS]
        ]
        rest = [p.spec.name for p in previews[MAX_PREVIEWS:]]
        if rest:
            names = ", ".join(f"*{escape(name)}*" for name in rest)
            shown.append(
                ephemeral(
                    f"…and {len(rest)} more: {names}. Preview one with `/news-admin preview name=NAME`."
                )
            )
        return shown
    if cmd.action == "post":
        results = admin.post(WORKSPACE, channel_id, channel_name, cmd, now)
        return [ephemeral("\n".join(posted_text(r) for r in results))]
    raise QueryError(f"Unknown command {cmd.action!r}. See `/news-admin help`.")
