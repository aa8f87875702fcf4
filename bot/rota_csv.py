"""The rota as CSV (`group,date,start,end,member`): parse and check every row, write all or none."""

from __future__ import annotations

import csv
import io
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


@dataclass(frozen=True, slots=True)
class ImportReport:
    added: int
    skipped_existing: int


def parse_rows(settings: Settings, text: str) -> list[tuple[int, rota.Shift]]:
    """Every CSV row as (line number, shift); RotaError lists every faulty line."""
    s = settings.service
    hours = rota.ServiceHours(s.opens_minute, s.closes_minute, settings.bot.tz)
    reader = csv.reader(io.StringIO(text))
    errors: list[str] = []
    out: list[tuple[int, rota.Shift]] = []
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header] != HEADER:
        raise RotaError("line 1: the header must be exactly " + ",".join(HEADER))
    for row in reader:
        line = reader.line_num
        if not row or all(not c.strip() for c in row):
            continue
        try:
            out.append((line, _parse_row(settings, hours, row)))
        except (RotaError, ValueError) as e:
            errors.append(f"line {line}: {e}")
    if errors:
        raise RotaError("\n".join(errors))
    return out


def _parse_row(settings: Settings, hours: rota.ServiceHours, row: list[str]) -> rota.Shift:
    if len(row) != len(HEADER):
        raise RotaError(f"expected {len(HEADER)} columns ({','.join(HEADER)}), found {len(row)}")
    group_id, day_s, start_s, end_s, who = (c.strip() for c in row)
    if settings.group(group_id) is None:
        raise RotaError(f"unknown group {group_id!r}")
    try:
        day = date.fromisoformat(day_s)
    except ValueError:
        raise RotaError(f"date {day_s!r} is not YYYY-MM-DD") from None
    start_m, end_m = parse_hhmm(start_s), parse_hhmm(end_s)
    member = next(
        (
            m
            for m in settings.members_of(group_id)
            if who in (m.id, m.name) and m.role == "counsellor"
        ),
        None,
    )
    if member is None:
        raise RotaError(f"{who!r} is not a counsellor of group {group_id!r}")
    return rota.Shift(
        member.id, hours.at_minute(day, start_m), hours.at_minute(day, end_m), group_id
    )


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
    rows = parse_rows(settings, text)
    errors: list[str] = []
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
                errors.append(f"line {line}: {rota_changes.explain(ctx, shift.group_id, v, names)}")
                continue
            existing.append(shift)
            added.setdefault(shift.group_id, []).append(shift)
        if errors:
            raise RotaError("\n".join(errors))  # rolls the whole import back
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
