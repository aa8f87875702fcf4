"""The duty rota, pure: who is on duty at an instant, the service window, boundaries, validation.

Functions over frozen dataclasses and instants passed in; no I/O, no clock reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

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


# --- Rules as data, changes and coverage (bot/rota_changes.py, the rota table, gaps) ---

Rule = Literal["order", "window", "past", "overlap"]


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule `shift` breaks; `other` is the shift it overlaps; `suggestion` would pass the rule."""

    rule: Rule
    shift: Shift
    other: Shift | None = None
    suggestion: Shift | None = None


def find_violation(
    new: Shift,
    existing: Iterable[Shift],
    hours: ServiceHours,
    *,
    now: datetime | None = None,
) -> Violation | None:
    """The first rule `new` breaks (end after start, inside the window, not past, no overlap)."""
    length = new.end_at - new.start_at
    day = hours.local_day(new.start_at)
    opens_at, closes_at = hours.window(day)
    if length <= timedelta(0):
        fix = (
            _clamp(_replace(new, new.end_at, new.start_at), hours)
            if length < timedelta(0)
            else _clamp(_replace(new, new.start_at, new.start_at + timedelta(hours=2)), hours)
        )
        return Violation("order", new, suggestion=fix)
    if not (opens_at <= new.start_at and new.end_at <= closes_at):
        return Violation("window", new, suggestion=_clamp(new, hours))
    if now is not None and new.start_at < now:
        start = _next_five_minutes(now, hours)
        fix = _replace(new, start, new.end_at) if start < new.end_at else None
        return Violation("past", new, suggestion=fix)
    for other in existing:
        same_row = new.id is not None and other.id == new.id
        if other.member_id == new.member_id and other.overlaps(new) and not same_row:
            return Violation("overlap", new, other, _beside(new, other, hours))
    return None


def _replace(s: Shift, start_at: datetime, end_at: datetime) -> Shift:
    return Shift(s.member_id, start_at, end_at, s.group_id)


def _clamp(s: Shift, hours: ServiceHours) -> Shift | None:
    """`s` pulled inside its day's window, keeping its length where it fits."""
    opens_at, closes_at = hours.window(hours.local_day(s.start_at))
    length = min(s.end_at - s.start_at, closes_at - opens_at)
    start = min(max(s.start_at, opens_at), closes_at - length)
    return _replace(s, start, start + length) if length > timedelta(0) else None


def _beside(new: Shift, other: Shift, hours: ServiceHours) -> Shift | None:
    """A shift of the same length just after `other`, else just before it, inside the window."""
    opens_at, closes_at = hours.window(hours.local_day(new.start_at))
    length = new.end_at - new.start_at
    if other.end_at + length <= closes_at:
        return _replace(new, other.end_at, other.end_at + length)
    if other.start_at - length >= opens_at:
        return _replace(new, other.start_at - length, other.start_at)
    return None


def _next_five_minutes(at: datetime, hours: ServiceHours) -> datetime:
    local = at.astimezone(hours.tz).replace(second=0, microsecond=0)
    return local + timedelta(minutes=5 - local.minute % 5)


def _merged(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def changed_spans(
    before: Iterable[Shift], after: Iterable[Shift]
) -> list[tuple[str, datetime, datetime]]:
    """(member, from, to): the time each member is on duty in exactly one of `before`/`after`.

    What a rota change really alters: a shift deleted and put back in pieces changes nothing
    where the pieces lie.
    """
    spans: dict[str, tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]]] = {}
    for side, shifts in enumerate((before, after)):
        for s in shifts:
            spans.setdefault(s.member_id, ([], []))[side].append((s.start_at, s.end_at))
    out: list[tuple[str, datetime, datetime]] = []
    for member in sorted(spans):
        old, new = (_merged(x) for x in spans[member])
        points = sorted({p for span in old + new for p in span})
        for a, b in itertools.pairwise(points):
            was = any(s <= a < e for s, e in old)
            now_on = any(s <= a < e for s, e in new)
            if was == now_on:
                continue
            if out and out[-1][0] == member and out[-1][2] == a:
                out[-1] = (member, out[-1][1], b)
            else:
                out.append((member, a, b))
    return out


def without(shift: Shift, start_at: datetime, end_at: datetime) -> list[Shift]:
    """What is left of `shift` once [start_at, end_at) is cut out of it (0, 1 or 2 pieces)."""
    pieces = []
    if shift.start_at < start_at:
        pieces.append(_replace(shift, shift.start_at, min(start_at, shift.end_at)))
    if end_at < shift.end_at:
        pieces.append(_replace(shift, max(end_at, shift.start_at), shift.end_at))
    return pieces


def coverage(
    shifts: Sequence[Shift], start_at: datetime, end_at: datetime
) -> list[tuple[datetime, datetime, tuple[str, ...]]]:
    """[start_at, end_at) cut where who is on duty changes: (from, to, members on duty)."""
    points = {start_at, end_at}
    for s in shifts:
        points.update(p for p in (s.start_at, s.end_at) if start_at < p < end_at)
    out: list[tuple[datetime, datetime, tuple[str, ...]]] = []
    ordered = sorted(points)
    for a, b in itertools.pairwise(ordered):
        members = tuple(on_duty_members(shifts, a))
        if out and out[-1][2] == members:
            out[-1] = (out[-1][0], b, members)
        else:
            out.append((a, b, members))
    return out


@dataclass(frozen=True, slots=True)
class Gap:
    """Service time from `start_at` to `end_at` with only `on_duty` counsellors (too few)."""

    start_at: datetime
    end_at: datetime
    on_duty: int


def gaps(
    shifts: Sequence[Shift],
    hours: ServiceHours,
    days: Iterable[date],
    min_on_duty: int,
    *,
    after: datetime | None = None,
) -> list[Gap]:
    """Spans of the service windows of `days` (from `after` on) with fewer than `min_on_duty`."""
    out: list[Gap] = []
    for day in days:
        opens_at, closes_at = hours.window(day)
        if after is not None:
            opens_at = max(opens_at, after)
        if opens_at >= closes_at:
            continue
        for a, b, members in coverage(shifts, opens_at, closes_at):
            if len(members) >= min_on_duty:
                continue
            if out and out[-1].end_at == a and out[-1].on_duty == len(members):
                out[-1] = Gap(out[-1].start_at, b, len(members))
            else:
                out.append(Gap(a, b, len(members)))
    return out
