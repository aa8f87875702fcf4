"""A duty day on the accelerated clock (`--start-at/--speed`): the real app from create_app on a
ScaledClock at speed 600 against a fake platform that records real arrival times. Every notice
and reminder arrives once, in order, within 1 s (real time) of its boundary.

The service window is 08:00-14:00 (six shifts, nine boundaries) rather than 08:00-24:00, so the
day plays in 39 s instead of 96 s at the same speed."""

from __future__ import annotations

import statistics
import time
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import models
from bot.app import create_app
from bot.clock import ScaledClock, SystemWallClock
from bot.platforms import generic
from tests.conftest import SECRET, at, make_settings, open_db
from tests.fake_timed import Arrival, timed_fake

D = "2026-11-25"
SPEED = 600
TOLERANCE_S = 1.0
NOTICE_KINDS = ("open", "shift_change", "reminder", "close", "report")

ROTA = [  # (member, start, end): adjacent, overlapping, a gap 12:00-12:30, the last at close
    ("c1", "08:00", "09:00"),
    ("c2", "08:00", "10:00"),
    ("c3", "09:00", "11:00"),
    ("c1", "11:00", "12:00"),
    ("c2", "12:30", "13:30"),
    ("c3", "13:00", "14:00"),
]
# Worked out by hand from ROTA with reminder_minutes = 15: (clock time, kind, mentions).
EXPECTED = [  # doc1 writes at 08:20 (to c1): the handover at each boundary mentions them
    ("07:45", "reminder", ["c1", "c2"]),
    ("08:00", "open", ["c1", "c2"]),
    ("08:45", "reminder", ["c3"]),
    ("09:00", "shift_change", ["c1", "c3", "c2", "doc1"]),  # c1 off: doc1 to c2 (least loaded)
    ("10:00", "shift_change", ["c2", "c3", "doc1"]),  # c2 off: doc1 to c3
    ("10:45", "reminder", ["c1"]),
    ("11:00", "shift_change", ["c3", "c1", "doc1"]),  # c3 off: doc1 to c1
    ("12:00", "shift_change", ["c1", "doc1"]),  # nobody on: doc1 waits
    ("12:15", "reminder", ["c2"]),
    ("12:30", "shift_change", ["c2"]),  # c2 on: doc1 assigned to c2 by its own post
    ("12:45", "reminder", ["c3"]),
    ("13:00", "shift_change", ["c3"]),
    ("13:30", "shift_change", ["c2", "c3", "doc1"]),  # c2 off: doc1 to c3
    ("14:00", "close", ["c3", "doc1"]),  # doc1 waits for the morning
    ("14:00", "report", ["l1"]),  # the daily report to the lead
    ("14:00", "report", []),  # the coming week's rota gaps, privately to the lead
]


def day_settings(database_url: str, webhook_url: str) -> Any:
    return make_settings(
        database_url,
        webhook_url,
        service={
            "opens": "08:00",
            "closes": "14:00",
            "reminder_minutes": 15,
            # 1 s real at speed 600: a notice inside the tolerance does not call itself late.
            "late_notice_minutes": 10,
        },
        outbox={"rate_per_minute": 1000},  # the fast clock must not trip a real-time limit
    )


async def seed(database_url: str, settings: Any, now: datetime) -> None:
    db = await open_db(settings, ScaledClock(now))
    try:
        async with db.write() as s:
            for member, start, end in ROTA:
                s.add(
                    models.Shift(
                        group_id="g1",
                        member_id=member,
                        start_at=at(D, start),
                        end_at=at(D, end),
                        created_at=now,
                    )
                )
    finally:
        await db.dispose()


@pytest.mark.slow
async def test_a_duty_day_at_speed_600_every_notice_once_in_order_on_time(
    database_url: str,
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("timed on the default one-process SQLite set-up; PostgreSQL has its own test")
    async with timed_fake(SECRET) as fake:
        settings = day_settings(database_url, fake.url("a"))
        start_at = at(D, "07:30")
        await seed(database_url, settings, start_at)
        clock = ScaledClock(start_at, SPEED)
        # The real (monotonic) time at which the clock shows each instant.
        mono_now, clock_now = time.monotonic(), clock.now()

        def real_at(instant: datetime) -> float:
            return mono_now + (instant - clock_now).total_seconds() / SPEED

        client = TestClient(TestServer(create_app(settings, clock), host="127.0.0.1"))
        await client.start_server()
        try:
            await staff_conversation(client, clock, fake)
            await fake.wait_until(
                lambda got: any(a.kind == "report" for a in got),
                within_s=real_at(at(D, "14:00")) - time.monotonic() + 10,
            )
            await fake.quiet(0.5)
        finally:
            await client.close()

    notices = fake.of_kind(*NOTICE_KINDS)
    got = [(a.kind, a.payload["mentions"]) for a in notices]
    assert got == [(kind, mentions) for _, kind, mentions in EXPECTED]
    assert len({a.delivery for a in fake.arrivals}) == len(fake.arrivals)
    lateness = []
    for (hhmm, kind, _), arrival in zip(EXPECTED, notices, strict=True):
        late_s = arrival.at_mono - real_at(at(D, hhmm))
        lateness.append(late_s)
        assert -0.05 <= late_s <= TOLERANCE_S, (hhmm, kind, late_s)
        assert "late" not in arrival.text, arrival.text
        if kind == "shift_change":
            assert arrival.text.startswith(f"[Shift change {hhmm}]")
    check_texts(notices)
    print(
        f"\n{len(notices)} notices at speed {SPEED}: lateness max {max(lateness):.3f} s, "
        f"median {statistics.median(lateness):.3f} s (real time)"
    )


def check_texts(notices: list[Arrival]) -> None:
    by_kind = {a.kind: a for a in notices if not a.text.startswith("[Gaps")}
    assert by_kind["open"].text.startswith("[Open] 11-25, service hours 08:00-14:00.")
    assert "On duty today: Chen, Li, Wang." in by_kind["open"].text
    assert by_kind["close"].text.startswith("[Closed]")
    report = by_kind["report"]
    assert report.payload["private_to"] == ["l1"]
    assert report.text.startswith("[Report] g1, 2026-11-24 14:00 to 2026-11-25 14:00")
    assert "Messages from staff: 1 (0 outside service hours)" in report.text
    assert "Conversations: 1 opened, 0 closed" in report.text
    assert "do not quote me" not in report.text
    first = notices[0]
    assert first.text == (
        "[Reminder] @Chen, @Li: your shift 08:00-09:00, 08:00-10:00 starts in 15 minutes."
    )


async def staff_conversation(client: TestClient[Any, Any], clock: ScaledClock, fake: Any) -> None:
    """At 08:20 a doctor writes and the assigned counsellor answers: figures for the report."""
    import asyncio
    import json

    await asyncio.sleep(clock.real_seconds_until(at(D, "08:20")))

    async def post(payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        headers = generic.signed_headers(SECRET, body, SystemWallClock().wall_now())  # real time
        resp = await client.post("/webhooks/generic/g1", data=body, headers=headers)
        assert resp.status == 200, await resp.text()

    await post({"msg_id": "d1", "sender": {"id": "doc1", "name": "Doc"}, "text": "do not quote me"})
    await fake.wait_until(lambda got: any(a.kind == "assignment" for a in got), within_s=2)
    counsellor = fake.of_kind("assignment")[0].payload["mentions"][0]
    await post({"msg_id": "d2", "sender": {"id": counsellor}, "text": "I am here"})
