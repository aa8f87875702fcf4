"""Duplicate storms: each webhook sent three times at once is handled once (one message row,
one assignment post), on every platform we can build a valid request for."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.config import PLATFORMS
from bot.keys import DB
from bot.keys import PLATFORMS as PLATFORMS_KEY
from tests.conftest import SECRET as CONFTEST_SECRET
from tests.conftest import Bot, at, make_settings
from tests.reliability.harness import (
    VALID_REQUEST,
    Receiver,
    group_config,
    serve_receiver,
    valid_request,
)

D = "2026-11-25"
COUNSELLORS = [f"c{i}" for i in range(8)]  # 8 x 5 open: room for 40 conversations


async def _bot(make_bot: Any, database_url: str, rx: Receiver, platform: str) -> Bot:
    if platform not in VALID_REQUEST:  # (微信客服's messages come by pull, not by webhook)
        pytest.skip(f"no valid-request builder for {platform!r} yet: add one to "
                    "tests/reliability/harness.py VALID_REQUEST")
    settings = make_settings(
        database_url,
        rx.url,
        groups=[group_config(platform, "s1", rx.url, secret=CONFTEST_SECRET)],
        members=[
            {"group": "s1", "id": c, "name": c.upper(), "role": "counsellor"} for c in COUNSELLORS
        ],
    )
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
    assert platform in bot.app[PLATFORMS_KEY]  # every platform the config accepts is served
    if platform not in VALID_REQUEST:
        pytest.skip(
            f"no valid-request builder for {platform!r} yet: add one to "
            "tests/reliability/harness.py VALID_REQUEST"
        )
    for c in COUNSELLORS:
        await bot.add_shift(c, at(D, "08:00"), at(D, "24:00"), group="s1")
    return bot


async def _posts(bot: Bot, rx: Receiver, platform: str) -> list[tuple[str, tuple[str, ...]]]:
    """(kind, mentions) of every post the bot made: at the receiver, or on the local page."""
    if platform != "local":
        return [(p.body["kind"], tuple(p.body["mentions"])) for p in rx.received]
    async with bot.app[DB].read() as s:
        rows = await s.scalars(select(models.LocalPost).where(models.LocalPost.is_bot))
        return [(r.kind, tuple(r.mentions)) for r in rows]


async def _send(bot: Bot, platform: str, msg_id: str, sender: str, text: str) -> dict[str, Any]:
    assert bot.client is not None
    req = valid_request(platform, "s1", msg_id, sender, text, bot.wall.wall_now(), CONFTEST_SECRET)
    resp = await bot.client.request(req.method, req.path, data=req.body, headers=req.headers)
    assert resp.status == 200, await resp.text()
    return await resp.json()  # type: ignore[no-any-return]


async def _settle(bot: Bot, rx: Receiver, platform: str, want: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while len([k for k, _ in await _posts(bot, rx, platform) if k == "assignment"]) < want:
        assert loop.time() < deadline, await _posts(bot, rx, platform)
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)  # a second post of anything would arrive by now


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_each_webhook_three_times_at_once_is_handled_once(
    database_url: str, make_bot: Any, platform: str
) -> None:
    async with serve_receiver(Receiver(secret=CONFTEST_SECRET)) as rx:
        bot = await _bot(make_bot, database_url, rx, platform)
        n = 30
        sends = [
            _send(bot, platform, f"storm-{i}", f"doc{i}", f"storm message {i}")
            for i in range(n)
            for _ in range(3)
        ]
        answers = await asyncio.gather(*sends)
        by_msg = Counter(a["duplicate"] for a in answers)
        assert by_msg == {False: n, True: 2 * n}, by_msg
        await _settle(bot, rx, platform, n)
        async with bot.app[DB].read() as s:
            rows = Counter(await s.scalars(select(models.Message.platform_msg_id)))
            conversations = await s.scalar(select(func.count()).select_from(models.Conversation))
        assert rows == dict.fromkeys((f"storm-{i}" for i in range(n)), 1)
        assert conversations == n
        assignments = [m for k, m in await _posts(bot, rx, platform) if k == "assignment"]
        assert sorted(m[1] for m in assignments) == sorted(f"doc{i}" for i in range(n))
        assert len(rx.deliveries()) == len(set(rx.deliveries()))


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_one_sender_many_messages_at_once_opens_one_conversation(
    database_url: str, make_bot: Any, platform: str
) -> None:
    """Different messages from the same staff member racing: one conversation, one assignment."""
    async with serve_receiver(Receiver(secret=CONFTEST_SECRET)) as rx:
        bot = await _bot(make_bot, database_url, rx, platform)
        staff = [f"doc{i}" for i in range(4)]
        sends = [
            _send(bot, platform, f"{who}-{k}", who, f"{who} says {k}")
            for k in range(5)
            for who in staff
        ]
        answers = await asyncio.gather(*sends)
        assert not any(a["duplicate"] for a in answers)
        await _settle(bot, rx, platform, len(staff))
        async with bot.app[DB].read() as s:
            stored = await s.scalar(select(func.count()).select_from(models.Message))
            convs = list(await s.scalars(select(models.Conversation.staff_id)))
        assert stored == 20
        assert sorted(convs) == staff
        assignments = [m for k, m in await _posts(bot, rx, platform) if k == "assignment"]
        assert sorted(m[1] for m in assignments) == staff
