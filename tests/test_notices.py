"""bot/notices.py and schedules/notices.py through the real app on a frozen clock moved by hand:
the daily report at close, restarts inside and beyond the catch-up window, and several app
instances on one database claiming each notice once."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.config import Settings
from bot.keys import CONTEXT, DB
from bot.notices import events_between, handle_due
from bot.rota import ServiceHours, Shift
from tests.conftest import TZ, Bot, FakePlatform, at, make_settings

D = "2026-11-25"
MIDNIGHT = at(D, "00:00") + timedelta(days=1)


async def notices(bot: Bot) -> list[tuple[str, datetime, int]]:
    async with bot.app[DB].read() as s:
        rows = await s.execute(
            select(models.Notice.kind, models.Notice.at, models.Notice.late_s).order_by(
                models.Notice.at, models.Notice.id
            )
        )
        return [(k, a, late) for k, a, late in rows]


async def drained(bot: Bot, within_s: float = 5.0) -> None:
    """Wait until the bot has marked every outbox row sent, so stopping it interrupts nothing.

    (A stop while a post is in flight can deliver that post again after the restart: the
    outbox marks a row sent only after the platform answered. See test_outbox_redelivery.)
    """
    for _ in range(int(within_s / 0.05)):
        async with bot.app[DB].read() as s:
            pending = await s.scalar(
                select(func.count())
                .select_from(models.OutboxRow)
                .where(models.OutboxRow.status == "pending")
            )
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox never drained")


async def settle(fake: FakePlatform, quiet_s: float = 0.4) -> None:
    """Wait until the fake platform has seen nothing new for `quiet_s` seconds."""
    seen = -1
    while seen != len(fake.received):
        seen = len(fake.received)
        await asyncio.sleep(quiet_s)


async def test_boundary_older_than_the_window_is_skipped_and_logged_once(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.notices")
    clock = FrozenClock(at(D, "09:55"))
    settings = make_settings(database_url, fake_platform.url)
    first: Bot = await make_bot(settings, clock)
    await first.add_shift("c1", at(D, "08:00"), at(D, "10:00"))
    await first.add_shift("c2", at(D, "10:00"), at(D, "11:00"))
    await first.add_shift("c3", at(D, "11:00"), at(D, "13:00"))
    clock.set(at(D, "10:00"))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("shift_change")) == 1)
    await drained(first)
    await first.stop()

    clock.set(at(D, "11:45"))  # 11:00 is 45 minutes ago: older than catch_up_minutes (30)
    second: Bot = await make_bot(settings, clock)
    await asyncio.sleep(1.0)  # the frozen clock makes the job poll every 50 ms: many passes
    assert len(fake_platform.of_kind("shift_change")) == 1
    skipped = [r.getMessage() for r in caplog.records if "older than" in r.getMessage()]
    assert skipped == [
        "group g1: shift_change at 2026-11-25T03:00:00+00:00 is older than "
        "catch_up_minutes; skipped"
    ]
    async with second.app[DB].read() as s:
        rows = (
            await s.execute(
                select(models.Notice.at, models.Notice.skipped).order_by(models.Notice.at)
            )
        ).all()
    assert [(a, skipped) for a, skipped in rows] == [
        (at(D, "10:00"), False),
        (at(D, "11:00"), True),
    ]
    # The next boundary in the window is posted as usual and on time.
    clock.set(at(D, "13:00"))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("shift_change")) == 2)
    assert "13:00" in fake_platform.of_kind("shift_change")[1]["text"]
    await second.stop()



async def test_rota_changes_in_quick_succession_keep_the_job_aimed(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    # Each change re-aims the group's job while the run for the previous one is still going; no
    # change may leave the group waiting for the 5 s sweep.
    clock = FrozenClock(at(D, "09:55"))
    bot: Bot = await make_bot(make_settings(database_url, fake_platform.url), clock)
    for member, start, end in (
        ("c1", "08:00", "10:00"),
        ("c2", "10:00", "11:00"),
        ("c3", "10:00", "12:00"),
    ):
        await bot.add_shift(member, at(D, start), at(D, end))
    clock.set(at(D, "10:00"))
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("shift_change")), 2.0)
    [change] = fake_platform.of_kind("shift_change")
    assert change["text"].startswith("[Shift change 10:00] Going off duty: @Chen. Coming on:")
