"""How `/news-admin` words the SubscriptionService's results and typed errors (mrkdwn text, no Slack calls).

The listeners (news_admin_command, home_actions, digest_submissions) and the deferred-post follow-up
in bot.commands.run all answer in these words, so a result or error reads the same wherever it shows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot import channel_refs
from bot.compose.mrkdwn import escape
from bot.digests.spec import DigestSpec
from bot.digests.values import days_label
from bot.errors import ChannelProblem, ChannelProblemKind, DigestProblem, DigestProblemKind
from bot.grammar.news_admin import ADMIN_USAGE, USAGES
from bot.services.posting import PostOutcome, PostStatus
from bot.services.subscriptions import DigestListing, PostNowResult, SubscribeResult

# The one control sequence an error reply keeps: a channel link (ours, or the person's own channel
# argument; both harmless). Whatever else the person typed and an error echoes back (<!channel>,
# <@U0123>, <https://…|…>) must show as text.
_ESCAPED_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]+)&gt;")


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


def listing_text(listings: Sequence[DigestListing]) -> str:
    """`/news-admin list`: every digest with who made it, or how to make the first."""
    if not listings:
        return "No digests yet. Create one with `/news-admin subscribe` (see `/news-admin help`)."
    lines = [
        f"• {describe(item.spec)} · _{with_mentions(item.source)}_"
        + ("" if item.spec.enabled else " · *disabled*")
        for item in listings
    ]
    return "*Digests*\n" + "\n".join(lines)


def unsubscribed_text(spec: DigestSpec) -> str:
    return f"Unsubscribed: *{escape(spec.name)}* no longer posts to {channel_label(spec.channel)}."


def more_previews_text(names: Sequence[str]) -> str:
    """The previews a response_url has no room for, named so the person can ask for one."""
    listed = ", ".join(f"*{escape(name)}*" for name in names)
    return f"…and {len(names)} more: {listed}. Preview one with `/news-admin preview name=NAME`."


def form_failed_text() -> str:
    return f"I could not open the form; type the options instead: `{USAGES['subscribe']}`"
