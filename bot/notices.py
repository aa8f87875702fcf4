"""Notices at the rota's boundaries: what is due, claiming it once, and what it says.

Every kind of notice is one `NoticeKind` record in `NOTICE_KINDS` (at the end of this module):
its kind, the outbox family its posts merge in, the function that composes and enqueues it, and
the catalogue key of its label in the local chat. A new kind is a new record; the outbox's
families are derived from them (`bot.outbox.families`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, rota, rota_table, store
from bot.context import Context
from bot.conversations import Handover, alert_queue, drain_queue, hand_over, one_to_one
from bot.i18n import join, t
from bot.outbox import enqueue
from bot.platforms.base import OutboundMessage
from bot.quoting import quote
from bot.report import post_daily_report
from bot.supervision import post_review

log = logging.getLogger(__name__)
LOOKAHEAD = timedelta(days=8)
# A reminder that would arrive less than this before its shift is not sent: the shift-change
# notice, right behind it, says the same.
REMINDER_MIN_AHEAD = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Event:
    """Something to post at `at`: a boundary (open/close/shift_change) or a reminder."""

    at: datetime
    kind: str
    boundary: rota.Boundary | None = None
    reminder: rota.Reminder | None = None


# Composes the notice `ev` and enqueues its posts, inside the transaction that claimed it.
Compose = Callable[[Context, AsyncSession, str, Event, list[rota.Shift], datetime], Awaitable[None]]
# The last instant the notice `ev` is of use; later it is recorded, not posted.
Expires = Callable[[Event], datetime]


@dataclass(frozen=True, slots=True)
class NoticeKind:
    """One kind of notice.

    `kind` is its claim's kind (unique with group and instant) and, unless `compose` says
    otherwise, the outbox kind of its posts; `family` the outbox family those posts merge in;
    `label_key` the catalogue key of their label in the local chat. `follows`: the notice comes
    right after each notice of that kind (the daily report after close); None: the rota says
    when (a boundary or a reminder). `expires`: after when a late notice is no longer posted
    (None: inside the catch-up window it always is).
    """

    kind: str
    family: str
    compose: Compose
    label_key: str
    follows: str | None = None
    expires: Expires | None = None


def events_between(
    shifts: list[rota.Shift],
    hours: rota.ServiceHours,
    reminder_minutes: int,
    after: datetime,
    upto: datetime,
) -> list[Event]:
    """Boundaries and reminders in (after, upto], in time order (a reminder before a boundary)."""
    bounds = rota.boundaries(shifts, hours, after, upto)
    out = [Event(b.at, b.kind, boundary=b) for b in bounds]
    # Right after the boundary they follow, in the registry's order (after each close: the
    # daily report, then the coming week's gaps, to the leads).
    for k in NOTICE_KINDS:
        if k.follows is not None:
            out += [Event(b.at, k.kind, boundary=b) for b in bounds if b.kind == k.follows]
    out += [
        Event(r.at, "reminder", reminder=r)
        for r in rota.reminders(shifts, reminder_minutes, after, upto)
    ]
    return sorted(out, key=lambda e: (e.at, e.kind != "reminder"))


async def load_shifts(
    ctx: Context, group_id: str, after: datetime, upto: datetime
) -> list[rota.Shift]:
    """The counsellors' shifts around (after, upto]: supervision shifts make no boundary."""
    async with ctx.db.read() as s:
        shifts = await store.shifts_between(
            s, group_id, after - timedelta(days=1), upto + LOOKAHEAD
        )
        supervisors = await store.supervisor_ids(s, group_id)
    return [x for x in shifts if x.member_id not in supervisors]


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
                # Recorded as skipped, so it is logged once (by one instance) and never again.
                async with ctx.db.write() as s:
                    if await _claim(ctx, s, group_id, ev, now, skipped=True):
                        log.warning(
                            "group %s: %s at %s is older than catch_up_minutes; skipped",
                            group_id,
                            ev.kind,
                            ev.at.isoformat(),
                        )
            continue
        expires = KINDS[ev.kind].expires
        if expires is not None and now > expires(ev):
            # Late past its use (a reminder for a shift about to start): recorded, not posted.
            async with ctx.db.write() as s:
                if await _claim(ctx, s, group_id, ev, now, skipped=True):
                    log.info(
                        "group %s: %s at %s is no use at %s; not sent",
                        group_id,
                        ev.kind,
                        ev.at.isoformat(),
                        now.isoformat(),
                    )
            continue
        async with ctx.db.write() as s:
            if await _claim(ctx, s, group_id, ev, now):
                await _post(ctx, s, group_id, ev, shifts, now)
                posted.append(f"{ev.kind}@{ev.at.isoformat()}")
    if posted:
        ctx.wake_outbox()
    return posted


