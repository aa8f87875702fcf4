"""Queue health at a glance (issue 19 item 6): the figures /queue and the console put on top.

A pure function over the conversations the caller already read, who is on duty and the
supervisors on duty: counts and member ids only, never message text or a person's name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.i18n import join, t
from bot.quoting import quote

# A wait this long is a long wait: at a glance, and on the supervisors' review list.
LONG_WAIT = timedelta(minutes=5)


class QueuedRow(Protocol):
    """What the figures need of a conversation (a models.Conversation or a console row)."""

    @property
    def status(self) -> str: ...

    @property
    def level(self) -> int: ...

    @property
    def opened_at(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class QueueHealth:
    waiting: int
    waiting_long: int  # waiting LONG_WAIT or more since the conversation opened
    waiting_at_risk: int  # waiting at level 2-3
    open: int
    counsellors_on_duty: int
    supervisor_ids: tuple[str, ...]  # the supervisors on duty (bot/supervision.py)

    @property
    def long_wait_minutes(self) -> int:
        return int(LONG_WAIT.total_seconds() // 60)


def queue_health(
    rows: Iterable[QueuedRow],
    counsellor_ids: Sequence[str],
    supervisor_ids: Sequence[str],
    now: datetime,
) -> QueueHealth:
    """The figures at `now` of the group's waiting and open conversations `rows` (closed ones
    are ignored), with the counsellors on duty and the supervisors on duty."""
    rows = list(rows)
    queued = [r for r in rows if r.status == "waiting"]
    return QueueHealth(
        waiting=len(queued),
        waiting_long=sum(now - r.opened_at >= LONG_WAIT for r in queued),
        waiting_at_risk=sum(r.level >= 2 for r in queued),
        open=sum(r.status == "open" for r in rows),
        counsellors_on_duty=len(set(counsellor_ids)),
        supervisor_ids=tuple(dict.fromkeys(supervisor_ids)),
    )


def health_text(lang: str, health: QueueHealth, names: Mapping[str, str]) -> str:
    """The figures in one line, in the group's words: the supervisors by name (staff of the
    service, as /oncall names them), nobody else."""
    who = [quote(names.get(m, m)) for m in health.supervisor_ids]
    return t(
        lang,
        "queue_health",
        minutes=health.long_wait_minutes,
        long=health.waiting_long,
        risk=health.waiting_at_risk,
        counsellors=health.counsellors_on_duty,
        open=health.open,
        supervisors=join(lang, who),
    )
