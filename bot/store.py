"""Reads of the rota and conversations from the database, as the pure core's plain values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, case, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, rota
from bot.names import Names, display_names
from bot.routing import CounsellorLoad

# The queries below run on every inbound message and every boundary job. They are built once
# with bound parameters: building a statement and its cache key costs about as much CPU as
# running it.
_sh, _cv, _mb = models.Shift, models.Conversation, models.Member
_SHIFTS_BETWEEN = (
    select(_sh)
    .where(
        _sh.group_id == bindparam("group_id"),
        _sh.start_at < bindparam("end_at"),
        _sh.end_at > bindparam("start_at"),
    )
    .order_by(_sh.start_at, _sh.member_id)
)
_ON_DUTY = (
    select(_sh.member_id)
    .where(
        _sh.group_id == bindparam("group_id"),
        _sh.start_at <= bindparam("at"),
        _sh.end_at > bindparam("at"),
    )
    .order_by(_sh.start_at, _sh.member_id)
)
_LOADS = (
    select(
        _cv.counsellor_id,
        func.sum(case((_cv.status == "open", 1), else_=0)),
        func.max(_cv.assigned_at),
    )
    .where(
        _cv.group_id == bindparam("group_id"),
        _cv.counsellor_id.in_(bindparam("member_ids", expanding=True)),
    )
    .group_by(_cv.counsellor_id)
)
_open_of = (
    select(func.count())
    .where(_cv.group_id == _sh.group_id, _cv.counsellor_id == _sh.member_id, _cv.status == "open")
    .correlate(_sh)
    .scalar_subquery()
)
_last_of = (
    select(func.max(_cv.assigned_at))
    .where(_cv.group_id == _sh.group_id, _cv.counsellor_id == _sh.member_id)
    .correlate(_sh)
    .scalar_subquery()
)
_ON_DUTY_LOADS = (
    select(_sh.member_id, _open_of, _last_of)
    .where(
        _sh.group_id == bindparam("group_id"),
        _sh.start_at <= bindparam("at"),
        _sh.end_at > bindparam("at"),
    )
    .group_by(_sh.group_id, _sh.member_id)
    .order_by(func.min(_sh.start_at), _sh.member_id)
)
_ACTIVE_OF = select(_cv).where(
    _cv.group_id == bindparam("group_id"),
    _cv.staff_id.in_(bindparam("staff_ids", expanding=True)),
    _cv.status != "closed",
)
_NAMES = select(_mb.id, _mb.name).where(_mb.group_id == bindparam("group_id"))


def to_shift(row: models.Shift) -> rota.Shift:
    return rota.Shift(row.member_id, row.start_at, row.end_at, row.group_id, row.id)


async def shifts_between(
    s: AsyncSession, group_id: str, start_at: datetime, end_at: datetime
) -> list[rota.Shift]:
    """Shifts of `group_id` that overlap [start_at, end_at)."""
    rows = await s.scalars(
        _SHIFTS_BETWEEN, {"group_id": group_id, "start_at": start_at, "end_at": end_at}
    )
    return [to_shift(r) for r in rows]


async def on_duty_ids(s: AsyncSession, group_id: str, at: datetime) -> list[str]:
    """Counsellors of `group_id` on duty at `at`, in shift order."""
    rows = await s.execute(_ON_DUTY, {"group_id": group_id, "at": at})
    return list(dict.fromkeys(r[0] for r in rows))


async def loads(s: AsyncSession, group_id: str, member_ids: Sequence[str]) -> list[CounsellorLoad]:
    """Open conversations and last assignment of each of `member_ids`."""
    if not member_ids:
        return []
    rows = await s.execute(_LOADS, {"group_id": group_id, "member_ids": list(member_ids)})
    found = {r[0]: (int(r[1] or 0), r[2]) for r in rows}
    out = []
    for m in member_ids:
        count, last = found.get(m, (0, None))
        out.append(CounsellorLoad(m, count, last))
    return out


async def on_duty_loads(s: AsyncSession, group_id: str, at: datetime) -> list[CounsellorLoad]:
    """`on_duty_ids` with each one's `loads`, in one statement."""
    rows = await s.execute(_ON_DUTY_LOADS, {"group_id": group_id, "at": at})
    return [CounsellorLoad(r[0], int(r[1] or 0), r[2]) for r in rows]


async def active_conversations(
    s: AsyncSession, group_id: str, staff_ids: Sequence[str], *, refresh: bool = False
) -> dict[str, models.Conversation]:
    """The conversations not closed of each of `staff_ids` (at most one each), by staff id.

    `refresh` overwrites the session's copies with the rows as they are now (after a statement
    that changed them outside the session's objects)."""
    if not staff_ids:
        return {}
    query = _ACTIVE_OF.execution_options(populate_existing=True) if refresh else _ACTIVE_OF
    rows = await s.scalars(query, {"group_id": group_id, "staff_ids": list(staff_ids)})
    return {c.staff_id: c for c in rows}


async def member_names(s: AsyncSession, group_id: str, ids: Iterable[str] | None = None) -> Names:
    """Display names of everyone known in the group (of `ids` only, when given)."""
    query = _NAMES if ids is None else _NAMES.where(_mb.id.in_(list(ids)))
    rows = await s.execute(query, {"group_id": group_id})
    return display_names((r[0], r[1]) for r in rows)


async def lock_people(s: AsyncSession, people: Iterable[tuple[str, str]]) -> None:
    """On PostgreSQL, take these (group, staff) people's turns until the transaction ends: two
    messages of one staff member are decided one after the other (else both would open "the"
    conversation). Taken in one order everywhere, so two batches never wait on each other in a
    circle. SQLite writes one transaction at a time and needs none."""
    if s.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({f"carebot:person:{g}:{p}" for g, p in people})
    if keys:
        await s.execute(_LOCK_PEOPLE, {"keys": keys})


_LOCK_PEOPLE = text(
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
    " FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS t(k, n) ORDER BY n"
)


async def newest_audit_id(s: AsyncSession) -> int:
    """The id of the newest audit row (0 when there is none)."""
    return int(await s.scalar(select(func.max(models.AuditEntry.id))) or 0)


async def audited_since(s: AsyncSession, after_id: int) -> tuple[int, list[str]]:
    """The newest audit id, and the groups whose rota changed in rows after `after_id`."""
    a = models.AuditEntry
    rows = (await s.execute(select(a.id, a.group_id).where(a.id > after_id))).all()
    return max((r[0] for r in rows), default=after_id), list(dict.fromkeys(r[1] for r in rows))


async def groups_past_deadline(s: AsyncSession, now: datetime, idle_before: datetime) -> list[str]:
    """Groups with an open conversation unanswered past its deadline, or idle since before
    `idle_before` (the rule of `conversations.idle_since`)."""
    quiet = [
        _cv.last_message_at <= idle_before,
        or_(_cv.assigned_at.is_(None), _cv.assigned_at <= idle_before),
        or_(_cv.first_response_at.is_(None), _cv.first_response_at <= idle_before),
    ]
    unanswered = and_(_cv.first_response_at.is_(None), _cv.response_due_at <= now)
    rows = await s.scalars(
        select(_cv.group_id).where(_cv.status == "open", or_(unanswered, and_(*quiet))).distinct()
    )
    return list(rows)
