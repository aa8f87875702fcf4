"""What /metrics exports, with the Prometheus client library: one registry per application.

An operator watches three things: how long people wait (hand-off latency, first response), whether
posts fail (send errors by platform and error class, outbox rows by status) and how hard the bot
works (webhook handling time, inbound counters, the process collector). Counters and histograms
are this process's, counted once what they count has committed (a send error when the platform
answers); the conversation and outbox gauges are read from the database at each scrape,
so every instance on one database reports the same figures (take `max`, not `sum`, across them).
Labels carry group ids, platform names and error classes: never a person or a word they wrote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

from bot.errors import PlatformError, Retry

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Seconds: a hand-off should take well under a second; a first response takes minutes.
HANDOFF_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
RESPONSE_BUCKETS = (30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0)
WEBHOOK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Inbound outcomes counted by `inbound` (a request refused, overloaded or not stored).
INBOUND_OUTCOMES = ("messages", "duplicates", "rejected", "overloaded", "failed")
CONVERSATION_STATES = ("waiting", "open")
OUTBOX_STATES = ("pending", "sent", "dead")


def error_class(error: PlatformError) -> str:
    """A send error's class for a label: a few stable values, never the platform's message."""
    if isinstance(error, Retry):
        return "retry"  # throttled, timed out, a server error: tried again later
    name = type(error).__name__
    return "token" if name == "TokenRejected" else "refused"


class Metrics:
    """The application's Prometheus metrics, in a registry of its own (tests run many apps)."""

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self._inbound = {
            outcome: Counter(f"carebot_inbound_{outcome}", _INBOUND_HELP[outcome], registry=r)
            for outcome in INBOUND_OUTCOMES
        }
        self.inbox_batches = Counter(
            "carebot_inbox_batches", "Transactions that stored inbound messages.", registry=r
        )
        self.webhook_seconds = Histogram(
            "carebot_webhook_seconds",
            "Time to handle one webhook request, from its head to the answer.",
            ["platform"],
            buckets=WEBHOOK_BUCKETS,
            registry=r,
        )
        self.handoff_seconds = Histogram(
            "carebot_handoff_seconds",
            "A staff message routed until the platform accepted the post that tells its "
            "counsellor (kind assignment: in the group, or the private copy).",
            ["group"],
            buckets=HANDOFF_BUCKETS,
            registry=r,
        )
        self.first_response_seconds = Histogram(
            "carebot_first_response_seconds",
            "A conversation opened until its counsellor's first answer (a post or /ack).",
            ["group"],
            buckets=RESPONSE_BUCKETS,
            registry=r,
        )
        self.crises = Counter(
            "carebot_crises",
            "Conversations flagged as a crisis (the leads were alerted privately).",
            ["group"],
            registry=r,
        )
        self.escalations = Counter(
            "carebot_escalations",
            "Posts to the leads that nobody answered in time or the queue is long.",
            ["group", "reason"],
            registry=r,
        )
        self.send_errors = Counter(
            "carebot_send_errors",
            "Posts a platform failed or refused, by error class (retry, refused, token).",
            ["platform", "error"],
            registry=r,
        )
        self.sent = Counter("carebot_outbox_sent", "Outbox rows delivered.", registry=r)
        self.conversations = Gauge(
            "carebot_conversations",
            "Conversations not closed, by group and state (waiting for a counsellor, open).",
            ["group", "state"],
            registry=r,
        )
        self.outbox_rows = Gauge(
            "carebot_outbox_rows", "Outbox rows by status.", ["status"], registry=r
        )

    def inbound(self, outcome: str, by: int = 1) -> None:
        self._inbound[outcome].inc(by)

    def send_error(self, platform: str, error: PlatformError) -> None:
        self.send_errors.labels(platform, error_class(error)).inc()

    def set_conversations(
        self, groups: Iterable[str], counts: Mapping[tuple[str, str], int]
    ) -> None:
        """Every configured group and state gets a sample, zero included; a removed group none."""
        self.conversations.clear()
        for group in groups:
            for state in CONVERSATION_STATES:
                self.conversations.labels(group, state).set(counts.get((group, state), 0))

    def set_outbox(self, counts: Mapping[str, int]) -> None:
        for status in OUTBOX_STATES:
            self.outbox_rows.labels(status).set(counts.get(status, 0))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


_INBOUND_HELP = {
    "messages": "Inbound messages stored (each platform message once).",
    "duplicates": "Inbound messages a platform sent again, dropped by the dedupe.",
    "rejected": "Inbound requests refused: unknown group, bad signature, bad body, replay.",
    "overloaded": "Inbound requests answered 503 because too many waited to be written.",
    "failed": "Inbound requests not stored because the database failed (the platform resends).",
}
