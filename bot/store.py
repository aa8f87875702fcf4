"""Reads of the rota and conversations from the database, as the pure core's plain values."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, rota
from bot.routing import CounsellorLoad


def to_shift(row: models.Shift) -> rota.Shift:
    return rota.Shift(row.member_id, row.start_at, row.end_at, row.group_id, row.id)


async def shifts_between(
    s: AsyncSession, group_id: str, start_at: datetime, end_at: datetime
) -> list[rota.Shift]:
    """Shifts of `group_id` that overlap [start_at, end_at)."""
    rows = await s.scalars(
        select(models.Shift)
        .where(
            models.Shift.group_id == group_id,
            models.Shift.start_at < end_at,
            models.Shift.end_at > start_at,
        )
        .order_by(models.Shift.start_at, models.Shift.member_id)
    )
    return [to_shift(r) for r in rows]


async def on_duty_ids(s: AsyncSession, group_id: str, at: datetime) -> list[str]:
    """Counsellors of `group_id` on duty at `at`, in shift order."""
    rows = await s.execute(
        select(models.Shift.member_id)
        .where(
            models.Shift.group_id == group_id,
            models.Shift.start_at <= at,
            models.Shift.end_at > at,
        )
        .order_by(models.Shift.start_at, models.Shift.member_id)
    )
    return list(dict.fromkeys(r[0] for r in rows))


async def loads(s: AsyncSession, group_id: str, member_ids: Sequence[str]) -> list[CounsellorLoad]:
    """Open conversations and last assignment of each of `member_ids`."""
    if not member_ids:
        return []
    c = models.Conversation
    rows = await s.execute(
        select(
            c.counsellor_id,
            func.sum(case((c.status == "open", 1), else_=0)),
            func.max(c.assigned_at),
        )
        .where(c.group_id == group_id, c.counsellor_id.in_(member_ids))
        .group_by(c.counsellor_id)
    )
    found = {r[0]: (int(r[1] or 0), r[2]) for r in rows}
    out = []
    for m in member_ids:
        count, last = found.get(m, (0, None))
        out.append(CounsellorLoad(m, count, last))
    return out


async def active_conversation(
    s: AsyncSession, group_id: str, staff_id: str
) -> models.Conversation | None:
    """The staff member's conversation that is not closed, if any."""
    return (
        await s.scalars(
            select(models.Conversation).where(
                models.Conversation.group_id == group_id,
                models.Conversation.staff_id == staff_id,
                models.Conversation.status != "closed",
            )
        )
    ).first()


async def member_names(s: AsyncSession, group_id: str) -> dict[str, str]:
    """Display names of everyone known in the group."""
    rows = await s.execute(
        select(models.Member.id, models.Member.name).where(models.Member.group_id == group_id)
    )
    return {r[0]: (r[1] or r[0]) for r in rows}


async def lock_person(s: AsyncSession, group_id: str, staff_id: str) -> None:
    """On PostgreSQL, take one person's turn: two messages of one staff member are decided one
    after the other (else both would open "the" conversation). SQLite writes one at a time."""
    if s.get_bind().dialect.name != "postgresql":
        return
    await s.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
        {"key": f"carebot:person:{group_id}:{staff_id}"},
    )
