"""bot/notices.py and schedules/group_jobs.py through the real app on a frozen clock moved by hand:
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
from bot.keys import CONTEXT, DB, JOBS
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


def test_report_event_follows_each_close_and_is_its_own_kind() -> None:
    hours = ServiceHours(8 * 60, 24 * 60, TZ)
    shifts = [Shift("a", at(D, "20:00"), MIDNIGHT)]
    found = events_between(shifts, hours, 15, at(D, "19:00"), MIDNIGHT + timedelta(days=1))
    table = [(e.at.astimezone(TZ).strftime("%d %H:%M"), e.kind) for e in found]
    assert table == [
        ("25 19:45", "reminder"),
        ("25 20:00", "shift_change"),
        ("26 00:00", "close"),
        ("26 00:00", "report"),
        ("26 00:00", "gaps"),
        ("26 00:00", "review"),
        ("26 08:00", "open"),
        ("27 00:00", "close"),
        ("27 00:00", "report"),
        ("27 00:00", "gaps"),
        ("27 00:00", "review"),
    ]


async def test_daily_report_at_close_goes_privately_to_the_leads_once(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    clock = FrozenClock(at(D, "23:50"))
    settings = make_settings(
        database_url,
        fake_platform.url,
        members=[
            {"group": "g1", "id": "c1", "name": "Chen", "role": "counsellor"},
            {"group": "g1", "id": "l1", "name": "Lead Liu", "role": "lead"},
            {"group": "g1", "id": "l2", "name": "Lead Ma", "role": "lead"},
        ],
    )
    bot: Bot = await make_bot(settings, clock)
    await bot.add_shift("c1", at(D, "20:00"), MIDNIGHT)
    await bot.staff_says("m1", "doc1", "a message that must stay out of the report")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    clock.advance(timedelta(minutes=2))
    resp = await bot.post_signed({"msg_id": "m2", "sender": {"id": "c1"}, "text": "I am here"})
    assert resp.status == 200

    clock.set(MIDNIGHT + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("report")))
    await settle(fake_platform)
    kinds = [m["kind"] for m in fake_platform.received]
    # The daily report, then the coming week's rota gaps (also kind "report"), to the leads.
    assert kinds == ["assignment", "close", "report", "report"]
    report, gaps = fake_platform.of_kind("report")
    assert gaps["private_to"] == ["l1", "l2"] and "must stay out" not in gaps["text"]
    assert report["private_to"] == ["l1", "l2"] and report["mentions"] == ["l1", "l2"]
    text = report["text"]
    assert text.startswith("[Report] g1, 2026-11-25 00:00 to 2026-11-26 00:00")
    assert "Messages from staff: 1 (0 outside service hours)" in text
    assert "First response: median 2 min 0 s, 90% within 2 min 0 s." in text
    assert "- Chen: 1 assigned, 0 closed, median first response 2 min 0 s" in text
    assert "must stay out" not in text
    assert "late" not in text
    assert [(k, a) for k, a, _ in await notices(bot)] == [
        ("close", MIDNIGHT),
        ("report", MIDNIGHT),
        ("gaps", MIDNIGHT),
        ("review", MIDNIGHT),  # claimed; this group has no supervisor, so nothing posted
    ]
    # Asking again, as the sweep and a second instance do, posts nothing more.
    assert await handle_due(bot.app[CONTEXT], "g1", clock.now()) == []


async def test_no_lead_means_no_report_but_the_close_notice_still_goes(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, caplog: Any
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.report")
    clock = FrozenClock(at(D, "23:59"))
    settings = make_settings(
        database_url,
        fake_platform.url,
        members=[{"group": "g1", "id": "c1", "name": "Chen", "role": "counsellor"}],
    )
    bot: Bot = await make_bot(settings, clock)
    clock.set(MIDNIGHT)
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("close")))
    await settle(fake_platform)
    assert [m["kind"] for m in fake_platform.received] == ["close"]
    assert [k for k, _, _ in await notices(bot)] == ["close", "report", "gaps", "review"]
    warnings = [r.getMessage() for r in caplog.records if "no lead" in r.getMessage()]
    assert warnings == ["group g1 has no lead; the daily report was not sent"]


def late_settings(database_url: str, url: str) -> Settings:
    return make_settings(database_url, url, service={"reminder_minutes": 15})


async def test_restart_inside_the_catch_up_window_posts_once_and_says_it_is_late(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    clock = FrozenClock(at(D, "09:40"))
    settings = late_settings(database_url, fake_platform.url)
    first: Bot = await make_bot(settings, clock)
    await first.add_shift("c1", at(D, "08:00"), at(D, "10:00"))
    await first.add_shift("c2", at(D, "10:00"), at(D, "12:00"))
    clock.set(at(D, "09:45"))  # c2's reminder, on time
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("reminder")))
    await drained(first)
    await first.stop()

    clock.set(at(D, "10:07"))  # down across 10:00; back 7 minutes later
    second: Bot = await make_bot(settings, clock)
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("shift_change")))
    await settle(fake_platform)
    [reminder] = fake_platform.of_kind("reminder")
    assert "late" not in reminder["text"]
    [change] = fake_platform.of_kind("shift_change")
    assert change["text"] == (
        "[Shift change 10:00] Going off duty: @Chen. Coming on: @Li (until 12:00)."
        " On duty now: Li. (this notice is 7 minutes late)"
    )
    assert [(k, a, late) for k, a, late in await notices(second)] == [
        ("reminder", at(D, "09:45"), 0),
        ("shift_change", at(D, "10:00"), 7 * 60),
    ]
    # A second restart does not post it again.
    await drained(second)
    await second.stop()
    third: Bot = await make_bot(settings, clock)
    await asyncio.sleep(0.5)
    assert len(fake_platform.of_kind("shift_change")) == 1
    await third.stop()


async def test_restart_in_chinese_says_late_in_chinese(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    clock = FrozenClock(at(D, "10:29"))
    settings = make_settings(database_url, fake_platform.url, bot={"language": "zh"})
    bot: Bot = await make_bot(settings, clock)
    async with bot.app[DB].write() as s:
        s.add(
            models.Shift(
                group_id="g1",
                member_id="c1",
                start_at=at(D, "08:00"),
                end_at=at(D, "10:00"),
                created_at=at(D, "07:00"),
            )
        )
    bot.app[CONTEXT].rota_changed("g1")
    # 10:00 is 29 minutes ago: inside the 30-minute window, as this instance starts.
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("shift_change")))
    await settle(fake_platform)
    [change] = fake_platform.of_kind("shift_change")
    assert change["text"].endswith("（本通知晚了 29 分钟发出）")


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


async def test_two_instances_on_one_database_claim_each_notice_once(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several instances share a database on PostgreSQL only (README: How it works)")
    clock = FrozenClock(at(D, "07:40"))
    settings = late_settings(database_url, fake_platform.url)
    first: Bot = await make_bot(settings, clock)
    second: Bot = await make_bot(settings, clock)
    for member, start, end in (("c1", "08:00", "10:00"), ("c2", "09:00", "11:00")):
        await first.add_shift(member, at(D, start), at(D, end))
    second.app[CONTEXT].rota_changed("g1")
    expected = ["reminder", "open", "reminder", "shift_change", "shift_change", "shift_change"]
    for hhmm in ("07:45", "08:00", "08:45", "09:00", "10:00", "11:00"):
        clock.set(at(D, hhmm))
        await asyncio.sleep(0.3)
    await fake_platform.wait_for(lambda r: len(r) == len(expected))
    await settle(fake_platform)
    assert [m["kind"] for m in fake_platform.received] == expected
    assert len(set(fake_platform.deliveries)) == len(expected)


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


def scheduler_runs() -> list[asyncio.Task[Any]]:
    """APScheduler's coroutine jobs still going in this loop."""
    return [
        t
        for t in asyncio.all_tasks()
        if getattr(t.get_coro(), "__qualname__", "") == "run_coroutine_job"
    ]


