"""A follow-up due while `python -m bot serve` is down after a SIGKILL is posted exactly once
when it starts again, saying it is late; a second SIGKILL and start post nothing more. The fake
platform runs in the test process on loopback (tests/fake_timed.py)."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot import models
from bot.clock import ScaledClock
from bot.config import load_settings
from bot.db import Database
from tests.conftest import SECRET, at, open_db
from tests.fake_timed import timed_fake
from tests.test_notices_processes import BotProcess, D, free_port, processes, write_config

__all__ = ["processes"]  # the fixture, used by name


async def seed_followup(config: Path) -> None:
    """c1 on duty 08:00-14:00, holding doc1's conversation, with a follow-up of it at 10:00."""
    settings = load_settings(config)
    db = await open_db(settings, ScaledClock(at(D, "07:00")))
    try:
        async with db.write() as s:
            s.add(models.Shift(group_id="g1", member_id="c1", start_at=at(D, "08:00"),
                               end_at=at(D, "14:00"), created_at=at(D, "07:00")))  # fmt: skip
            s.add(models.Member(group_id="g1", id="doc1", name="Doc1", role="staff",
                                first_seen_at=at(D, "09:00")))  # fmt: skip
            conv = models.Conversation(group_id="g1", staff_id="doc1", counsellor_id="c1",
                                       status="open", opened_at=at(D, "09:00"),
                                       assigned_at=at(D, "09:00"),
                                       first_response_at=at(D, "09:01"),
                                       last_message_at=at(D, "09:40"))  # fmt: skip
            s.add(conv)
            await s.flush()
            s.add(models.Followup(group_id="g1", conversation_id=conv.id, staff_id="doc1",
                                  set_by="c1", due_at=at(D, "10:00"), created_at=at(D, "09:40"),
                                  late_s=0))  # fmt: skip
    finally:
        await db.dispose()


async def followup_rows(database_url: str) -> tuple[int, list[models.Followup]]:
    db = Database(database_url)
    try:
        async with db.read() as s:
            outbox = await s.scalar(
                select(func.count())
                .select_from(models.OutboxRow)
                .where(models.OutboxRow.kind == "followup")
            )
            rows = list(await s.scalars(select(models.Followup)))
    finally:
        await db.dispose()
    return int(outbox or 0), rows


async def test_a_followup_due_while_killed_is_posted_once_after_the_restart(
    database_url: str, tmp_path: Path, processes: list[BotProcess]
) -> None:
    async with timed_fake(SECRET) as fake:
        bot = BotProcess("bot", tmp_path / "bot.toml", free_port(), tmp_path)
        write_config(bot.config, database_url, fake.url("bot"), bot.port, reminder_minutes=0)
        processes.append(bot)
        await seed_followup(bot.config)
        bot.start(at(D, "09:55"), 1.0)
        await bot.ready()
        await fake.quiet(0.5)
        bot.stop(signal.SIGKILL)  # down across 10:00
        assert not fake.of_kind("followup")
        assert (await followup_rows(database_url))[0] == 0
        bot.start(at(D, "10:20"), 1.0)
        await bot.ready()
        await fake.wait_until(lambda got: any(a.kind == "followup" for a in got), within_s=20)
        await fake.quiet(1.0)
        bot.stop(signal.SIGKILL)
        bot.start(at(D, "10:25"), 1.0)  # and once more: nothing new
        await bot.ready()
        await fake.quiet(2.0)
        logs = bot.log()
        bot.stop()

    [post] = fake.of_kind("followup")
    assert post.payload["private_to"] == ["c1"], logs
    assert post.text == (
        "[Follow-up] Time to follow up with Doc1 (you set this at 11-25 09:40). "
        "(this notice is 20 minutes late)"
    )
    outbox, [row] = await followup_rows(database_url)
    assert outbox == 1
    assert row.sent_at is not None and row.sent_at - at(D, "10:20") < timedelta(seconds=30)
    assert row.sent_to == "c1"
    assert "Traceback" not in logs, logs
