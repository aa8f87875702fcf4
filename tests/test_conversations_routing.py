"""Who gets a new conversation, end to end through the generic webhook (issue 20 item 1): not the
counsellor whose duty ends in a minute, and not one who let a conversation time out and has not
posted since, until they post, /ack, or a lead sends /resume.

The real app on a frozen clock that the tests move; the fake platform records every post."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.keys import DB
from tests.conftest import Bot, FakePlatform, at
from tests.test_conversations import D, conv_of, settle, start


async def paused(bot: Bot) -> list[str]:
    async with bot.app[DB].read() as s:
        m = models.Member
        return list(await s.scalars(select(m.id).where(m.paused_at.is_not(None)).order_by(m.id)))


async def until(condition: Any, within_s: float = 10.0) -> None:
    """Poll an async condition until it holds, or fail after `within_s` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not await condition():
        assert loop.time() < deadline, "condition never held"
        await asyncio.sleep(0.05)


async def test_near_the_end_of_a_shift_a_new_conversation_goes_to_who_stays_on(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:00")
    await bot.add_shift("c1", at(D, "09:00"), at(D, "13:00"))  # Chen, on until 13:00
    await bot.add_shift("c2", at(D, "09:00"), at(D, "10:00"))  # Li, off at 10:00
    await bot.staff_says("m0", "doc0", "good morning")  # Chen (a tie, by id): 1 open, Li 0
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    await bot.staff_says("a0", "c1", "good morning Doc0")

    bot.clock.set(at(D, "09:59") + timedelta(seconds=30))
    await bot.staff_says("m1", "doc1", "can someone talk to me?")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    assert fake_platform.of_kind("assignment")[1]["mentions"] == ["c1", "doc1"]

    bot.clock.set(at(D, "10:00"))

    def ten() -> list[dict[str, Any]]:
        changes = fake_platform.of_kind("shift_change")
        return [m for m in changes if m["text"].startswith("[Shift change 10:00]")]

    await fake_platform.wait_for(lambda r: bool(ten()))
    await settle(bot)
    [change] = ten()
    assert "Handover" not in change["text"]  # Li held nothing: nothing moves
    assert len(fake_platform.of_kind("assignment")) == 2  # one assignment post per person
    conv = await conv_of(bot, "doc1")
    assert (conv.counsellor_id, conv.reassign_count) == ("c1", 0)


async def test_when_nobody_has_the_minimum_left_whoever_is_on_takes_it(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:55", min_minutes_left=15)
    await bot.add_shift("c2", at(D, "09:00"), at(D, "10:00"))
    await bot.add_shift("c3", at(D, "10:00"), at(D, "13:00"))
    await bot.staff_says("m1", "doc1", "hello")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    assert fake_platform.of_kind("assignment")[0]["mentions"] == ["c2", "doc1"]


@pytest.mark.parametrize(
    ("who", "back", "reply"),
    [
        ("c1", "sorry, I am here now", None),
        ("c1", "/ack", "Thank you: new conversations will come to you again."),
        ("l1", "/resume Chen", "Done: Chen will receive new conversations again."),
    ],
)
async def test_a_counsellor_who_let_one_time_out_gets_no_new_one_until_back(
    database_url: str,
    fake_platform: FakePlatform,
    make_bot: Any,
    who: str,
    back: str,
    reply: str | None,
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30", first_response_minutes=10)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "14:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "14:00"))
    assignments = lambda: fake_platform.of_kind("assignment")  # noqa: E731
    await bot.staff_says("m1", "doc1", "is anyone there?")
    await fake_platform.wait_for(lambda r: len(assignments()) == 1)
    assert assignments()[0]["mentions"] == ["c1", "doc1"]

    bot.clock.advance(timedelta(minutes=10, seconds=1))  # Chen never answers: it goes to Li
    await fake_platform.wait_for(lambda r: len(assignments()) == 2)
    await until(lambda: _is(paused(bot), ["c1"]))
    await bot.staff_says("a1", "c2", "hello Doc1, I am Li")
    await settle(bot)
    [alert] = fake_platform.of_kind("escalation")  # the leads are told once, privately
    assert alert["private_to"] == ["l1"]
    assert alert["text"].endswith(
        "Chen gets no new conversations until they post or send /ack, or a lead sends /resume Chen."
    )

    # Chen has fewer open (0 against Li's 1) but is paused: the new ones go to Li.
    for i in (2, 3):
        await bot.staff_says(f"m{i}", f"doc{i}", f"hello from {i}")
        await fake_platform.wait_for(lambda r, i=i: len(assignments()) == i + 1)
        assert assignments()[-1]["mentions"] == ["c2", f"doc{i}"]

    await bot.staff_says("b1", who, back)
    await until(lambda: _is(paused(bot), []))
    if reply is not None:
        await fake_platform.wait_for(lambda r: any(reply in m["text"] for m in r))
        [answer] = [m for m in fake_platform.received if reply in m["text"]]
        if who == "l1":
            assert answer["private_to"] == ["l1"]
    await bot.staff_says("m4", "doc4", "hello from 4")
    await fake_platform.wait_for(lambda r: len(assignments()) == 5)
    assert assignments()[-1]["mentions"] == ["c1", "doc4"]
    await settle(bot)
    assert len(fake_platform.of_kind("escalation")) == 1


async def test_when_only_the_paused_counsellor_is_on_people_wait_until_they_post(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30", first_response_minutes=10)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "14:00"))
    await bot.staff_says("m1", "doc1", "is anyone there?")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    bot.clock.advance(timedelta(minutes=10, seconds=1))  # nobody else: it stays with Chen
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("escalation")))
    await until(lambda: _is(paused(bot), ["c1"]))

    await bot.staff_says("m2", "doc2", "hello")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("escalation")) == 2)
    queue = fake_platform.of_kind("escalation")[1]
    assert queue["text"].startswith("[Queue] 1 staff waiting: the counsellors on duty are full, or")
    assert (await conv_of(bot, "doc2")).status == "waiting"
    assert len(fake_platform.of_kind("assignment")) == 1

    await bot.staff_says("a1", "c1", "sorry, I was away; here now")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    assert fake_platform.of_kind("assignment")[1]["mentions"] == ["c1", "doc2"]
    assert (await conv_of(bot, "doc2")).status == "open"


async def test_resume_names_who_is_paused_and_is_for_leads_only(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await bot.add_shift("c1", at(D, "09:00"), at(D, "14:00"))
    replies = lambda: fake_platform.of_kind("command_reply")  # noqa: E731
    await bot.staff_says("r1", "l1", "/恢复 Nobody")
    await fake_platform.wait_for(lambda r: len(replies()) == 1)
    assert replies()[0]["text"] == (
        "No one member here is called Nobody (write their name or id). Paused now: nobody."
    )
    await bot.staff_says("r2", "l1", "/resume @Chen")
    await fake_platform.wait_for(lambda r: len(replies()) == 2)
    assert replies()[1]["text"] == "Chen is not paused. Paused now: nobody."
    assert replies()[1]["private_to"] == ["l1"]
    await bot.staff_says("r3", "c1", "/resume Chen")
    await fake_platform.wait_for(lambda r: len(replies()) == 3)
    assert "Only team leads can use /resume" in replies()[2]["text"]


async def _is(values: Any, expected: list[str]) -> bool:
    return bool(await values == expected)
