"""Figures for the leads: a group's messages, conversations, response times and waits over a
period, and the same as text. Counts and durations only; a report never carries message text.

Used by the daily report at close, `/stats`, `carebot report` and the console charts.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, store
from bot.config import Settings
from bot.context import Context
from bot.i18n import join, level_name, t
from bot.names import Names
from bot.outbox import enqueue
from bot.platforms.base import OutboundMessage
from bot.rota import ServiceHours

log = logging.getLogger(__name__)

WAIT_GRACE_S = 60.0  # assigned within this of opening: the conversation did not wait
_EPS = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class CounsellorStats:
    member_id: str
    assigned: int  # conversations assigned to them in the period
    closed: int
    first_response_median_s: float | None


@dataclass(frozen=True, slots=True)
class CategoryCount:
    """How many conversations closed in the period carry one category (None: untagged)."""

    category: str | None  # the [[service.categories]] id
    zh: str
    en: str
    count: int

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh


@dataclass(frozen=True, slots=True)
class Report:
    group_id: str
    start_at: datetime
    end_at: datetime
    messages: int  # inbound messages from staff
    conversations_opened: int
    conversations_closed: int
    first_response_median_s: float | None
    first_response_p90_s: float | None
    waited: int  # conversations that had to wait in the queue
    longest_wait_s: float | None
    crisis_flags: int
    off_hours_messages: int
    messages_per_hour: tuple[int, ...]  # 24 entries, service-local hours 0..23 (summed over days)
    per_counsellor: tuple[CounsellorStats, ...]
    # Conversations closed in the period, by category: every configured one (zeros too), then
    # ids no longer configured, then the untagged.
    by_category: tuple[CategoryCount, ...] = ()
    # Conversations closed in the period by their triage level, 0..3 (bot/triage.py).
    by_level: tuple[int, ...] = (0, 0, 0, 0)


def count_by(convs: Iterable[models.Conversation], column: str) -> dict[object, int]:
    """How many of `convs` hold each value of `column` (the figures "by category", "by level")."""
    counts: dict[object, int] = {}
    for conv in convs:
        value = getattr(conv, column)
        counts[value] = counts.get(value, 0) + 1
    return counts


def _by_category(
    settings: Settings, closed: list[models.Conversation]
) -> tuple[CategoryCount, ...]:
    counts = count_by(closed, "category")
    configured = settings.service.categories
    out = [CategoryCount(c.id, c.zh, c.en, counts.pop(c.id, 0)) for c in configured]
    untagged = counts.pop(None, 0)
    out += [CategoryCount(str(k), str(k), str(k), n) for k, n in sorted(counts.items(), key=str)]
    if out or untagged:
        word = "report_untagged"
        out.append(CategoryCount(None, t("zh", word), t("en", word), untagged))
    return tuple(out)


def _by_level(closed: list[models.Conversation]) -> tuple[int, ...]:
    counts = count_by(closed, "level")
    return tuple(counts.get(level, 0) for level in range(4))


def hours_of(settings: Settings) -> ServiceHours:
    s = settings.service
    return ServiceHours(s.opens_minute, s.closes_minute, settings.bot.tz)


def day_period(hours: ServiceHours, day: date) -> tuple[datetime, datetime]:
    """The span the report of service day `day` covers: the previous close to this close.

    Messages written after one close count for the next day, the day they are answered in
    (with service 08:00-24:00 that is simply the local calendar day).
    """
    return hours.window(day - timedelta(days=1))[1], hours.window(day)[1]


def period_so_far(hours: ServiceHours, day: date, now: datetime) -> tuple[datetime, datetime]:
    """The span of service day `day`'s report as far as it has run at `now`.

    A day still running ends at `now` (as `/stats` does), so a wait still going is measured up
    to now rather than to the close; any other day is whole.
    """
    start_at, end_at = day_period(hours, day)
    return start_at, now if start_at <= now < end_at else end_at


def service_day(hours: ServiceHours, at: datetime) -> date:
    """The service day whose report period holds `at`."""
    day = hours.local_day(at)
    return day if at < hours.window(day)[1] else day + timedelta(days=1)


def day_of_close(hours: ServiceHours, close_at: datetime) -> date:
    """The service day that closes at `close_at` (24:00 closes the day before the date)."""
    return hours.local_day(close_at - _EPS)


def percentile(values: list[float], fraction: float) -> float | None:
    """The `fraction` quantile with linear interpolation between ranks (None for no values)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    cut = round(fraction * 100)
    return statistics.quantiles(values, n=100, method="inclusive")[cut - 1]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _inside(at: datetime | None, start_at: datetime, end_at: datetime) -> bool:
    return at is not None and start_at <= at < end_at


