"""The ``options`` listener: the external menus of the digest modals (topics when there are more
than 100, time zones) ask it for the options matching what the user typed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt import Ack, App

from bot.views import ids
from bot.views.data import TopicCount
from bot.views.modals import external_options


def register(
    app: App, *, topics: Callable[[], Sequence[TopicCount]], timezones: Callable[[], Sequence[str]]
) -> None:
    def suggest(ack: Ack, body: dict[str, Any]) -> None:
        answer = external_options(
            str(body.get("action_id") or ""),
            str(body.get("value") or ""),
            topics=topics(),
            timezones=timezones(),
        )
        ack(options=answer["options"])

    app.options(ids.TOPICS_ACTION)(suggest)
    app.options(ids.TIMEZONE_ACTION)(suggest)
