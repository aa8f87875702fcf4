"""Triage levels through the real app (issue 19 item 1): the queue orders by level, then by age,
wherever it is ordered; the level reaches the assignee and the leads privately, never the group.

The real app runs on a frozen clock that the tests move; the fake platform records every post."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.i18n import CATALOGUE, LEVEL_WORDS, level_name
from bot.keys import DB
from bot.names import Names
from bot.web.console_data import active_conversations
from tests.conftest import Bot, FakePlatform, at, make_settings

D = "2026-11-25"
N = "2026-11-26"

# Who writes what, at which level: arrival order is not level order.
MIXED = [
    ("doc0", "hello, anyone there?", 0),
    ("doc1", "今晚值班好累", 1),
    ("doc2", "我不想活了", 2),
    ("doc3", "我今晚不想活了", 3),
    ("doc4", "I am exhausted", 1),
    ("doc5", "明天还要上班", 0),
]
BY_LEVEL = ["doc3", "doc2", "doc1", "doc4", "doc0", "doc5"]  # level desc, then oldest first


async def start(
    database_url: str,
    fake: FakePlatform,
    make_bot: Any,
    when: str,
    *,
    privacy: bool = False,
    language: str = "en",
    **service: Any,
) -> Bot:
    settings = make_settings(
        database_url,
        fake.url,
        bot={"language": language},
        service={"reminder_minutes": 0, "idle_close_hours": 48, **service},
        outbox={"rate_per_minute": 600},  # a day's posts in seconds of wall time: no throttle
    )
    groups = [g.model_copy(update={"privacy": privacy}) for g in settings.groups]
    settings = settings.model_copy(update={"groups": groups})
    return await make_bot(settings, FrozenClock(at(D, when)))  # type: ignore[no-any-return]


async def settle(bot: Bot, within_s: float = 20.0) -> None:
    """Wait until every post the bot has queued so far reached the platform (none pending)."""
    row = models.OutboxRow
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        async with bot.app[DB].read() as s:
            left = list(await s.scalars(select(row).where(row.status == "pending")))
        if not left:
            return
        pending = [
            (r.kind, r.private_to, r.attempts, r.next_attempt_at, r.last_error) for r in left
        ]
        assert loop.time() < deadline, (
            f"still pending after {within_s} s at {bot.clock.now()}: {pending}"
        )
        await asyncio.sleep(0.05)


async def move_to(bot: Bot, hhmm: str, day: str = D) -> None:
    bot.clock.set(at(day, hhmm) + timedelta(seconds=1))
    await asyncio.sleep(0.3)  # the scheduler's boundary jobs run
    await settle(bot)


async def conversations(bot: Bot) -> dict[str, models.Conversation]:
    async with bot.app[DB].read() as s:
        rows = await s.scalars(select(models.Conversation).order_by(models.Conversation.id))
        return {c.staff_id: c for c in rows}


async def held_by(bot: Bot, counsellor: str, count: int = 2, within_s: float = 10.0) -> set[str]:
    """Who `counsellor` holds, once they hold `count` (the boundary job runs on its own)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        convs = await conversations(bot)
        held = {w for w, c in convs.items() if c.counsellor_id == counsellor and c.status == "open"}
        if len(held) >= count or loop.time() > deadline:
            await settle(bot)
            return held
        await asyncio.sleep(0.05)


