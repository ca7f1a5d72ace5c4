"""Reading a digest modal's ``view_submission`` into plain values, and wording its errors.

``parse_submission`` does no validation: it returns what the user entered, as the strings the
`/news-admin subscribe` grammar reads (``time`` "HH:MM", ``days`` "mon,wed", numbers as typed),
so the integration validates with the grammar's own rules and answers ``errors_response``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.views import ids
from bot.views.elements import from_value
from bot.views.modals import ModalMetadata


@dataclass(frozen=True, slots=True)
class DigestSubmission:
    """The raw field values of a submitted digest modal; None / () / "" = left empty (or absent)."""

    metadata: ModalMetadata
    name: str | None = None
    channel: str | None = None
    topics: tuple[str, ...] = ()
    time: str | None = None
    timezone: str | None = None
    days: tuple[str, ...] = ()
    max_items: str | None = None
    min_quality: str | None = None
    include: str = ""
    exclude: str = ""
    exclude_outlets: str = ""

    def grammar_options(self) -> dict[str, str]:
        """The non-empty fields as `key=value` strings of the subscribe grammar (topics joined
        with ", " — use ``topics`` itself for names that hold a comma)."""
        values = {
            "name": self.name or "",
            "topics": ", ".join(self.topics),
            "time": self.time or "",
            "timezone": self.timezone or "",
            "days": ",".join(self.days),
            "max_items": self.max_items or "",
            "min_quality": self.min_quality or "",
            "include": self.include,
            "exclude": self.exclude,
            "exclude_outlets": self.exclude_outlets,
        }
        return {key: value for key, value in values.items() if value}


def parse_submission(view: Mapping[str, Any], *, topic_names: Sequence[str] = ()) -> DigestSubmission:
    """The values of a submitted digest modal (``payload["view"]``); ``topic_names`` turns the
    digests of over-long topic names back into names. Raises QueryError on stale metadata."""
    metadata = ModalMetadata.decode(str(view.get("private_metadata") or ""))
    state = view.get("state") or {}
    values: Mapping[str, Any] = state.get("values") or {} if isinstance(state, Mapping) else {}

    def field(key: str) -> Mapping[str, Any]:
        block = values.get(ids.block_id(key))
        found = block.get(ids.action_id(key)) if isinstance(block, Mapping) else None
        return found if isinstance(found, Mapping) else {}

    def text(key: str) -> str | None:
        value = field(key).get("value")
        return value.strip() or None if isinstance(value, str) else None

    def chosen(key: str) -> tuple[str, ...]:
        options = field(key).get("selected_options") or []
        return tuple(str(o["value"]) for o in options if isinstance(o, Mapping) and "value" in o)

    zone = field("timezone").get("selected_option")
    return DigestSubmission(
        metadata=metadata,
        name=text("name"),
        channel=_str(field("channel").get("selected_conversation")),
        topics=tuple(from_value(v, topic_names) for v in chosen("topics")),
        time=_str(field("time").get("selected_time")),
        timezone=_str(zone.get("value")) if isinstance(zone, Mapping) else None,
        days=chosen("days"),
        max_items=text("max_items"),
        min_quality=text("min_quality"),
        include=text("include") or "",
        exclude=text("exclude") or "",
        exclude_outlets=text("exclude_outlets") or "",
    )


def errors_response(errors: Mapping[str, str]) -> dict[str, Any]:
    """The ack body that shows each message under its field (keys: grammar keys, e.g. "time")."""
    return {"response_action": "errors", "errors": {ids.block_id(key): msg for key, msg in errors.items()}}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
