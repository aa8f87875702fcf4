"""Reminders that tell the truth (issue 20 item 2), through the real app on a frozen clock: one
posted late says the time really left, and one that would arrive less than a minute before its
shift is recorded and not posted; the shift-change notice still is. Starting the app is what a
restart and every demo do: the reminder falls inside the catch-up window."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock
from bot.keys import DB
from tests.conftest import Bot, FakePlatform, at, make_settings
from tests.test_notices import settle

D = "2026-11-25"


def hms(value: str) -> datetime:
    h, m, *sec = value.split(":")
    return at(D, f"{h}:{m}") + timedelta(seconds=int(sec[0]) if sec else 0)


async def claimed(bot: Bot, kind: str, within_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        async with bot.app[DB].read() as s:
            if await s.scalar(select(models.Notice.id).where(models.Notice.kind == kind)):
                return
        assert loop.time() < deadline, f"no {kind} notice was claimed"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("starts_at", "language", "expected"),
    [
        ("09:45", "en", "[Reminder] @Li: your shift 10:00-12:00 starts in 15 minutes."),
        ("09:46:10", "en", "[Reminder] @Li: your shift 10:00-12:00 starts in 14 minutes."),
        ("09:46:40", "en", "[Reminder] @Li: your shift 10:00-12:00 starts in 13 minutes."),
        ("09:58:50", "en", "[Reminder] @Li: your shift 10:00-12:00 starts in a minute."),
        ("09:59", "en", "[Reminder] @Li: your shift 10:00-12:00 starts in a minute."),
        ("09:55", "zh", "【值班提醒】@Li，您的值班 10:00-12:00 将在 5 分钟后开始。"),
        ("09:59:01", "en", None),
        ("09:59:30", "en", None),
        ("09:59:30", "zh", None),
    ],
)
async def test_a_late_reminder_says_the_time_left_or_is_not_sent(
    database_url: str,
    fake_platform: FakePlatform,
    make_bot: Any,
    starts_at: str,
    language: str,
    expected: str | None,
) -> None:
    clock = FrozenClock(at(D, "09:00"))
    settings = make_settings(
        database_url,
        fake_platform.url,
        service={"reminder_minutes": 15},
        bot={"language": language},
    )
    # The rota is in place before the app starts, as after a restart or in a demo.
    first: Bot = await make_bot(settings, clock)
    await first.add_shift("c1", at(D, "08:00"), at(D, "10:00"))
    await first.add_shift("c2", at(D, "10:00"), at(D, "12:00"))
    await first.stop()
    clock.set(hms(starts_at))
    bot: Bot = await make_bot(settings, clock)
    await claimed(bot, "reminder")  # the catch-up run at start has decided on it

    clock.set(at(D, "10:00"))
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("shift_change")))
    await settle(fake_platform)
    reminders = [m["text"] for m in fake_platform.of_kind("reminder")]
    assert reminders == ([] if expected is None else [expected])
    [change] = fake_platform.of_kind("shift_change")  # the shift change is told all the same
    assert change["mentions"] == ["c1", "c2"]
    async with bot.app[DB].read() as s:
        rows = (
            await s.execute(
                select(models.Notice.kind, models.Notice.skipped).order_by(models.Notice.at)
            )
        ).all()
    assert [(k, skipped) for k, skipped in rows] == [
        ("reminder", expected is None),  # recorded once either way: never tried again
        ("shift_change", False),
    ]
