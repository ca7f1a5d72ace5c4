"""Prometheus metrics of one newsbot process (prometheus-client), served at ``GET /metrics``.

Each process counts what it did itself; Prometheus adds the processes up. One ``Metrics`` object
per process (bot.wiring builds it) owns its own registry, so tests and benchmarks that run several
bots in one interpreter never mix their counts. Label values are small fixed sets (outcomes, Web
API method names, HTTP statuses); no team, channel or token ever becomes a label.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.posts = Counter(
            "newsbot_posts",
            "Scheduled and manual posts of a digest occurrence, by outcome",
            ["outcome"],
            registry=r,
        )
        self.slack_calls = Counter(
            "newsbot_slack_api_calls",
            "Slack Web API calls newsbot made, by method and HTTP status (0: no answer)",
            ["method", "status"],
            registry=r,
        )
        self.rate_limited = Counter(
            "newsbot_slack_rate_limited",
            "Slack Web API calls answered 429, by method",
            ["method"],
            registry=r,
        )
        self.retry_after = Counter(
            "newsbot_slack_retry_after_seconds",
            "Seconds Slack asked to wait (Retry-After) over all 429 answers",
            registry=r,
        )
        self.claims_taken_over = Counter(
            "newsbot_claims_taken_over",
            "Occurrences whose claim this process took over from an owner that died or let it expire",
            registry=r,
        )
        self.article_load_seconds = Histogram(
            "newsbot_article_load_seconds",
            "Time to (re)load the article folders",
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=r,
        )
        self.articles = Gauge("newsbot_articles", "Articles in the current snapshot", registry=r)
        self.scheduler_lag = Gauge(
            "newsbot_scheduler_lag_seconds",
            "How far the last tick ran behind the oldest due occurrence it posted (0 when none was due)",
            registry=r,
        )
        self.scheduler_lag_seconds = Histogram(
            "newsbot_post_lag_seconds",
            "Delay from an occurrence's due time to its post, per posted occurrence",
            buckets=(1, 5, 15, 30, 60, 120, 300, 900, 3600),
            registry=r,
        )

    def render(self) -> bytes:
        """The text exposition format (``CONTENT_TYPE_LATEST``)."""
        return generate_latest(self.registry)
