"""The rota audit log, read back for people: `carebot audit [--group G] [--limit N]`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot import models, rota
from bot.db import Database


async def recent(db: Database, group_id: str | None, limit: int) -> list[models.AuditEntry]:
    """The newest `limit` audit rows (of one group, if given), newest first."""
    a = models.AuditEntry
    q = select(a).order_by(a.at.desc(), a.id.desc()).limit(limit)
    if group_id is not None:
        q = q.where(a.group_id == group_id)
    async with db.read() as s:
        return list(await s.scalars(q))


def _shifts(hours: rota.ServiceHours, items: list[dict[str, Any]]) -> str:
    out = []
    for x in items:
        start_at = datetime.fromisoformat(x["start_at"])
        end_at = datetime.fromisoformat(x["end_at"])
        day = start_at.astimezone(hours.tz)
        out.append(f"{x['member_id']} {day:%Y-%m-%d} {rota.format_span(hours, start_at, end_at)}")
    return "; ".join(out) if out else "-"


def format_entry(entry: models.AuditEntry, hours: rota.ServiceHours) -> str:
    """Four lines: number, time, group, who and what; the shifts before; after; the summary."""
    at = entry.at.astimezone(hours.tz)
    flags = " (undone)" if entry.undone else ""
    undoes = entry.after.get("undoes")
    if undoes is not None:
        flags += f" (undoes #{undoes})"
    return "\n".join(
        [
            f"#{entry.id} {at:%Y-%m-%d %H:%M:%S} {entry.group_id} {entry.actor_id} "
            f"{entry.action}{flags}",
            f"  before: {_shifts(hours, entry.before.get('shifts', []))}",
            f"  after:  {_shifts(hours, entry.after.get('shifts', []))}",
            f"  {entry.after.get('summary', '')}",
        ]
    )
