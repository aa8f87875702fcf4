"""The rota as chat text: who is on duty now, the compact day/week table, gaps, and the gaps
notice the leads get at every close."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import rota, store
from bot.context import Context
from bot.i18n import join, t
from bot.names import Names
from bot.outbox import enqueue
from bot.platforms.base import OutboundMessage

GAPS_NOTICE_DAYS = 7


def day_label(language: str, day: date) -> str:
    """ "11-25 周三" / "11-25 Wed"."""
    return f"{day:%m-%d} {t(language, 'weekdays').split(' ')[day.weekday()]}"


def _at_label(hours: rota.ServiceHours, at: datetime, today: date) -> str:
    local = at.astimezone(hours.tz)
    return f"{local:%H:%M}" if local.date() == today else f"{local:%m-%d %H:%M}"


def oncall_text(
    language: str,
    hours: rota.ServiceHours,
    shifts: Sequence[rota.Shift],
    now: datetime,
    names: Names,
    opens: str,
    closes: str,
) -> str:
    """Who is on duty now and until when, and who comes on next."""

    def until(member: str, at: datetime) -> str:
        end = rota.duty_until(shifts, member, at)
        return t(language, "on_until", name=names[member], until=_until(hours, at, end))

    lines = []
    if not hours.is_open(now):
        lines.append(t(language, "oncall_closed", opens=opens, closes=closes))
    on = rota.on_duty_members(shifts, now)
    if on:
        lines.append(t(language, "oncall_now", names=join(language, [until(m, now) for m in on])))
    elif hours.is_open(now):
        lines.append(t(language, "oncall_nobody"))
    upcoming = [
        b for b in rota.boundaries(shifts, hours, now, now + timedelta(days=8)) if b.coming_on
    ]
    if upcoming:
        b = upcoming[0]
        who = join(language, [until(m, b.at) for m, _ in b.coming_on])
        lines.append(
            t(language, "oncall_next", at=_at_label(hours, b.at, hours.local_day(now)), names=who)
        )
    else:
        lines.append(t(language, "oncall_no_next"))
    return "\n".join(lines)


def _until(hours: rota.ServiceHours, at: datetime, end: datetime) -> str:
    span = rota.format_span(hours, at, end)[-5:]
    if hours.local_day(end - timedelta(microseconds=1)) != hours.local_day(at):
        return f"{end.astimezone(hours.tz):%m-%d} {span}"
    return span


def rota_text(
    language: str,
    hours: rota.ServiceHours,
    shifts: Sequence[rota.Shift],
    days: Sequence[date],
    names: Names,
    *,
    opens: str,
    closes: str,
    min_on_duty: int,
    supervising: Sequence[rota.Shift] = (),
) -> str:
    """A compact table: per day, each stretch of time with who is on duty; gaps marked ⚠; then
    the day's supervision shifts (督导) on their own line."""
    lines = [t(language, "rota_table_title", opens=opens, closes=closes, min=min_on_duty)]
    for day in days:
        lines.append(day_label(language, day))
        opens_at, closes_at = hours.window(day)
        for start_at, end_at, members in rota.coverage(shifts, opens_at, closes_at):
            span = rota.format_span(hours, start_at, end_at)
            who = t(language, "list_sep").join(names[m] for m in members)
            short = min_on_duty - len(members)
            if not members and short > 0:
                mark = t(language, "rota_table_nobody")
            elif short > 0:
                mark = t(language, "rota_table_short", n=short)
            else:
                mark = ""
            lines.append(" ".join(x for x in (span, who, mark) if x))
        sup = [x for x in supervising if x.start_at < closes_at and x.end_at > opens_at]
        if sup:
            spans = [
                f"{names[x.member_id]} {rota.format_span(hours, x.start_at, x.end_at)}"
                for x in sorted(sup, key=lambda x: (x.start_at, x.member_id))
            ]
            lines.append(t(language, "rota_supervision_line", shifts=join(language, spans)))
    return "\n".join(lines)


def supervising_text(
    language: str,
    hours: rota.ServiceHours,
    supervising: Sequence[rota.Shift],
    now: datetime,
    names: Names,
) -> str:
    """The /oncall line of the supervisor on a supervision shift now ("" when none is)."""
    on = rota.on_duty_members(supervising, now)
    if not on:
        return ""
    who = [
        t(
            language,
            "on_until",
            name=names[m],
            until=_until(hours, now, rota.duty_until(supervising, m, now)),
        )
        for m in on
    ]
    return "\n" + t(language, "oncall_supervising", names=join(language, who))


def gaps_lines(language: str, hours: rota.ServiceHours, found: Sequence[rota.Gap]) -> list[str]:
    """One line per day: "11-26 周四 08:00-10:00、19:00-20:00（1 人）"."""
    by_day: dict[date, list[str]] = {}
    for g in found:
        text = rota.format_span(hours, g.start_at, g.end_at)
        if g.on_duty:
            text += t(language, "gaps_count", n=g.on_duty)
        by_day.setdefault(hours.local_day(g.start_at), []).append(text)
    return [
        f"{day_label(language, day)} {t(language, 'list_sep').join(items)}"
        for day, items in sorted(by_day.items())
    ]


def gaps_text(
    language: str,
    hours: rota.ServiceHours,
    found: Sequence[rota.Gap],
    days: Sequence[date],
    min_on_duty: int,
) -> str:
    """The /gaps answer: the gaps per day, or that there are none."""
    if not found:
        span = f"{days[0]:%m-%d}" + (f"~{days[-1]:%m-%d}" if len(days) > 1 else "")
        return t(language, "gaps_none", days=span, min=min_on_duty)
    return "\n".join(
        [t(language, "gaps_title", min=min_on_duty), *gaps_lines(language, hours, found)]
    )


async def post_gaps(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    close_at: datetime,
    now: datetime,
) -> None:
    """At a close: tell the group's leads, privately, the gaps of the next 7 service days."""
    hours = ctx.hours
    svc = ctx.settings.service
    leads = tuple(m.id for m in ctx.settings.leads_of(group_id))
    if not leads or svc.min_on_duty <= 0:
        return
    closed_day = hours.local_day(close_at - timedelta(microseconds=1))
    days = [closed_day + timedelta(days=i) for i in range(1, GAPS_NOTICE_DAYS + 1)]
    first_at = hours.window(days[0])[0]
    last_at = hours.window(days[-1])[1]
    shifts, _ = await store.split_supervision(
        s, group_id, await store.shifts_between(s, group_id, first_at, last_at)
    )
    found = rota.gaps(shifts, hours, days, svc.min_on_duty, after=now)
    if not found:
        return
    lang = ctx.language_of(group_id)
    text = "\n".join(
        [t(lang, "gaps_notice_title", min=svc.min_on_duty), *gaps_lines(lang, hours, found)]
    )
    enqueue(s, OutboundMessage(group_id, text, "report", (), leads), now)  # the outbox splits it
