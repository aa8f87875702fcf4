"""Follow-ups: a counsellor's private reminder to follow a person up at a given time.

`/followup WHEN [STAFF]` (handlers/followup_commands.py) stores a row; at its time the group's
job (schedules/group_jobs.py) claims it with one UPDATE ... WHERE sent_at IS NULL, which one
transaction wins on any number of instances, and enqueues its post in that same transaction:
posted exactly once, and, after a restart, once on start (saying how late it is). The post is
private, never in the group: to the counsellor who set it if they are on duty then, otherwise to
the least-loaded counsellor on duty, with the conversation's handover note.

WHEN is read on the service clock, in the service timezone; a time outside service hours is
moved to the next opening (nobody is on duty to be reminded then) and the reply says so.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, store
from bot.context import Context
from bot.i18n import t
from bot.outbox import enqueue
from bot.platforms.base import OutboundMessage
from bot.quoting import quote
from bot.rota import ServiceHours
from bot.rota_args import ArgumentError
from bot.routing import CounsellorLoad

log = logging.getLogger(__name__)
MAX_AHEAD = timedelta(days=30)
PROPOSE_AFTER = timedelta(hours=24)  # the follow-up proposed after a crisis conversation closes

_RELATIVE = re.compile(
    r"^\+?(\d{1,3})(h|hr|hrs|m|min|mins|d|小时|个小时|钟头|分钟|分|天)(后|以后)?$"
)
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})$")
_DIAN = re.compile(r"^(\d{1,2})点(?:(\d{1,2})分?|(半))?$")
_SHORT_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})$")
_FULL_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
# Day words: (days after today, evening: an hour before 12 is the afternoon's/evening's).
_DAYS: dict[str, tuple[int, bool]] = {
    "today": (0, False),
    "今天": (0, False),
    "今日": (0, False),
    "tonight": (0, True),
    "今晚": (0, True),
    "今天晚上": (0, True),
    "tomorrow": (1, False),
    "明天": (1, False),
    "明日": (1, False),
    "明早": (1, False),
    "明天早上": (1, False),
    "明晚": (1, True),
    "明天晚上": (1, True),
    "后天": (2, False),
}
_GLUED = re.compile("^(" + "|".join(sorted(_DAYS, key=len, reverse=True)) + r")(\d.*)$")
_UNIT_MINUTES = {"h": 60, "hr": 60, "hrs": 60, "小时": 60, "个小时": 60, "钟头": 60, "d": 1440}
_UNIT_MINUTES |= {"天": 1440, "m": 1, "min": 1, "mins": 1, "分钟": 1, "分": 1}


@dataclass(frozen=True, slots=True)
class When:
    """A follow-up's time: `due` (in service hours), and whether it was moved there."""

    due: datetime
    asked: datetime

    @property
    def moved(self) -> bool:
        return self.due != self.asked


def _split_glued(words: list[str]) -> list[str]:
    """ "明天18:00" as two words, as if a space had been typed."""
    if words:
        m = _GLUED.match(words[0].casefold())
        if m:
            return [m.group(1), m.group(2), *words[1:]]
    return words


def _clock_time(word: str) -> tuple[int, int] | None:
    m = _HHMM.match(word)
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
    else:
        m = _DIAN.match(word)
        if not m:
            return None
        h = int(m.group(1))
        mi = 30 if m.group(3) else int(m.group(2) or 0)
    if h > 23 or mi > 59:
        raise ArgumentError("followup_bad_time", time=word)
    return h, mi


def _day_of(word: str, today: date) -> tuple[date, bool] | None:
    if word.casefold() in _DAYS:
        ahead, evening = _DAYS[word.casefold()]
        return today + timedelta(days=ahead), evening
    try:
        m = _FULL_DATE.match(word)
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))), False
        m = _SHORT_DATE.match(word)
        if m:
            day = date(today.year, int(m.group(1)), int(m.group(2)))
            # "01-05" written in December is next January's.
            return (day if day >= today else day.replace(year=today.year + 1)), False
    except ValueError:
        raise ArgumentError("followup_bad_date", date=word) from None
    return None


