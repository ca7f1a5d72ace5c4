"""Submissions of the digest modals (view_submission): parse, call the service, answer.

A valid form is acknowledged empty (the modal closes) and the Home tab refreshed; an invalid one
answers ``response_action: errors`` with each message under its field, and nothing is saved. Who
may submit the channel digest modal is decided in ``admin_guard.interaction_middleware``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.errors import ChannelProblem, DigestProblem, QueryError
from bot.listeners.admin_guard import interaction_user
from bot.listeners.home_tab import HomeTab
from bot.listeners.news_admin_words import channel_problem_text, digest_problem_text
from bot.services.forms import ChannelFormResult
from bot.services.personal import FormResult
from bot.views import ids
from bot.views.data import TopicCount
from bot.views.submission import DigestSubmission, errors_response, parse_submission

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 2000  # Slack shows a short message under a field


class ChannelForms(Protocol):
    """bot.services.forms.ChannelForms"""

    def submit(
        self, team_id: str, user_id: str, submission: DigestSubmission, now: datetime
    ) -> ChannelFormResult: ...


class PersonalForms(Protocol):
    """bot.services.personal.PersonalDigests"""

    def submit(
        self, team_id: str, user_id: str, topics: Sequence[str], fields: Mapping[str, str], now: datetime
    ) -> FormResult: ...


def worded(err: QueryError | str) -> str:
    """A problem as plain text for under a field (no mrkdwn there: backticks are dropped)."""
    if isinstance(err, ChannelProblem):
        text = channel_problem_text(err)
    elif isinstance(err, DigestProblem):
        text = digest_problem_text(err)
    else:
        text = str(err)
    return text.replace("`", "")[:MAX_ERROR_CHARS]


def keyed_to_blocks(errors: Mapping[str, QueryError | str], view: Mapping[str, Any]) -> dict[str, str]:
    """Each message under its field; one for a field this modal lacks goes under the topics field."""
    present = {str(b.get("block_id") or "") for b in view.get("blocks") or [] if isinstance(b, Mapping)}
    keyed: dict[str, str] = {}
    for key, err in errors.items():
        target = key if ids.block_id(key) in present else "topics"
        keyed[target] = " ".join(filter(None, [keyed.get(target), worded(err)]))
    return keyed


def register(
    app: App,
    *,
    tab: HomeTab,
    channel_forms: ChannelForms,
    personal_forms: PersonalForms,
    topics: Callable[[], Sequence[TopicCount]],
    clock: Callable[[], datetime],
    guard: Callable[..., Any],
) -> None:
    """``guard``: AdminGuard.interaction_middleware, on the channel digest modal."""

    def parse(ack: Ack, view: dict[str, Any]) -> DigestSubmission | None:
        try:
            return parse_submission(view, topic_names=[name for name, _ in topics()])
        except QueryError as err:  # stale private_metadata
            ack(**errors_response({"topics": str(err)}))
            return None

    Submit = Callable[[str, str, DigestSubmission], Mapping[str, QueryError | str]]

    def answer(submit: Submit) -> Callable[..., None]:
        """A view_submission listener: parse, ``submit`` (team, user, submission) -> problems by
        field; errors under their fields, or close the modal and redraw the Home tab."""

        def listener(
            ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
        ) -> None:
            submission = parse(ack, view)
            if submission is None:
                return
            _, user_id = interaction_user(body)
            team_id = tab.team(context)
            try:
                errors = submit(team_id, user_id, submission)
            except QueryError as err:
                errors = {"topics": err}
            if errors:
                ack(**errors_response(keyed_to_blocks(errors, view)))
                return
            ack()
            tab.publish(client, team_id, user_id)

        return listener

    def channel_digest(team_id: str, user_id: str, submission: DigestSubmission) -> Mapping[str, QueryError]:
        return channel_forms.submit(team_id, user_id, submission, clock()).errors

    def personal_digest(team_id: str, user_id: str, submission: DigestSubmission) -> Mapping[str, str]:
        fields = submission.grammar_options()
        return personal_forms.submit(team_id, user_id, submission.topics, fields, clock()).errors

    app.view(ids.CHANNEL_DIGEST_CALLBACK, middleware=[guard])(answer(channel_digest))
    app.view(ids.PERSONAL_DIGEST_CALLBACK)(answer(personal_digest))