async def test_the_queue_orders_by_level_then_by_age(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    """Six people wait in a rota gap; /queue, the console and the drain all go level, then age."""
    bot = await start(
        database_url,
        fake_platform,
        make_bot,
        "08:59",
        max_open_per_counsellor=2,
        first_response_minutes=600,  # nothing moves on a timeout here
    )
    await bot.add_shift("c1", at(D, "10:00"), at(D, "12:00"))
    await bot.add_shift("c2", at(D, "11:00"), at(D, "13:00"))
    for i, (who, text, _) in enumerate(MIXED):
        await move_to(bot, f"09:0{i}")
        await bot.staff_says(f"m{i}", who, text)
        await settle(bot)
    convs = await conversations(bot)
    assert {who: c.level for who, c in convs.items()} == {w: lv for w, _, lv in MIXED}
    assert all(c.status == "waiting" for c in convs.values())  # nobody is on duty yet
    async with bot.app[DB].read() as s:
        levels = dict(
            (await s.execute(select(models.Message.sender_id, models.Message.level))).all()
        )
    assert levels == {w: lv for w, _, lv in MIXED}

    # The leads' /queue, privately: level first, then the oldest, each with its level mark.
    await bot.staff_says("q1", "l1", "/queue")
    await settle(bot)
    answer = fake_platform.received[-1]
    assert answer["private_to"] == ["l1"]
    lines = answer["text"].splitlines()[2:]  # after the figures and the title
    assert [next(w for w in BY_LEVEL if w.title() in line) for line in lines] == BY_LEVEL
    assert "(crisis) (level 3)" in lines[0] and "(level 1)" in lines[2]
    assert "level" not in lines[4] and "level" not in lines[5]

    # The console lists them the same way.
    async with bot.app[DB].read() as s:
        rows = await active_conversations(s, "g1", Names())
    assert [r.staff_id for r in rows] == BY_LEVEL
    assert [r.level for r in rows] == [3, 2, 1, 1, 0, 0]

    # c1 comes on with room for two: the level 3 first, then the level 2 (both crises), and
    # no room is left for the rest.
    await move_to(bot, "10:00")
    taken = await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("crisis")) == 4)
    alerts = [p for p in taken if p["kind"] == "crisis"][2:]  # the first two: nobody on duty
    assert ["Doc3" in alerts[0]["text"], "Doc2" in alerts[1]["text"]] == [True, True]
    assert await held_by(bot, "c1") == {"doc3", "doc2"}
    # c2 comes on with room for two: the level 1s go before the older level 0.
    await move_to(bot, "11:00")
    assert await held_by(bot, "c2", 2) == {"doc1", "doc4"}
    convs = await conversations(bot)
    assert convs["doc0"].status == "waiting" and convs["doc5"].status == "waiting"
    # c1 goes off at 12:00: its conversations are handed over (past capacity: crises).
    await move_to(bot, "12:00")
    assert await held_by(bot, "c2", 4) == {"doc1", "doc4", "doc3", "doc2"}


async def test_the_level_reaches_the_leads_and_the_assignee_privately(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:00", privacy=True)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "20:00"))
    await bot.staff_says("m1", "doc1", "I can't sleep")
    await settle(bot)
    [copy] = [p for p in fake_platform.of_kind("assignment") if p.get("private_to")]
    assert copy["private_to"] == ["c1"]
    assert copy["text"].endswith("\nRisk level: level 1 (distress)")
    await bot.staff_says("m2", "doc2", "I want to kill myself tonight")
    await settle(bot)
    alert = [p for p in fake_platform.of_kind("crisis") if "l1" in p["private_to"]][-1]
    assert set(alert["private_to"]) == {"l1", "c1"}
    assert alert["text"].endswith("\nRisk level: level 3 (a plan, the means or a time frame)")
    copies = [p for p in fake_platform.of_kind("assignment") if p.get("private_to")]
    assert "level 3" in copies[-1]["text"]
    # an ordinary message's private copy says no level
    await bot.staff_says("m3", "doc3", "the ward is full")
    await settle(bot)
    copies = [p for p in fake_platform.of_kind("assignment") if p.get("private_to")]
    assert "Risk level" not in copies[-1]["text"]
    convs = await conversations(bot)
    assert [convs[w].level for w in ("doc1", "doc2", "doc3")] == [1, 3, 0]


async def test_the_level_words_come_from_the_config(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(
        database_url,
        fake_platform.url,
        service={"reminder_minutes": 0, "crisis_words": ["过劳死"]},
        triage={"level1_words": ["夜班综合征"], "level3_words": ["氯化鉀"]},
    )
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "09:00")))
    await bot.add_shift("c1", at(D, "08:00"), at(D, "20:00"))
    for i, (who, text) in enumerate(
        [("doc1", "又是夜班综合征"), ("doc2", "快过劳死了"), ("doc3", "科里有氯化钾")]
    ):
        await bot.staff_says(f"m{i}", who, text)
    await settle(bot)
    convs = await conversations(bot)
    assert [convs[w].level for w in ("doc1", "doc2", "doc3")] == [1, 2, 3]
    assert convs["doc2"].is_crisis and not convs["doc1"].is_crisis


# A day with messages at every level, in the hours, at night and across a handover.
LEVEL_DAY = [
    ("07:59", "doc1", "我今晚不想活了"),  # 3, at night
    ("08:00", "doc2", "好累，睡不着"),  # 1
    ("09:00", "doc3", "I want to kill myself"),  # 2
    ("09:01", "doc4", "hello, the ward is full"),  # 0
    ("09:02", "doc5", "I have the pills, I want to die tonight"),  # 3
    ("10:30", "doc2", "還是很焦慮"),  # 1, traditional, a continuing conversation
    ("12:30", "doc6", "我已經寫好遺書了"),  # 3, traditional, after the handover
    ("23:55", "doc7", "ＰＡＮＩＣ　ＡＴＴＡＣＫ"),  # 1, full-width, at close
]


