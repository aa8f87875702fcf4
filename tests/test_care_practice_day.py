"""A level-3 day end to end (issue 19, Tests), through the real app on a stepped frozen clock,
on SQLite and PostgreSQL, in an open group and a privacy group.

A staff member writes that they do not want to live tonight: the crisis alert reaches the
assignee, the leads and the supervisor on duty privately; the counsellor records /risk 3 (the
supervisor is paged, a follow-up set 24 h on) and closes with /done 心理疏导; at close the review
list reaches the supervisors and the debrief prompt the counsellor; the app is stopped and made
again on the same database, and the next day the follow-up is posted exactly once, the review
and debrief never again. The day's report counts by category and by level. A scan of every
post the group could read finds no level, risk note, category or person's words (and no name
of a person in the privacy group)."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock
from bot.i18n import level_name
from bot.keys import DB, JOBS
from tests.conftest import Bot, FakePlatform, at, make_settings

D = "2026-11-25"  # the level-3 day (a Wednesday)
N = "2026-11-26"  # the next day
MEMBERS = [
    {"group": "g1", "id": "c1", "name": "Chen", "role": "counsellor"},
    {"group": "g1", "id": "c2", "name": "Li", "role": "counsellor"},
    {"group": "g1", "id": "l1", "name": "Lead Liu", "role": "lead"},
    {"group": "g1", "id": "l2", "name": "Lead Zhou", "role": "lead", "supervisor": True},
    {"group": "g1", "id": "s1", "name": "Sup Sun", "role": "supervisor"},
    {"group": "g1", "id": "s2", "name": "Sup Qian", "role": "supervisor"},  # off duty today
]
LEVEL3 = "我今晚就不想活了"
ORDINARY = "night shifts are wearing me down"
RISK = "/risk 3 意愿:有 能力:药物 意图:今晚 保护:女儿"
RISK_WORDS = ["药物", "今晚", "女儿"]
PEOPLE = ("doc", "nurse")


def settings_for(database_url: str, url: str, privacy: bool) -> Any:
    settings = make_settings(
        database_url,
        url,
        service={"reminder_minutes": 0, "closes": "20:00", "idle_close_hours": 48},
        outbox={"rate_per_minute": 600},
        members=MEMBERS,
    )
    groups = [g.model_copy(update={"privacy": privacy}) for g in settings.groups]
    return settings.model_copy(update={"groups": groups})


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


async def move_to(bot: Bot, day: str, hhmm: str) -> None:
    """Step both frozen clocks to a second past `hhmm` and let the due work run."""
    bot.advance(at(day, hhmm) + timedelta(seconds=1) - bot.clock.now())
    bot.app[JOBS].reschedule("g1")
    await asyncio.sleep(0.3)
    await settle(bot)


async def says(bot: Bot, msg_id: str, sender: str, text: str) -> None:
    await bot.staff_says(msg_id, sender, text)
    await settle(bot)


def private_to(fake: FakePlatform, member: str, kind: str, *words: str) -> list[str]:
    """The texts of `kind` that went privately to `member` and hold all of `words`."""
    return [
        p["text"]
        for p in fake.of_kind(kind)
        if member in (p.get("private_to") or []) and all(w in p["text"] for w in words)
    ]


def reviews(fake: FakePlatform) -> list[dict[str, Any]]:
    return [p for p in fake.of_kind("report") if "review" in p["text"]]


def debriefs(fake: FakePlatform) -> list[dict[str, Any]]:
    return [p for p in fake.of_kind("report") if "debrief" in p["text"]]


@pytest.mark.parametrize("privacy", [False, True], ids=["open", "privacy"])
async def test_a_level_3_day_end_to_end(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, privacy: bool
) -> None:
    settings = settings_for(database_url, fake_platform.url, privacy)
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "08:50")))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "20:00"))
    await bot.add_shift("s1", at(D, "09:00"), at(D, "20:00"))  # a supervision shift
    await bot.add_shift("c1", at(N, "09:00"), at(N, "20:00"))
    await move_to(bot, D, "09:30")

    # 09:30: the level-3 message. The alert goes privately to c1, the leads and s1 on duty.
    await says(bot, "m1", "doc", LEVEL3)
    async with bot.app[DB].read() as s:
        [conv] = list(await s.scalars(select(models.Conversation)))
    assert (conv.counsellor_id, conv.level, conv.is_crisis) == ("c1", 3, True)
    alerts = [p for p in fake_platform.of_kind("crisis") if p.get("private_to")]
    to = {m for p in alerts for m in p["private_to"]}
    assert {"c1", "l1", "l2", "s1"} <= to and "s2" not in to, alerts
    assert all(p["private_to"] for p in fake_platform.of_kind("crisis"))
    await says(bot, "a1", "c1", "/ack")

    # 09:40: the counsellor's risk note: s1 (on duty) is paged, a follow-up set 24 h on.
    await move_to(bot, D, "09:40")
    before = len(fake_platform.of_kind("crisis"))
    await says(bot, "r1", "c1", RISK)
    pages = fake_platform.of_kind("crisis")[before:]
    assert [p["private_to"] for p in pages] == [["s1"]], pages
    assert "3" in pages[0]["text"] and "今晚" in pages[0]["text"]
    async with bot.app[DB].read() as s:
        [note] = list(await s.scalars(select(models.RiskNote)))
        [followup] = list(await s.scalars(select(models.Followup)))
    assert (note.level, note.counsellor_id, note.conversation_id) == (3, "c1", conv.id)
    assert followup.set_by == "c1" and followup.conversation_id == conv.id
    assert at(N, "09:39") <= followup.due_at <= at(N, "09:41")

    # 10:00: an ordinary conversation beside it, for the day's figures.
    await move_to(bot, D, "10:00")
    await says(bot, "m2", "nurse", ORDINARY)
    await says(bot, "a2", "c1", "/ack")

    # 11:00: both close with a category; the level 3 proposes no second follow-up.
    await move_to(bot, D, "11:00")
    await says(bot, "d1", "c1", "/done Doc 心理疏导")
    await says(bot, "d2", "c1", "/done Nurse 情绪支持")
    async with bot.app[DB].read() as s:
        closed = {
            c.staff_id: (c.status, c.category) for c in await s.scalars(select(models.Conversation))
        }
        assert len(list(await s.scalars(select(models.Followup)))) == 1
    assert closed == {"doc": ("closed", "counselling"), "nurse": ("closed", "emotional")}, closed

    # 20:00, the close: the review list to the supervisors, the debrief prompt to c1, the daily
    # report (by category and by level) to the leads; all private.
    await move_to(bot, D, "20:00")
    await move_to(bot, D, "20:01")
    [review] = reviews(fake_platform)
    assert set(review["private_to"]) == {"s1", "s2", "l2"}, review
    line = next(x for x in review["text"].splitlines() if x.startswith(f"#{conv.id} 09:30"))
    assert "level 3" in line and "held by Chen" in line and "risk note level 3" in line, line
    assert ("Doc" in line) is not privacy  # the person's name only outside a privacy group
    [debrief] = debriefs(fake_platform)
    assert debrief["private_to"] == ["c1"] and "Sup Sun" in debrief["text"], debrief
    [report] = [p for p in fake_platform.of_kind("report") if "by category" in p["text"]]
    assert set(report["private_to"]) == {"l1", "l2"}, report
    lang = settings.language_of("g1")
    labels = {c.id: c.label(lang) for c in settings.service.categories}
    text = report["text"]
    assert f"{labels['counselling']} 1" in text and f"{labels['emotional']} 1" in text, text
    assert f"{labels['prevention']} 0" in text, text
    assert f"{level_name(lang, 3)} 1" in text and f"{level_name(lang, 0)} 1" in text, text
    assert f"{level_name(lang, 2)} 0" in text, text

    # The app stops after the close and is made again on the same database the next morning.
    await bot.stop()
    bot = await make_bot(settings, FrozenClock(at(N, "09:00")))
    await move_to(bot, N, "09:30")
    assert not fake_platform.of_kind("followup")  # not yet due
    await move_to(bot, N, "09:41")
    await bot.app[JOBS]._sweep(full=True)
    await settle(bot)
    [posted] = fake_platform.of_kind("followup")
    assert posted["private_to"] == ["c1"], posted
    assert "Doc" in posted["text"] and "late" not in posted["text"], posted

    # And once more: another start posts nothing of it again, nor the review or the debrief.
    await bot.stop()
    bot = await make_bot(settings, FrozenClock(at(N, "09:45")))
    await bot.app[JOBS]._sweep(full=True)
    await move_to(bot, N, "09:50")
    assert len(fake_platform.of_kind("followup")) == 1
    assert len(reviews(fake_platform)) == 1 and len(debriefs(fake_platform)) == 1
    async with bot.app[DB].read() as s:
        [done] = list(await s.scalars(select(models.Followup)))
    assert done.sent_at is not None

    # The privacy scan: every post the group could read, over both days.
    forbidden = [LEVEL3, ORDINARY, "不想活", *RISK_WORDS, "level", "risk", "crisis", "review"]
    forbidden += ["debrief", "follow", "级", "风险", "危机", "跟进"]
    forbidden += [level_name(x, n) for x in ("en", "zh") for n in (1, 2, 3)]
    for c in settings.service.categories:
        forbidden += [c.id, c.label("en"), c.label("zh"), *c.aliases]
    visible = [p for p in fake_platform.received if not p.get("private_to")]
    assert visible, "the group heard nothing all day"
    for post in visible:
        words = post["text"]
        # The configured hotlines' own names are not the bot's words about the person (one is
        # a 心理危机 centre): they are given to the person in the group as to anyone who asks.
        for hotline in settings.service.crisis_hotlines:
            words = words.replace(hotline, "")
        words = words.casefold()
        for word in forbidden:
            assert word.casefold() not in words, (word, post)
        if privacy:  # no person's name, except the person a post speaks to
            for person in set(PEOPLE) - set(post.get("mentions", [])):
                assert not re.search(rf"\b{person}\b", words), post
