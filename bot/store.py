"""Reads of the rota and conversations from the database, as the pure core's plain values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select, text
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
# A supervisor's shift is a supervision shift: it never takes conversations (issue 19).
_counsels = ~(
    select(_mb.id)
    .where(_mb.group_id == _sh.group_id, _mb.id == _sh.member_id, _mb.supervises.is_(True))
    .correlate(_sh)
    .exists()
)
_SUPERVISING = (
    select(_sh.member_id)
    .where(
        _sh.group_id == bindparam("group_id"),
        _sh.start_at <= bindparam("at"),
        _sh.end_at > bindparam("at"),
        ~_counsels,
    )
    .order_by(_sh.start_at, _sh.member_id)
)
_ON_DUTY = (
    select(_sh.member_id)
    .where(
        _counsels,
        _sh.group_id == bindparam("group_id"),
        _sh.start_at <= bindparam("at"),
        _sh.end_at > bindparam("at"),
    )
    .order_by(_sh.start_at, _sh.member_id)
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
_paused_of = (
    select(_mb.paused_at)
    .where(_mb.group_id == _sh.group_id, _mb.id == _sh.member_id)
    .correlate(_sh)
    .scalar_subquery()
)
# The shifts on at `at` or starting up to `upto`, each with its counsellor's load: who is on
# duty, and how long each stays on (back-to-back shifts joined), in one statement.
_ON_DUTY_LOADS = (
    select(_sh.member_id, _sh.start_at, _sh.end_at, _open_of, _last_of, _paused_of)
    .where(
        _counsels,
        _sh.group_id == bindparam("group_id"),
        _sh.start_at <= bindparam("upto"),
        _sh.end_at > bindparam("at"),
    )
    .order_by(_sh.start_at, _sh.member_id)
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


async def supervising_ids(s: AsyncSession, group_id: str, at: datetime) -> list[str]:
    """Supervisors of `group_id` with a (supervision) shift at `at`, in shift order."""
    rows = await s.execute(_SUPERVISING, {"group_id": group_id, "at": at})
    return list(dict.fromkeys(r[0] for r in rows))


async def supervisor_ids(s: AsyncSession, group_id: str) -> set[str]:
    """Every member of `group_id` whose shifts are supervision shifts."""
    rows = await s.scalars(select(_mb.id).where(_mb.group_id == group_id, _mb.supervises))
    return set(rows)


async def split_supervision(
    s: AsyncSession, group_id: str, shifts: Sequence[rota.Shift]
) -> tuple[list[rota.Shift], list[rota.Shift]]:
    """`shifts` as (the counsellors' shifts, the supervision shifts): the rota's coverage and
    gaps count the first only."""
    supervisors = await supervisor_ids(s, group_id) if shifts else set()
    return (
        [x for x in shifts if x.member_id not in supervisors],
        [x for x in shifts if x.member_id in supervisors],
    )


async def on_duty_loads(
    s: AsyncSession, group_id: str, at: datetime, ahead: timedelta = timedelta(0)
) -> list[CounsellorLoad]:
    """The counsellors on duty at `at`, in shift order, each with their open conversations,
    last assignment, whether they are paused, and when they go off duty: read `ahead` far (a
    duty that goes on past `at + ahead` ends there or later)."""
    rows = (
        await s.execute(_ON_DUTY_LOADS, {"group_id": group_id, "at": at, "upto": at + ahead})
    ).all()
    shifts = [rota.Shift(r[0], r[1], r[2]) for r in rows]
    out: dict[str, CounsellorLoad] = {}
    for r in rows:
        member, start_at = r[0], r[1]
        if start_at <= at and member not in out:
            until = rota.duty_until(shifts, member, at)
            out[member] = CounsellorLoad(member, int(r[3] or 0), r[4], until, r[5] is not None)
    return list(out.values())


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
