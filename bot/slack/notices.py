"""Messages newsbot sends people on its own (direct messages), worded from the facts they report."""

from __future__ import annotations

from bot import channel_refs
from bot.compose.mrkdwn import escape
from bot.digests.spec import DigestSpec


def channel_gone_notice(spec: DigestSpec, code: str) -> str:
    why = {
        "is_archived": "the channel is archived",
        "not_in_channel": "I am not a member of the channel any more",
        "channel_not_found": "I cannot see the channel (deleted, or private and I was removed)",
    }.get(code, f"Slack answered `{code}`")
    # The name is whatever an admin typed: escaped, and quoted when the command needs it.
    name = escape(spec.name)
    arg = f'"{name}"' if any(c.isspace() for c in spec.name) else name
    where = channel_refs.label(spec.channel)
    return (
        f"I stopped posting the *{name}* digest to {where}: {why}. "
        f"Invite me back with `/invite @newsbot` (or unarchive the channel), then run "
        f"`/news-admin subscribe {where} name={arg}` to turn it on again."
    )
