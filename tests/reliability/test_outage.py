"""Outage: the chat platform refuses (503) for a while, then recovers. Every outbox row is
delivered once, in order per lane (a group's posts; its private posts per set of recipients),
and (once the outbox enforces one) within the rate limit."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock
from bot.keys import DB
from tests.conftest import SECRET as CONFTEST_SECRET
from tests.conftest import Bot, at, make_settings
from tests.reliability.harness import Receiver, group_config, serve_receiver

D = "2026-11-25"
GROUPS = ("o1", "o2")
MARK = re.compile(r"\[(o\d-\d+)\]")


async def _bot(make_bot: Any, database_url: str, rx: Receiver, rate: int | None = None) -> Bot:
    extra = {"rate_per_minute": rate} if rate else {}
    settings = make_settings(
        database_url,
        rx.url,
        groups=[
            group_config("generic", g, rx.url, secret=CONFTEST_SECRET, privacy=True, **extra)
            for g in GROUPS
        ],
        members=[
            {"group": g, "id": c, "name": c.upper(), "role": "counsellor"}
            for g in GROUPS
            for c in ("c1", "c2")
        ],
    )
    b: Bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
    for g in GROUPS:
        for c in ("c1", "c2"):
            await b.add_shift(c, at(D, "08:00"), at(D, "24:00"), group=g)
    return b


async def _send_all(b: Bot, per_group: int) -> None:
    for i in range(per_group):
        for n, g in enumerate(GROUPS, start=1):
            who = f"doc{i % 4}"
            resp = await b.post_signed(
                {
                    "msg_id": f"{g}-{i}",
                    "sender": {"id": who, "name": who},
                    "text": f"[o{n}-{i}] still here",
                },
                group=g,
            )
            assert resp.status == 200, await resp.text()


async def _outbox(b: Bot) -> list[models.OutboxRow]:
    async with b.app[DB].read() as s:
        return list(await s.scalars(select(models.OutboxRow).order_by(models.OutboxRow.id)))


async def _all_sent(
    b: Bot, within_s: float, tick: timedelta | None = None
) -> list[models.OutboxRow]:
    """Wait until every outbox row is sent; with `tick`, the frozen clocks (service and wall, as
    real time at speed 1) move on each poll."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        rows = await _outbox(b)
        if rows and all(r.status == "sent" for r in rows):
            return rows
        assert loop.time() < deadline, [(r.id, r.status, r.attempts) for r in rows]
        if tick is not None:
            b.advance(tick)
        await asyncio.sleep(0.1)


def _check_once_and_in_order(rows: list[models.OutboxRow], rx: Receiver) -> None:
    ids = [str(r.id) for r in rows]
    assert sorted(rx.deliveries()) == sorted(ids), "each outbox row delivered exactly once"
    # In order per lane: a group's posts, and its private posts to each set of recipients
    # (a private post never waits behind the group's, nor they behind it).
    lane_of = {str(r.id): (r.group_id, r.lane) for r in rows}
    text_of = {str(r.id): r.text for r in rows}
    per_lane: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in rx.received:
        assert p.body["text"] == text_of[p.delivery]
        per_lane[lane_of[p.delivery]].append(int(p.delivery))
    for lane, order in per_lane.items():
        assert order == sorted(order), f"lane {lane} out of order: {order}"


@pytest.mark.slow
async def test_platform_down_then_up_delivers_everything_once_in_order(
    database_url: str, make_bot: Any
) -> None:
    async with serve_receiver(Receiver(secret=CONFTEST_SECRET, down=True)) as rx:
        b = await _bot(make_bot, database_url, rx)
        await _send_all(b, per_group=10)
        # Down for a while: the head row of each group is tried, refused, backed off.
        for _ in range(6):
            await asyncio.sleep(0.6)  # one outbox poll
            b.clock.advance(timedelta(seconds=40))
        assert rx.refused >= len(GROUPS) * 3, rx.refused
        assert rx.received == []
        rows = await _outbox(b)
        assert all(r.status == "pending" for r in rows)
        assert max(r.attempts for r in rows) >= 3
        # Back up: everything goes out, once, in order per group.
        rx.down = False
        b.clock.advance(timedelta(minutes=10))  # past any backoff
        rows = await _all_sent(b, within_s=30)
        await asyncio.sleep(0.5)  # a second delivery of anything would arrive by now
        _check_once_and_in_order(rows, rx)
        markers = {m for p in rx.received for m in MARK.findall(p.body["text"])}
        assert markers == {f"o{n}-{i}" for n in (1, 2) for i in range(10)}


@pytest.mark.slow
async def test_backlog_after_outage_respects_the_rate_limit(
    database_url: str, make_bot: Any
) -> None:
    rate = 30
    async with serve_receiver(Receiver(secret=CONFTEST_SECRET, down=True)) as rx:
        b = await _bot(make_bot, database_url, rx, rate=rate)
        await _send_all(b, per_group=rate // 2 + 4)  # with the group acks: past one minute's
        await asyncio.sleep(0.6)
        rx.down = False
        b.advance(timedelta(minutes=10))
        # The limiter counts on the wall clock (a receiver on loopback in the service clock's
        # seconds, the same at speed 1): move both frozen clocks on while waiting, and check the
        # window on the wall-clock instants the limiter itself records for each accepted post.
        rows = await _all_sent(b, within_s=90, tick=timedelta(seconds=5))
        await asyncio.sleep(0.5)
        _check_once_and_in_order(rows, rx)
        async with b.app[DB].read() as s:
            sends = list(await s.scalars(select(models.OutboxSend)))
        assert len(sends) == len(rx.received)  # every accepted post is in the limiter's log
        for g in GROUPS:
            times = sorted(x.sent_at for x in sends if x.group_id == g)
            for i, t in enumerate(times):
                in_window = [u for u in times[i:] if (u - t).total_seconds() < 60.0]
                assert len(in_window) <= rate, f"group {g}: {len(in_window)} posts within 60 s"