async def build_report(
    s: AsyncSession, settings: Settings, group_id: str, start_at: datetime, end_at: datetime
) -> Report:
    """The figures of `group_id` over [start_at, end_at).

    Each figure counts what happened in the period: messages received, conversations opened,
    assigned, answered and closed in it. First-response time runs from a conversation's
    (latest) assignment to its counsellor's first response. A conversation opened in the period
    waited if it was assigned more than a minute after it opened, or is still waiting; waits are
    measured up to `end_at`, so a report built again later says the same (except where a later
    reassignment has overwritten a conversation's assignment time and first response).
    """
    if start_at.tzinfo is None or end_at.tzinfo is None:
        raise ValueError("build_report needs timezone-aware instants")
    tz: ZoneInfo = settings.bot.tz
    m = models.Message
    msg_rows = (
        await s.execute(
            select(m.received_at, m.is_off_hours, m.is_crisis).where(
                m.group_id == group_id,
                m.sender_role == "staff",
                m.is_command.is_(False),
                m.received_at >= start_at,
                m.received_at < end_at,
            )
        )
    ).all()
    per_hour = [0] * 24
    for received_at, _, _ in msg_rows:
        per_hour[received_at.astimezone(tz).hour] += 1

    c = models.Conversation
    touched = [
        col.between(start_at, end_at)
        for col in (c.opened_at, c.assigned_at, c.first_response_at, c.closed_at)
    ]
    convs = list(await s.scalars(select(c).where(c.group_id == group_id, or_(*touched))))

    opened = [x for x in convs if _inside(x.opened_at, start_at, end_at)]
    closed = [x for x in convs if x.status == "closed" and _inside(x.closed_at, start_at, end_at)]
    answered = [
        x
        for x in convs
        if x.assigned_at is not None and _inside(x.first_response_at, start_at, end_at)
    ]
    waits = [w for w in (wait_s(x, end_at) for x in opened) if w is not None]
    responses: dict[str, list[float]] = {}
    for x in answered:
        # From the first assignment: a handover or a timeout reassignment does not reset it.
        since = x.first_assigned_at or x.assigned_at
        assert x.first_response_at is not None and since is not None
        delay = max(0.0, (x.first_response_at - since).total_seconds())
        responses.setdefault(x.counsellor_id or "", []).append(delay)
    all_responses = [d for ds in responses.values() for d in ds]

    on_duty = {sh.member_id for sh in await store.shifts_between(s, group_id, start_at, end_at)}
    per_counsellor = _per_counsellor(convs, on_duty, responses, start_at, end_at)
    return Report(
        group_id=group_id,
        start_at=start_at.astimezone(tz),
        end_at=end_at.astimezone(tz),
        messages=len(msg_rows),
        conversations_opened=len(opened),
        conversations_closed=len(closed),
        first_response_median_s=_median(all_responses),
        first_response_p90_s=percentile(all_responses, 0.9),
        waited=len(waits),
        longest_wait_s=max(waits) if waits else None,
        crisis_flags=sum(1 for r in msg_rows if r[2]),
        off_hours_messages=sum(1 for r in msg_rows if r[1]),
        messages_per_hour=tuple(per_hour),
        per_counsellor=per_counsellor,
        by_category=_by_category(settings, closed),
        by_level=_by_level(closed),
    )


def wait_s(conv: models.Conversation, end_at: datetime) -> float | None:
    """How long `conv` waited for a counsellor (None: it did not wait)."""
    first = conv.first_assigned_at or conv.assigned_at  # later handovers are not waiting
    until = first if first is not None and first <= end_at else end_at
    wait = max(0.0, (until - conv.opened_at).total_seconds())
    if wait > WAIT_GRACE_S or conv.status == "waiting":
        return wait
    return None


