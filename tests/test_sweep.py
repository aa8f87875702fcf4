"""The sweep under the boundary jobs: it runs only the groups that need it, and still catches a
lost job, a rota edited by another instance and a deadline set by another instance.

The real app on a ScaledClock at speed 600 (one clock minute = 0.1 s), so jobs wait in real
time as in production, against a fake platform on loopback. The sweep runs every 0.75 s here
(a quarter of the 30-minute catch-up window).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import models, rota_changes
from bot.clock import ScaledClock
from bot.context import Context
from bot.db import Database
from bot.keys import JOBS
from bot.platforms.base import InboundMessage
from handlers.commands import load_commands
from handlers.messages import handle_inbound
from tests.conftest import Bot, FakePlatform, at, make_settings, open_db

D = "2026-11-25"
SPEED = 600


async def seed(database_url: str, settings: Any, shifts: list[tuple[str, str, str]]) -> None:
    db = await open_db(settings, ScaledClock(at(D, "09:00")))
    try:
        async with db.write() as s:
            for member, start, end in shifts:
                s.add(
                    models.Shift(
                        group_id="g1",
                        member_id=member,
                        start_at=at(D, start),
                        end_at=at(D, end),
                        created_at=at(D, "09:00"),
                    )
                )
    finally:
        await db.dispose()


async def started(make_bot: Any, settings: Any, start: str) -> tuple[Bot, ScaledClock]:
    clock = ScaledClock(at(D, start), SPEED)
    bot: Bot = await make_bot(settings, clock)
    scheduler = bot.app[JOBS]._scheduler
    for _ in range(200):  # until the start-up run has aimed the group's job at its next event
        job = scheduler.get_job("boundary:g1")
        if job is not None and job.next_run_time > datetime.now(UTC) + timedelta(seconds=0.3):
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the group's job was never aimed")
    return bot, clock


async def test_a_caught_up_group_is_not_run_by_the_sweep(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url)
    await seed(database_url, settings, [("c1", "08:00", "12:00")])
    bot, _ = await started(make_bot, settings, "09:00")
    assert await bot.app[JOBS]._sweep(full=False) == []
    assert await bot.app[JOBS]._sweep(full=True) == ["g1"]


async def test_a_lost_job_is_run_by_the_sweep_within_the_catch_up_window(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url)
    await seed(database_url, settings, [("c1", "08:00", "10:00"), ("c2", "10:00", "12:00")])
    bot, clock = await started(make_bot, settings, "09:50")
    # The date job aimed at 10:00 disappears (the way the demo's 08:00 job once did).
    bot.app[JOBS]._scheduler.remove_job("boundary:g1")
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("shift_change")), 5.0)
    [change] = fake_platform.of_kind("shift_change")
    assert change["text"].startswith("[Shift change 10:00]")
    assert clock.now() < at(D, "10:30")  # posted inside the catch-up window


async def test_a_rota_edit_by_another_instance_is_seen_by_the_next_sweep(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url)
    await seed(database_url, settings, [("c1", "08:00", "12:00")])
    _, clock = await started(make_bot, settings, "09:40")
    # Another instance (its own database handle; its scheduler hooks are not ours) adds c2 at
    # 10:00. Our job stays aimed at 12:00 until the sweep reads the audit log.
    other = Context(settings, clock, Database(database_url))
    try:
        load_commands()
        async with other.db.write() as s:
            await rota_changes.add_shift(
                other,
                s,
                group_id="g1",
                actor_id="l1",
                member_id="c2",
                start_at=at(D, "10:00"),
                end_at=at(D, "12:00"),
                now=clock.now(),
            )
    finally:
        await other.db.dispose()

    def changes() -> list[dict[str, Any]]:
        return [m for m in fake_platform.received if m["text"].startswith("[Shift change")]

    await fake_platform.wait_for(lambda r: bool(changes()), 6.0)
    [change] = changes()
    assert change["text"].startswith("[Shift change 10:00]")
    assert "late" not in change["text"]


async def test_a_deadline_set_by_another_instance_is_escalated_by_the_sweep(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(
        database_url,
        fake_platform.url,
        service={"reminder_minutes": 0, "first_response_minutes": 5},
    )
    await seed(database_url, settings, [("c1", "08:00", "12:00"), ("c2", "08:00", "12:00")])
    _, clock = await started(make_bot, settings, "10:00")
    other = Context(settings, clock, Database(database_url))
    try:
        load_commands()
        doc = InboundMessage("generic", "g1", "m1", "doc1", "Doc", "hello")
        assert await handle_inbound(other, [doc]) == [False]
    finally:
        await other.db.dispose()
    due = clock.now()
    # Nobody answers; after 5 clock minutes (0.5 s) the conversation moves to the other
    # counsellor and the lead is told, by this instance, which never saw the message.
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("escalation")), 6.0)
    assert (clock.now() - due).total_seconds() < 30 * 60
    [escalation] = fake_platform.of_kind("escalation")
    assert escalation["text"].startswith("[No answer] Chen did not answer Doc within 5 minutes")
    moved = [m for m in fake_platform.of_kind("assignment") if "did not answer" in m["text"]]
    assert [m["mentions"] for m in moved] == [["c2", "doc1"]]
