"""What handlers and jobs are handed: settings, clock, database, outbox; nothing global."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Settings
from bot.db import Database
from bot.protocols import Clock
from bot.rota import ServiceHours
from bot.triage import CrisisMatcher, compile_words


@dataclass
class Context:
    settings: Settings
    clock: Clock
    db: Database
    wake_outbox: Callable[[], None] = lambda: None
    rota_changed: Callable[[str], None] = lambda group_id: None
    # Called with (group, instant) when a conversation gets a deadline, so the group's job wakes
    # by then; the scheduler installs it (a no-op where nothing schedules, e.g. the CLI).
    deadline_at: Callable[[str, datetime], None] = lambda group_id, at: None
    hours: ServiceHours = field(init=False)
    crisis: CrisisMatcher = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings.service
        self.hours = ServiceHours(s.opens_minute, s.closes_minute, self.settings.bot.tz)
        self.crisis = compile_words(s.crisis_words)

    def language_of(self, group_id: str) -> str:
        """The language of the group's replies, notices and posts (per group, not per process)."""
        return self.settings.language_of(group_id)
