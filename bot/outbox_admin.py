"""What `carebot outbox` shows and changes: rows not yet sent, and re-queueing one of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.config import Settings
from bot.db import Database
from bot.models import OutboxRow
from bot.platforms.spec import redact


@dataclass(frozen=True, slots=True)
class UnsentRow:
    """One pending or dead row as the CLI lists it (never its secrets)."""

    id: int
    group_id: str
    kind: str
    status: str
    attempts: int
    last_error: str
    age_s: float


async def unsent_rows(db: Database, settings: Settings, now: datetime) -> list[UnsentRow]:
    """Pending and dead rows, oldest first."""
    async with db.read() as s:
        rows = await s.scalars(
            select(OutboxRow)
            .where(OutboxRow.status.in_(("pending", "dead")))
            .order_by(OutboxRow.id)
        )
        return [
            UnsentRow(
                r.id,
                r.group_id,
                r.kind,
                r.status,
                r.attempts,
                redact(r.last_error or "", settings.group(r.group_id)),
                (now - r.created_at).total_seconds(),
            )
            for r in rows
        ]


def format_age(seconds: float) -> str:
    """3 d 4 h, 5 h 12 min, 7 min, 40 s."""
    s = int(max(0, seconds))
    if s >= 86_400:
        return f"{s // 86_400} d {s % 86_400 // 3600} h"
    if s >= 3600:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 60} min" if s >= 60 else f"{s} s"


def format_table(rows: list[UnsentRow]) -> str:
    """The rows as an aligned text table; a line saying so when there are none."""
    if not rows:
        return "outbox: nothing pending or dead\n"
    header = ("id", "group", "kind", "status", "tries", "age", "last error")
    lines = [header] + [
        (str(r.id), r.group_id, r.kind, r.status, str(r.attempts), format_age(r.age_s),
         r.last_error.replace("\n", " ")[:100])
        for r in rows
    ]  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    out = []
    for line in lines:
        cells = [c.ljust(w) for c, w in zip(line, widths, strict=False)] + [line[-1]]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out) + "\n"


async def requeue(db: Database, row_id: int, now: datetime) -> str | None:
    """Make a pending or dead row due now, with a fresh give-up period.

    Returns None on success, else why not (unknown id, or already sent).
    """
    async with db.write() as s:
        row = await s.get(OutboxRow, row_id)
        if row is None:
            return f"there is no outbox row {row_id}; `carebot outbox` lists the rows not yet sent"
        if row.status == "sent":
            return f"outbox row {row_id} was already sent; there is nothing to retry"
        if row.text_removed_at is not None:
            return (
                f"outbox row {row_id} has no text left (removed under the retention policy); "
                "it cannot be sent again"
            )
        row.status, row.attempts, row.next_attempt_at = "pending", 0, now
        row.created_at = now  # the give-up period starts again
        return None
