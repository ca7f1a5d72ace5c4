"""`/news-admin`: configure channel digests. Admin checks happen in ``admin_guard``, nowhere else."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond

if TYPE_CHECKING:
    from bot.wiring import Services


def register(app: App, services: Services) -> None:
    def admin(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        respond({"response_type": "ephemeral", "text": "`/news-admin` is not available yet."})

    app.command("/news-admin", middleware=[services.guard.middleware])(admin)