def parse_when(words: list[str], now: datetime, hours: ServiceHours) -> tuple[When, list[str]]:
    """WHEN from the first words (NFKC-normalised), and the words after it (STAFF).

    `+2h`, `2小时后`, `30分钟后`; `18:00` (today, if ahead); a day (`明天`, `今晚`, `tomorrow`,
    `12-05`, `2026-12-05`) and a time. Raises ArgumentError on anything else, on a time that
    has passed, or one more than 30 days ahead."""
    words = _split_glued([unicodedata.normalize("NFKC", w) for w in words])
    if not words:
        raise ArgumentError("followup_when_missing")
    first = words[0].casefold()
    local_now = now.astimezone(hours.tz)
    rel = _RELATIVE.match(first)
    if rel:
        minutes = int(rel.group(1)) * _UNIT_MINUTES[rel.group(2)]
        if minutes <= 0:
            raise ArgumentError("followup_bad_when", when=words[0])
        asked = (now + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
        rest = words[1:]
    else:
        day_evening = _day_of(first, local_now.date())
        if day_evening is None:
            clock = _clock_time(first)
            if clock is None:
                raise ArgumentError("followup_bad_when", when=words[0])
            day, evening, rest = local_now.date(), False, words[1:]
        else:
            (day, evening), rest = day_evening, words[1:]
            clock = _clock_time(rest[0]) if rest else None
            if clock is None:
                raise ArgumentError("followup_time_missing", day=words[0])
            rest = rest[1:]
        h, mi = clock
        if evening and h < 12:
            h += 12
        asked = datetime.combine(day, time(h, mi), hours.tz)
        if asked <= now:
            raise ArgumentError("followup_past", when=f"{asked:%m-%d %H:%M}")
    if asked - now > MAX_AHEAD:
        raise ArgumentError("followup_too_far", days=MAX_AHEAD.days)
    return When(in_service(asked, hours), asked), rest


def in_service(at: datetime, hours: ServiceHours) -> datetime:
    """`at`, or the next opening after it when service is closed then."""
    return at if hours.is_open(at) else hours.next_open_at(at)


def local_text(at: datetime, hours: ServiceHours) -> str:
    """How a follow-up's time is written back: "12-02 18:00", ready to type again."""
    return f"{at.astimezone(hours.tz):%m-%d %H:%M}"


async def create(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    set_by: str,
    staff_id: str,
    conversation_id: int | None,
    due: datetime,
    now: datetime,
) -> models.Followup:
    row = models.Followup(
        group_id=group_id,
        conversation_id=conversation_id,
        staff_id=staff_id,
        set_by=set_by,
        due_at=due,
        created_at=now,
        late_s=0,
    )
    s.add(row)
    await s.flush()
    ctx.deadline_at(group_id, due)  # the group's job wakes by then
    return row


def _pending() -> list[ColumnElement[bool]]:
    f = models.Followup
    return [f.sent_at.is_(None), f.cancelled_at.is_(None)]


async def pending_of(s: AsyncSession, group_id: str, set_by: str) -> list[models.Followup]:
    f = models.Followup
    return list(
        await s.scalars(
            select(f)
            .where(f.group_id == group_id, f.set_by == set_by, *_pending())
            .order_by(f.due_at, f.id)
        )
    )


async def cancel(
    s: AsyncSession, group_id: str, set_by: str, followup_id: int, now: datetime
) -> bool:
    """Cancel one's own pending follow-up; whether there was one to cancel (one UPDATE, so a
    follow-up being posted on another instance is either posted or cancelled, not both)."""
    f = models.Followup
    res = await s.execute(
        update(f)
        .where(f.id == followup_id, f.group_id == group_id, f.set_by == set_by, *_pending())
        .values(cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


async def next_due(ctx: Context, group_id: str) -> datetime | None:
    """When the group's next pending follow-up is due."""
    f = models.Followup
    async with ctx.db.read() as s:
        return await s.scalar(
            select(f.due_at).where(f.group_id == group_id, *_pending()).order_by(f.due_at).limit(1)
        )


async def groups_due(s: AsyncSession, now: datetime) -> list[str]:
    """Groups with a follow-up due and not posted (one set on another instance, say)."""
    f = models.Followup
    return list(await s.scalars(select(f.group_id).where(*_pending(), f.due_at <= now).distinct()))


async def handle_due(ctx: Context, group_id: str, now: datetime) -> list[int]:
    """Post every follow-up of the group due by `now`; the ids this call posted.

    Each is claimed by the UPDATE that sets `sent_at` where it is still NULL, in the transaction
    that enqueues its post: another instance, or a run after a restart, finds it claimed. One
    due while the bot was down goes out on start, late, and says so."""
    f = models.Followup
    async with ctx.db.read() as s:
        due = list(
            await s.scalars(
                select(f.id)
                .where(f.group_id == group_id, *_pending(), f.due_at <= now)
                .order_by(f.due_at, f.id)
            )
        )
    posted = []
    for followup_id in due:
        async with ctx.db.write() as s:
            claimed = await s.execute(
                update(f)
                .where(f.id == followup_id, *_pending())
                .values(sent_at=now)
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue
            row = await s.get(f, followup_id, populate_existing=True)
            assert row is not None
            await _post(ctx, s, row, now)
            posted.append(followup_id)
    if posted:
        ctx.wake_outbox()
    return posted


def least_loaded(loads: list[CounsellorLoad], without: str) -> str | None:
    """The on-duty counsellor (other than `without`) with the fewest open conversations, not
    paused first, the one given a conversation longest ago first."""
    others = [x for x in loads if x.member_id != without]
    if not others:
        return None

    def key(x: CounsellorLoad) -> tuple[bool, int, float]:
        last = x.last_assigned_at.timestamp() if x.last_assigned_at is not None else 0.0
        return x.paused, x.open_count, last

    return min(others, key=key).member_id


async def _post(ctx: Context, s: AsyncSession, row: models.Followup, now: datetime) -> None:
    """The follow-up's private post, to whoever is to follow up now; never in the group."""
    lang = ctx.language_of(row.group_id)
    hours = ctx.hours
    conv = (
        await s.get(models.Conversation, row.conversation_id)
        if row.conversation_id is not None
        else None
    )
    names: dict[str, str] = dict(await store.member_names(s, row.group_id))
    if conv is not None and conv.group_id != row.group_id:  # a 1:1 channel this group serves
        names = {**(await store.member_names(s, conv.group_id)), **names}
    staff = quote(names.get(row.staff_id, row.staff_id))
    setter = quote(names.get(row.set_by, row.set_by))
    late_s = max(0, int((now - row.due_at).total_seconds()))
    row.late_s = late_s
    late = ""
    if late_s > ctx.settings.service.late_notice_minutes * 60:
        late = t(lang, "late", minutes=late_s // 60)
    loads = await store.on_duty_loads(s, row.group_id, now)
    on_duty = {x.member_id for x in loads}
    values = {"staff": staff, "set_at": local_text(row.created_at, hours), "late": late}
    note = conv.handover_note if conv is not None else None
    quotes: tuple[int, ...] = ()
    if row.set_by in on_duty:
        to, text = row.set_by, t(lang, "followup_due", **values)
    else:
        other = least_loaded(loads, row.set_by)
        if other is None:
            # Nobody on duty (a rota gap): it stays the setter's, and says so.
            to, text = row.set_by, t(lang, "followup_due_unstaffed", **values)
        else:
            to = other
            noted = t(lang, "handover_note", note=quote(note)) if note else ""
            text = t(lang, "followup_due_other", setter=setter, note=noted, **values)
            if note and conv is not None:
                quotes = (conv.id,)  # a person's request to be forgotten finds the copy
    row.sent_to = to
    post = OutboundMessage(row.group_id, text, "followup", (to,), (to,))
    enqueue(s, post, now, quotes=quotes)
    log.info(
        "group %s: follow-up %s (due %s) posted to %s, %d s late",
        row.group_id,
        row.id,
        row.due_at.isoformat(),
        to,
        late_s,
    )


def proposes_followup(conv: models.Conversation) -> bool:
    """Whether closing `conv` proposes a follow-up at +24 h to its counsellor: a level 3
    conversation (a plan, the means or a time frame; bot/triage.py), as crisis lines do."""
    return conv.level >= 3


def proposed_time(now: datetime, hours: ServiceHours) -> datetime:
    """24 hours on, moved into service hours, to the minute."""
    return in_service((now + PROPOSE_AFTER).replace(second=0, microsecond=0), hours)