async def test_shutdown_cancels_a_boundary_run_that_is_still_going(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    clock = FrozenClock(at(D, "09:59"))
    bot: Bot = await make_bot(make_settings(database_url, fake_platform.url), clock)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "10:00"))
    db = bot.app[DB]
    async with db.write() as s:
        # Hold the claim of the 10:00 notice (SQLite: the writer lock; PostgreSQL: the row).
        s.add(
            models.Notice(
                group_id="g1",
                kind="shift_change",
                at=at(D, "10:00"),
                created_at=clock.now(),
                late_s=0,
            )
        )
        await s.flush()
        clock.set(at(D, "10:00"))
        await asyncio.sleep(0.5)
        assert scheduler_runs(), "the boundary run should be waiting on the claim"
        # What the app's shutdown does before it closes the database: nothing is left running.
        await bot.app[JOBS].stop()
        assert scheduler_runs() == []
        await s.rollback()
    await bot.stop()
    assert fake_platform.received == []


def test_the_sweep_comes_well_inside_the_catch_up_window_at_any_clock_speed() -> None:
    from schedules.group_jobs import sweep_s

    assert sweep_s(30, 1.0) == 5.0
    assert sweep_s(30, 480) == pytest.approx(30 * 60 / 480 / 4)  # under a second at speed 480
    assert sweep_s(30, 100_000) == 0.2
