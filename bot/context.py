"""What handlers and jobs are handed: settings, clock, database, outbox; nothing global.

A Context is built whole and never changed: what happens on a rota change, a new deadline or a
new post is given to its constructor. The app builds it once the outbox worker and the group
jobs exist (`wake_outbox` is the worker's, `rota_changed` and `deadline_at` re-aim the group's
job: schedules/group_jobs.py); where nothing delivers or schedules (the CLI, a test of the
rules) they do nothing, and the sweep of a running bot finds the change in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from bot.config import Settings
from bot.db import Database
from bot.metrics import Metrics
from bot.protocols import Clock
from bot.rota import ServiceHours
from bot.triage import CrisisMatcher, compile_words


def _nothing(*_args: object) -> None:
    return None


@dataclass(frozen=True)
class Context:
    settings: Settings
    clock: Clock
    db: Database
    # Called once a transaction that enqueued posts has committed, so the worker sends them now.
    wake_outbox: Callable[[], None] = _nothing
    # Called with the group once a rota change of it has committed (bot/rota_changes.py calls
    # it itself), so the group's job is aimed at the new rota's next boundary.
    rota_changed: Callable[[str], None] = _nothing
    # Called with (group, instant) when a conversation gets a deadline, so the group's job wakes
    # by then.
    deadline_at: Callable[[str, datetime], None] = _nothing
    # What /metrics exports (the app passes its own; a CLI context counts into a spare one).
    metrics: Metrics = field(default_factory=Metrics)

    @cached_property
    def hours(self) -> ServiceHours:
        s = self.settings.service
        return ServiceHours(s.opens_minute, s.closes_minute, self.settings.bot.tz)

    @cached_property
    def crisis(self) -> CrisisMatcher:
        words = self.settings.triage
        return compile_words(
            (*self.settings.service.crisis_words, *words.level2_words),
            level1=words.level1_words,
            level3=words.level3_words,
            timeframe=words.timeframe_words,
            builtin=words.builtin,
        )

    def language_of(self, group_id: str) -> str:
        """The language of the group's replies, notices and posts (per group, not per process)."""
        return self.settings.language_of(group_id)
