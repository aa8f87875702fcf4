"""A counsellor's shifts as an iCalendar feed, behind a random per-member token.

The token is the only key to the feed, so it is made with `secrets`, sent to its owner
privately, and replaced (the old link then answers 404) by `/ical reset`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, rota, store
from bot.config import Settings
from bot.i18n import t

PAST_DAYS = 30  # how far back the feed goes
FUTURE_DAYS = 3660  # and forward: in practice, all of it
TOKEN_BYTES = 24  # 32 URL-safe characters


def feed_url(settings: Settings, token: str) -> str:
    """The link people subscribe to: bot.public_url if set, else http://{bot.listen}."""
    base = settings.bot.public_url.rstrip("/") or f"http://{settings.bot.listen}"
    return f"{base}/ical/{token}.ics"


async def member_token(
    s: AsyncSession, group_id: str, member_id: str, name: str, now: datetime, *, reset: bool = False
) -> str:
    """The member's feed token, made on first use; `reset` replaces it with a new one."""
    row = await s.get(models.Member, (group_id, member_id))
    if row is None:
        row = models.Member(
            group_id=group_id, id=member_id, name=name, role="counsellor", first_seen_at=now
        )
        s.add(row)
    if row.ical_token is None or reset:
        row.ical_token = secrets.token_urlsafe(TOKEN_BYTES)
    await s.flush()
    return row.ical_token


async def feed_for_token(
    s: AsyncSession, settings: Settings, token: str, now: datetime
) -> bytes | None:
    """The calendar behind `token`, or None if no current member holds it."""
    if not token or len(token) > 64:
        return None
    row = await s.scalar(select(models.Member).where(models.Member.ical_token == token))
    if row is None or settings.member(row.group_id, row.id) is None:
        return None
    group = settings.group(row.group_id)
    if group is None:
        return None
    shifts = [
        x
        for x in await store.shifts_between(
            s, row.group_id, now - timedelta(days=PAST_DAYS), now + timedelta(days=FUTURE_DAYS)
        )
        if x.member_id == row.id
    ]
    return build_calendar(
        settings.language_of(row.group_id),
        settings.bot.timezone,
        group.name or group.id,
        row.name or row.id,
        shifts,
        now,
    )


def shift_uid(x: rota.Shift) -> str:
    """The same UID for the same shift (group, member, start, end), however often it is fetched."""
    key = f"{x.group_id}|{x.member_id}|{x.start_at.astimezone(UTC):%Y%m%dT%H%M%S}|"
    key += f"{x.end_at.astimezone(UTC):%Y%m%dT%H%M%S}"
    return hashlib.sha256(key.encode()).hexdigest()[:32] + "@carebot"


def build_calendar(
    language: str,
    timezone: str,
    group_name: str,
    member_name: str,
    shifts: Sequence[rota.Shift],
    now: datetime,
) -> bytes:
    """VCALENDAR with one VEVENT per shift; instants in UTC, so every client reads them right."""
    cal = Calendar()
    cal.add("prodid", "-//carebot//rota//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", t(language, "ical_calendar_name", name=member_name, group=group_name))
    cal.add("x-wr-timezone", timezone)
    for x in sorted(shifts, key=lambda x: x.start_at):
        ev = Event()
        ev.add("uid", shift_uid(x))
        ev.add("dtstamp", now.astimezone(UTC))
        ev.add("dtstart", x.start_at.astimezone(UTC))
        ev.add("dtend", x.end_at.astimezone(UTC))
        ev.add("summary", t(language, "ical_summary", group=group_name))
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data
