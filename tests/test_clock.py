"""The two clocks. The service clock runs the rota and may be started elsewhere and sped up; the
wall clock is the real time that platforms sign and count with. A demo started two days ahead
(the real app from create_app, fake platforms on loopback that check signatures against the
real time) accepts webhooks signed now and signs its own posts with now."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from bot.clock import FrozenClock, FrozenWallClock, ScaledClock, SystemWallClock
from bot.protocols import WallTime
from tests.conftest import TZ, Bot, FakePlatform, make_settings
from tests.fake_chat import (
    FakeRobot,
    dingtalk_headers,
    dingtalk_message,
    feishu_encrypt,
    feishu_headers,
    feishu_message_event,
    running,
)

DT_SECRET, DT_TOKEN = "SECdemo-dingtalk-secret", "demo-robot-token"
FS_SECRET, FS_HOOK, FS_KEY, FS_TOKEN = "feishu-bot-secret", "hook-0123456789abcdef", "fkey", "vt"


def two_days_ahead() -> datetime:
    """10:00 service time two days from today: inside service hours, far from the real time."""
    day = SystemWallClock().wall_now().astimezone(TZ).date() + timedelta(days=2)
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=TZ)


def demo_settings(database_url: str, generic_url: str, ding_url: str, feishu_url: str) -> Any:
    groups = [
        {"id": "g1", "name": "Generic", "platform": "generic", "secret": "s3cret-for-tests",
         "webhook_url": generic_url},
        {"id": "d1", "name": "钉钉", "platform": "dingtalk", "secret": DT_SECRET,
         "webhook_url": ding_url},
        {"id": "f1", "name": "飞书", "platform": "feishu", "secret": FS_SECRET,
         "webhook_url": feishu_url, "encrypt_key": FS_KEY, "verification_token": FS_TOKEN},
    ]  # fmt: skip
    members = [
        {"group": g["id"], "id": m, "name": m.title(), "role": role}
        for g in groups
        for m, role in (("c1", "counsellor"), ("l1", "lead"))
    ]
    return make_settings(database_url, generic_url, groups=groups, members=members)


async def post_dingtalk(bot: Bot, msg_id: str, signed_at: datetime) -> int:
    assert bot.client is not None
    body = json.dumps(dingtalk_message(msg_id, "doc1", "I cannot sleep")).encode()
    resp = await bot.client.post("/webhooks/dingtalk/d1", data=body,
                                 headers=dingtalk_headers(DT_SECRET, signed_at))  # fmt: skip
    return resp.status


async def post_feishu(bot: Bot, msg_id: str, created_at: datetime) -> int:
    assert bot.client is not None
    event = feishu_message_event(msg_id, "doc1", "I keep seeing the ward", token=FS_TOKEN,
                                 created_at=created_at)  # fmt: skip
    raw = json.dumps({"encrypt": feishu_encrypt(FS_KEY, json.dumps(event).encode())}).encode()
    resp = await bot.client.post("/webhooks/feishu/f1", data=raw,
                                 headers=feishu_headers(FS_KEY, raw))  # fmt: skip
    return resp.status


async def test_a_demo_two_days_ahead_verifies_and_signs_in_real_time(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    real = SystemWallClock()
    fake_platform.wall = real  # the generic receiver refuses a timestamp 300 s from real time
    ding = FakeRobot("dingtalk", DT_SECRET, DT_TOKEN, real)
    lark = FakeRobot("feishu", FS_SECRET, FS_HOOK, real, per_minute=100, per_second=5)
    async with running(ding), running(lark):
        settings = demo_settings(database_url, fake_platform.url, ding.url, lark.url)
        ahead = ScaledClock(two_days_ahead(), speed=1)
        bot: Bot = await make_bot(settings, ahead)  # the wall clock: the system's, as in serve
        assert abs((ahead.now() - real.wall_now()).total_seconds()) > 86_400
        for group in ("g1", "d1", "f1"):
            await bot.add_shift("c1", ahead.now() - timedelta(hours=1),
                                ahead.now() + timedelta(hours=3), group=group)  # fmt: skip

        # In: each platform signs with the real time, and is accepted.
        resp = await bot.post_signed(
            {"msg_id": "m1", "sender": {"id": "doc1", "name": "Doc"}, "text": "I cannot sleep"},
            ts=real.wall_now(),
        )
        assert resp.status == 200, await resp.text()
        assert await post_dingtalk(bot, "dm1", real.wall_now()) == 200
        assert await post_feishu(bot, "om_1", real.wall_now()) == 200
        # Signed on the demo's clock instead, as no platform signs: refused.
        stale = await bot.post_signed(
            {"msg_id": "m2", "sender": {"id": "doc1", "name": "Doc"}, "text": "x"},
            ts=ahead.now(),
        )
        assert stale.status == 401
        assert await post_dingtalk(bot, "dm2", ahead.now()) == 401

        # Out: the assignments reach receivers that check the signature against the real time.
        await fake_platform.wait_for(lambda got: len(got) == 1)
        await ding.wait_for(lambda r: len(r.posts) == 1)
        await lark.wait_for(lambda r: len(r.posts) == 1)
        assert ding.rejected == [] and lark.rejected == []
        assert [m["kind"] for m in fake_platform.received] == ["assignment"]


def test_the_wall_clock_is_its_own_type() -> None:
    """What mypy enforces (a service clock cannot be passed for a wall clock, nor the reverse)
    rests on these: different methods, and an instant type only a wall clock makes."""
    at = datetime(2026, 11, 25, 9, 30, tzinfo=TZ)
    wall, clock = FrozenWallClock(at), FrozenClock(at)
    assert not hasattr(wall, "now") and not hasattr(clock, "wall_now")
    assert wall.wall_now() == WallTime(at)
    wall.advance(timedelta(seconds=5))
    assert wall.wall_now() - clock.now() == timedelta(seconds=5)
