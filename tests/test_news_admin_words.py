"""How `/news-admin` words the subscription service's typed errors and subscribe warnings (bot.listeners)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.digests.spec import DigestSpec
from bot.errors import ChannelProblem, ChannelProblemKind, DigestProblem, DigestProblemKind
from bot.listeners.news_admin_words import (
    absent_topic_text,
    channel_problem_text,
    digest_problem_text,
    subscribed_text,
)
from bot.services.subscriptions import SubscribeResult


@pytest.mark.parametrize(
    ("kind", "channel", "code", "says"),
    [
        (ChannelProblemKind.DIRECT_MESSAGE, "", "", "Digests post to channels, not to direct messages"),
        (ChannelProblemKind.NOT_VISIBLE, "", "", "I cannot see this channel. If it is a private channel"),
        (ChannelProblemKind.NOT_VISIBLE, "#nowhere", "", "I cannot see #nowhere."),
        (ChannelProblemKind.ARCHIVED, "<#C5>", "", "<#C5> is archived; pick a channel that is in use."),
        (ChannelProblemKind.PRIVATE_NOT_MEMBER, "<#G3>", "", "<#G3> is private and I am not in it."),
        (
            ChannelProblemKind.JOIN_REFUSED,
            "<#C6>",
            "no_perm",
            "I could not join <#C6> (Slack answered no_perm)",
        ),
    ],
)
def test_every_channel_problem_is_worded(
    kind: ChannelProblemKind, channel: str, code: str, says: str
) -> None:
    text = channel_problem_text(ChannelProblem(kind, channel=channel, code=code))
    assert says in text
    if kind is not ChannelProblemKind.ARCHIVED:
        assert "/invite @newsbot" in text or "/news-admin subscribe #" in text


def test_the_error_keeps_its_fields() -> None:
    err = ChannelProblem(ChannelProblemKind.JOIN_REFUSED, channel="<#C6>", code="no_perm")
    assert (err.kind, err.channel, err.code) == (ChannelProblemKind.JOIN_REFUSED, "<#C6>", "no_perm")
    assert str(err) == "join_refused: <#C6> (no_perm)"


@pytest.mark.parametrize(
    ("problem", "says"),
    [
        (
            DigestProblem(
                DigestProblemKind.FILE_OWNED,
                action="subscribe",
                name="ai",
                origin="digests/ai.yaml",
                verb="change",
            ),
            "The digest 'ai' is defined in digests/ai.yaml, and the file wins over Slack: change it",
        ),
        (
            DigestProblem(DigestProblemKind.FILE_OWNED, action="unsubscribe", name="ai", verb="remove"),
            "defined in a file in digests/, and the file wins over Slack: remove it",
        ),
        (
            DigestProblem(DigestProblemKind.SEVERAL, action="unsubscribe", names=("a", "b")),
            "Several digests post there (a, b); say which: name=NAME. Usage: /news-admin unsubscribe",
        ),
        (
            DigestProblem(DigestProblemKind.NO_SUCH_DIGEST, action="post", name="gone"),
            "There is no digest named 'gone'; `/news-admin list` shows them all.",
        ),
        (
            DigestProblem(
                DigestProblemKind.WRONG_CHANNEL, action="post", name="ai", channel="#robots", posts_to="<#C1>"
            ),
            "The digest 'ai' posts to <#C1>, not #robots.",
        ),
        (
            DigestProblem(DigestProblemKind.NONE_IN_CHANNEL, action="preview"),
            "No digest posts to this channel. Create one with `/news-admin subscribe",
        ),
        (
            DigestProblem(DigestProblemKind.NONE_IN_CHANNEL, action="preview", channel="#robots"),
            "No digest posts to #robots.",
        ),
    ],
)
def test_every_digest_problem_is_worded(problem: DigestProblem, says: str) -> None:
    assert says in digest_problem_text(problem)


def test_a_subscribed_topic_no_article_has_is_worded_as_a_warning() -> None:
    result = SubscribeResult(
        spec=DigestSpec("ai", "C1", ("quantum", "AI in Robotics")),
        created=True,
        changes={},
        joined=False,
        absent_topics=("quantum",),
    )
    assert subscribed_text(result).endswith(
        "\n:information_source: No loaded article has the topic 'quantum' yet: "
        "the digest finds no stories on it until some arrive."
    )
    assert ":information_source:" not in subscribed_text(dataclasses.replace(result, absent_topics=()))
    assert "&lt;b&gt;" in absent_topic_text("<b>")  # the person's text shows as text
