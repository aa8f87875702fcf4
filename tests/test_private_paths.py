"""Private posts on DingTalk and Feishu, end to end: the real app, a fake group robot and a fake
1:1 API on loopback. A crisis reaches the leads privately and the group's next post follows
within seconds; a 1:1 API that is down holds up nothing; without the app the recipients are
mentioned in the group without the text; tokens are fetched once and fetched again when due."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.config import Settings
from bot.errors import Retry
from bot.keys import DB
from bot.platforms.base import OutboundMessage
from bot.platforms.dingtalk import DingTalkPlatform
from bot.platforms.feishu import FeishuPlatform
from tests import test_dingtalk as dt
from tests import test_feishu as fs
from tests.conftest import Bot, at
from tests.fake_apps import FakeApp, running_app
from tests.fake_chat import (
    FakeRobot,
    dingtalk_headers,
    dingtalk_message,
    feishu_encrypt,
    feishu_headers,
    feishu_message_event,
    running,
)

D = "2026-11-25"
NOW = at(D, "09:30")
APP_KEY, APP_SECRET, APP_ID = "dingappkey123", "ding-app-secret-value", "cli_feishu_app"
CRISIS = "我真的不想活了"


@pytest.fixture(params=["dingtalk", "feishu"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def robot(kind: str) -> AsyncIterator[FakeRobot]:
    if kind == "dingtalk":
        fake = FakeRobot("dingtalk", dt.SECRET, dt.TOKEN, FrozenWallClock(NOW))
    else:
        fake = FakeRobot("feishu", fs.BOT_SECRET, fs.HOOK, FrozenWallClock(NOW), per_minute=100,
                         per_second=5)  # fmt: skip
    async with running(fake) as r:
        yield r


@pytest.fixture
async def api(kind: str) -> AsyncIterator[FakeApp]:
    fake = FakeApp(kind, APP_KEY if kind == "dingtalk" else APP_ID, APP_SECRET)
    async with running_app(fake) as a:
        yield a


def settings_for(kind: str, database_url: str, robot: FakeRobot, api: FakeApp | None) -> Settings:
    if kind == "dingtalk":
        app = {"app_key": APP_KEY, "app_secret": APP_SECRET} if api else {}
        return dt.dingtalk_settings(database_url, robot.url, **app,
                                    **({"api_base": api.url} if api else {}))  # fmt: skip
    app = {"app_id": APP_ID, "app_secret": APP_SECRET, "api_base": api.url} if api else {}
    return fs.feishu_settings(database_url, robot.url, **app)


async def start(kind: str, database_url: str, robot: FakeRobot, api: FakeApp | None,
                make_bot: Any) -> Bot:  # fmt: skip
    clock, wall = FrozenClock(NOW), FrozenWallClock(NOW)
    robot.wall = wall
    bot: Bot = await make_bot(settings_for(kind, database_url, robot, api), clock, wall)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group=bot.settings.groups[0].id)
    return bot


async def staff_says(kind: str, bot: Bot, msg_id: str, staff: str, text: str) -> None:
    """A message in the group, as the platform delivers it to the webhook."""
    import json

    assert bot.client is not None
    assert isinstance(bot.wall, FrozenWallClock)
    bot.wall.advance(timedelta(milliseconds=1))  # a platform signs each request anew
    if kind == "dingtalk":
        body = json.dumps(dingtalk_message(msg_id, staff, text)).encode()
        headers = dingtalk_headers(dt.SECRET, bot.wall.wall_now())
        resp = await bot.client.post("/webhooks/dingtalk/d1", data=body, headers=headers)
    else:
        event = feishu_message_event(msg_id, staff, text, token=fs.VERIFY_TOKEN,
                                     created_at=bot.wall.wall_now())  # fmt: skip
        plain = json.dumps(event).encode()
        body = json.dumps({"encrypt": feishu_encrypt(fs.ENCRYPT_KEY, plain)}).encode()
        resp = await bot.client.post("/webhooks/feishu/f1", data=body,
                                     headers=feishu_headers(fs.ENCRYPT_KEY, body))  # fmt: skip
    assert resp.status == 200, await resp.text()


async def outbox(bot: Bot) -> list[models.OutboxRow]:
    async with bot.app[DB].read() as s:
        return list(await s.scalars(select(models.OutboxRow).order_by(models.OutboxRow.id)))


async def test_a_crisis_reaches_the_leads_privately_and_the_next_assignment_follows(
    kind: str, database_url: str, robot: FakeRobot, api: FakeApp, make_bot: Any
) -> None:
    bot = await start(kind, database_url, robot, api, make_bot)
    await staff_says(kind, bot, "m1", "doc2", CRISIS)
    await api.wait_for(lambda a: bool(a.to("l1")) and bool(a.to("c1")))
    [alert] = api.to("l1")
    assert "Doc2" in alert or "doc2" in alert
    assert api.to("c1") == [alert]  # the counsellor on duty is alerted with the leads
    await robot.wait_for(lambda r: any("400-161-9995" in t for t in r.texts))  # the reply
    assert "[Crisis]" in alert and not any("[Crisis]" in t for t in robot.texts)  # never there
    loop = asyncio.get_running_loop()
    began = loop.time()
    await staff_says(kind, bot, "m2", "doc1", "I cannot sleep")
    await robot.wait_for(
        lambda r: any("doc1 (their message at 09:30)" in t.lower() for t in r.texts), within_s=3
    )
    assert loop.time() - began < 3
    assert api.token_fetches == 1  # one token for every private post
    assert robot.rejected == [] and api.rejected == []


async def test_a_1to1_api_that_is_down_holds_up_nothing(
    kind: str, database_url: str, robot: FakeRobot, api: FakeApp, make_bot: Any
) -> None:
    bot = await start(kind, database_url, robot, api, make_bot)
    await api.stop()
    await staff_says(kind, bot, "m1", "doc2", CRISIS)
    await staff_says(kind, bot, "m2", "doc1", "I cannot sleep")
    await robot.wait_for(
        lambda r: any("doc1 (their message at 09:30)" in t.lower() for t in r.texts), within_s=3
    )
    # The private lane's failed try is written in its own transaction, beside the group lane's
    # delivery: wait for it to be on record rather than assume it came first.
    deadline = asyncio.get_running_loop().time() + 10
    while True:
        private = [r for r in await outbox(bot) if r.private_to]
        tried = any("unreachable" in (r.last_error or "") for r in private)
        if tried or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert private and all(r.status == "pending" for r in private)  # waiting, not refused
    assert tried
    await api.start()  # the same port again
    from bot.keys import CONTEXT

    bot.clock.advance(timedelta(minutes=5))
    bot.app[CONTEXT].wake_outbox()
    await api.wait_for(lambda a: bool(a.to("l1")) and bool(a.to("c1")))


async def test_without_the_app_the_leads_are_mentioned_without_the_text(
    kind: str, database_url: str, robot: FakeRobot, make_bot: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    bot = await start(kind, database_url, robot, None, make_bot)
    await staff_says(kind, bot, "m1", "doc2", CRISIS)
    await robot.wait_for(lambda r: any("could not be sent privately" in t for t in r.texts))
    await staff_says(kind, bot, "m2", "doc1", "I cannot sleep")
    await robot.wait_for(
        lambda r: any("doc1 (their message at 09:30)" in t.lower() for t in r.texts), within_s=3
    )
    notices = [p for p in robot.posts if "could not be sent privately" in p.text]
    assert not any("[Crisis]" in p.text for p in robot.posts)  # the alert's text stays out
    mentioned = [m for p in notices for m in _mentions(kind, p.payload)]
    assert "l1" in mentioned and "c1" in mentioned
    keys = "app_key, app_secret" if kind == "dingtalk" else "app_id, app_secret"
    assert keys in notices[0].text
    assert keys in caplog.text and "[Crisis]" not in caplog.text


def _mentions(kind: str, payload: dict[str, Any]) -> list[str]:
    if kind == "dingtalk":
        return list(payload["at"]["atUserIds"])
    import re

    return re.findall(r'<at user_id="([^"]+)">', payload["content"]["text"])


# ---- the platform modules on their own, against the fake APIs ---------------------------------


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def platform_for(kind: str, http: aiohttp.ClientSession, mono: Monotonic) -> Any:
    if kind == "dingtalk":
        return DingTalkPlatform(http, FrozenWallClock(NOW), language="en", monotonic=mono)
    return FeishuPlatform(http, FrozenWallClock(NOW), language="en", monotonic=mono)


def app_group(kind: str, api: FakeApp) -> Any:
    """A group whose app points at `api`; its robot is never called by these tests."""
    unused = FakeRobot(kind, "s", "t", FrozenWallClock(NOW), url="http://127.0.0.1:9/x")
    return settings_for(kind, "sqlite+aiosqlite:///:memory:", unused, api).groups[0]


async def test_the_token_is_cached_until_shortly_before_expiry_and_fetched_again_when_refused(
    kind: str, api: FakeApp, http: aiohttp.ClientSession
) -> None:
    mono = Monotonic()
    platform = platform_for(kind, http, mono)
    group = app_group(kind, api)
    for i in range(3):
        await platform.send(group, OutboundMessage(group.id, f"p{i}", "report", (), ("l1",), i))
    assert api.token_fetches == 1 and api.to("l1") == ["p0", "p1", "p2"]
    mono.now += 7200 - 299  # within five minutes of the two hours: fetched again
    await platform.send(group, OutboundMessage(group.id, "p3", "report", (), ("l1",), 3))
    assert api.token_fetches == 2
    api.revoke_next = True  # the platform calls the token invalid: a new one, and sent once
    await platform.send(group, OutboundMessage(group.id, "p4", "report", (), ("l1",), 4))
    assert api.token_fetches == 3 and api.to("l1")[-1] == "p4" and api.rejected == ["token"]
    if kind == "feishu":  # a member listed by open_id is sent to by open_id
        await platform.send(group, OutboundMessage(group.id, "p5", "report", (), ("ou_l1",), 5))
        assert api.to("ou_l1") == ["p5"] and api.rejected == ["token"]


async def test_throttled_recipients_alone_are_retried(
    api: FakeApp, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    if api.kind != "dingtalk":
        pytest.skip("flowControlledStaffIdList is DingTalk's")
    caplog.set_level(logging.DEBUG)
    platform = platform_for("dingtalk", http, Monotonic())
    group = app_group("dingtalk", api)
    api.flow_control = {"c1"}
    alert = OutboundMessage(group.id, "alert", "crisis", (), ("l1", "c1"), 7)
    with pytest.raises(Retry):
        await platform.send(group, alert)
    await platform.send(group, alert)
    assert api.to("l1") == ["alert"] and api.to("c1") == ["alert"]
    assert APP_SECRET not in caplog.text and "dingtalk-token-" not in caplog.text
