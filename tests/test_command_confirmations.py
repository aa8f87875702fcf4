"""A quieter group (issue 20 item 5a): a counsellor's /ack and /done that went as asked are
confirmed to them alone where the platform can post privately, and not at all where it cannot
(staff read the group too); a command that did not go as asked is still answered in the group.
Through the real app: the generic webhook (which carries private posts) and a DingTalk group
robot with no application for 1:1 messages, to fake platforms on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.keys import DB
from tests.conftest import Bot, FakePlatform, at
from tests.fake_chat import FakeRobot, dingtalk_message, running
from tests.test_conversations import start
from tests.test_dingtalk import NOW, SECRET, TOKEN, dingtalk_settings, post

D = "2026-11-25"


async def conversation_of(bot: Bot, staff: str) -> models.Conversation | None:
    async with bot.app[DB].read() as s:
        c = models.Conversation
        return await s.scalar(select(c).where(c.staff_id == staff).order_by(c.id.desc()))


async def until(condition: Any, within_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not await condition():
        assert loop.time() < deadline, "condition never held"
        await asyncio.sleep(0.05)


async def test_ack_and_done_are_confirmed_privately_where_the_platform_can(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await bot.add_shift("c1", at(D, "09:00"), at(D, "14:00"))
    await bot.staff_says("m1", "doc1", "hello")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    await bot.staff_says("a1", "c1", "/ack")
    await bot.staff_says("a2", "c1", "/done counselling")
    replies = lambda: fake_platform.of_kind("command_reply")  # noqa: E731
    await fake_platform.wait_for(lambda r: len(replies()) == 2)
    assert [(m["text"], m["private_to"]) for m in replies()] == [
        ("Confirmed: you have taken 1 conversations.", ["c1"]),
        (
            "Closed the conversation with Doc1. Thank you. Category: psychological counselling.",
            ["c1"],
        ),
    ]


@pytest.fixture
async def robot() -> AsyncIterator[FakeRobot]:
    async with running(FakeRobot("dingtalk", SECRET, TOKEN, FrozenWallClock(NOW))) as r:
        yield r


async def test_without_private_posts_a_command_that_went_well_posts_nothing(
    database_url: str, robot: FakeRobot, make_bot: Any
) -> None:
    wall = FrozenWallClock(NOW)
    robot.wall = wall
    bot: Bot = await make_bot(dingtalk_settings(database_url, robot.url), FrozenClock(NOW), wall)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="d1")
    assert (await post(bot, dingtalk_message("dm1", "doc1", "I cannot sleep")))[0] == 200
    await robot.wait_for(lambda r: len(r.posts) == 1)  # the assignment

    async def answered() -> bool:
        conv = await conversation_of(bot, "doc1")
        return conv is not None and conv.first_response_at is not None

    async def closed() -> bool:
        conv = await conversation_of(bot, "doc1")
        return conv is not None and conv.status == "closed"

    bot.advance(timedelta(seconds=1))  # DingTalk takes one message per (timestamp, sign)
    assert (await post(bot, dingtalk_message("dm2", "c1", "/ack")))[0] == 200
    await until(answered)
    bot.advance(timedelta(seconds=1))
    assert (await post(bot, dingtalk_message("dm3", "c1", "/done")))[0] == 200
    await until(closed)
    # Nothing left to close: that is said, in the group (posts keep their order in the group).
    bot.advance(timedelta(seconds=1))
    assert (await post(bot, dingtalk_message("dm4", "c1", "/done")))[0] == 200
    await robot.wait_for(lambda r: len(r.posts) >= 2)
    # Had /ack or the first /done been confirmed in the group, it would have come before this.
    assert len(robot.posts) == 2
    assert "You hold no open conversation." in robot.posts[1].text
    assert not any("Confirmed" in p.text or "Thank you" in p.text for p in robot.posts)
