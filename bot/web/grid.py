"""The console's week grid, pure: shifts laid out as blocks in day columns, thin hours found.

Plain values in, plain values out (the instant `now` is passed in): the HTML and the JSON of the
console are both drawn from a WeekGrid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot import rota
from bot.names import Names


@dataclass(frozen=True, slots=True)
class Block:
    """One shift in a day column; minutes count from that day's local midnight."""

    shift_id: int | None
    member_id: str
    name: str
    start_minute: int
    end_minute: int
    lane: int  # side by side with the shifts it overlaps: lane of `lanes`
    lanes: int


@dataclass(frozen=True, slots=True)
class HourCell:
    """One hour of service in a day: the fewest counsellors on duty at any moment of it."""

    hour: int
    start_minute: int
    end_minute: int
    fewest_on_duty: int
    is_gap: bool  # fewer than service.min_on_duty at some moment


@dataclass(frozen=True, slots=True)
class DayColumn:
    day: date
    blocks: tuple[Block, ...]
    hours: tuple[HourCell, ...]
    now_minute: int | None  # where the current time is, if it falls inside this day's window
    is_today: bool


@dataclass(frozen=True, slots=True)
class WeekGrid:
    start_day: date
    opens_minute: int
    closes_minute: int
    min_on_duty: int
    days: tuple[DayColumn, ...]

    @property
    def gap_count(self) -> int:
        return sum(1 for d in self.days for h in d.hours if h.is_gap)


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def _minute_of(hours: rota.ServiceHours, day: date, at: datetime) -> int:
    midnight = hours.at_minute(day, 0)
    return int((at - midnight).total_seconds() // 60)


def _lanes(items: list[tuple[int, int, rota.Shift]]) -> list[tuple[int, int]]:
    """(lane, lanes) for each (start, end, shift), items sorted by start: greedy interval
    partitioning, and each cluster of overlapping shifts shares its lane count."""
    out: list[tuple[int, int]] = []
    lane_ends: list[int] = []
    cluster: list[int] = []
    cluster_end = -1
    for i, (start, end, _) in enumerate(items):
        if start >= cluster_end and cluster:
            width = max(out[j][0] for j in cluster) + 1
            for j in cluster:
                out[j] = (out[j][0], width)
            cluster, lane_ends = [], []
        lane = next((k for k, e in enumerate(lane_ends) if e <= start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        out.append((lane, 0))
        cluster.append(i)
        cluster_end = max(cluster_end, end)
    if cluster:
        width = max(out[j][0] for j in cluster) + 1
        for j in cluster:
            out[j] = (out[j][0], width)
    return out


def _fewest(shifts: Sequence[rota.Shift], start_at: datetime, end_at: datetime) -> int:
    """The fewest counsellors on duty at any instant of [start_at, end_at)."""
    instants = {start_at}
    for s in shifts:
        for at in (s.start_at, s.end_at):
            if start_at < at < end_at:
                instants.add(at)
    return min(len(rota.on_duty_members(shifts, at)) for at in instants)


def day_column(
    shifts: Sequence[rota.Shift],
    hours: rota.ServiceHours,
    day: date,
    min_on_duty: int,
    names: Names,
    now: datetime,
) -> DayColumn:
    opens_at, closes_at = hours.window(day)
    mine = sorted(
        (s for s in shifts if s.start_at < closes_at and s.end_at > opens_at),
        key=lambda s: (s.start_at, s.end_at, s.member_id),
    )
    spans = [
        (
            _minute_of(hours, day, max(s.start_at, opens_at)),
            _minute_of(hours, day, min(s.end_at, closes_at)),
            s,
        )
        for s in mine
    ]
    lanes = _lanes(spans)
    blocks = tuple(
        Block(s.id, s.member_id, names[s.member_id], a, b, lane, width)
        for (a, b, s), (lane, width) in zip(spans, lanes, strict=True)
    )
    cells = []
    first = hours.opens_minute
    while first < hours.closes_minute:
        last = min((first // 60 + 1) * 60, hours.closes_minute)
        fewest = _fewest(mine, hours.at_minute(day, first), hours.at_minute(day, last))
        cells.append(HourCell(first // 60, first, last, fewest, fewest < min_on_duty))
        first = last
    now_minute = _minute_of(hours, day, now) if opens_at <= now < closes_at else None
    return DayColumn(day, blocks, tuple(cells), now_minute, hours.local_day(now) == day)


def week_grid(
    shifts: Iterable[rota.Shift],
    hours: rota.ServiceHours,
    start_day: date,
    min_on_duty: int,
    names: Names,
    now: datetime,
    days: int = 7,
) -> WeekGrid:
    """The grid of `days` days from `start_day`."""
    listed = list(shifts)
    columns = tuple(
        day_column(listed, hours, start_day + timedelta(days=i), min_on_duty, names, now)
        for i in range(days)
    )
    return WeekGrid(start_day, hours.opens_minute, hours.closes_minute, min_on_duty, columns)


@dataclass(frozen=True, slots=True)
class Duty:
    member_id: str
    name: str
    start_at: datetime
    until: datetime


def on_duty_now(shifts: Sequence[rota.Shift], names: Names, now: datetime) -> list[Duty]:
    """Who is on duty at `now`, each with when they go off (back-to-back shifts joined)."""
    out = []
    for m in rota.on_duty_members(shifts, now):
        start = min(s.start_at for s in shifts if s.member_id == m and s.covers(now))
        out.append(Duty(m, names[m], start, rota.duty_until(shifts, m, now)))
    return out


def on_duty_next(shifts: Sequence[rota.Shift], names: Names, now: datetime) -> list[Duty]:
    """Who comes on duty next: the soonest start after `now` that is not a counsellor simply
    continuing from a shift that ends there."""

    def continues(s: rota.Shift) -> bool:
        before = s.start_at - timedelta(microseconds=1)
        return any(o.member_id == s.member_id and o.covers(before) for o in shifts)

    later = sorted(
        (s for s in shifts if s.start_at > now and not continues(s)),
        key=lambda s: (s.start_at, s.member_id),
    )
    if not later:
        return []
    first = later[0].start_at
    return [
        Duty(
            s.member_id,
            names[s.member_id],
            s.start_at,
            rota.duty_until(shifts, s.member_id, s.start_at),
        )
        for s in later
        if s.start_at == first
    ]
