"""What handlers and jobs are handed: settings, clock, database, outbox; nothing global."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.config import Settings
from bot.db import Database
from bot.protocols import Clock
from bot.rota import ServiceHours


@dataclass
class Context:
    settings: Settings
    clock: Clock
    db: Database
    wake_outbox: Callable[[], None] = lambda: None
    rota_changed: Callable[[str], None] = lambda group_id: None
    hours: ServiceHours = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings.service
        self.hours = ServiceHours(s.opens_minute, s.closes_minute, self.settings.bot.tz)

    @property
    def language(self) -> str:
        return self.settings.bot.language
