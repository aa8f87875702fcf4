"""微信客服 end to end: WeChat users reach the on-duty counsellor through the real app, a fake
微信客服 server (tests/fake_wecom_kf.py) on loopback and the counsellors' team group (a generic
group whose receiver is tests/conftest.py's FakePlatform), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.config import load_settings
from bot.errors import ConfigError
from bot.keys import DB, PLATFORMS
from bot.platforms.wecom_kf import WeComKfPlatform
from tests.conftest import SECRET, Bot, FakePlatform, at
from tests.fake_wecom_kf import (
    CORP_ID,
    CORP_SECRET,
    KF_AES_KEY,
    KF_TOKEN,
    OPEN_KFID,
    FakeWeComKf,
    serve_fake_kf,
)

D = "2026-11-25"
NOW = at(D, "09:30")
WORDS = "今晚值班好累，想找人说说"


def kf_group(api_base: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "kf1",
        "name": "心理支持",
        "platform": "wecom_kf",
        "open_kfid": OPEN_KFID,
        "corp_id": CORP_ID,
        "corp_secret": CORP_SECRET,
        "token": KF_TOKEN,
        "encoding_aes_key": KF_AES_KEY,
        "api_base": api_base,
        "team_group": "g1",
        **extra,
    }


def kf_settings(database_url: str, team_url: str, api_base: str) -> Any:
    members = [
        {"group": g, "id": m, "name": n, "role": r}
        for g in ("g1", "kf1")
        for m, n, r in (
            ("c1", "Chen", "counsellor"),
            ("c2", "Li", "counsellor"),
            ("l1", "Lead Liu", "lead"),
        )
    ]
    return load_settings(
        None,
        bot={"database_url": database_url, "timezone": "Asia/Shanghai", "language": "en"},
        service={"reminder_minutes": 0},
        groups=[
            {
                "id": "g1",
                "name": "Team",
                "platform": "generic",
                "secret": SECRET,
                "webhook_url": team_url,
            },
            kf_group(api_base),
        ],
        members=members,
    )


@pytest.fixture
async def kf() -> AsyncIterator[FakeWeComKf]:
    wall = FrozenWallClock(NOW)
    fake = FakeWeComKf(now=lambda: wall.wall_now().timestamp())
    fake.nicknames = {"wmA": "小王", "wmB": "小李", "wmC": "小张"}
    fake.servicers = {"c1": True, "c2": True}  # the counsellors serve the account, 正在接待
    async with serve_fake_kf(fake) as served:
        served.wall = wall  # type: ignore[attr-defined]
        yield served


async def start(make_bot: Any, database_url: str, team: FakePlatform, kf: FakeWeComKf) -> Bot:
    settings = kf_settings(database_url, team.url, kf.url)
    wall = kf.wall  # type: ignore[attr-defined]
    bot: Bot = await make_bot(settings, FrozenClock(NOW), wall)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "23:00"), group="kf1")
    return bot


async def callback(bot: Bot, kf: FakeWeComKf) -> None:
    query, body = kf.sealed_callback()
    assert bot.client is not None
    resp = await bot.client.post(f"/webhooks/wecom_kf/kf1?{query}", data=body)
    assert resp.status == 200 and await resp.text() == "", await resp.text()


def platform_of(bot: Bot) -> WeComKfPlatform:
    platform = bot.app[PLATFORMS]["wecom_kf"]
    assert isinstance(platform, WeComKfPlatform)
    return platform


async def count(bot: Bot, model: Any, *where: Any) -> int:
    async with bot.app[DB].read() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def settled(bot: Bot) -> None:
    """Every pull done and every outbox row out (sent or dead), within a deadline."""
    await platform_of(bot).idle()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while await count(bot, models.OutboxRow, models.OutboxRow.status == "pending"):
        assert loop.time() < deadline, "outbox rows still pending"
        await asyncio.sleep(0.05)


def team_texts(team: FakePlatform) -> list[str]:
    return [m["text"] for m in team.received]


async def test_a_wechat_users_message_reaches_the_counsellor_on_duty(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    kf.user_says("wmA", WORDS)
    await callback(bot, kf)
    await settled(bot)
    # Stored once, with the nickname, in a conversation held by the counsellor on duty.
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 1
    async with bot.app[DB].read() as s:
        conv = (await s.scalars(select(models.Conversation))).one()
        member = await s.get(models.Member, ("kf1", "wmA"))
    assert (conv.staff_id, conv.counsellor_id, conv.status) == ("wmA", "c1", "open")
    assert member is not None and member.name == "小王"
    # The team group is told who takes whom, never what was written.
    [post] = fake_platform.of_kind("assignment")
    assert post["group"] == "g1" and "Chen" in post["text"] and "小王" in post["text"]
    assert all(WORDS not in text and "值班好累" not in text for text in team_texts(fake_platform))
    # The person hears, 1:1 in WeChat, that the counsellor will answer.
    [ack] = kf.delivered["wmA"]
    assert "Chen" in ack
    # The counsellor answers in the WeCom client (origin 5): the first response.
    kf.servicer_says("c1", "wmA", "我在，慢慢说")
    kf.user_says("wmA", "谢谢")
    await callback(bot, kf)
    await settled(bot)
    async with bot.app[DB].read() as s:
        conv = (await s.scalars(select(models.Conversation))).one()
    assert conv.first_response_at is not None and conv.response_due_at is None
    assert kf.batchget_calls == 1  # the nickname was fetched once
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 3
    # The counsellor's words stay in WeCom: carebot keeps that they answered, not what.
    async with bot.app[DB].read() as s:
        texts = list(
            await s.scalars(select(models.Message.text).where(models.Message.sender_id == "c1"))
        )
    assert texts == [""]


async def test_off_hours_reply_goes_1_to_1_and_a_crisis_alert_to_the_leads_privately(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    bot.advance(timedelta(hours=18))  # 03:30: service runs 08:00-24:00
    kf.user_says("wmB", "睡不着")
    await callback(bot, kf)
    await settled(bot)
    [reply] = kf.delivered["wmB"]
    assert "08:00" in reply and "400-161-9995" in reply
    assert fake_platform.received == []  # nothing for the team at night
    crisis = "我真的想自杀"
    kf.user_says("wmC", crisis)
    await callback(bot, kf)
    await settled(bot)
    assert any("400-161-9995" in text for text in kf.delivered["wmC"])  # the hotlines, 1:1
    alerts = fake_platform.of_kind("crisis")
    assert alerts and all(a.get("private_to") for a in alerts), alerts
    assert {"l1"} <= set(alerts[0]["private_to"])
    for post in fake_platform.received:  # the crisis text only ever in a private post
        assert post.get("private_to") or crisis not in post["text"]


async def test_pages_with_a_repeated_message_store_each_once_and_a_storm_pulls_once_more(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    kf.page_size, kf.repeat_across_pages = 2, True
    bot = await start(make_bot, database_url, fake_platform, kf)
    for i in range(5):
        kf.user_says("wmA", f"第{i}条")
    await callback(bot, kf)
    await settled(bot)
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 5
    assert kf.sync_calls >= 4  # 5 messages, 2 a page, each page repeating the last
    async with bot.app[DB].read() as s:
        cursor = await s.scalar(select(models.KfCursor.cursor))
    assert cursor == "c5"
    # Five callbacks at once while messages arrive: one pull runs, at most one more follows.
    kf.page_size, kf.repeat_across_pages = 1000, False
    pulls = platform_of(bot).stats.pulls
    kf.user_says("wmA", "还有一件事")
    await asyncio.gather(*(callback(bot, kf) for _ in range(5)))
    await settled(bot)
    assert 1 <= platform_of(bot).stats.pulls - pulls <= 2
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 6


async def test_a_pull_that_fails_midway_loses_nothing_and_repeats_nothing(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    kf.page_size = 2
    bot = await start(make_bot, database_url, fake_platform, kf)
    for i in range(4):
        kf.user_says("wmA", f"第{i}条")
    kf.fail_next = 0
    await callback(bot, kf)
    await settled(bot)
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 4
    for i in range(4, 8):
        kf.user_says("wmA", f"第{i}条")
    kf.fail_next = 1  # gettoken is cached: the first sync_msg page answers 500
    await callback(bot, kf)
    await settled(bot)
    assert platform_of(bot).stats.failures == 1
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 4
    await callback(bot, kf)  # WeCom's next callback (or the periodic pull) goes on
    await settled(bot)
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 8


def test_check_config_names_each_missing_key_and_an_unknown_team_group() -> None:
    group = kf_group("https://qyapi.weixin.qq.com")
    for key in ("open_kfid", "corp_secret", "team_group"):
        with pytest.raises(ConfigError, match=f"group 'kf1' on platform 'wecom_kf' needs .*{key}"):
            load_settings(None, groups=[{**group, key: ""}])
    with pytest.raises(ConfigError, match="team_group 'nope' of group 'kf1' is not a group"):
        load_settings(None, groups=[{**group, "team_group": "nope"}])
    with pytest.raises(ConfigError, match="encoding_aes_key must be the 43 characters"):
        load_settings(
            None, groups=[{**group, "encoding_aes_key": "short"}, {"id": "g1", "platform": "local"}]
        )


async def test_a_person_who_opens_the_chat_gets_the_welcome_text_once(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(make_bot, database_url, fake_platform, kf)
    kf.user_enters("wmA", scene="ward-3")
    await callback(bot, kf)
    await settled(bot)
    assert "08:00-24:00" in kf.welcomed["wmA"] and "400-161-9995" in kf.welcomed["wmA"]
    await callback(bot, kf)  # another callback: nothing new, no second welcome
    await settled(bot)
    assert await count(bot, models.Message, models.Message.msg_type == "event") == 1
    assert fake_platform.received == [] and kf.refused == []