def level_markers() -> list[str]:
    """What says a level, in both languages: each level's name and the words around it."""
    markers = ["风险等级", "risk level", "level 0", "level 1", "level 2", "level 3"]
    markers += ["0级", "1级", "2级", "3级", "distress", "困扰", "时间）"]
    for key in LEVEL_WORDS.values():
        markers += [CATALOGUE[key]["zh"], CATALOGUE[key]["en"].casefold()]
    for lang in ("zh", "en"):
        for level in range(4):
            markers.append(CATALOGUE["level_mark"][lang].format(level=level).strip().casefold())
            markers.append(level_name(lang, level).casefold())
    return markers


@pytest.mark.parametrize(
    ("language", "privacy"), [("zh", False), ("en", False), ("zh", True), ("en", True)]
)
async def test_no_group_visible_post_of_a_day_shows_a_level(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, language: str, privacy: bool
) -> None:
    bot = await start(
        database_url, fake_platform, make_bot, "07:50", privacy=privacy, language=language
    )
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"))
    await bot.add_shift("c2", at(D, "10:00"), at(D, "24:00"))
    for i, (hhmm, who, text) in enumerate(LEVEL_DAY):
        await move_to(bot, hhmm)
        await bot.staff_says(f"m{i}", who, text)
        await settle(bot)
        if hhmm == "09:02":
            await bot.staff_says("q1", "l1", "/queue" if language == "en" else "/队列")
            await bot.staff_says("a1", "c1", "hi")
        if hhmm == "10:30":
            await move_to(bot, "12:00")  # c1 goes off: a handover with levels 1-3 in it
    await move_to(bot, "00:00", N)  # close
    await move_to(bot, "08:00", N)
    await settle(bot)
    async with bot.app[DB].read() as s:
        rows = list(await s.scalars(select(models.OutboxRow).order_by(models.OutboxRow.id)))
    convs = await conversations(bot)
    assert sorted({c.level for c in convs.values()}) == [0, 1, 2, 3]
    # The levels did go out, privately: to the leads and the assignees.
    private = [r.text for r in rows if r.private_to]
    assert any(level_name(language, 3) in text for text in private)
    if privacy:
        assert any(level_name(language, 1) in text for text in private)
    group = [r.text for r in rows if not r.private_to]
    group += [p["text"] for p in fake_platform.received if not p.get("private_to")]
    assert len(group) > 10
    markers = level_markers()
    for text in group:
        folded = text.casefold()
        assert [m for m in markers if m in folded] == [], text


async def test_migration_0014_makes_the_crises_of_before_level_2_and_goes_back(
    database_url: str,
) -> None:
    from datetime import datetime

    from alembic import command
    from sqlalchemy import text

    from bot.db import Database, alembic_config

    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0013"))
            await conn.execute(
                text("INSERT INTO groups (id, name, platform) VALUES ('g1', '', 'x')")
            )
            for i, crisis in enumerate((True, False)):
                await conn.execute(
                    text(
                        "INSERT INTO messages (platform, group_id, platform_msg_id, sender_id,"
                        " sender_name, sender_role, msg_type, text, received_at, is_command,"
                        " is_crisis, is_off_hours) VALUES ('local', 'g1', :id, :id, '', 'staff',"
                        " 'text', '', :at, false, :crisis, false)"
                    ),
                    {"id": f"m{i}", "at": datetime(2026, 11, 25, 2, i), "crisis": crisis},  # noqa: DTZ001
                )
                await conn.execute(
                    text(
                        "INSERT INTO conversations (group_id, staff_id, status, is_crisis,"
                        " opened_at, last_message_at, reassign_count, tried) VALUES ('g1', :id,"
                        " 'waiting', :crisis, :at, :at, 0, '[]')"
                    ),
                    {"id": f"m{i}", "at": datetime(2026, 11, 25, 2, i), "crisis": crisis},  # noqa: DTZ001
                )
        await db.upgrade()
        async with db.read() as s:
            messages = list(await s.scalars(select(models.Message).order_by(models.Message.id)))
            convs = list(
                await s.scalars(select(models.Conversation).order_by(models.Conversation.id))
            )
        assert [m.level for m in messages] == [2, 0]
        assert [c.level for c in convs] == [2, 0]
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0013"))
        await db.upgrade()  # and forward again
        async with db.read() as s:
            assert await s.scalar(select(func.max(models.Conversation.level))) == 2
    finally:
        await db.dispose()