async def _claim(
    ctx: Context, s: AsyncSession, group_id: str, ev: Event, now: datetime, skipped: bool = False
) -> bool:
    late_s = max(0, int((now - ev.at).total_seconds()))
    res = await s.execute(
        ctx.db.insert(models.Notice)
        .values(
            group_id=group_id,
            kind=ev.kind,
            at=ev.at,
            created_at=now,
            late_s=late_s,
            skipped=skipped,
        )
        .on_conflict_do_nothing(index_elements=["group_id", "kind", "at"])
        .returning(models.Notice.id)
    )
    return res.scalar_one_or_none() is not None


def _late_suffix(ctx: Context, group_id: str, ev: Event, now: datetime) -> str:
    late = now - ev.at
    if late <= timedelta(minutes=ctx.settings.service.late_notice_minutes):
        return ""
    return t(ctx.language_of(group_id), "late", minutes=int(late.total_seconds() // 60))


async def _post(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    ev: Event,
    shifts: list[rota.Shift],
    now: datetime,
) -> None:
    await KINDS[ev.kind].compose(ctx, s, group_id, ev, shifts, now)


async def _names(s: AsyncSession, group_id: str) -> dict[str, str]:
    """The group's members' display names by id, quoted for a notice."""
    return {k: quote(v) for k, v in (await store.member_names(s, group_id)).items()}


def _at(names: dict[str, str], member_id: str) -> str:
    return "@" + names.get(member_id, member_id)


async def _compose_gaps(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    ev: Event,
    shifts: list[rota.Shift],
    now: datetime,
) -> None:
    await rota_table.post_gaps(ctx, s, group_id, ev.at, now)


async def _compose_report(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    ev: Event,
    shifts: list[rota.Shift],
    now: datetime,
) -> None:
    await post_daily_report(ctx, s, group_id, ev.at, now, _late_suffix(ctx, group_id, ev, now))


async def _compose_review(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    ev: Event,
    shifts: list[rota.Shift],
    now: datetime,
) -> None:
    await post_review(ctx, s, group_id, ev.at, now)


async def _compose_reminder(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    ev: Event,
    shifts: list[rota.Shift],
    now: datetime,
) -> None:
    r = ev.reminder
    assert r is not None
    lang = ctx.language_of(group_id)
    hours = ctx.hours
    names = await _names(s, group_id)
    spans = {
        m: rota.format_span(hours, r.shift_at, rota.duty_until(shifts, m, r.shift_at))
        for m in r.members
    }
    span = join(lang, sorted(set(spans.values())))
    # The time really left (a reminder posted late says so by its number, not by a suffix).
    left_s = (r.shift_at - now).total_seconds()
    minutes = max(1, int((left_s + 30) // 60))
    text = t(
        lang,
        "reminder" if minutes != 1 else "reminder_one_minute",
        names=join(lang, [_at(names, m) for m in r.members]),
        span=span,
        minutes=minutes,
    )
    enqueue(s, OutboundMessage(group_id, text, "reminder", r.members), now)


@dataclass(frozen=True, slots=True)
class BoundaryParts:
    """What a boundary notice's sentence is made of: who comes on (until when), who goes off."""

    boundary: rota.Boundary
    language: str
    names: dict[str, str]
    on: list[str]
    off: list[str]


def _open_text(ctx: Context, p: BoundaryParts, shifts: list[rota.Shift]) -> str:
    lang = p.language
    hours = ctx.hours
    svc = ctx.settings.service
    day = hours.local_day(p.boundary.at)
    start, end = hours.window(day)
    day_members = list(
        dict.fromkeys(
            x.member_id
            for x in sorted(shifts, key=lambda x: x.start_at)
            if start <= x.start_at < end
        )
    )
    return t(
        lang,
        "open",
        date=f"{day:%m-%d}",
        opens=svc.opens,
        closes=svc.closes,
        day=join(lang, [p.names.get(m, m) for m in day_members])
        if day_members
        else t(lang, "nobody_on_duty"),
        on=join(lang, p.on) if p.on else t(lang, "nobody_on_duty"),
    )


def _close_text(ctx: Context, p: BoundaryParts, shifts: list[rota.Shift]) -> str:
    lang = p.language
    svc = ctx.settings.service
    return t(
        lang,
        "close",
        off=join(lang, p.off),
        opens=svc.opens,
        hotlines=join(lang, svc.crisis_hotlines),
    )


def _shift_change_text(ctx: Context, p: BoundaryParts, shifts: list[rota.Shift]) -> str:
    lang = p.language
    local = p.boundary.at.astimezone(ctx.hours.tz)
    now_on = [p.names.get(m, m) for m in p.boundary.on_duty]
    return t(
        lang,
        "shift_change",
        time=f"{local:%H:%M}",
        off=join(lang, p.off),
        on=join(lang, p.on),
        now_on=join(lang, now_on) if now_on else t(lang, "nobody_on_duty"),
    )


def _boundary(text: Callable[[Context, BoundaryParts, list[rota.Shift]], str]) -> Compose:
    """The compose function of a boundary kind whose sentence `text` makes: the sentence, the
    handover, the private handover notes, and the queue's turn."""

    async def compose(
        ctx: Context,
        s: AsyncSession,
        group_id: str,
        ev: Event,
        shifts: list[rota.Shift],
        now: datetime,
    ) -> None:
        await _post_boundary(ctx, s, group_id, ev, shifts, now, text)

    return compose


async def _post_boundary(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    ev: Event,
    shifts: list[rota.Shift],
    now: datetime,
    text_of: Callable[[Context, BoundaryParts, list[rota.Shift]], str],
) -> None:
    b = ev.boundary
    assert b is not None
    lang = ctx.language_of(group_id)
    hours = ctx.hours
    names = await _names(s, group_id)
    suffix = _late_suffix(ctx, group_id, ev, now)
    on = [
        t(lang, "on_until", name=_at(names, m), until=rota.format_span(hours, b.at, until)[-5:])
        for m, until in b.coming_on
    ]
    off = [_at(names, m) for m in b.going_off]
    moved = await hand_over(ctx, s, group_id, b.going_off, b.at, now) if b.going_off else []
    handover, handover_mentions = _handover_text(
        ctx, group_id, moved, names, closing=b.kind == "close"
    )
    mentions = tuple(
        dict.fromkeys([*b.going_off, *(m for m, _ in b.coming_on), *handover_mentions])
    )
    text = text_of(ctx, BoundaryParts(b, lang, names, on, off), shifts)
    # The notes it shows (outside a privacy group) are about the people they name.
    noted = [m.conversation_id for m in moved if m.note and not _privacy(ctx, group_id)]
    post = OutboundMessage(group_id, text + handover + suffix, b.kind, mentions)
    enqueue(s, post, now, quotes=noted)
    _private_handover_notes(ctx, s, group_id, moved, names, now)
    _private_handover_names(ctx, s, group_id, moved, names, now)
    if b.kind != "close" and not b.on_duty and hours.is_open(now):
        # A rota gap begins: whoever waits now is news to the leads again, told once for it.
        group = await s.get(models.Group, group_id)
        if group is not None:
            group.queue_alerted_at = None
        await alert_queue(ctx, s, group_id, now)
    if b.kind == "open" or b.coming_on or moved:
        await drain_queue(ctx, s, group_id, now)


def _privacy(ctx: Context, group_id: str) -> bool:
    group = ctx.settings.group(group_id)
    return bool(group and group.privacy)


def _handover_text(
    ctx: Context, group_id: str, moved: list[Handover], names: dict[str, str], *, closing: bool
) -> tuple[str, list[str]]:
    """The handover part of a boundary notice: who takes whom, who waits, and the notes.

    Counts and mentions only, never message text and never a crisis mark (the leads and the new
    assignee are told of a crisis privately); notes stay out of a privacy group's notice.
    """
    if not moved:
        return "", []
    lang = ctx.language_of(group_id)
    group = ctx.settings.group(group_id)
    privacy = bool(group and group.privacy)
    # A 1:1 channel's team group is not where the person wrote: in privacy mode it reads counts
    # only, and each incoming counsellor hears whom privately (_private_handover_names).
    counts = privacy and one_to_one(ctx, group_id)

    def who(m: Handover) -> str:
        return "@" + names.get(m.staff_id, m.staff_id)

    takes: dict[str, list[Handover]] = {}
    waiting = []
    for m in moved:
        if m.to_id is None:
            waiting.append(m)
        else:
            takes.setdefault(m.to_id, []).append(m)
    lines = [
        t(
            lang,
            "handover_takes_count" if counts else "handover_takes",
            counsellor="@" + names.get(c, c),
            count=len(ms),
            staff=join(lang, [who(m) for m in ms]),
        )
        for c, ms in takes.items()
    ]
    if waiting:
        if counts:
            key = "handover_waiting_close_count" if closing else "handover_waiting_count"
        else:
            key = "handover_waiting_close" if closing else "handover_waiting"
        lines.append(
            t(
                lang,
                key,
                count=len(waiting),
                staff=join(lang, [who(m) for m in waiting]),
                opens=ctx.settings.service.opens,
            )
        )
    if not privacy:
        lines += [
            t(
                lang,
                "handover_note_line",
                staff=names.get(m.staff_id, m.staff_id),
                note=quote(m.note),
            )
            for m in moved
            if m.note
        ]
    text = "\n" + t(lang, "handover_title", count=len(moved)) + "\n" + "\n".join(lines)
    mentions = [*takes, *(() if counts else (m.staff_id for m in moved))]
    return text, mentions


def _private_handover_names(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    moved: list[Handover],
    names: dict[str, str],
    now: datetime,
) -> None:
    """A 1:1 channel in privacy mode: each incoming counsellor hears privately whom they take
    (the team group's notice gives counts only)."""
    group = ctx.settings.group(group_id)
    if not (group and group.privacy and one_to_one(ctx, group_id)):
        return
    takes: dict[str, list[str]] = {}
    for m in moved:
        if m.to_id is not None:
            takes.setdefault(m.to_id, []).append(names.get(m.staff_id, m.staff_id))
    lang = ctx.language_of(group_id)
    for counsellor, staff in takes.items():
        text = t(lang, "handover_private_names", staff=join(lang, staff))
        enqueue(s, OutboundMessage(group_id, text, "shift_change", (), (counsellor,)), now)


def _private_handover_notes(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    moved: list[Handover],
    names: dict[str, str],
    now: datetime,
) -> None:
    """In a privacy group the new counsellor gets each handover note privately."""
    group = ctx.settings.group(group_id)
    if not (group and group.privacy):
        return
    for m in moved:
        if m.to_id is not None and m.note:
            text = t(
                ctx.language_of(group_id),
                "handover_private",
                staff=names.get(m.staff_id, m.staff_id),
                note=quote(m.note),
            )
            post = OutboundMessage(group_id, text, "shift_change", (), (m.to_id,))
            enqueue(s, post, now, quotes=(m.conversation_id,))


def _reminder_expires(ev: Event) -> datetime:
    assert ev.reminder is not None
    return ev.reminder.shift_at - REMINDER_MIN_AHEAD


NOTICE_KINDS: tuple[NoticeKind, ...] = (
    NoticeKind("open", "notice", _boundary(_open_text), "web_kind_open"),
    NoticeKind("shift_change", "notice", _boundary(_shift_change_text), "web_kind_shift_change"),
    NoticeKind("close", "notice", _boundary(_close_text), "web_kind_close"),
    NoticeKind(
        "reminder",
        "notice",
        _compose_reminder,
        "web_kind_reminder",
        expires=_reminder_expires,
    ),
    NoticeKind("report", "report", _compose_report, "web_kind_report", follows="close"),
    # Its posts go to the leads as kind "report" (bot/rota_table.py), labelled as the report.
    NoticeKind("gaps", "report", _compose_gaps, "web_kind_report", follows="close"),
    # The supervisors' review list and the debrief prompts (bot/supervision.py), privately.
    NoticeKind("review", "report", _compose_review, "web_kind_review", follows="close"),
)
KINDS: dict[str, NoticeKind] = {k.kind: k for k in NOTICE_KINDS}
