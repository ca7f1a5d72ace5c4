"""bot.channel_refs: every form of channel reference parsed and shown in one place."""

from __future__ import annotations

import pytest

from bot.channel_refs import (
    ChannelRef,
    is_channel_id,
    is_conversation_id,
    is_dm_id,
    is_typed_channel_id,
    label,
    parse_link,
    parse_target,
    plain,
    stored_ref,
)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("<#C0123|ai-news>", ChannelRef("C0123", "ai-news")),
        ("<#G0123>", ChannelRef("G0123", None)),
        ("#general", ChannelRef(None, "general")),
        ("general", ChannelRef(None, "general")),
        ("C0123", ChannelRef("C0123", None)),
        ("  <#C1>  ", ChannelRef("C1", None)),
    ],
)
def test_targets(text: str, ref: ChannelRef) -> None:
    assert parse_target(text) == ref


def test_links_to_direct_messages_and_malformed_links_are_not_channels() -> None:
    assert parse_link("<#D0123|dm>") is None
    assert parse_link("<#C0123|a<b>") is None
    assert parse_link("<#c0123>") is None


def test_id_kinds() -> None:
    assert is_channel_id("C0123") and is_channel_id("G9") and not is_channel_id("D0123")
    assert is_dm_id("D0123") and is_conversation_id("D0123") and not is_conversation_id("U0123")
    assert not is_channel_id("general") and not is_channel_id("C01-23")
    # Typed bare, an ID needs a digit and five characters: "CEOS" is a (shouted) name.
    assert is_typed_channel_id("C024BE91L") and not is_typed_channel_id("CEOS")
    assert not is_typed_channel_id("C12")


def test_display() -> None:
    assert stored_ref("#ai-news") == ChannelRef(None, "ai-news")
    assert label("C0123") == "<#C0123>"
    assert label("#a<b>") == "#a&lt;b&gt;"  # a name is escaped for mrkdwn
    assert plain("C0123") == "C0123" and plain("ai-news") == "#ai-news" and plain("#x") == "#x"
    assert str(ChannelRef("C1", "x")) == "<#C1>" and str(ChannelRef(None, "x")) == "#x"
