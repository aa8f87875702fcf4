"""The console's export: one CSV row per conversation opened in a period, for a hotline's own
daily figures. Times, waits, the counsellor, the category and flags; never message text, a
handover note, or who the staff member was.

The columns are a contract (DESIGN.md, CSV columns): add at the end, never rename or reorder.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.config import Settings
from bot.report import wait_s

# Excel and WPS read a UTF-8 file as the local code page unless it opens with a byte-order mark.
BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Row:
    """What a column reads: the conversation, and the instants and settings it is seen from."""

    conv: models.Conversation
    until: datetime  # waits still going are measured up to here
    tz: ZoneInfo
    settings: Settings
    language: str


def _at(row: Row, value: datetime | None) -> str:
    return value.astimezone(row.tz).isoformat() if value is not None else ""


def _seconds(value: float | None) -> str:
    return "" if value is None else str(round(value))


def _first_response_s(row: Row) -> str:
    c = row.conv
    since = c.first_assigned_at or c.assigned_at
    if since is None or c.first_response_at is None:
        return ""
    return _seconds(max(0.0, (c.first_response_at - since).total_seconds()))


def _wait(row: Row) -> float | None:
    return wait_s(row.conv, row.until)


def _category_label(row: Row) -> str:
    found = row.settings.service.category_by_id(row.conv.category or "")
    return found.label(row.language) if found is not None else (row.conv.category or "")


# (header, value): the order is the file's. A new column (e.g. the level) is one line here.
COLUMNS: tuple[tuple[str, Callable[[Row], str]], ...] = (
    ("id", lambda r: str(r.conv.id)),
    ("opened_at", lambda r: _at(r, r.conv.opened_at)),
    ("assigned_at", lambda r: _at(r, r.conv.first_assigned_at or r.conv.assigned_at)),
    ("first_response_at", lambda r: _at(r, r.conv.first_response_at)),
    ("closed_at", lambda r: _at(r, r.conv.closed_at)),
    ("waited", lambda r: "1" if _wait(r) is not None else "0"),
    ("wait_s", lambda r: _seconds(_wait(r))),
    ("first_response_s", _first_response_s),
    ("counsellor_id", lambda r: r.conv.counsellor_id or ""),
    ("category", lambda r: r.conv.category or ""),
    ("category_label", _category_label),
    ("status", lambda r: r.conv.status),
    ("close_reason", lambda r: r.conv.close_reason or ""),
    ("crisis", lambda r: "1" if r.conv.is_crisis else "0"),
    ("level", lambda r: str(r.conv.level)),  # triage level 0-3 (bot/triage.py)
    ("reassigned", lambda r: str(r.conv.reassign_count)),
)
HEADER: tuple[str, ...] = tuple(name for name, _ in COLUMNS)


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one that starts like a formula gets a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def conversations_csv(
    s: AsyncSession,
    settings: Settings,
    group_id: str,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
) -> str:
    """The rows of `group_id`'s conversations opened in [start_at, end_at), oldest first, with
    the header, as CSV text (starting with a byte-order mark)."""
    c = models.Conversation
    convs = await s.scalars(
        select(c)
        .where(c.group_id == group_id, c.opened_at >= start_at, c.opened_at < end_at)
        .order_by(c.opened_at, c.id)
    )
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    tz = settings.bot.tz
    lang = settings.language_of(group_id)
    until = min(end_at, now)
    for conv in convs:
        row = Row(conv, until, tz, settings, lang)
        writer.writerow([_cell(value(row)) for _, value in COLUMNS])
    return out.getvalue()
