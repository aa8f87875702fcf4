"""A quieter group (issue 20 item 5a): what the group has just read is not quoted back to it, and
what belongs together reaches it as one post.

- The staff member's message is itself in the group: the assignment names who takes whom and
  points at the message by its time, for a new conversation, one drained at 08:00 (the night's
  messages by their count and first time) and one moved after a timeout. A privacy group's
  counsellor still gets the words privately.
- On a group robot whose posts the outbox merges (DingTalk here, on loopback), assignments and
  queue replies wait `outbox.merge_window_s` for company: those queued meanwhile go as one post;
  any other post due behind them (a notice, an alert) releases them at once, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.config import load_settings
from bot.keys import DB
from bot.platforms.base import OutboundMessage
from tests.conftest import SECRET as GENERIC_SECRET
from tests.conftest import Bot, FakePlatform, at, make_settings
from tests.fake_chat import FakeRobot, dingtalk_message, running
from tests.test_conversations import settle
from tests.test_dingtalk import SECRET, TOKEN, dingtalk_settings, post
from tests.test_outbox import put, rows, until

D = "2026-11-25"
N = "2026-11-26"
NOW = at(D, "09:30")
WORDS = "I cannot sleep after the night shifts"


async def test_a_new_assignment_names_who_and_when_and_repeats_no_word(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url)
    bot: Bot = await make_bot(settings, FrozenClock(NOW))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", WORDS)
    await settle(bot)
    [post_] = fake_platform.of_kind("assignment")
    assert post_["text"] == "@Chen, please take care of @Doc1 (their message at 09:30)."
    assert post_["mentions"] == ["c1", "doc1"] and "private_to" not in post_


async def test_the_morning_drain_points_at_the_nights_messages_by_count_and_time(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url)
    bot: Bot = await make_bot(settings, FrozenClock(at(N, "03:12")))
    await bot.add_shift("c1", at(N, "08:00"), at(N, "12:00"))
    await bot.staff_says("m1", "doc1", WORDS)
    bot.clock.set(at(N, "03:40"))
    await bot.staff_says("m2", "doc1", "still awake")
    await settle(bot)
    bot.clock.set(at(N, "08:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    [morning] = fake_platform.of_kind("assignment")
    # The group read them at night: the count and the first time, none of the words.
    assert morning["text"] == (
        "@Chen, please take care of @Doc1 (2 messages while waiting, from 03:12)."
    )


async def test_a_timeout_moves_it_on_with_the_time_not_the_words(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url)
    bot: Bot = await make_bot(settings, FrozenClock(NOW))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", WORDS)
    await settle(bot)
    bot.clock.advance(timedelta(minutes=10, seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    moved = fake_platform.of_kind("assignment")[1]
    assert moved["text"] == (
        "@Li, please take care of @Doc1 (their message at 09:30; Chen did not answer within "
        "10 minutes)."
    )


async def test_one_that_waits_again_points_at_its_last_message_not_the_hour_it_moves(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(
        database_url,
        fake_platform.url,
        service={"max_open_per_counsellor": 1, "first_response_minutes": 120},
    )
    bot: Bot = await make_bot(settings, FrozenClock(NOW))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "10:00"))
    await bot.add_shift("c2", at(D, "10:30"), at(D, "12:00"))
    await bot.staff_says("m0", "doc0", "hello")
    await bot.staff_says("m1", "doc1", WORDS)  # c1 is full: doc1 waits
    await settle(bot)
    bot.clock.set(at(D, "09:35"))
    await bot.staff_says("d0", "c1", "/done @Doc0")  # doc1 goes to c1
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    bot.clock.set(at(D, "10:00") + timedelta(seconds=1))  # c1 goes off, nobody on: it waits
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("shift_change")) == 1)
    bot.clock.set(at(D, "10:30") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 3)
    texts = [m["text"] for m in fake_platform.of_kind("assignment")]
    assert texts[1] == "@Chen, please take care of @Doc1 (1 messages while waiting, from 09:30)."
    assert texts[2] == "@Li, please take care of @Doc1 (their message at 09:30)."


async def test_a_privacy_groups_counsellor_still_gets_the_words_privately(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(
        database_url,
        fake_platform.url,
        groups=[
            {
                "id": "g1",
                "platform": "generic",
                "secret": GENERIC_SECRET,
                "privacy": True,
                "webhook_url": fake_platform.url,
            }
        ],
    )
    bot: Bot = await make_bot(settings, FrozenClock(NOW))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", WORDS)
    await settle(bot)
    group, private = fake_platform.of_kind("assignment")
    assert "private_to" not in group and WORDS not in group["text"]
    assert private["private_to"] == ["c1"] and WORDS in private["text"]


@pytest.fixture
async def robot() -> AsyncIterator[FakeRobot]:
    async with running(FakeRobot("dingtalk", SECRET, TOKEN, FrozenWallClock(NOW))) as r:
        yield r


async def robot_bot(database_url: str, robot: FakeRobot, make_bot: Any, window_s: float) -> Bot:
    wall = FrozenWallClock(NOW)
    robot.wall = wall
    base = dingtalk_settings(database_url, robot.url)
    settings = load_settings(None, **{**base.model_dump(), "outbox": {"merge_window_s": window_s}})
    bot: Bot = await make_bot(settings, FrozenClock(NOW), wall)
    return bot


async def test_assignments_within_the_window_reach_a_robot_group_as_one_post(
    database_url: str, robot: FakeRobot, make_bot: Any
) -> None:
    bot = await robot_bot(database_url, robot, make_bot, 60)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="d1")
    await bot.add_shift("c2", at(D, "08:00"), at(D, "12:00"), group="d1")
    assert (await post(bot, dingtalk_message("dm1", "doc1", WORDS)))[0] == 200
    bot.advance(timedelta(seconds=20))
    assert (await post(bot, dingtalk_message("dm2", "doc2", "me too")))[0] == 200
    bot.advance(timedelta(seconds=20))
    await asyncio.sleep(0.6)
    assert robot.posts == []  # held for company: 40 s into the first one's minute
    bot.advance(timedelta(seconds=21))
    await robot.wait_for(lambda r: len(r.posts) == 1)
    await asyncio.sleep(0.3)
    [one] = robot.posts
    assert one.text.split("\n\n")[0].startswith("@Chen, please take care of @Doc1 (their message")
    assert "please take care of @Doc2" in one.text and WORDS not in one.text
    assert one.payload["at"]["atUserIds"] == ["c1", "doc1", "c2", "doc2"]
    done = await rows(bot)
    assert [r.status for r in done] == ["sent", "sent"] and done[1].merged_into == done[0].id


async def test_held_posts_merge_on_the_generic_webhook_too(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url, outbox={"merge_window_s": 60})
    bot: Bot = await make_bot(settings, FrozenClock(NOW))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", WORDS)
    bot.advance(timedelta(seconds=30))
    await bot.staff_says("m2", "doc2", "me too")
    await asyncio.sleep(0.6)
    assert fake_platform.received == []
    bot.advance(timedelta(seconds=31))
    await fake_platform.wait_for(lambda r: len(r) == 1)
    await asyncio.sleep(0.3)
    [one] = fake_platform.received
    assert one["kind"] == "assignment" and one["mentions"] == ["c1", "doc1", "c2", "doc2"]
    assert one["text"] == (
        "@Chen, please take care of @Doc1 (their message at 09:30).\n\n"
        "@Li, please take care of @Doc2 (their message at 09:30)."
    )


async def test_a_post_due_behind_held_ones_releases_them_in_order(
    database_url: str, robot: FakeRobot, make_bot: Any
) -> None:
    bot = await robot_bot(database_url, robot, make_bot, 60)
    async with bot.app[DB].write() as s:
        from bot.outbox import enqueue

        enqueue(s, OutboundMessage("d1", "a1", "assignment", ("c1",)), NOW, hold_s=60)
        enqueue(s, OutboundMessage("d1", "a2", "off_hours", ("doc2",)), NOW, hold_s=60)
    await asyncio.sleep(0.6)
    assert robot.posts == []
    # A notice is due at once: the held rows go now, before it, as one post of their family.
    await put(bot, OutboundMessage("d1", "s1", "shift_change", ("c2",)))
    await robot.wait_for(lambda r: len(r.posts) == 2)
    assert [p.text.split(" @")[0] for p in robot.posts] == ["a1\n\na2", "s1"]


async def test_a_row_backing_off_is_not_released_early(
    database_url: str, robot: FakeRobot, make_bot: Any
) -> None:
    bot = await robot_bot(database_url, robot, make_bot, 60)
    robot.throttle_next = 1
    await put(bot, OutboundMessage("d1", "a1", "assignment", ("c1",)))
    await robot.wait_for(lambda r: r.throttled == 1)
    await put(bot, OutboundMessage("d1", "s1", "shift_change", ("c2",)))
    await asyncio.sleep(0.6)
    assert robot.posts == []  # the throttled head waits out its ten minutes; order holds
    bot.advance(timedelta(minutes=11))
    await robot.wait_for(lambda r: len(r.posts) == 2)
    assert [p.text.split(" @")[0] for p in robot.posts] == ["a1", "s1"]


async def test_without_a_window_each_goes_when_due(
    database_url: str, robot: FakeRobot, make_bot: Any
) -> None:
    bot = await robot_bot(database_url, robot, make_bot, 0)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="d1")
    assert (await post(bot, dingtalk_message("dm1", "doc1", WORDS)))[0] == 200
    await robot.wait_for(lambda r: len(r.posts) == 1)

    async def sent() -> bool:
        async with bot.app[DB].read() as s:
            row = await s.scalar(select(models.OutboxRow))
            return row is not None and row.status == "sent"

    await until(sent)
