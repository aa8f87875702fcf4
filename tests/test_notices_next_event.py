"""next_event_at (bot/notices.py) looks a day ahead at a time; it must find what a look at the
whole horizon finds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import models
from bot.clock import FrozenClock
from bot.notices import LOOKAHEAD, events_between, load_shifts, next_event_at
from tests.conftest import NO_HOOK, MakeCtx, at, make_settings

D = "2026-11-25"
SHIFTS = [
    ("c1", "08:00", "10:00", 0),
    ("c2", "09:30", "13:00", 0),
    ("c3", "22:00", "24:00", 0),
    ("c1", "14:00", "18:00", 3),
]


@pytest.mark.parametrize("reminder_minutes", [0, 15])
async def test_next_event_matches_whole_horizon(
    database_url: str, make_ctx: MakeCtx, reminder_minutes: int
) -> None:
    settings = make_settings(database_url, NO_HOOK, service={"reminder_minutes": reminder_minutes})
    ctx = await make_ctx(FrozenClock(at(D, "07:00")), settings)
    async with ctx.db.write() as s:
        for member, start, end, day in SHIFTS:
            s.add(
                models.Shift(
                    group_id="g1",
                    member_id=member,
                    start_at=at(D, start) + timedelta(days=day),
                    end_at=at(D, end) + timedelta(days=day),
                    created_at=at(D, "07:00"),
                )
            )
    instants = [
        at(D, hhmm)
        for hhmm in ("00:00", "07:44", "07:45", "08:00", "09:59", "12:00", "23:59", "24:00")
    ]
    instants += [at(D, "23:00") + timedelta(days=n) for n in range(1, 9)]
    for now in instants:
        shifts = await load_shifts(ctx, "g1", now, now)
        whole = events_between(shifts, ctx.hours, reminder_minutes, now, now + LOOKAHEAD)
        assert await next_event_at(ctx, "g1", now) == (whole[0].at if whole else None), now
