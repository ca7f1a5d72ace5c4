"""The channel digest modal's submission: the same rules, and the same service, as
`/news-admin subscribe`. Every problem comes back keyed by the field to show it under; nothing is
saved unless the whole form is valid and newsbot can post in the channel."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.channel_refs import ChannelRef
from bot.errors import ChannelProblem, DigestProblem, QueryError
from bot.grammar.news_admin import subscribe_from_fields
from bot.services.subscriptions import SubscribeResult, SubscriptionService
from bot.views.ids import FIELDS
from bot.views.submission import DigestSubmission

# The fields a form submits in full: one left empty goes back to its default.
FORM_FIELDS = tuple(k for k in FIELDS if k not in ("name", "channel"))


@dataclass(frozen=True, slots=True)
class ChannelFormResult:
    """The saved digest, or the problems by field key (typed errors: the listener words them)."""

    result: SubscribeResult | None
    errors: Mapping[str, QueryError]


def field_of(err: QueryError, default: str) -> str:
    """The form field an error names ("time: 'x' is not a time" → time)."""
    head = str(err).split(":", 1)[0].strip()
    return head if head in FIELDS and ":" in str(err) else default


class ChannelForms:
    def __init__(self, subscriptions: SubscriptionService) -> None:
        self._subscriptions = subscriptions

    def submit(
        self, team_id: str, user_id: str, submission: DigestSubmission, now: datetime
    ) -> ChannelFormResult:
        editing = submission.metadata.name if submission.metadata.editing else None
        if not submission.channel:
            return ChannelFormResult(None, {"channel": QueryError("Pick the channel the digest posts to.")})
        if not submission.topics:
            return ChannelFormResult(None, {"topics": QueryError("Pick at least one topic.")})
        skipped = ("topics", "name") if editing is not None else ("topics",)
        fields = {k: v for k, v in submission.grammar_options().items() if k not in skipped}
        cmd, errors = subscribe_from_fields(ChannelRef(submission.channel, None), fields)
        if cmd is None:
            return ChannelFormResult(None, {k: QueryError(v) for k, v in errors.items()})
        cmd = dataclasses.replace(cmd, topics=submission.topics, name=editing or cmd.name)
        try:
            result = self._subscriptions.subscribe(
                team_id, user_id, "", None, cmd, now, reset=FORM_FIELDS, new=editing is None
            )
        except ChannelProblem as err:
            return ChannelFormResult(None, {"channel": err})
        except DigestProblem as err:
            return ChannelFormResult(None, {"name" if editing is None else "channel": err})
        except QueryError as err:
            return ChannelFormResult(None, {field_of(err, "name" if editing is None else "topics"): err})
        return ChannelFormResult(result, {})
