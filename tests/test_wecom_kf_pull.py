"""微信客服's inbound pull, what it guarantees: the periodic pull under a lost callback, a slow
kf/sync_msg that never holds up other writers (SQLite's one writer at a time), and two
instances on one PostgreSQL that never both advance the cursor. The real app, the fake 微信客服
server (tests/fake_wecom_kf.py) on loopback, real SQLite and PostgreSQL.
(kill -9 mid-pull: tests/reliability/test_kill9_kf.py.)"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.errors import ConfigError
from bot.keys import DB
from tests.conftest import SECRET, Bot, FakePlatform, at
from tests.fake_wecom_kf import FakeWeComKf
from tests.test_wecom_kf import NOW, D, count, kf, kf_group, platform_of, settled

__all__ = ["kf"]  # the fixture


def settings_for(database_url: str, team_url: str, api_base: str, **kf_keys: Any) -> Any:
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
            kf_group(api_base, **kf_keys),
        ],
        members=members,
    )


async def start_bot(
    make_bot: Any,
    database_url: str,
    team: FakePlatform,
    kf: FakeWeComKf,
    shifts: bool = True,
    **kf_keys: Any,
) -> Bot:
    settings = settings_for(database_url, team.url, kf.url, **kf_keys)
    bot: Bot = await make_bot(settings, FrozenClock(NOW), kf.wall)  # type: ignore[attr-defined]
    for c in ("c1", "c2") if shifts else ():
        await bot.add_shift(c, at(D, "08:00"), at(D, "23:00"), group="kf1")
    await platform_of(bot).idle()  # the pull every start makes (nothing there yet)
    return bot


async def callback_to(bot: Bot, kf: FakeWeComKf) -> None:
    query, body = kf.sealed_callback()
    assert bot.client is not None
    resp = await bot.client.post(f"/webhooks/wecom_kf/kf1?{query}", data=body)
    assert resp.status == 200 and await resp.text() == "", await resp.text()


async def conversations(bot: Bot) -> Counter[str]:
    async with bot.app[DB].read() as s:
        staff = await s.scalars(
            select(models.Conversation.staff_id).where(models.Conversation.group_id == "kf1")
        )
        return Counter(staff)


async def test_the_periodic_pull_brings_in_what_no_callback_announced(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start_bot(make_bot, database_url, fake_platform, kf, pull_every_s=0.3)
    before = len(kf.sync_log)
    kf.user_says("wmA", "有人吗")  # WeCom's callback for it is lost: none comes
    kf.user_says("wmB", "我也想聊聊")
    t0 = time.monotonic()
    await fake_platform.wait_for(lambda r: len([m for m in r if m["kind"] == "assignment"]) == 2)
    took = time.monotonic() - t0
    assert took < 2.0, took  # within the period (0.3 s) and the routing, far from 30 s
    await settled(bot)
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 2
    assert await conversations(bot) == {"wmA": 1, "wmB": 1}
    assert all(len(kf.delivered[u]) == 1 for u in ("wmA", "wmB")), kf.delivered
    # Only periodic pulls ran, without a callback's token, each from where the last stopped.
    assert all(not c.tokened for c in kf.sync_log)
    assert [c.cursor for c in kf.sync_log[before:] if c.msgids] == ["c0"]


def test_the_period_is_a_key_of_the_group_30_s_unless_set() -> None:
    from bot.platforms.wecom_kf import WeComKfKeys

    assert WeComKfKeys().pull_every_s == 30
    group = kf_group("https://qyapi.weixin.qq.com", pull_every_s=0)
    with pytest.raises(ConfigError, match="pull_every_s"):
        load_settings(None, groups=[group, {"id": "g1", "platform": "local"}])


async def test_a_slow_sync_msg_holds_up_no_other_groups_webhook(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start_bot(make_bot, database_url, fake_platform, kf)
    kf.sync_delay_s = 2.0
    kf.user_says("wmA", "在吗")
    calls = len(kf.sync_log)
    await callback_to(bot, kf)
    await kf.wait_for(lambda: len(kf.sync_log) > calls)  # the pull waits for WeCom's answer
    t0 = time.monotonic()
    await bot.staff_says("team-1", "doc1", "the ward needs someone too")  # group g1, generic
    took = time.monotonic() - t0
    async with bot.app[DB].read() as s:
        stored = await s.scalar(
            select(models.Message.id).where(models.Message.platform_msg_id == "team-1")
        )
        assert stored is not None
        # ... and it was answered while the pull was still waiting for sync_msg.
        kf_messages = await count(bot, models.Message, models.Message.group_id == "kf1")
    assert took < 0.5, f"a webhook waited {took:.2f} s behind a 2 s sync_msg"
    print(f"\nduring a 2 s sync_msg ({database_url.split(':')[0]}): a webhook in {took:.3f} s")
    assert kf_messages == 0
    await settled(bot)
    assert await count(bot, models.Message, models.Message.group_id == "kf1") == 1
    async with bot.app[DB].read() as s:
        assert await s.scalar(select(models.KfCursor.cursor)) == "c1"


async def test_a_page_read_from_a_cursor_that_moved_meanwhile_is_dropped_and_read_again(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    """Another pull (on SQLite: another process on the file) stores the page while this one
    waits for WeCom's answer: this one's copy is not written, it reads on from the new cursor."""
    if not database_url.startswith("sqlite"):
        pytest.skip("on PostgreSQL the row lock lets no other pull move the cursor meanwhile")
    bot = await start_bot(make_bot, database_url, fake_platform, kf)
    for i in range(3):
        kf.user_says("wmA", f"第{i}条")
    moved = asyncio.Event()

    async def another_pull_commits_first(call: Any) -> None:
        if call.cursor == "c0" and not moved.is_set():
            async with bot.app[DB].write() as s:
                row = await s.get(models.KfCursor, "kf1")
                assert row is not None
                row.cursor = "c2"  # as if another pull had stored the first two
            moved.set()

    kf.before_sync_answer = another_pull_commits_first
    async with bot.app[DB].write() as s:
        row = await s.get(models.KfCursor, "kf1")
        assert row is not None and row.cursor == "c0"  # where the pull at the start left it
    await callback_to(bot, kf)
    await settled(bot)
    stats = platform_of(bot).stats
    assert stats.dropped == 1
    assert [c.cursor for c in kf.sync_log if c.msgids] == ["c0", "c2"]
    # Only the third message came in through this pull: the first two were the other's.
    async with bot.app[DB].read() as s:
        ids = list(await s.scalars(select(models.Message.platform_msg_id)))
        assert await s.scalar(select(models.KfCursor.cursor)) == "c3"
    assert ids == [kf.items[2]["msgid"]]


async def test_two_instances_on_one_postgres_take_turns_with_the_cursor(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several instances share one database only on PostgreSQL")
    kf.page_size = 2
    first = await start_bot(make_bot, database_url, fake_platform, kf)
    second = await start_bot(make_bot, database_url, fake_platform, kf, shifts=False)
    kf.sync_delay_s = 0.02  # a round trip, so pulls overlap
    users = ["wmA", "wmB", "wmC", "wmD"]
    for wave in range(6):
        for i, u in enumerate(users[: 2 + wave % 3]):
            kf.user_says(u, f"第{wave}波第{i}条")
        # WeCom's storm: several callbacks for the same news, to both instances at once.
        await asyncio.gather(*(callback_to(b, kf) for b in (first, second) for _ in range(3)))
        await asyncio.sleep(0.03)
    for _ in range(3):  # until both are idle with nothing left to pull
        await settled(first)
        await settled(second)
    # Every message stored once; the cursor at the end.
    async with first.app[DB].read() as s:
        stored = Counter(await s.scalars(select(models.Message.platform_msg_id)))
        cursor = await s.scalar(select(models.KfCursor.cursor))
    assert set(stored) == {i["msgid"] for i in kf.items} and set(stored.values()) == {1}
    assert cursor == f"c{len(kf.items)}"
    # No cursor value was read by two pulls that both wrote a page: the pages written by both
    # instances chain from c0 to the end, each cursor once.
    written = [p for b in (first, second) for p in platform_of(b).stats.committed if p[2]]
    assert Counter(c for c, _, _ in written).most_common(1)[0][1] == 1, written
    chain = {c: n for c, n, _ in written}
    here, steps = "c0", 0  # where the pull at the first start left it
    while here in chain:
        here, steps = chain[here], steps + 1
    assert here == cursor and steps == len(written)
    assert all(p.stats.pulls for p in (platform_of(first), platform_of(second)))
    # Under the row lock no page was even fetched twice from one cursor (nothing dropped).
    fetched = Counter(c.cursor for c in kf.sync_log if c.msgids)
    assert set(fetched.values()) == {1}, fetched
    assert platform_of(first).stats.dropped == platform_of(second).stats.dropped == 0
    # Each person routed once: one conversation, one assignment for the team, one ack 1:1.
    assert await conversations(first) == dict.fromkeys(users, 1)
    assert len(fake_platform.of_kind("assignment")) == len(users), fake_platform.received
    assert {u: len(kf.delivered[u]) for u in users} == dict.fromkeys(users, 1)
    a, b = platform_of(first).stats, platform_of(second).stats
    print(
        f"\ntwo instances: {len(kf.items)} messages, {len(kf.sync_log)} sync_msg calls, "
        f"pulls {a.pulls}+{b.pulls}, pages written {len(written)}"
    )
