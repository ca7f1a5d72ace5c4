"""`/news-admin`: parse with the grammar, call the SubscriptionService, answer ephemerally.

Who may change what is decided in ``admin_guard`` (a middleware on this command), nowhere else.
Every failure the person can fix comes back as an ephemeral message naming the problem and the form.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import channel_refs
from bot.compose.mrkdwn import escape
from bot.digests.spec import DigestSpec
from bot.digests.values import days_label
from bot.errors import (
    ChannelProblem,
    ChannelProblemKind,
    DigestProblem,
    DigestProblemKind,
    NewsbotError,
    QueryError,
)
from bot.grammar.news_admin import ADMIN_USAGE, USAGES, AdminCommand, parse_admin_command
from bot.listeners.team import TeamKeys, request_team
from bot.services.posting import PostOutcome, PostStatus
from bot.services.subscriptions import (
    DigestListing,
    FollowUp,
    PostNowResult,
    PreviewResult,
    SubscribeResult,
)

ANSWER_WAIT = 10.0  # seconds a follow-up waits for the command's own answer to go out
RESPONSE_URL_USES = 5  # Slack: a response_url takes five messages in 30 minutes
MAX_PREVIEWS = 4  # a response_url takes five messages; the fifth names the digests not shown
# The one control sequence an error reply keeps: a channel link (ours, or the person's own channel
# argument; both harmless). Whatever else the person typed and an error echoes back (<!channel>,
# <@U0123>, <https://…|…>) must show as text.
_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")

log = logging.getLogger(__name__)


class Subscriptions(Protocol):
    """What `/news-admin` needs (bot.services.subscriptions.SubscriptionService)."""

    def subscribe(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
    ) -> SubscribeResult: ...

    def unsubscribe(
        self,
        team_id: str,
        user_id: str,
        channel_id: str,
        channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
    ) -> DigestSpec: ...

    def list_digests(self, team_id: str) -> list[DigestListing]: ...

    def preview(
        self, team_id: str, channel_id: str, channel_name: str | None, cmd: AdminCommand, now: datetime
    ) -> list[PreviewResult]: ...

    def post(
        self,
        team_id: str,
        channel_id: str,
        channel_name: str | None,
        cmd: AdminCommand,
        now: datetime,
        *,
        follow_up: FollowUp | None = None,
        asked_by: str = "",
    ) -> list[PostNowResult]: ...


def ephemeral(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text}


def inert(text: str) -> str:
    """``text`` with every ``<`` and ``>`` outside channel links escaped. ``&`` stays: what Slack sent
    escaped (``&lt;``) is shown as typed, not as ``&amp;lt;``."""
    parts: list[str] = []
    start = 0
    for link in channel_refs.CHANNEL_LINK.finditer(text):
        parts += [_angles(text[start : link.start()]), link.group()]
        start = link.end()
    return "".join([*parts, _angles(text[start:])])


def with_mentions(text: str) -> str:
    """``text`` escaped, except mentions of Slack user IDs (who created a digest), which stay links."""
    return _ESCAPED_MENTION.sub(r"<@\1>", escape(text))


def _angles(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;")


def channel_label(channel: str) -> str:
    return channel_refs.label(channel)


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
    for topic in result.absent_topics:
        head += f"\n:information_source: {absent_topic_text(topic)}"
    return head


def absent_topic_text(topic: str) -> str:
    """A subscribed topic no loaded article has: kept, so the digest matches once such articles arrive."""
    return (
        f"No loaded article has the topic {escape(repr(topic))} yet: "
        "the digest finds no stories on it until some arrive."
    )


def posted_text(result: PostNowResult) -> str:
    outcome, name = result.outcome, f"*{escape(result.spec.name)}*"
    where = channel_label(result.spec.channel)
    messages = {
        PostStatus.POSTED: f"Posted {name} to {where}.",
        PostStatus.ALREADY: f"{name} was already posted to {where} just now.",
        PostStatus.EMPTY: f"Nothing new to post for {name}: no matching story that {where} has not seen yet.",
        PostStatus.BUSY: f"{name} is being posted right now by another worker.",
        PostStatus.DEFERRED: (
            f"Slack could not take {name} just now ({escape(outcome.detail)}); I am retrying "
            "and will tell you here how it went."
        ),
        PostStatus.DISABLED: f"{name} is disabled: {escape(outcome.detail)}.",
        PostStatus.PAUSED: f"Posting is paused ({escape(outcome.detail)}); check the bot's token.",
        PostStatus.FAILED: f"{name} was *not* posted to {where}: {escape(outcome.detail)}."
        + (
            " Slack may have received it without confirming: look in the channel before posting again."
            if outcome.uncertain
            else " Run `/news-admin post` again later."
        ),
    }
    if outcome.status is PostStatus.BUSY:
        messages[PostStatus.BUSY] += " I will tell you here how it went."
    return messages.get(outcome.status, f"{name}: {escape(outcome.status)} {escape(outcome.detail)}")


def follow_up_text(spec: DigestSpec, outcome: PostOutcome) -> str:
    """How a post that was deferred at first ended."""
    text = posted_text(PostNowResult(spec, outcome))
    if outcome.status is PostStatus.POSTED:
        return text.removesuffix(".") + " after Slack asked me to wait."
    return text


def channel_problem_text(err: ChannelProblem) -> str:
    """What the person reads when the service refuses a channel (nothing was saved)."""
    where = err.channel or "this channel"
    match err.kind:
        case ChannelProblemKind.DIRECT_MESSAGE:
            return (
                "Digests post to channels, not to direct messages: name the channel, e.g. "
                "`/news-admin subscribe #ai-news topics=robotics`."
            )
        case ChannelProblemKind.NOT_VISIBLE:
            return (
                f"I cannot see {where}. If it is a private channel, invite me there first "
                "(`/invite @newsbot`), then run the command again; otherwise check the channel name."
            )
        case ChannelProblemKind.ARCHIVED:
            return f"{where} is archived; pick a channel that is in use."
        case ChannelProblemKind.PRIVATE_NOT_MEMBER:
            return (
                f"{where} is private and I am not in it. Invite me with `/invite @newsbot` "
                "in that channel, then subscribe again. Nothing was saved."
            )
        case ChannelProblemKind.JOIN_REFUSED:
            return (
                f"I could not join {where} (Slack answered {err.code}). "
                "Invite me with `/invite @newsbot`, then subscribe again. Nothing was saved."
            )
    raise AssertionError(f"unknown channel problem {err.kind!r}")


def digest_problem_text(err: DigestProblem) -> str:
    """What the person reads when the request names digests that cannot be used as asked."""
    match err.kind:
        case DigestProblemKind.FILE_OWNED:
            where = err.origin or "a file in digests/"
            return (
                f"The digest {err.name!r} is defined in {where}, and the file wins over Slack: {err.verb} "
                "it by editing that file (or use another name=NAME for a Slack digest). Nothing was saved."
            )
        case DigestProblemKind.SEVERAL:
            names = ", ".join(err.names)
            return (
                f"Several digests post there ({names}); say which: name=NAME. "
                f"Usage: {USAGES.get(err.action, ADMIN_USAGE)}"
            )
        case DigestProblemKind.NO_SUCH_DIGEST:
            return f"There is no digest named {err.name!r}; `/news-admin list` shows them all."
        case DigestProblemKind.WRONG_CHANNEL:
            return f"The digest {err.name!r} posts to {err.posts_to}, not {err.channel}."
        case DigestProblemKind.NONE_IN_CHANNEL:
            return (
                f"No digest posts to {err.channel or 'this channel'}. Create one with "
                f"`{USAGES['subscribe']}`, or see them all with `/news-admin list`."
            )
    raise AssertionError(f"unknown digest problem {err.kind!r}")


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


def register(
    app: App,
    subscriptions: Subscriptions,
    clock: Callable[[], datetime],
    *,
    guard: Callable[..., Any],
    teams: TeamKeys | None = None,
    open_form: Callable[[WebClient, str, str, str, str | None], bool] | None = None,
) -> None:
    """``guard``: the Bolt listener middleware that decides who may run what (bot.listeners.admin_guard).
    ``teams``: which workspace's records a request uses (bot.listeners.team).
    ``open_form(client, trigger_id, team_id, user_id, channel_id)``: opens the channel digest modal
    (`subscribe` alone), set to the channel the command was run in when it is one."""

    def admin(
        ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
    ) -> None:
        ack()
        team_id = request_team(teams, context)
        user_id = str(command.get("user_id") or "")
        if open_form is not None and str(command.get("text") or "").strip().casefold() == "subscribe":
            here = str(command.get("channel_id") or "")
            channel = here if channel_refs.is_typed_channel_id(here) else None
            if not open_form(client, str(command.get("trigger_id") or ""), team_id, user_id, channel):
                usage = USAGES["subscribe"]
                respond(ephemeral(f"I could not open the form; type the options instead: `{usage}`"))
            return
        answered = threading.Event()  # a follow-up never overtakes the command's own answer
        follow_up = _follow_up(respond, client, user_id, answered)
        channel_id = str(command.get("channel_id") or "")
        channel_name = str(command.get("channel_name") or "") or None
        if channel_name in channel_refs.NAMELESS:
            channel_name = None
        try:
            cmd = parse_admin_command(str(command.get("text") or ""))
            for message in _run(
                subscriptions, clock(), cmd, team_id, user_id, channel_id, channel_name, follow_up
            ):
                respond(message)
            answered.set()
        except ChannelProblem as err:
            respond(ephemeral(f":warning: {inert(channel_problem_text(err))}"))
        except DigestProblem as err:
            respond(ephemeral(f":warning: {inert(digest_problem_text(err))}"))
        except QueryError as err:
            respond(ephemeral(f":warning: {inert(str(err))}"))
        except NewsbotError as err:
            log.error("/news-admin failed: %s", err)
            respond(ephemeral(f":warning: That did not work: {inert(str(err))}"))

    app.command("/news-admin", middleware=[guard])(admin)


def _follow_up(respond: Respond, client: WebClient, user_id: str, answered: threading.Event) -> FollowUp:
    """Tell the person how a deferred post ended: ephemerally at the command's response_url (it takes
    five messages in 30 minutes; the first went to the command's answer), else in a direct message."""
    lock = threading.Lock()
    uses = [1]

    def tell(spec: DigestSpec, outcome: PostOutcome) -> None:
        text = follow_up_text(spec, outcome)
        answered.wait(ANSWER_WAIT)
        with lock:
            uses[0] += 1
            fits = uses[0] <= RESPONSE_URL_USES
        if fits:
            try:
                if respond(ephemeral(text)).status_code == 200:
                    return
            except Exception as err:  # noqa: BLE001 - the direct message below is the fallback
                log.info("response_url follow-up failed: %r", err)
        try:
            client.chat_postMessage(channel=user_id, text=text)
        except Exception as err:  # noqa: BLE001 - nothing left to try; the store holds the truth
            log.warning("could not tell %s how the post of %r ended: %r", user_id, spec.name, err)

    return tell


def _run(
    admin: Subscriptions,
    now: datetime,
    cmd: AdminCommand,
    team_id: str,
    user_id: str,
    channel_id: str,
    channel_name: str | None,
    follow_up: FollowUp | None = None,
) -> list[dict[str, Any]]:
    if cmd.action == "help":
        return [ephemeral(ADMIN_USAGE)]
    if cmd.action == "list":
        listings = admin.list_digests(team_id)
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
        result = admin.subscribe(team_id, user_id, channel_id, channel_name, cmd, now)
        return [ephemeral(subscribed_text(result))]
    if cmd.action == "unsubscribe":
        spec = admin.unsubscribe(team_id, user_id, channel_id, channel_name, cmd, now)
        return [
            ephemeral(
                f"Unsubscribed: *{escape(spec.name)}* no longer posts to {channel_label(spec.channel)}."
            )
        ]
    if cmd.action == "preview":
        previews = admin.preview(team_id, channel_id, channel_name, cmd, now)
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
        results = admin.post(
            team_id, channel_id, channel_name, cmd, now, follow_up=follow_up, asked_by=user_id
        )
        return [ephemeral("\n".join(posted_text(r) for r in results))]
    raise QueryError(f"Unknown command {cmd.action!r}. See `/news-admin help`.")
