"""Exactly once across real `python -m bot serve` processes: two on one PostgreSQL database at
high speed, one killed with SIGKILL and restarted midway; and a process stopped while a post is
in flight or before it could deliver. The fake platform runs in the test process on loopback;
each process has its own webhook path, so the fake knows who delivered what."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

import aiohttp
import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import ScaledClock
from bot.config import load_settings
from bot.db import Database
from tests.conftest import SECRET, at, open_db
from tests.fake_timed import timed_fake
from tests.test_notices_speed import ROTA

D = "2026-11-25"
ROOT = Path(__file__).resolve().parent.parent
NOTICE_KINDS = ("open", "shift_change", "reminder", "close", "report")
# ROTA's day with nobody writing (so no handovers): (clock time, kind, mentions).
EXPECTED = [
    ("07:45", "reminder", ["c1", "c2"]),
    ("08:00", "open", ["c1", "c2"]),
    ("08:45", "reminder", ["c3"]),
    ("09:00", "shift_change", ["c1", "c3"]),
    ("10:00", "shift_change", ["c2"]),
    ("10:45", "reminder", ["c1"]),
    ("11:00", "shift_change", ["c3", "c1"]),
    ("12:00", "shift_change", ["c1"]),
    ("12:15", "reminder", ["c2"]),
    ("12:30", "shift_change", ["c2"]),
    ("12:45", "reminder", ["c3"]),
    ("13:00", "shift_change", ["c3"]),
    ("13:30", "shift_change", ["c2"]),
    ("14:00", "close", ["c3"]),
    ("14:00", "report", ["l1"]),  # the daily report
    ("14:00", "report", []),  # the coming week's rota gaps, privately to the lead
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(
    path: Path, database_url: str, webhook_url: str, port: int, **service: Any
) -> Path:
    svc = {"opens": '"08:00"', "closes": '"14:00"', "reminder_minutes": 15, **service}
    path.write_text(
        f"""
[bot]
database_url = "{database_url}"
language = "en"
listen = "127.0.0.1:{port}"

[service]
{chr(10).join(f"{k} = {v}" for k, v in svc.items())}

[outbox]
rate_per_minute = 1000

[[groups]]
id = "g1"
platform = "generic"
secret = "{SECRET}"
webhook_url = "{webhook_url}"

[[members]]
group = "g1"
id = "c1"
name = "Chen"

[[members]]
group = "g1"
id = "c2"
name = "Li"

[[members]]
group = "g1"
id = "c3"
name = "Wang"

