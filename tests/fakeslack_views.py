"""The views part of FakeSlack: views.publish, views.open, views.update, views.push.

Every view is checked with ``check_view`` (the limits newsbot's own views must meet); a view that
fails is refused as Slack refuses it, ``ok: false, error: invalid_arguments`` with the findings in
``response_metadata.messages``, and nothing is recorded. Published Home views are kept per user;
modals per user as a stack (views.open starts one, views.push adds, views.update replaces).

Trigger IDs: ``mint_trigger(user)`` returns one tied to a user, usable once (a second use answers
``exchanged_trigger_id``). Any other non-empty trigger ID is accepted and its modal recorded
under user "" (signed test payloads use a fixed one).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from bot.compose.block_checks import check_view

MAX_MODAL_STACK = 3  # Slack keeps at most three views in a modal


@dataclass(slots=True)
class ViewRecord:
    id: str
    user: str
    view: dict[str, Any]
    hash: str


@dataclass(slots=True)
class Views:
    team_id: str
    bot_id: str
    homes: dict[str, ViewRecord] = field(default_factory=dict)
    stacks: dict[str, list[ViewRecord]] = field(default_factory=dict)
    opened: list[ViewRecord] = field(default_factory=list)  # every modal opened or pushed, in order
    triggers: dict[str, str] = field(default_factory=dict)
    used_triggers: set[str] = field(default_factory=set)
    departed: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def mint_trigger(self, user: str) -> str:
        number = next(self._ids)
        trigger = f"{number}.{number * 7919}.trigger"
        self.triggers[trigger] = user
        return trigger

    # --- methods ------------------------------------------------------------------------------
    def views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user = str(params.get("user_id") or "")
        view, problem = _view(params)
        if problem:
            return problem
        if not user:
            return _invalid(["[ERROR] missing required field: user_id"])
        if user in self.departed:
            return {"ok": False, "error": "user_not_found"}
        if view.get("type") != "home":
            return _invalid(["[ERROR] views.publish needs a view of type home"])
        old = self.homes.get(user)
        if params.get("hash") and old is not None and params["hash"] != old.hash:
            return {"ok": False, "error": "hash_conflict"}
        record = self._record(user, view, old.id if old else None)
        self.homes[user] = record
        return {"ok": True, "view": self._answer(record)}

    def views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open(params, push=False)

    def views_push(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._open(params, push=True)

    def views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view, problem = _view(params)
        if problem:
            return problem
        view_id, external = params.get("view_id"), params.get("external_id")
        if not view_id and not external:
            return _invalid(["[ERROR] either view_id or external_id is required"])
        for records in [*self.stacks.values(), *([h] for h in self.homes.values())]:
            for i, old in enumerate(records):
                if old.id != view_id and (not external or old.view.get("external_id") != external):
                    continue
                if params.get("hash") and params["hash"] != old.hash:
                    return {"ok": False, "error": "hash_conflict"}
                if view.get("type") != old.view.get("type"):
                    return _invalid(["[ERROR] a view cannot change its type"])
                record = self._record(old.user, view, old.id)
                records[i] = record
                if old.view.get("type") == "home":
                    self.homes[old.user] = record
                return {"ok": True, "view": self._answer(record)}
        return {"ok": False, "error": "not_found"}

    # --- helpers ------------------------------------------------------------------------------
    def _open(self, params: dict[str, Any], *, push: bool) -> dict[str, Any]:
        """views.open starts a new modal stack; views.push adds to the user's open one."""
        view, problem = _view(params, modal=True)
        if problem:
            return problem
        user, problem = self._trigger_user(params)
        if problem:
            return problem
        stack = self.stacks.get(user) or []
        if push and not stack:
            return {"ok": False, "error": "not_found"}
        if push and len(stack) >= MAX_MODAL_STACK:
            return {"ok": False, "error": "push_limit_reached"}
        record = self._record(user, view, None)
        self.stacks[user] = [*stack, record] if push else [record]
        self.opened.append(record)
        return {"ok": True, "view": self._answer(record)}

    def _trigger_user(self, params: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        trigger = str(params.get("trigger_id") or "")
        if not trigger:
            return "", {"ok": False, "error": "invalid_trigger_id"}
        if trigger in self.used_triggers:
            return "", {"ok": False, "error": "exchanged_trigger_id"}
        if trigger in self.triggers:
            self.used_triggers.add(trigger)
        return self.triggers.get(trigger, ""), None

    def _record(self, user: str, view: dict[str, Any], view_id: str | None) -> ViewRecord:
        number = next(self._ids)
        return ViewRecord(view_id or f"V{number:09d}", user, view, f"{number}.hash")

    def _answer(self, record: ViewRecord) -> dict[str, Any]:
        return {
            **record.view,
            "id": record.id,
            "team_id": self.team_id,
            "bot_id": self.bot_id,
            "hash": record.hash,
            "state": {"values": {}},
            "private_metadata": record.view.get("private_metadata", ""),
            "callback_id": record.view.get("callback_id", ""),
        }


def _view(params: dict[str, Any], *, modal: bool = False) -> tuple[dict[str, Any], dict[str, Any] | None]:
    raw = params.get("view")
    try:
        view = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        view = None
    if not isinstance(view, dict):
        return {}, _invalid(["[ERROR] missing required field: view"])
    findings = check_view(view)
    if modal and view.get("type") != "modal":
        findings.append("type: this method needs a modal")
    if findings:
        return {}, _invalid([f"[ERROR] {f}" for f in findings])
    return view, None


def _invalid(messages: list[str]) -> dict[str, Any]:
    return {"ok": False, "error": "invalid_arguments", "response_metadata": {"messages": messages}}
