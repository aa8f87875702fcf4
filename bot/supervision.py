"""Supervision (督导, issue 19 item 3): who supervises now, and what they are told.

A supervisor is a `[[members]]` entry with role = "supervisor", or a lead with supervisor = true.
Their shifts are supervision shifts, on the same rota and rules as the counsellors' (/rota add):
they never take conversations (bot/store.py leaves them out of who is on duty) and make no
boundary notice. "The supervisor on duty" is whoever has a supervision shift now, else every
supervisor of the group. Everything said to a supervisor is private.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, store
from bot.context import Context
from bot.i18n import age, join, level_name, t
from bot.outbox import enqueue
from bot.platforms.base import OutboundMessage
from bot.queue_health import LONG_WAIT, QueuedRow, QueueHealth, queue_health
from bot.quoting import quote
from bot.report import day_of_close, day_period


async def on_duty_supervisors(
    ctx: Context, s: AsyncSession, group_id: str, at: datetime
) -> tuple[str, ...]:
    """The supervisors with a supervision shift at `at`; if none, all the group's supervisors."""
    configured = [m.id for m in ctx.settings.supervisors_of(group_id)]
    on = [m for m in await store.supervising_ids(s, group_id, at) if m in configured]
    return tuple(on or configured)


# The four domains of a risk note (/risk), as crisis lines assess them.
DOMAINS = ("desire", "capability", "intent", "buffers")


def domains_text(lang: str, note: models.RiskNote) -> str:
    """The note's domains in one line, in the group's words ("desire: yes; intent: tonight")."""
    given = [
        (t(lang, "risk_desire"), note.desire),
        (t(lang, "risk_capability"), note.capability),
        (t(lang, "risk_intent"), note.intent),
        (t(lang, "risk_buffers"), note.buffers),
    ]
    parts = [t(lang, "risk_domain", domain=d, value=quote(v)) for d, v in given if v]
    return join(lang, parts) if parts else t(lang, "risk_no_domains")


async def latest_notes(s: AsyncSession, conv_ids: list[int]) -> dict[int, models.RiskNote]:
    """The newest risk note of each of `conv_ids`."""
    if not conv_ids:
        return {}
    r = models.RiskNote
    rows = await s.scalars(select(r).where(r.conversation_id.in_(conv_ids)).order_by(r.id))
    return {n.conversation_id: n for n in rows}


async def read_queue_health(
    ctx: Context, s: AsyncSession, group_id: str, rows: Iterable[QueuedRow], at: datetime
) -> QueueHealth:
    """The queue's figures at `at` (bot/queue_health.py) over the waiting and open `rows` the
    caller read: with the counsellors on duty and the supervisors on duty then."""
    counsellors = await store.on_duty_ids(s, group_id, at)
    supervisors = await on_duty_supervisors(ctx, s, group_id, at)
    return queue_health(rows, counsellors, supervisors, at)


# The instant before a close: who supervised at the end of the day (a shift ending at the close
# is no longer on at the close itself).
_EPS = timedelta(seconds=1)


async def post_review(
    ctx: Context, s: AsyncSession, group_id: str, close_at: datetime, now: datetime
) -> None:
    """At close, privately: the day's review list to the group's supervisors, and a debrief
    prompt to each counsellor who held a level 2-3 conversation that day.

    Figures, conversation numbers and times, never message text; the person's name only outside
    a privacy group. Claimed once with the close (bot/notices.py), in the claim's transaction."""
    supervisors = tuple(m.id for m in ctx.settings.supervisors_of(group_id))
    if not supervisors:
        return
    lang = ctx.language_of(group_id)
    hours = ctx.hours
    start_at, end_at = day_period(hours, day_of_close(hours, close_at))
    c, r = models.Conversation, models.RiskNote
    convs = list(
        await s.scalars(
            select(c)
            .where(
                c.group_id == group_id,
                c.opened_at < end_at,
                or_(c.closed_at.is_(None), c.closed_at >= start_at),
            )
            .order_by(c.opened_at, c.id)
        )
    )
    notes = list(
        await s.scalars(
            select(r)
            .where(r.group_id == group_id, r.created_at >= start_at, r.created_at < end_at)
            .order_by(r.id)
        )
    )
    noted = {n.conversation_id: n.level for n in notes}  # the latest note of each

    def waited(x: models.Conversation) -> timedelta | None:
        if x.opened_at < start_at:
            return None  # carried over from the day before: its wait was reviewed then
        return (x.first_assigned_at or min(end_at, now)) - x.opened_at

    at_risk = [x for x in convs if x.level >= 2 or noted.get(x.id, 0) >= 2]
    moved = [x for x in convs if x.reassign_count]
    long_waits = [x for x in convs if (w := waited(x)) is not None and w >= LONG_WAIT]
    listed = {x.id: x for x in [*at_risk, *moved, *long_waits]}
    names = await store.member_names(s, group_id)
    privacy = bool((group := ctx.settings.group(group_id)) and group.privacy)
    lines = [
        t(
            lang,
            "review_title",
            day=f"{day_of_close(hours, close_at):%m-%d}",
            risk=len(at_risk),
            reassigned=len(moved),
            waits=len(long_waits),
            minutes=int(LONG_WAIT.total_seconds() // 60),
            notes=len(notes),
        )
    ]
    for x in sorted(listed.values(), key=lambda x: (-max(x.level, noted.get(x.id, 0)), x.id)):
        details = ""
        if x.reassign_count:
            details += t(lang, "review_reassigned", count=x.reassign_count)
        if (w := waited(x)) is not None and w >= LONG_WAIT:
            details += t(lang, "review_waited", wait=age(lang, w.total_seconds()))
        if x.id in noted:
            details += t(lang, "review_noted", level=noted[x.id])
        lines.append(
            t(
                lang,
                "review_line",
                id=x.id,
                time=f"{x.opened_at.astimezone(hours.tz):%H:%M}",
                staff="" if privacy else t(lang, "review_staff", name=quote(names[x.staff_id])),
                level=level_name(lang, x.level),
                counsellor=quote(names[x.counsellor_id]) if x.counsellor_id else "—",
                details=details,
            )
        )
    if len(lines) == 1:
        lines.append(t(lang, "review_none"))
    enqueue(s, OutboundMessage(group_id, "\n".join(lines), "report", (), supervisors), now)

    on_duty = await on_duty_supervisors(ctx, s, group_id, close_at - _EPS)
    who = join(lang, [quote(names[m]) for m in on_duty])
    held: dict[str, int] = {}
    for x in at_risk:
        if x.counsellor_id:
            held[x.counsellor_id] = held.get(x.counsellor_id, 0) + 1
    for counsellor, count in held.items():
        text = t(lang, "debrief_prompt", count=count, supervisors=who)
        enqueue(s, OutboundMessage(group_id, text, "report", (), (counsellor,)), now)
