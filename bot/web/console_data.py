"""What the console shows, read from the database: the week's rota, who is on duty, the queue and
open conversations (never message text), one conversation's messages, the audit trail."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, rota, store
from bot.context import Context
from bot.names import Names
from bot.queue_health import QueueHealth, health_text
from bot.web import grid


@dataclass(frozen=True, slots=True)
class Overview:
    week: grid.WeekGrid
    now_on: list[grid.Duty]
    next_on: list[grid.Duty]
    names: Names
    counsellors: list[tuple[str, str]]  # (id, name) of the group's counsellors


async def overview(
    ctx: Context, s: AsyncSession, group_id: str, week_of: date, now: datetime
) -> Overview:
    hours = ctx.hours
    start_day = grid.week_start(week_of)
    start_at = hours.at_minute(start_day, 0)
    end_at = hours.at_minute(start_day + timedelta(days=7), 0)
    names = await store.member_names(s, group_id)
    for m in ctx.settings.members_of(group_id):
        names.setdefault(m.id, m.display_name)
    week = await store.shifts_between(s, group_id, start_at, end_at)
    # Who is on now and next may lie outside the week shown.
    around = await store.shifts_between(
        s, group_id, now - timedelta(days=1), now + timedelta(days=8)
    )
    week_grid = grid.week_grid(week, hours, start_day, ctx.settings.service.min_on_duty, names, now)
    counsellors = [(m.id, m.display_name) for m in ctx.settings.counsellors_of(group_id)]
    return Overview(
        week_grid,
        grid.on_duty_now(around, names, now),
        grid.on_duty_next(around, names, now),
        names,
        counsellors,
    )


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """A waiting or open conversation, as the console lists it: no message text."""

    id: int
    staff_id: str
    staff_name: str
    status: str
    counsellor_id: str | None
    counsellor_name: str | None
    is_crisis: bool
    level: int  # triage, 0-3 (bot/triage.py): for the leads, never in the group
    opened_at: datetime
    assigned_at: datetime | None
    first_assigned_at: datetime | None  # response times count from the first assignment
    first_response_at: datetime | None
    response_due_at: datetime | None
    reassign_count: int

    def as_json(self, now: datetime, tz: tzinfo) -> dict[str, Any]:
        """As JSON, every instant in the service timezone `tz` (ISO 8601 with its offset)."""

        def iso(at: datetime | None) -> str | None:
            return at.astimezone(tz).isoformat() if at is not None else None

        return {
            "id": self.id,
            "staff_id": self.staff_id,
            "staff_name": self.staff_name,
            "status": self.status,
            "counsellor_id": self.counsellor_id,
            "counsellor_name": self.counsellor_name,
            "is_crisis": self.is_crisis,
            "level": self.level,
            "opened_at": iso(self.opened_at),
            "age_s": int((now - self.opened_at).total_seconds()),
            "assigned_at": iso(self.assigned_at),
            "first_assigned_at": iso(self.first_assigned_at),
            "first_response_at": iso(self.first_response_at),
            "response_due_at": iso(self.response_due_at),
            "reassign_count": self.reassign_count,
        }


async def active_conversations(
    s: AsyncSession, group_id: str, names: Names
) -> list[ConversationRow]:
    """Waiting and open conversations, highest level first, then waiting, then oldest first."""
    c = models.Conversation
    rows = await s.scalars(
        select(c)
        .where(c.group_id == group_id, c.status.in_(("waiting", "open")))
        .order_by(c.level.desc(), c.status.desc(), c.opened_at, c.id)
    )
    # A waiting conversation remembers its last counsellor (for the statistics); nobody holds it.
    return [
        ConversationRow(
            r.id,
            r.staff_id,
            names[r.staff_id],
            r.status,
            holder := (r.counsellor_id if r.status == "open" else None),
            names[holder] if holder else None,
            r.is_crisis,
            r.level,
            r.opened_at,
            r.assigned_at,
            r.first_assigned_at,
            r.first_response_at,
            r.response_due_at,
            r.reassign_count,
        )
        for r in rows
    ]


def health_json(
    health: QueueHealth, names: Names, now: datetime, tz: tzinfo, lang: str
) -> dict[str, Any]:
    """The queue's health at a glance as JSON (bot/queue_health.py): `at` in the service
    timezone, the counts, the supervisors on duty, and the line /queue shows."""
    return {
        "at": now.astimezone(tz).isoformat(),
        "long_wait_minutes": health.long_wait_minutes,
        "waiting": health.waiting,
        "waiting_long": health.waiting_long,
        "waiting_at_risk": health.waiting_at_risk,
        "open": health.open,
        "counsellors_on_duty": health.counsellors_on_duty,
        "supervisors_on_duty": [{"id": m, "name": names[m]} for m in health.supervisor_ids],
        "text": health_text(lang, health, names),
    }


async def conversation_messages(
    s: AsyncSession, group_id: str, conversation_id: int, tz: tzinfo
) -> list[dict[str, Any]] | None:
    """The messages of one conversation of `group_id` (None: no such conversation there), each
    with its time in the service timezone `tz` (`day`, `time`, and `received_at` with that
    offset): the page shows them as they are, whatever timezone the lead's browser is in."""
    conv = await s.get(models.Conversation, conversation_id)
    if conv is None or conv.group_id != group_id:
        return None
    m = models.Message
    rows = await s.scalars(
        select(m).where(m.conversation_id == conversation_id).order_by(m.received_at, m.id)
    )
    return [
        {
            "sender_id": r.sender_id,
            "sender_name": r.sender_name or r.sender_id,
            "sender_role": r.sender_role,
            "text": r.text,
            "text_removed": r.text_removed_at is not None,
            "received_at": (local := r.received_at.astimezone(tz)).isoformat(),
            "day": f"{local:%Y-%m-%d}",
            "time": f"{local:%H:%M}",
            "is_crisis": r.is_crisis,
            "level": r.level,
        }
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor_id: str
    actor_name: str
    action: str
    change: str
    undone: bool


def describe_change(
    hours: rota.ServiceHours, before: dict[str, Any], after: dict[str, Any], names: Names
) -> str:
    """A line for an audit entry: its summary if it has one, else its shifts before → after."""
    for side in (after, before):
        summary = side.get("summary") if isinstance(side, dict) else None
        if isinstance(summary, str) and summary:
            return summary
    return f"{_describe_side(hours, before, names)} → {_describe_side(hours, after, names)}"


def _describe_side(hours: rota.ServiceHours, side: Any, names: Names) -> str:
    shifts: list[Any] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if ("member_id" in node or "member" in node) and "start_at" in node:
                shifts.append(node)
                return
            for v in node.values():
                collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    collect(side)
    if not shifts:
        return "–" if not side else json.dumps(side, ensure_ascii=False)[:120]
    parts = []
    for sh in shifts:
        member = str(sh.get("member_id", sh.get("member", "")))
        try:
            start = datetime.fromisoformat(str(sh["start_at"]))
            end = datetime.fromisoformat(str(sh.get("end_at", sh["start_at"])))
        except ValueError:
            parts.append(f"{names[member]} ?")
            continue
        day = start.astimezone(hours.tz)
        parts.append(f"{names[member]} {day:%m-%d} {rota.format_span(hours, start, end)}")
    return "、".join(parts)


async def audit_rows(
    s: AsyncSession, hours: rota.ServiceHours, group_id: str, names: Names, limit: int = 30
) -> list[AuditRow]:
    a = models.AuditEntry
    rows = await s.scalars(
        select(a).where(a.group_id == group_id).order_by(a.at.desc(), a.id.desc()).limit(limit)
    )
    return [
        AuditRow(
            r.id,
            r.at,
            r.actor_id,
            names[r.actor_id],
            r.action,
            describe_change(hours, r.before, r.after, names),
            r.undone,
        )
        for r in rows
    ]
