"""Opening the digest modals (``views.open``): shared by the Home buttons and `/news-admin subscribe`
with no arguments. The services fill the forms; bot/views builds them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.compose.mrkdwn import escape
from bot.digests.spec import DigestSpec
from bot.views.data import DigestForm, TopicCount
from bot.views.modals import channel_digest_modal, notice_modal, personal_digest_modal

log = logging.getLogger(__name__)


class Forms(Protocol):
    """What the modals are filled from (bot.services.home.HomeService)."""

    def topics(self) -> tuple[TopicCount, ...]: ...

    def personal_form(self, team_id: str, user_id: str, now: datetime) -> tuple[DigestForm, bool, str]: ...


class Digests(Protocol):
    """The channel digest to edit (bot.services.subscriptions.SubscriptionService.get)."""

    def get(self, team_id: str, name: str) -> DigestSpec: ...


class DigestModals:
    def __init__(
        self,
        forms: Forms,
        digests: Digests,
        *,
        form_of: Callable[[DigestSpec], DigestForm],
        timezones: Callable[[], Sequence[str]],
        clock: Callable[[], datetime],
    ) -> None:
        self._forms = forms
        self._digests = digests
        self._form_of = form_of
        self._timezones = timezones
        self._clock = clock

    def open_personal(self, client: WebClient, trigger_id: str, team_id: str, user_id: str) -> bool:
        form, editing, zone = self._forms.personal_form(team_id, user_id, self._clock())
        view = personal_digest_modal(form, topics=self._forms.topics(), editing=editing, timezone_label=zone)
        return open_view(client, trigger_id, view) is not None

    def open_channel(
        self,
        client: WebClient,
        trigger_id: str,
        team_id: str,
        user_id: str,
        name: str | None,
        *,
        channel: str | None = None,
    ) -> bool:
        """The channel digest modal: new (``name`` None, in the admin's time zone, posting to
        ``channel`` if given) or editing ``name``."""
        if name is None:
            _, _, zone = self._forms.personal_form(team_id, user_id, self._clock())
            form = DigestForm(timezone=zone, channel=channel)
        else:
            spec = self._digests.get(team_id, name)
            if spec.source == "file":
                where = escape(spec.origin or "a file in digests/")
                text = f"*{escape(name)}* is defined in `{where}`: change it by editing that file."
                return open_view(client, trigger_id, notice_modal("Read-only digest", text)) is not None
            form = self._form_of(spec)
        view = channel_digest_modal(
            form, topics=self._forms.topics(), timezones=self._timezones(), editing=name
        )
        return open_view(client, trigger_id, view) is not None


def open_view(client: WebClient, trigger_id: str, view: dict[str, Any]) -> str | None:
    """views.open: the view's ID; None (logged) when Slack refused (an expired trigger, a view over
    the limits)."""
    return _views_call(client.views_open, trigger_id=trigger_id, view=view)


def update_view(client: WebClient, view_id: str, view: dict[str, Any]) -> bool:
    return _views_call(client.views_update, view_id=view_id, view=view) is not None


def _views_call(method: Callable[..., Any], **kwargs: Any) -> str | None:
    try:
        response = method(**kwargs)
    except SlackApiError as err:
        log.warning("%s failed: %s", method.__name__, err.response.get("error"))
        return None
    except (SlackClientError, OSError) as err:
        log.warning("%s failed: %s", method.__name__, err)
        return None
    return str((response.get("view") or {}).get("id") or "") or None
