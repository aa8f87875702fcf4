"""Notices at the rota's boundaries: what is due, claiming it once, and what it says."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, rota, store
from bot.context import Context
from bot.conversations import drain_queue, reassign_from
from bot.i18n import join, t
from bot.outbox import enqueue
from bot.platforms.base import OutboundMessage

log = logging.getLogger(__name__)
LOOKAHEAD = timedelta(days=8)


@dataclass(frozen=True, slots=True)
class Event:
    """Something to post at `at`: a boundary (open/close/shift_change) or a reminder."""

    at: datetime
    kind: str
    boundary: rota.Boundary | None = None
    reminder: rota.Reminder | None = None


def events_between(
    shifts: list[rota.Shift],
    hours: rota.ServiceHours,
    reminder_minutes: int,
    after: datetime,
    upto: datetime,
) -> list[Event]:
    """Boundaries and reminders in (after, upto], in time order (a reminder before a boundary)."""
    out = [Event(b.at, b.kind, boundary=b) for b in rota.boundaries(shifts, hours, after, upto)]
    out += [
        Event(r.at, "reminder", reminder=r)
        for r in rota.reminders(shifts, reminder_minutes, after, upto)
    ]
    return sorted(out, key=lambda e: (e.at, e.kind != "reminder"))


async def load_shifts(
    ctx: Context, group_id: str, after: datetime, upto: datetime
) -> list[rota.Shift]:
    async with ctx.db.read() as s:
        return await store.shifts_between(s, group_id, after - timedelta(days=1), upto + LOOKAHEAD)


async def next_event_at(ctx: Context, group_id: str, now: datetime) -> datetime | None:
    """When the group's next boundary or reminder is due (None: nothing in the next 8 days)."""
    shifts = await load_shifts(ctx, group_id, now, now)
    # Look one day ahead first and widen only if that day is empty: the first event is the
    # same, and the sweep asks this of every group every few seconds.
    upto = now
    while upto < now + LOOKAHEAD:
        after, upto = upto, min(upto + timedelta(days=1), now + LOOKAHEAD)
        found = events_between(
            shifts, ctx.hours, ctx.settings.service.reminder_minutes, after, upto
        )
        if found:
            return found[0].at
    return None


async def handle_due(ctx: Context, group_id: str, now: datetime) -> list[str]:
    """Post every notice due up to `now` and not yet claimed, within the catch-up window.

    Returns the keys ("kind@iso") of the notices this call posted. Boundaries older than the
    window are logged and skipped. Safe to call from several processes at once: each notice is
    claimed by a unique row in the same transaction as its outbox rows.
    """
    window = timedelta(minutes=ctx.settings.service.catch_up_minutes)
    lower = now - window
    async with ctx.db.read() as s:
        last = await s.scalar(
            select(models.Notice.at)
            .where(models.Notice.group_id == group_id)
            .order_by(models.Notice.at.desc())
            .limit(1)
        )
    since = last if last is not None else lower
    shifts = await load_shifts(ctx, group_id, min(since, lower), now)
    due = events_between(
        shifts, ctx.hours, ctx.settings.service.reminder_minutes, min(since, lower), now
    )
    posted = []
    for ev in due:
        if ev.at < lower:
            if last is not None and ev.at > last:
                log.warning(
                    "group %s: %s at %s is older than catch_up_minutes; skipped",
                    group_id,
                    ev.kind,
                    ev.at.isoformat(),
                )
            continue
        async with ctx.db.write() as s:
            if await _claim(ctx, s, group_id, ev, now):
                await _post(ctx, s, group_id, ev, shifts, now)
                posted.append(f"{ev.kind}@{ev.at.isoformat()}")
    if posted:
        ctx.wake_outbox()
    return posted


async def _claim(ctx: Context, s: AsyncSession, group_id: str, ev: Event, now: datetime) -> bool:
    late_s = max(0, int((now - ev.at).total_seconds()))
    res = await s.execute(
        ctx.db.insert(models.Notice)
        .values(group_id=group_id, kind=ev.kind, at=ev.at, created_at=now, late_s=late_s)
        .on_conflict_do_nothing(index_elements=["group_id", "kind", "at"])
        .returning(models.Notice.id)
    )
    return res.scalar_one_or_none() is not None


def _late_suffix(ctx: Context, ev: Event, now: datetime) -> str:
    late = now - ev.at
    if late <= timedelta(minutes=ctx.settings.service.late_notice_minutes):
        return ""
    return t(ctx.language, "late", minutes=int(late.total_seconds() // 60))


async def _post(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    ev: Event,
    shifts: list[rota.Shift],
    now: datetime,
) -> None:
    lang = ctx.language
    hours = ctx.hours
    svc = ctx.settings.service
    names = await store.member_names(s, group_id)

    def at_name(member_id: str) -> str:
        return "@" + names.get(member_id, member_id)

    suffix = _late_suffix(ctx, ev, now)
    if ev.reminder is not None:
        r = ev.reminder
        spans = {
            m: rota.format_span(hours, r.shift_at, rota.duty_until(shifts, m, r.shift_at))
            for m in r.members
        }
        span = join(lang, sorted(set(spans.values())))
        text = (
            t(
                lang,
                "reminder",
                names=join(lang, [at_name(m) for m in r.members]),
                span=span,
                minutes=svc.reminder_minutes,
            )
            + suffix
        )
        enqueue(s, OutboundMessage(group_id, text, "reminder", r.members), now)
        return

    b = ev.boundary
    assert b is not None
    on = [
        t(lang, "on_until", name=at_name(m), until=rota.format_span(hours, b.at, until)[-5:])
        for m, until in b.coming_on
    ]
    off = [at_name(m) for m in b.going_off]
    mentions = tuple(dict.fromkeys([*b.going_off, *(m for m, _ in b.coming_on)]))
    if b.kind == "open":
        day = hours.local_day(b.at)
        start, end = hours.window(day)
        day_members = list(
            dict.fromkeys(
                x.member_id
                for x in sorted(shifts, key=lambda x: x.start_at)
                if start <= x.start_at < end
            )
        )
        text = t(
            lang,
            "open",
            date=f"{day:%m-%d}",
            opens=svc.opens,
            closes=svc.closes,
            day=join(lang, [names.get(m, m) for m in day_members])
            if day_members
            else t(lang, "nobody_on_duty"),
            on=join(lang, on) if on else t(lang, "nobody_on_duty"),
        )
        kind = "open"
    elif b.kind == "close":
        text = t(
            lang,
            "close",
            off=join(lang, off),
            opens=svc.opens,
            hotlines=join(lang, svc.crisis_hotlines),
        )
        kind = "close"
    else:
        local = b.at.astimezone(hours.tz)
        text = t(
            lang, "shift_change", time=f"{local:%H:%M}", off=join(lang, off), on=join(lang, on)
        )
        kind = "shift_change"
    enqueue(s, OutboundMessage(group_id, text + suffix, kind, mentions), now)
    if b.going_off:
        await reassign_from(ctx, s, group_id, b.going_off, b.at, now)
    if b.kind == "open" or b.coming_on:
        await drain_queue(ctx, s, group_id, now)
