"""Queue health at a glance (issue 19 item 6): the pure figures over a table of rows, then the
same line on top of /queue (privately) and of the console's queue (page and JSON), through the
real app on a frozen clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock
from bot.keys import DB
from bot.queue_health import QueueHealth, health_text, queue_health
from tests.conftest import Bot, FakePlatform, at, make_settings
from tests.fake_web import LEAD_TOKEN

D = "2026-11-25"
NOW = at(D, "10:00")


@dataclass(frozen=True)
class Row:
    status: str
    level: int
    opened_at: datetime


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("rows", "on_duty", "supervisors", "want"),
    [
        ([], [], [], QueueHealth(0, 0, 0, 0, 0, ())),
        # 5 min is a long wait (as on the review list); 4 min 59 s is not.
        ([Row("waiting", 0, ago(5)), Row("waiting", 0, ago(4 + 59 / 60))], ["c1"], ["s1"],
         QueueHealth(2, 1, 0, 0, 1, ("s1",))),
        # Level 2-3 waiting counts whatever its age; level 1 does not; open ones are not waiting.
        ([Row("waiting", 3, ago(1)), Row("waiting", 2, ago(30)), Row("waiting", 1, ago(30)),
          Row("open", 3, ago(60)), Row("open", 0, ago(2))], ["c1", "c2", "c1"], ["s1", "l2"],
         QueueHealth(3, 2, 2, 2, 2, ("s1", "l2"))),
        # A closed row handed in by mistake counts nowhere.
        ([Row("closed", 3, ago(90))], [], ["s1", "s1"], QueueHealth(0, 0, 0, 0, 0, ("s1",))),
    ],
)  # fmt: skip
def test_the_figures(
    rows: list[Row], on_duty: list[str], supervisors: list[str], want: QueueHealth
) -> None:
    assert queue_health(rows, on_duty, supervisors, NOW) == want


def test_the_line_in_both_languages() -> None:
    h = QueueHealth(3, 2, 1, 7, 3, ("s1",))
    names = {"s1": "王老师"}
    assert health_text("zh", h, names) == (
        "等待超过5分钟：2 · 2-3级等待：1 · 值班咨询师 3 人 / 进行中对话 7 · 值班督导：王老师"
    )
    assert health_text("en", h, names) == (
        "Waiting over 5 min: 2 · waiting at level 2-3: 1 · counsellors on duty 3 / open "
        "conversations 7 · supervisor on duty: 王老师"
    )
    nobody = QueueHealth(0, 0, 0, 0, 0, ())
    assert health_text("zh", nobody, {}).endswith("值班督导：无")
    assert health_text("en", nobody, {}).endswith("supervisor on duty: nobody")


MEMBERS = [
    {"group": "g1", "id": "c1", "name": "Chen", "role": "counsellor"},
    {"group": "g1", "id": "c2", "name": "Li", "role": "counsellor"},
    {"group": "g1", "id": "l1", "name": "Lead Liu", "role": "lead", "console_token": LEAD_TOKEN},
    {"group": "g1", "id": "s1", "name": "Sup Sun", "role": "supervisor"},
    {"group": "g1", "id": "l2", "name": "Lead Zhou", "role": "lead", "supervisor": True},
]
SECRET_WORDS = "我今晚就不想活了"


async def settle(bot: Bot, within_s: float = 20.0) -> None:
    """Wait until every post the bot has queued so far reached the platform."""
    row = models.OutboxRow
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        async with bot.app[DB].read() as s:
            left = list(await s.scalars(select(row).where(row.status == "pending")))
        if not left:
            return
        assert loop.time() < deadline, [(r.kind, r.private_to, r.last_error) for r in left]
        await asyncio.sleep(0.05)


async def move_to(bot: Bot, hhmm: str) -> None:
    bot.clock.set(at(D, hhmm) + timedelta(seconds=1))
    await asyncio.sleep(0.3)
    await settle(bot)


async def queue_answer(bot: Bot, fake: FakePlatform, msg_id: str, asker: str) -> str:
    await bot.staff_says(msg_id, asker, "/queue")
    await settle(bot)
    answer = fake.received[-1]
    assert answer["private_to"] == [asker], answer
    return str(answer["text"])


async def console(bot: Bot) -> tuple[dict[str, Any], str]:
    assert bot.client is not None
    data = await (await bot.client.get("/console/api/groups/g1/conversations")).json()
    page = await (await bot.client.get("/console/groups/g1")).text()
    return data["health"], page


async def test_queue_and_console_show_the_figures(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    """In a rota gap two people wait, one at level 3; then c1 comes on with room for one and s1
    starts a supervision shift. /queue and the console say the same figures each time, and the
    supervisor on duty is everyone until s1's shift, then s1."""
    settings = make_settings(
        database_url,
        fake_platform.url,
        service={"reminder_minutes": 0, "max_open_per_counsellor": 1, "idle_close_hours": 48},
        members=MEMBERS,
    )
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "08:29")))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.add_shift("s1", at(D, "09:00"), at(D, "12:00"))
    assert bot.client is not None
    resp = await bot.client.post("/console/login", data={"token": LEAD_TOKEN})
    assert resp.status == 200
    await move_to(bot, "08:30")
    await bot.staff_says("m1", "doc", "hello, is anyone there")
    await move_to(bot, "08:33")
    await bot.staff_says("m2", "nurse", SECRET_WORDS)  # level 3, nobody on duty: it waits
    await move_to(bot, "08:36")

    before = (
        "Waiting over 5 min: 1 · waiting at level 2-3: 1 · counsellors on duty 0 / open "
        "conversations 0 · supervisor on duty: Sup Sun, Lead Zhou"
    )
    text = await queue_answer(bot, fake_platform, "q1", "l1")
    assert text.splitlines()[:2] == [before, "2 waiting, 0 open:"], text
    health, page = await console(bot)
    assert health["text"] == before and health["at"] == "2026-11-25T08:36:01+08:00"
    assert (health["waiting_long"], health["waiting_at_risk"]) == (1, 1)
    assert (health["counsellors_on_duty"], health["open"]) == (0, 0)
    assert health["supervisors_on_duty"] == [
        {"id": "s1", "name": "Sup Sun"},
        {"id": "l2", "name": "Lead Zhou"},
    ]
    assert 'id="queue-health" class="health warn"' in page and before in page
    assert page.index('id="queue-health"') < page.index('id="conversations"')

    # 09:00: c1 takes the level 3 first and is full; doc goes on waiting. s1 supervises now.
    await move_to(bot, "09:00")
    after = (
        "Waiting over 5 min: 1 · waiting at level 2-3: 0 · counsellors on duty 1 / open "
        "conversations 1 · supervisor on duty: Sup Sun"
    )
    text = await queue_answer(bot, fake_platform, "q2", "s1")
    assert text.splitlines()[:2] == [after, "1 waiting, 1 open:"], text
    health, page = await console(bot)
    assert health["text"] == after and after in page
    assert health["supervisors_on_duty"] == [{"id": "s1", "name": "Sup Sun"}]

    # An empty queue still says who is on duty, privately.
    await bot.staff_says("d1", "c1", "/done")
    await move_to(bot, "09:02")
    await bot.staff_says("d2", "c1", "/done")
    await move_to(bot, "09:03")
    text = await queue_answer(bot, fake_platform, "q3", "l1")
    assert text.splitlines() == [
        "Waiting over 5 min: 0 · waiting at level 2-3: 0 · counsellors on duty 1 / open "
        "conversations 0 · supervisor on duty: Sup Sun",
        "Nobody is waiting and no conversation is open.",
    ], text
    health, page = await console(bot)
    assert health["waiting"] == 0 and 'class="health"' in page

    # None of it in the group: no figure line, no level, no words.
    for post in fake_platform.received:
        if not post.get("private_to"):
            assert "Waiting over" not in post["text"] and "level" not in post["text"], post
            assert SECRET_WORDS not in post["text"], post
