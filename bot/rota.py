"""The duty rota, pure: who is on duty at an instant, the service window, boundaries, validation.

Functions over frozen dataclasses and instants passed in; no I/O, no clock reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.errors import RotaError

BoundaryKind = Literal["open", "close", "shift_change"]
_EPS = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Shift:
    """One counsellor on duty in one group from `start_at` (inclusive) to `end_at` (exclusive)."""

    member_id: str
    start_at: datetime
    end_at: datetime
    group_id: str = ""
    id: int | None = None

    def covers(self, at: datetime) -> bool:
        return self.start_at <= at < self.end_at

    def overlaps(self, other: Shift) -> bool:
        return self.start_at < other.end_at and other.start_at < self.end_at


@dataclass(frozen=True, slots=True)
class ServiceHours:
    """The daily window of service, e.g. 08:00-24:00 in Asia/Shanghai (24:00 ends the day)."""

    opens_minute: int
    closes_minute: int
    tz: ZoneInfo

    def local_day(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    def at_minute(self, day: date, minute: int) -> datetime:
        """The instant of `minute` after local midnight of `day` (1440 is the next midnight)."""
        return datetime.combine(day, time(0), self.tz) + timedelta(minutes=minute)

    def window(self, day: date) -> tuple[datetime, datetime]:
        """(opens_at, closes_at) of the service day `day`."""
        return self.at_minute(day, self.opens_minute), self.at_minute(day, self.closes_minute)

    def is_open(self, at: datetime) -> bool:
        opens_at, closes_at = self.window(self.local_day(at))
        return opens_at <= at < closes_at

    def next_open_at(self, at: datetime) -> datetime:
        """The next opening at or after `at` (today's if still ahead, else tomorrow's)."""
        day = self.local_day(at)
        opens_at, _ = self.window(day)
        if at <= opens_at:
            return opens_at
        return self.window(day + timedelta(days=1))[0]

    def last_close_at(self, at: datetime) -> datetime:
        """The most recent closing at or before `at`."""
        day = self.local_day(at)
        for d in (day, day - timedelta(days=1)):
            closes_at = self.window(d)[1]
            if closes_at <= at:
                return closes_at
        return self.window(day - timedelta(days=2))[1]


@dataclass(frozen=True, slots=True)
class Boundary:
    """An instant where who is on duty changes, or service opens or closes."""

    at: datetime
    kind: BoundaryKind
    going_off: tuple[str, ...]
    coming_on: tuple[tuple[str, datetime], ...]  # (member, on duty until)
    on_duty: tuple[str, ...]  # everyone on duty from `at`


@dataclass(frozen=True, slots=True)
class Reminder:
    """`minutes` before `shift_at`, the counsellors who start then are reminded."""

    at: datetime
    shift_at: datetime
    members: tuple[str, ...]


def on_duty(shifts: Iterable[Shift], at: datetime) -> list[Shift]:
    """The shifts covering `at`, earliest start first."""
    return sorted((s for s in shifts if s.covers(at)), key=lambda s: (s.start_at, s.member_id))


def on_duty_members(shifts: Iterable[Shift], at: datetime) -> list[str]:
    """The counsellors on duty at `at`, each once, in shift order."""
    seen: dict[str, None] = {}
    for s in on_duty(shifts, at):
        seen.setdefault(s.member_id, None)
    return list(seen)


def duty_until(shifts: Sequence[Shift], member_id: str, at: datetime) -> datetime:
    """When `member_id`, on duty at `at`, goes off duty (back-to-back shifts joined)."""
    end = at
    mine = sorted((s for s in shifts if s.member_id == member_id), key=lambda s: s.start_at)
    for s in mine:
        if s.start_at <= end < s.end_at:
            end = s.end_at
    return end


def next_shifts(shifts: Iterable[Shift], at: datetime) -> list[Shift]:
    """The shifts that start soonest after `at` (all those sharing that start)."""
    later = sorted((s for s in shifts if s.start_at > at), key=lambda s: (s.start_at, s.member_id))
    if not later:
        return []
    first = later[0].start_at
    return [s for s in later if s.start_at == first]


def service_days(hours: ServiceHours, after: datetime, upto: datetime) -> list[date]:
    """Local days whose service window could touch (after, upto]."""
    day = hours.local_day(after) - timedelta(days=1)
    last = hours.local_day(upto)
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


def boundaries(
    shifts: Sequence[Shift], hours: ServiceHours, after: datetime, upto: datetime
) -> list[Boundary]:
    """Every boundary in (after, upto], in time order: opens, closes and changes of who is on."""
    instants: dict[datetime, BoundaryKind] = {}
    for s in shifts:
        for at in (s.start_at, s.end_at):
            if after < at <= upto:
                instants.setdefault(at, "shift_change")
    for day in service_days(hours, after, upto):
        opens_at, closes_at = hours.window(day)
        if after < opens_at <= upto:
            instants[opens_at] = "open"
        if after < closes_at <= upto:
            instants[closes_at] = "close"
    out: list[Boundary] = []
    for at in sorted(instants):
        kind = instants[at]
        before = set(on_duty_members(shifts, at - _EPS))
        now_on = on_duty_members(shifts, at)
        going_off = tuple(sorted(before.difference(now_on)))
        coming_on = tuple((m, duty_until(shifts, m, at)) for m in now_on if m not in before)
        if kind == "shift_change" and not going_off and not coming_on:
            continue
        out.append(Boundary(at, kind, going_off, coming_on, tuple(now_on)))
    return out


def next_boundary(
    shifts: Sequence[Shift], hours: ServiceHours, after: datetime, horizon_days: int = 8
) -> Boundary | None:
    """The first boundary strictly after `after`, looking at most `horizon_days` ahead."""
    upto = after + timedelta(days=1)
    limit = after + timedelta(days=horizon_days)
    while upto <= limit:
        found = boundaries(shifts, hours, after, upto)
        if found:
            return found[0]
        upto += timedelta(days=1)
    return None


def reminders(
    shifts: Sequence[Shift], minutes: int, after: datetime, upto: datetime
) -> list[Reminder]:
    """Reminders due in (after, upto]: `minutes` before each start of duty (not a continuation)."""
    if minutes <= 0:
        return []
    lead = timedelta(minutes=minutes)
    starts: dict[datetime, set[str]] = {}
    for s in shifts:
        at = s.start_at - lead
        if after < at <= upto:
            continuing = any(
                o.member_id == s.member_id and o.covers(s.start_at - _EPS) for o in shifts
            )
            if not continuing:
                starts.setdefault(s.start_at, set()).add(s.member_id)
    return [
        Reminder(shift_at - lead, shift_at, tuple(sorted(members)))
        for shift_at, members in sorted(starts.items())
    ]


def validate_shift(
    new: Shift,
    existing: Iterable[Shift],
    hours: ServiceHours,
    *,
    now: datetime | None = None,
) -> None:
    """Raise RotaError, naming the rule and a fix, unless `new` may join the rota."""
    start_local = new.start_at.astimezone(hours.tz)
    span = f"{start_local:%Y-%m-%d %H:%M}-{_hhmm(hours, new.end_at, start_local.date())}"
    if new.end_at <= new.start_at:
        raise RotaError(f"shift {span} ends before it starts; the end must be after the start")
    opens_at, closes_at = hours.window(start_local.date())
    if not (opens_at <= new.start_at and new.end_at <= closes_at):
        raise RotaError(
            f"shift {span} is outside service hours "
            f"{opens_at.astimezone(hours.tz):%H:%M}-{_hhmm(hours, closes_at, start_local.date())}; "
            "keep it inside them"
        )
    if now is not None and new.start_at < now:
        raise RotaError(f"shift {span} starts in the past; only future shifts can be added")
    for other in existing:
        same_row = new.id is not None and other.id == new.id
        if other.member_id == new.member_id and other.overlaps(new) and not same_row:
            o_start = other.start_at.astimezone(hours.tz)
            raise RotaError(
                f"{new.member_id} already has a shift {o_start:%Y-%m-%d %H:%M}-"
                f"{_hhmm(hours, other.end_at, o_start.date())} that overlaps {span}"
            )


def _hhmm(hours: ServiceHours, at: datetime, day: date) -> str:
    """HH:MM of `at`, writing the midnight that ends `day` as 24:00."""
    local = at.astimezone(hours.tz)
    if local.date() > day and local.time() == time(0):
        return "24:00"
    return f"{local:%H:%M}"


def format_span(hours: ServiceHours, start_at: datetime, end_at: datetime) -> str:
    """ "HH:MM-HH:MM" in service time, with 24:00 for the closing midnight."""
    day = start_at.astimezone(hours.tz).date()
    return f"{_hhmm(hours, start_at, day)}-{_hhmm(hours, end_at, day)}"
