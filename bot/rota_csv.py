"""The rota as CSV (`group,date,start,end,member`): parse and check every row, write all or none."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot import models, rota, rota_changes, store
from bot.clock import FrozenClock
from bot.config import Settings, parse_hhmm
from bot.context import Context
from bot.db import Database
from bot.errors import RotaError

HEADER = ["group", "date", "start", "end", "member"]
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SHORT_HOUR = re.compile(r"^\d:[0-5]\d$")


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    skipped_existing: int


def parse_rows(settings: Settings, text: str) -> list[tuple[int, rota.Shift]]:
    """Every CSV row as (line number, shift); RotaError lists every faulty line."""
    rows, errors = _read_rows(settings, text)
    if errors:
        raise RotaError("\n".join(f"line {line}: {why}" for line, why in errors))
    return rows


def _read_rows(
    settings: Settings, text: str
) -> tuple[list[tuple[int, rota.Shift]], list[tuple[int, str]]]:
    """The well-formed rows as (line, shift), and (line, every reason) for each faulty one."""
    s = settings.service
    hours = rota.ServiceHours(s.opens_minute, s.closes_minute, settings.bot.tz)
    reader = csv.reader(io.StringIO(text))
    errors: list[tuple[int, str]] = []
    out: list[tuple[int, rota.Shift]] = []
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != HEADER:
        raise RotaError("line 1: the header must be exactly " + ",".join(HEADER))
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        shift, reasons = _parse_row(settings, hours, row)
        if reasons:
            errors.append((line, "; ".join(reasons)))
        elif shift is not None:
            out.append((line, shift))
    return out, errors


def _day(value: str) -> date:
    """A YYYY-MM-DD day; a well-formed date that is not on the calendar says so."""
    m = _DATE.match(value)
    if m is None:
        raise ValueError(f"date {value!r} is not YYYY-MM-DD, e.g. 2026-12-01")
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ValueError(f"date {value!r} does not exist (no such day in that month)") from None


def _time(value: str) -> int:
    """HH:MM as the chat accepts it: "8:00" is 08:00."""
    v = value.strip()
    return parse_hhmm("0" + v if _SHORT_HOUR.match(v) else v)


def _parse_row(
    settings: Settings, hours: rota.ServiceHours, row: list[str]
) -> tuple[rota.Shift | None, list[str]]:
    """The row's shift, or every reason it is faulty (all of them, not only the first)."""
    if len(row) != len(HEADER):
        return None, [f"expected {len(HEADER)} columns ({','.join(HEADER)}), found {len(row)}"]
    group_id, day_s, start_s, end_s, who = (c.strip() for c in row)
    reasons: list[str] = []
    known_group = settings.group(group_id) is not None
    if not known_group:
        reasons.append(f"unknown group {group_id!r}")
    day = start_m = end_m = None
    try:
        day = _day(day_s)
    except ValueError as e:
        reasons.append(str(e))
    try:
        start_m = _time(start_s)
    except ValueError as e:
        reasons.append(str(e))
    try:
        end_m = _time(end_s)
    except ValueError as e:
        reasons.append(str(e))
    member = next(
        (
            m
            for m in settings.members_of(group_id)
            if who in (m.id, m.name) and m.role == "counsellor"
        ),
        None,
    )
    if member is None and known_group:
        reasons.append(f"{who!r} is not a counsellor of group {group_id!r}")
    if reasons or member is None or day is None or start_m is None or end_m is None:
        return None, reasons
    shift = rota.Shift(
        member.id, hours.at_minute(day, start_m), hours.at_minute(day, end_m), group_id
    )
    return shift, []


async def import_csv(
    db: Database, settings: Settings, text: str, now: datetime, *, actor_id: str = "cli"
) -> ImportReport:
    """Check every row against the rules and the stored rota, then add them in one transaction.

    The rules and their words are those of every rota change (bot/rota.py find_violation,
    explained by bot/rota_changes.py in the group's language), `now` included: nothing before
    it may be added. Every faulty line is listed. Each group changed gets one audit row by
    `actor_id`.
    """
    s_cfg = settings.service
    hours = rota.ServiceHours(s_cfg.opens_minute, s_cfg.closes_minute, settings.bot.tz)
    # One pass: the faults of form and the faults against the rules, every line in order.
    rows, faults = _read_rows(settings, text)
    errors: list[tuple[int, str]] = list(faults)
    added: dict[str, list[rota.Shift]] = {}
    skipped = 0
    ctx = Context(settings, FrozenClock(now), db)
    async with db.write() as s:
        by_group: dict[str, list[rota.Shift]] = {}
        for line, shift in rows:
            existing = by_group.get(shift.group_id)
            if existing is None:
                existing = await store.shifts_between(
                    s,
                    shift.group_id,
                    shift.start_at - timedelta(days=400),
                    shift.end_at + timedelta(days=400),
                )
                by_group[shift.group_id] = existing
            if any(
                e.member_id == shift.member_id
                and e.start_at == shift.start_at
                and e.end_at == shift.end_at
                for e in existing
            ):
                skipped += 1
                continue
            v = rota.find_violation(shift, existing, hours, now=now)
            if v is not None:
                names = await store.member_names(s, shift.group_id)
                errors.append((line, rota_changes.explain(ctx, shift.group_id, v, names)))
                continue
            existing.append(shift)
            added.setdefault(shift.group_id, []).append(shift)
        if errors:  # rolls the whole import back
            raise RotaError("\n".join(f"line {n}: {why}" for n, why in sorted(errors)))
        for group_id, shifts in added.items():
            await rota_changes.add_shifts(
                ctx, s, group_id=group_id, actor_id=actor_id, shifts=shifts, now=now
            )
    return ImportReport(sum(len(x) for x in added.values()), skipped)


async def export_csv(
    db: Database,
    settings: Settings,
    start: date | None = None,
    end: date | None = None,
    group_ids: Iterable[str] | None = None,
) -> str:
    """The stored rota as CSV, ordered by group, start, member; dates are service-local days."""
    tz = settings.bot.tz
    s_cfg = settings.service
    hours = rota.ServiceHours(s_cfg.opens_minute, s_cfg.closes_minute, tz)
    q = select(models.Shift).order_by(
        models.Shift.group_id, models.Shift.start_at, models.Shift.member_id
    )
    if start is not None:
        q = q.where(models.Shift.start_at >= hours.at_minute(start, 0))
    if end is not None:
        q = q.where(models.Shift.start_at < hours.at_minute(end, 24 * 60))
    if group_ids is not None:
        q = q.where(models.Shift.group_id.in_(list(group_ids)))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    async with db.read() as s:
        for r in await s.scalars(q):
            day = hours.local_day(r.start_at)
            span = rota.format_span(hours, r.start_at, r.end_at)
            start_s, end_s = span.split("-")
            w.writerow([r.group_id, day.isoformat(), start_s, end_s, r.member_id])
    return buf.getvalue()