def _per_counsellor(
    convs: Iterable[models.Conversation],
    on_duty: set[str],
    responses: dict[str, list[float]],
    start_at: datetime,
    end_at: datetime,
) -> tuple[CounsellorStats, ...]:
    assigned: dict[str, int] = {}
    closed: dict[str, int] = {}
    for x in convs:
        if x.counsellor_id is None:
            continue
        if _inside(x.assigned_at, start_at, end_at):
            assigned[x.counsellor_id] = assigned.get(x.counsellor_id, 0) + 1
        if x.status == "closed" and _inside(x.closed_at, start_at, end_at):
            closed[x.counsellor_id] = closed.get(x.counsellor_id, 0) + 1
    people = on_duty | set(assigned) | set(closed) | (set(responses) - {""})
    return tuple(
        CounsellorStats(
            member_id=p,
            assigned=assigned.get(p, 0),
            closed=closed.get(p, 0),
            first_response_median_s=_median(responses.get(p, [])),
        )
        for p in sorted(people)
    )


def format_duration(seconds: float | None, language: str) -> str:
    """45 s, 3 min 20 s, 2 h 5 min (in the bot language); a dash for no figure."""
    if seconds is None:
        return t(language, "report_no_figure")
    total = round(seconds)
    if total < 60:
        return t(language, "duration_s", s=total)
    if total < 3600:
        return t(language, "duration_ms", m=total // 60, s=total % 60)
    return t(language, "duration_hm", h=total // 3600, m=total % 3600 // 60)


def format_report(report: Report, names: Names, language: str) -> str:
    """The report as a short message for the leads; figures and names only, never message text."""
    lang = language

    def dur(seconds: float | None) -> str:
        return format_duration(seconds, lang)

    lines = [
        t(
            lang,
            "report_title",
            group=report.group_id,
            start=f"{report.start_at:%Y-%m-%d %H:%M}",
            end=f"{report.end_at:%Y-%m-%d %H:%M}",
        ),
        t(
            lang,
            "report_messages",
            messages=report.messages,
            off_hours=report.off_hours_messages,
            crisis=report.crisis_flags,
        ),
        t(
            lang,
            "report_conversations",
            opened=report.conversations_opened,
            closed=report.conversations_closed,
            waited=report.waited,
            longest=dur(report.longest_wait_s),
        ),
        t(
            lang,
            "report_first_response",
            median=dur(report.first_response_median_s),
            p90=dur(report.first_response_p90_s),
        )
        if report.first_response_median_s is not None
        else t(lang, "report_no_first_response"),
    ]
    if report.by_category:
        counts = [
            t(lang, "report_category", category=c.label(lang), count=c.count)
            for c in report.by_category
        ]
        lines.append(t(lang, "report_by_category", categories=join(lang, counts)))
    if report.conversations_closed:
        levels = [
            t(lang, "report_category", category=level_name(lang, level), count=n)
            for level, n in enumerate(report.by_level)
        ]
        lines.append(t(lang, "report_by_level", levels=join(lang, levels)))
    busy = [
        t(lang, "report_hour", hour=h, count=n) for h, n in enumerate(report.messages_per_hour) if n
    ]
    if busy:
        lines.append(t(lang, "report_by_hour", hours=join(lang, busy)))
    lines.append(t(lang, "report_counsellors_title"))
    if not report.per_counsellor:
        lines.append(t(lang, "report_no_counsellors"))
    for c in sorted(report.per_counsellor, key=lambda c: (-c.assigned, c.member_id)):
        lines.append(
            t(
                lang,
                "report_counsellor",
                name=names[c.member_id],
                assigned=c.assigned,
                closed=c.closed,
                median=dur(c.first_response_median_s),
            )
        )
    return "\n".join(lines)


async def post_daily_report(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    close_at: datetime,
    now: datetime,
    suffix: str = "",
) -> None:
    """Enqueue the report of the day that closes at `close_at`, privately to the group's leads."""
    leads = tuple(m.id for m in ctx.settings.leads_of(group_id))
    if not leads:
        log.warning("group %s has no lead; the daily report was not sent", group_id)
        return
    start_at, end_at = day_period(ctx.hours, day_of_close(ctx.hours, close_at))
    report = await build_report(s, ctx.settings, group_id, start_at, end_at)
    names = await store.member_names(s, group_id)
    text = format_report(report, names, ctx.language_of(group_id)) + suffix
    enqueue(s, OutboundMessage(group_id, text, "report", leads, leads), now)
