"""Every callback_id, block_id and action_id of newsbot's views, in one place.

Naming: ``<surface>.<subject>.<verb>``, lower case, dot-separated — ``home.digest.edit``,
``home.personal.off``, ``modal.channel_digest``. Listeners register on these constants only.

- A Home button that acts on one channel digest carries the digest's name in ``value``. Its
  action_id is the constant plus ``#<row>`` (``home.digest.edit#3``) because check_view requires
  action_ids unique in the whole view; listeners match with ``action_pattern(HOME_DIGEST_EDIT)``
  and read the name from ``value``, never from the suffix.
- A topic button (``home.topic#<n>``) carries the topic name in ``value``.
- Personal-digest buttons act on the clicking user's own digest; their ``value`` is empty.
- Modal inputs: ``block_id`` is ``digest.<key>`` and ``action_id`` ``digest.<key>.input``, where
  ``<key>`` is the grammar key (topics, time, timezone, days, max_items, min_quality, exclude,
  exclude_outlets, include) or ``channel`` / ``name``, so a validation error on a key maps to the
  block to show it under (``response_action: errors``).
- The external menus (topics with more than 100 names, time zones) ask the ``options`` listener
  with the action_ids ``digest.topics.input`` and ``digest.timezone.input``.
"""

from __future__ import annotations

import re

HOME_CALLBACK = "home"
HOME_PERSONAL_NEW = "home.personal.new"
HOME_PERSONAL_EDIT = "home.personal.edit"
HOME_PERSONAL_OFF = "home.personal.off"
HOME_PERSONAL_ON = "home.personal.on"
HOME_TOPIC = "home.topic"
HOME_DIGEST_NEW = "home.digest.new"
HOME_DIGEST_EDIT = "home.digest.edit"
HOME_DIGEST_PREVIEW = "home.digest.preview"
HOME_DIGEST_POST = "home.digest.post"
HOME_DIGEST_PAUSE = "home.digest.pause"
HOME_DIGEST_RESUME = "home.digest.resume"
HOME_DIGEST_DELETE = "home.digest.delete"

CHANNEL_DIGEST_CALLBACK = "modal.channel_digest"
PERSONAL_DIGEST_CALLBACK = "modal.personal_digest"
ANSWER_CALLBACK = "modal.answer"
NOTICE_CALLBACK = "modal.notice"

# The fields of the digest modals, named like the grammar's keys.
FIELDS = (
    "name",
    "channel",
    "topics",
    "time",
    "timezone",
    "days",
    "max_items",
    "min_quality",
    "include",
    "exclude",
    "exclude_outlets",
)


def block_id(key: str) -> str:
    """The block of a modal field (where ``response_action: errors`` shows its message)."""
    if key not in FIELDS:
        raise ValueError(f"unknown modal field {key!r}")
    return f"digest.{key}"


def action_id(key: str) -> str:
    return f"{block_id(key)}.input"


TOPICS_ACTION = action_id("topics")
TIMEZONE_ACTION = action_id("timezone")


def row_action(base: str, row: int) -> str:
    """``base`` made unique for one row of the Home view."""
    return f"{base}#{row}"


def action_pattern(base: str) -> re.Pattern[str]:
    """Matches ``base`` and every row form of it, for ``app.action(...)``."""
    return re.compile(rf"^{re.escape(base)}(?:#\d+)?$")