[[members]]
group = "g1"
id = "l1"
name = "Lead Liu"
role = "lead"
""",
        encoding="utf-8",
    )
    return path


class BotProcess:
    """`python -m bot serve` from this worktree, on its own port and webhook path."""

    def __init__(self, name: str, config: Path, port: int, log_dir: Path) -> None:
        self.name = name
        self.config = config
        self.port = port
        self.log_dir = log_dir
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self._log: IO[bytes] | None = None

    def start(self, start_at: datetime, speed: float) -> None:
        self.starts += 1
        self._log = open(self.log_dir / f"{self.name}-{self.starts}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--config",
                str(self.config),
                "--start-at",
                start_at.isoformat(),
                "--speed",
                str(speed),
            ],
            cwd=ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    async def ready(self, within_s: float = 30.0) -> None:
        deadline = time.monotonic() + within_s
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                assert self.proc is not None and self.proc.poll() is None, self.log()
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{self.port}/healthz") as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise AssertionError(f"{self.name} never became healthy:\n{self.log()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.proc = None
        if self._log is not None:
            self._log.close()

    def log(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-3000:]
            for p in sorted(self.log_dir.glob(f"{self.name}-*"))
        )


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[BotProcess]]:
    made: list[BotProcess] = []
    yield made
    for p in made:
        p.stop(signal.SIGKILL)


async def seed(database_url: str, config: Path, shifts: list[tuple[str, str, str]]) -> None:
    settings = load_settings(config)
    db = await open_db(settings, ScaledClock(at(D, "07:00")))
    try:
        async with db.write() as s:
            for member, start, end in shifts:
                s.add(
                    models.Shift(
                        group_id="g1",
                        member_id=member,
                        start_at=at(D, start),
                        end_at=at(D, end),
                        created_at=at(D, "07:00"),
                    )
                )
    finally:
        await db.dispose()


async def table_counts(database_url: str) -> dict[str, Any]:
    db = Database(database_url)
    try:
        async with db.read() as s:
            notices = (await s.execute(select(models.Notice.kind, models.Notice.at))).all()
            statuses = dict(
                (
                    await s.execute(
                        select(models.OutboxRow.status, func.count()).group_by(
                            models.OutboxRow.status
                        )
                    )
                ).all()
            )
    finally:
        await db.dispose()
    return {"notices": notices, "outbox": statuses}


class SharedClock:
    """Where the day is at: each process started gets a --start-at matching this clock."""

    def __init__(self, start_at: datetime, speed: float) -> None:
        self.clock = ScaledClock(start_at, speed)
        self.speed = speed

    def start(self, proc: BotProcess) -> None:
        proc.start(self.clock.now(), self.speed)

    async def until(self, instant: datetime) -> None:
        await asyncio.sleep(self.clock.real_seconds_until(instant))


@pytest.mark.slow
async def test_two_processes_on_postgresql_one_killed_midway_post_each_notice_once(
    database_url: str, tmp_path: Path, processes: list[BotProcess]
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip(
            "several `carebot serve` processes share one database on PostgreSQL only; "
            "this runs in the PostgreSQL pass (CAREBOT_TEST_POSTGRES_URL)"
        )
    speed = 1200.0  # 07:00-14:00 in 21 s
    async with timed_fake(SECRET) as fake:
        a = BotProcess("a", tmp_path / "a.toml", free_port(), tmp_path)
        b = BotProcess("b", tmp_path / "b.toml", free_port(), tmp_path)
        for p in (a, b):
            write_config(p.config, database_url, fake.url(p.name), p.port)
        processes += [a, b]
        await seed(database_url, a.config, ROTA)
        # From 07:00: at 1200x a process that takes 2 s to start (a loaded machine) has reached
        # 07:40 before its first job, still in time for the 07:45 reminder.
        shared = SharedClock(at(D, "07:00"), speed)
        # Started together (the schema is already migrated), so their clocks agree closely.
        shared.start(a)
        shared.start(b)
        await a.ready()
        await b.ready()
        # Midway between 10:00 and 10:45: SIGKILL a; it is down across 10:45 and 11:00.
        await shared.until(at(D, "10:20"))
        a.stop(signal.SIGKILL)
        await shared.until(at(D, "11:20"))
        shared.start(a)
        await a.ready()
        await shared.until(at(D, "14:00"))
        await fake.wait_until(lambda got: any(x.kind == "report" for x in got), within_s=20)
        await fake.quiet(1.0)
        logs = a.log() + b.log()
        a.stop()
        b.stop()

    notices = fake.of_kind(*NOTICE_KINDS)
    summary = collections.Counter(x.path for x in notices)
    print(
        f"\n{len(notices)} notices; delivered by a: {summary['a']}, by b: {summary['b']}: "
        + " ".join(x.path for x in notices)
    )
    assert [(x.kind, x.payload["mentions"]) for x in notices] == [
        (kind, mentions) for _, kind, mentions in EXPECTED
    ], logs
    per_content = collections.Counter((x.kind, x.text_on_time) for x in notices)
    assert max(per_content.values()) == 1, per_content
    deliveries = [x.delivery for x in fake.arrivals]
    assert len(deliveries) == len(set(deliveries)), "an outbox row was delivered twice"
    assert "Traceback" not in logs, logs
    counts = await table_counts(database_url)
    # Each notice claimed once, and the supervisors' review after the close (no supervisor
    # here: claimed, nothing posted).
    kinds = [kind for kind, _ in counts["notices"]]
    assert len(kinds) == len(EXPECTED) + 1 and kinds.count("review") == 1, kinds
    assert counts["outbox"] == {"sent": len(fake.arrivals)}


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
async def test_stopped_while_a_post_is_in_flight_it_arrives_under_one_delivery_id(
    database_url: str, tmp_path: Path, processes: list[BotProcess], sig: signal.Signals
) -> None:
    """The outbox marks a row sent only after the platform answered. SIGTERM lets the pass under
    way finish, so the post is recorded and arrives once. SIGKILL between the platform receiving
    a post and that mark leaves the row pending; the next process sends it again under the same
    X-Carebot-Delivery id, which is how a receiver drops the repeat (at least once on the wire,
    exactly once per delivery id)."""
    async with timed_fake(SECRET) as fake:
        first = BotProcess("first", tmp_path / "first.toml", free_port(), tmp_path)
        second = BotProcess("second", tmp_path / "second.toml", free_port(), tmp_path)
        for p in (first, second):
            write_config(p.config, database_url, fake.url(p.name), p.port, reminder_minutes=0)
        processes += [first, second]
        await seed(database_url, first.config, [("c1", "08:00", "10:00"), ("c2", "10:00", "12:00")])
        fake.hold["first"] = 3.0  # answer the first post of `first` only after 3 s
        first.start(at(D, "10:00") - timedelta(seconds=4), 1.0)
        await first.ready()
        await asyncio.wait_for(fake.held.wait(), 20)
        # While the platform holds its answer; from a thread, so this loop (the fake's) can answer.
        await asyncio.to_thread(first.stop, sig)
        second.start(at(D, "10:00") + timedelta(seconds=10), 1.0)
        await second.ready()
        deadline = time.monotonic() + 15
        while (await table_counts(database_url))["outbox"] != {"sent": 1}:
            assert time.monotonic() < deadline, second.log()
            await asyncio.sleep(0.1)
        await fake.quiet(1.0)
        second.stop()

    arrivals = fake.arrivals
    print(f"\n{sig.name}: the post in flight arrived {len(arrivals)} times")
    assert arrivals[0].path == "first"
    assert len(arrivals) == (2 if sig == signal.SIGKILL else 1)
    assert {a.delivery for a in arrivals} == {arrivals[0].delivery}  # one outbox row
    assert {(a.kind, a.text) for a in arrivals} == {(arrivals[0].kind, arrivals[0].text)}
    assert arrivals[0].text.startswith("[Shift change 10:00] Going off duty: @Chen.")
    counts = await table_counts(database_url)
    assert [k for k, _ in counts["notices"]] == ["shift_change"]  # claimed once


@pytest.mark.slow
async def test_killed_after_claiming_before_delivering_the_notice_is_not_lost(
    database_url: str, tmp_path: Path, processes: list[BotProcess]
) -> None:
    async with timed_fake(SECRET) as fake:
        first = BotProcess("first", tmp_path / "first.toml", free_port(), tmp_path)
        second = BotProcess("second", tmp_path / "second.toml", free_port(), tmp_path)
        # `first` claims the notice but cannot reach the platform (nothing listens there).
        write_config(
            first.config,
            database_url,
            f"http://127.0.0.1:{free_port()}/hook",
            first.port,
            reminder_minutes=0,
        )
        write_config(
            second.config, database_url, fake.url("second"), second.port, reminder_minutes=0
        )
        processes += [first, second]
        await seed(database_url, first.config, [("c1", "08:00", "10:00"), ("c2", "10:00", "12:00")])
        first.start(at(D, "10:00") - timedelta(seconds=2), 1.0)
        await first.ready()
        deadline = time.monotonic() + 15
        while not (await table_counts(database_url))["notices"]:
            assert time.monotonic() < deadline, first.log()
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)
        first.stop(signal.SIGKILL)
        assert fake.arrivals == []
        second.start(at(D, "10:00") + timedelta(seconds=5), 1.0)
        await second.ready()
        await fake.wait_until(lambda got: len(got) >= 1, within_s=15)
        await fake.quiet(1.0)
        second.stop()

    [post] = fake.arrivals
    assert post.kind == "shift_change" and post.path == "second"
    assert post.text.startswith("[Shift change 10:00] Going off duty: @Chen.")
    counts = await table_counts(database_url)
    assert [k for k, _ in counts["notices"]] == ["shift_change"]
    assert counts["outbox"] == {"sent": 1}
