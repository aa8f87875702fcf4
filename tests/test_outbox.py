"""The outbox per platform, against a fake DingTalk robot on loopback that enforces DingTalk's own
limit (20 posts a minute) on the wall clock: bursts are merged and paced, long texts split, a
platform that is down loses nothing and repeats nothing, dead rows reach the leads, and no secret
leaks into logs or errors. Runs on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock, ScaledClock
from bot.config import load_settings
from bot.keys import CONTEXT, DB
from bot.outbox import enqueue, is_loopback, rate_windows, time_scale, wall_scale
from bot.platforms.base import OutboundMessage
from bot.platforms.spec import redact
from tests.conftest import Bot, at
from tests.fake_chat import FakeRobot, running
from tests.test_dingtalk import SECRET, TOKEN, dingtalk_settings

D = "2026-11-25"
NOW = at(D, "09:30")


@pytest.fixture
async def robot() -> AsyncIterator[FakeRobot]:
    async with running(FakeRobot("dingtalk", SECRET, TOKEN, FrozenWallClock(NOW))) as r:
        yield r


@pytest.fixture
async def start_bot(database_url: str, robot: FakeRobot, make_bot: Any) -> Callable[..., Any]:
    async def start(**group_extra: Any) -> Bot:
        clock = FrozenClock(NOW)
        wall = FrozenWallClock(NOW)
        robot.wall = wall
        outbox = group_extra.pop("outbox", None)
        settings = dingtalk_settings(database_url, robot.url, **group_extra)
        if outbox:
            outbox = {"merge_window_s": 0, **outbox}
            settings = load_settings(None, **{**settings.model_dump(), "outbox": outbox})
        return await make_bot(settings, clock, wall)  # type: ignore[no-any-return]

    return start


async def put(bot: Bot, *messages: OutboundMessage) -> list[int]:
    """Enqueue `messages` in one transaction, as a burst of notices would be."""
    async with bot.app[DB].write() as s:
        rows = [enqueue(s, m, bot.clock.now()) for m in messages]
        await s.flush()
        ids = [r.id for r in rows]
    bot.app[CONTEXT].wake_outbox()
    return ids


async def rows(bot: Bot) -> list[models.OutboxRow]:
    async with bot.app[DB].read() as s:
        return list(await s.scalars(select(models.OutboxRow).order_by(models.OutboxRow.id)))


async def until(check: Callable[[], Any], within_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition never held")
        await asyncio.sleep(0.05)


def note(i: int, size: int) -> str:
    """A text of about `size` bytes whose first line is its marker."""
    line = "值班记录 shift log line\n"
    return f"[{i:03d}]\n" + line * (size // len(line.encode())) + f"[end {i:03d}]"


def max_per_window(robot: FakeRobot, window: timedelta) -> int:
    times = [p.at for p in robot.posts]
    return max((sum(1 for u in times if t - window < u <= t) for t in times), default=0)


async def test_burst_of_100_is_merged_paced_complete_and_in_order(
    start_bot: Callable[..., Any], robot: FakeRobot
) -> None:
    bot: Bot = await start_bot()
    mentions = [("c1",), ("c2",), ("c1", "l1")]
    ids = await put(bot, *(
        OutboundMessage("d1", note(i, 5000), "reminder", mentions[i % 3]) for i in range(100)
    ))  # fmt: skip
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not all(f"[end {i:03d}]" in "".join(robot.texts) for i in range(100)):
        assert loop.time() < deadline, f"only {len(robot.posts)} posts arrived"
        before = len(robot.posts)
        await asyncio.sleep(0.2)
        if len(robot.posts) == before:
            bot.advance(timedelta(seconds=10))  # nothing moving: let the minute pass
    # Paced: never more than 20 in any real minute, and the robot never throttled us.
    assert max_per_window(robot, timedelta(seconds=60)) <= 20
    assert robot.throttled == 0 and robot.rejected == []
    # Merged: 100 texts of ~5 KB in posts of at most 18000 bytes, i.e. three to a post.
    assert len(robot.posts) == 34
    assert all(len(p.text.encode()) <= 18_000 + 100 for p in robot.posts)
    # Complete, once each, in order.
    text = "\n".join(robot.texts)
    positions = [text.index(f"[{i:03d}]") for i in range(100)]
    assert positions == sorted(positions)
    assert all(text.count(f"[{i:03d}]") == 1 for i in range(100))
    # Mentions of merged rows are unioned, in order of first appearance.
    assert robot.posts[0].payload["at"]["atUserIds"] == ["c1", "c2", "l1"]

    # Every row is marked sent (the mark commits just after the robot answers the last post);
    # merged rows point at the head that carried them.
    async def all_sent() -> bool:
        return {r.status for r in await rows(bot)} == {"sent"}

    await until(all_sent)
    done = await rows(bot)
    assert [r.id for r in done] == ids
    heads = [r for r in done if r.merged_into is None]
    assert len(heads) == 34
    assert all(r.merged_into in {h.id for h in heads} for r in done if r.merged_into)


async def test_the_rate_window_counts_real_minutes_whatever_the_service_clock_does(
    start_bot: Callable[..., Any], robot: FakeRobot
) -> None:
    bot: Bot = await start_bot()
    # Alternating families: no two neighbours merge, so 30 rows are 30 posts.
    await put(bot, *(OutboundMessage("d1", f"post {i}", ("crisis", "report")[i % 2])
                     for i in range(30)))  # fmt: skip
    await robot.wait_for(lambda r: len(r.posts) == 20)
    # The service clock jumps two hours (a demo restarted further on, or sped up); no real
    # time passes, so the robot's minute is not over and nothing more may go.
    bot.clock.advance(timedelta(hours=2))
    await asyncio.sleep(0.8)
    assert len(robot.posts) == 20 and robot.throttled == 0
    # A real minute later the rest goes, still without a throttle.
    assert isinstance(bot.wall, FrozenWallClock)
    bot.wall.advance(timedelta(seconds=61))
    await robot.wait_for(lambda r: len(r.posts) == 30)
    assert robot.throttled == 0 and robot.rejected == []
    async with bot.app[DB].read() as s:
        logged = list(await s.scalars(select(models.OutboxSend.sent_at)))
    # The send log is wall time (what the robot counts), not the service clock's.
    assert {t for t in logged} <= {NOW, NOW + timedelta(seconds=61)}


async def test_only_the_same_family_merges(start_bot: Callable[..., Any], robot: FakeRobot) -> None:
    bot: Bot = await start_bot()
    await put(
        bot,
        OutboundMessage("d1", "a1", "assignment", ("c1",)),
        OutboundMessage("d1", "a2", "off_hours", ("doc1",)),
        OutboundMessage("d1", "s1", "shift_change", ("c2",)),
        OutboundMessage("d1", "a3", "assignment", ("c2",)),
    )
    await robot.wait_for(lambda r: len(r.posts) == 3)
    assert [p.text.split(" @")[0] for p in robot.posts] == ["a1\n\na2", "s1", "a3"]
    assert robot.posts[0].payload["at"]["atUserIds"] == ["c1", "doc1"]

    async def all_sent() -> bool:
        return {r.status for r in await rows(bot)} == {"sent"}

    await until(all_sent)
    done = await rows(bot)
    assert done[1].merged_into == done[0].id and done[3].merged_into is None


async def test_long_text_goes_in_parts_at_line_breaks_and_resumes(
    start_bot: Callable[..., Any], robot: FakeRobot
) -> None:
    bot: Bot = await start_bot()
    robot.per_minute = 2  # stricter than DingTalk: the third part is refused with 130101
    long = "\n".join(f"第{i}行：医护人员心理支持，值班老师会回复。" for i in range(1300))
    assert len(long.encode()) > 3 * 18_000
    await put(bot, OutboundMessage("d1", long, "report", ("l1",)))
    await robot.wait_for(lambda r: r.throttled == 1)
    assert len(robot.posts) == 2
    for _ in range(5):  # 5 parts: two a minute, each third one throttled for ten minutes
        if len(robot.posts) == 5:
            break
        bot.advance(timedelta(minutes=11))
        throttled = robot.throttled
        await robot.wait_for(lambda r, t=throttled: len(r.posts) == 5 or r.throttled > t)
    await asyncio.sleep(0.5)
    assert robot.throttled == 2 and len(robot.posts) == 5
    parts = [p.text for p in robot.posts]
    assert parts[0].endswith(" @l1") and robot.posts[0].payload["at"]["atUserIds"] == ["l1"]
    assert all(p.payload["at"]["atUserIds"] == [] for p in robot.posts[1:])
    parts[0] = parts[0].removesuffix(" @l1")
    assert "\n".join(parts) == long  # split only at line breaks, nothing repeated or lost
    assert all(len(p.encode()) <= 18_000 for p in parts)
    [row] = await rows(bot)
    assert row.status == "sent" and row.attempts == 2


async def test_platform_down_then_up_delivers_everything_once(
    start_bot: Callable[..., Any], robot: FakeRobot
) -> None:
    bot: Bot = await start_bot()
    await robot.stop()
    await put(bot, *(OutboundMessage("d1", f"note {i}", "reminder") for i in range(3)))

    async def tried(n: int) -> bool:
        return (await rows(bot))[0].attempts >= n

    await until(lambda: tried(1))
    for n in (2, 3):  # a few more failed tries while it is down
        bot.advance(timedelta(minutes=5))
        bot.app[CONTEXT].wake_outbox()
        await until(lambda n=n: tried(n))  # type: ignore[misc]
    await put(bot, *(OutboundMessage("d1", f"note {i}", "reminder") for i in range(3, 6)))
    first = await rows(bot)
    assert all(r.status == "pending" for r in first)
    assert first[0].last_error is not None and "unreachable" in first[0].last_error
    await robot.start()  # the same port again
    bot.advance(timedelta(minutes=6))
    await robot.wait_for(lambda r: all(f"note {i}" in "".join(r.texts) for i in range(6)))
    await asyncio.sleep(0.5)
    text = "\n".join(robot.texts)
    assert all(text.count(f"note {i}") == 1 for i in range(6))
    assert {r.status for r in await rows(bot)} == {"sent"}


async def test_dead_row_is_reported_to_leads_and_reports_do_not_recurse(
    start_bot: Callable[..., Any], robot: FakeRobot
) -> None:
    bot: Bot = await start_bot(outbox={"give_up_hours": 1})
    await robot.stop()
    [x1, x2] = await put(bot, OutboundMessage("d1", "first", "assignment", ("c1",)),
                         OutboundMessage("d1", "second", "crisis", ("c2",)))  # fmt: skip

    async def status_of(row_id: int) -> str:
        return next(r.status for r in await rows(bot) if r.id == row_id)

    async def dead(row_id: int) -> bool:
        return await status_of(row_id) == "dead"

    await until(lambda: tried_once(bot))
    bot.advance(timedelta(minutes=61))
    bot.app[CONTEXT].wake_outbox()
    await until(lambda: dead(x1))
    reports = [r for r in await rows(bot) if r.is_dead_report]
    assert len(reports) == 1
    [report] = reports
    assert (report.kind, report.status, report.mentions) == ("escalation", "pending", ["l1"])
    assert "@Lead Liu" in report.text and f"retry {x1}" in report.text
    # The second row dies too while the first report still waits: no second report.
    bot.advance(timedelta(minutes=61))
    bot.app[CONTEXT].wake_outbox()
    await until(lambda: dead(x2))
    # The report itself dies (the platform is still down) and is not reported again.
    bot.advance(timedelta(minutes=61))
    bot.app[CONTEXT].wake_outbox()
    await until(lambda: dead(report.id))
    await asyncio.sleep(0.3)
    final = await rows(bot)
    assert [r.status for r in final] == ["dead", "dead", "dead"]
    assert sum(r.is_dead_report for r in final) == 1
    # Once the platform is back, a later death is reported and the report arrives, mentioning.
    await robot.start()
    await robot.stop()
    [x3] = await put(bot, OutboundMessage("d1", "third", "assignment", ("c1",)))
    await until(lambda: tried_once(bot, x3))
    bot.advance(timedelta(minutes=61))
    bot.app[CONTEXT].wake_outbox()
    await until(lambda: dead(x3))
    await robot.start()
    bot.advance(timedelta(minutes=6))
    bot.app[CONTEXT].wake_outbox()
    await robot.wait_for(lambda r: len(r.posts) == 1)
    assert robot.posts[0].payload["at"]["atUserIds"] == ["l1"]
    assert f"retry {x3}" in robot.posts[0].text


async def test_a_refused_row_goes_dead_at_once_and_the_rows_behind_it_go_out(
    start_bot: Callable[..., Any], robot: FakeRobot
) -> None:
    bot: Bot = await start_bot()
    robot.refuse_next = 1  # errcode 310000: this post will never be accepted
    [bad, good] = await put(bot, OutboundMessage("d1", "refused one", "shift_change", ("c1",)),
                            OutboundMessage("d1", "next one", "assignment", ("c2",)))  # fmt: skip
    # No clock moves: nothing waits for a backoff or for give_up_hours.
    await robot.wait_for(lambda r: any("next one" in t for t in r.texts))
    await robot.wait_for(lambda r: any(f"retry {bad}" in t for t in r.texts))

    async def none_pending() -> bool:
        return all(r.status != "pending" for r in await rows(bot))

    await until(none_pending)
    final = {r.id: r for r in await rows(bot)}
    assert (final[bad].status, final[bad].attempts) == ("dead", 1)
    assert final[bad].last_error is not None and "310000" in final[bad].last_error
    assert final[good].status == "sent"
    [report] = [r for r in final.values() if r.is_dead_report]
    assert report.status == "sent" and report.mentions == ["l1"]
    assert "refused" in report.text and "@Lead Liu" in report.text
    assert not any("refused one" in t for t in robot.texts)
    # The dead row is kept, and `carebot outbox retry` sends it again.
    from bot.outbox_admin import requeue

    assert await requeue(bot.app[DB], bad, bot.clock.now()) is None
    bot.app[CONTEXT].wake_outbox()
    await robot.wait_for(lambda r: any("refused one" in t for t in r.texts))


async def test_a_transient_failure_is_retried_not_given_up(
    start_bot: Callable[..., Any], robot: FakeRobot
) -> None:
    bot: Bot = await start_bot()
    robot.throttle_next = 1  # errcode 130101: a Retry
    [row_id] = await put(bot, OutboundMessage("d1", "later", "assignment", ("c1",)))
    await until(lambda: tried_once(bot, row_id))
    [row] = await rows(bot)
    assert (row.status, row.attempts) == ("pending", 1)
    bot.clock.advance(timedelta(minutes=11))
    bot.app[CONTEXT].wake_outbox()
    await robot.wait_for(lambda r: any("later" in t for t in r.texts))


async def tried_once(bot: Bot, row_id: int | None = None) -> bool:
    for r in await rows(bot):
        if row_id in (None, r.id):
            return r.attempts >= 1
    return False


async def test_secrets_never_reach_logs_or_errors(
    start_bot: Callable[..., Any], robot: FakeRobot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot: Bot = await start_bot()
    robot.echo_secret = True  # a platform that quotes the secret and token back in its error
    robot.refuse_next = 2
    await put(bot, OutboundMessage("d1", "hello", "assignment", ("c1",)))
    await until(lambda: tried_once(bot))
    row = (await rows(bot))[0]
    assert row.last_error is not None and "(secret ***, token ***)" in row.last_error
    assert row.status == "dead"  # a refusal is final: dead at once
    bot.advance(timedelta(minutes=5))
    await robot.stop()
    from bot.outbox_admin import requeue

    assert await requeue(bot.app[DB], row.id, bot.clock.now()) is None
    bot.app[CONTEXT].wake_outbox()

    async def unreachable() -> bool:
        return "unreachable" in ((await rows(bot))[0].last_error or "")

    await until(unreachable)
    row = (await rows(bot))[0]
    # Everything carebot logged; aiohttp.access is the fake platform's own server log here
    # (carebot serve runs without an access log).
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''}"
        for r in caplog.records
        if r.name != "aiohttp.access"
    )
    assert "310000" in logged  # the refusal was logged...
    for secret in (SECRET, TOKEN, robot.url):
        assert secret not in logged  # ...without the secret
        assert secret not in (row.last_error or "")


def test_redact_covers_every_credential() -> None:
    settings = dingtalk_settings("sqlite+aiosqlite:///:memory:",
                                 f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}",
                                 inbound_secret="app-secret-value")  # fmt: skip
    group = settings.groups[0]
    text = f"boom {SECRET} {TOKEN} app-secret-value {group.keys.receiver_url()}"
    assert redact(text, group) == "boom *** *** *** ***"


def test_time_base_is_real_for_a_real_platform_and_the_clock_for_a_fake() -> None:
    fast = ScaledClock(NOW, speed=600)
    real = dingtalk_settings(
        "sqlite+aiosqlite:///:memory:", "https://oapi.dingtalk.com/robot/send?access_token=x"
    ).groups[0]
    fake = dingtalk_settings("sqlite+aiosqlite:///:memory:",
                             "http://127.0.0.1:9/robot/send?access_token=x").groups[0]  # fmt: skip
    # A real robot counts real minutes: at speed 600 one real minute is 600 clock minutes.
    assert time_scale(real, fast) == 600
    assert time_scale(fake, fast) == 1
    assert time_scale(real, FrozenClock(NOW)) == 1
    # The rate windows are counted on the wall clock: a real minute, or a clock minute of a fake.
    assert wall_scale(real, fast) == 1
    assert wall_scale(fake, fast) == 1 / 600
    assert is_loopback("http://localhost:8080/x") and is_loopback("http://[::1]/x")
    assert not is_loopback("https://open.feishu.cn/open-apis/bot/v2/hook/x")


def test_rate_windows_per_platform_and_group() -> None:
    settings = dingtalk_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:9/x")
    assert rate_windows(settings.groups[0], settings) == ((60.0, 20),)
    tuned = dingtalk_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:9/x",
                              rate_per_minute=10)  # fmt: skip
    assert rate_windows(tuned.groups[0], tuned) == ((60.0, 10),)
    local = load_settings(None, groups=[{"id": "l", "platform": "local"}])
    assert rate_windows(local.groups[0], local) == ()
    generic = {"id": "g", "platform": "generic", "secret": "s", "webhook_url": "http://x/h"}
    plain = load_settings(None, groups=[generic])
    assert rate_windows(plain.groups[0], plain) == ()
    paced = load_settings(None, groups=[{**generic, "rate_per_minute": 30}])
    assert rate_windows(paced.groups[0], paced) == ((60.0, 30),)
    feishu = load_settings(None, groups=[{"id": "f", "platform": "feishu", "webhook_url": "x",
                                          "verification_token": "t"}])  # fmt: skip
    assert rate_windows(feishu.groups[0], feishu) == ((60.0, 20), (1.0, 5))


async def test_two_instances_on_postgres_share_the_limit_and_send_each_post_once(
    database_url: str, robot: FakeRobot, make_bot: Any
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several instances share one database only on PostgreSQL")
    clock = FrozenClock(NOW)
    wall = FrozenWallClock(NOW)
    robot.wall = wall
    settings = dingtalk_settings(database_url, robot.url)
    first: Bot = await make_bot(settings, clock, wall)
    second: Bot = await make_bot(settings, clock, wall)
    await put(first, *(OutboundMessage("d1", note(i, 7000), "reminder") for i in range(60)))
    second.app[CONTEXT].wake_outbox()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not all(f"[end {i:03d}]" in "".join(robot.texts) for i in range(60)):
        assert loop.time() < deadline, f"only {len(robot.posts)} posts arrived"
        before = len(robot.posts)
        await asyncio.sleep(0.2)
        if len(robot.posts) == before:
            clock.advance(timedelta(seconds=10))
            wall.advance(timedelta(seconds=10))
    await asyncio.sleep(0.3)
    text = "\n".join(robot.texts)
    assert all(text.count(f"[{i:03d}]") == 1 for i in range(60))
    assert len(robot.posts) == 30  # two ~7 KB notes to a post
    assert max_per_window(robot, timedelta(seconds=60)) <= 20 and robot.throttled == 0
