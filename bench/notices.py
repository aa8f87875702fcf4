"""Notice timing: on the accelerated clock, how long after each boundary its notice arrives.

The real app runs in this process on a ScaledClock; a fake platform (a real aiohttp server on
loopback) notes the monotonic instant each post arrives. A notice's boundary instant is read back
from its text (the time it names), so each arrival is matched to the boundary it announces.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select

from bench.common import SECRET, fresh_database, summary_ms
from bot import models
from bot.app import create_app
from bot.clock import ScaledClock
from bot.config import load_settings
from bot.keys import CONTEXT, DB

TZ = ZoneInfo("Asia/Shanghai")
DAY = "2030-03-06"
REMINDER_MIN = 10
STEP_MIN = 20


@dataclass(frozen=True)
class NoticePlan:
    groups: int
    shifts_per_group: int
    speed: float


FULL = NoticePlan(groups=20, shifts_per_group=12, speed=600)
SMOKE = NoticePlan(groups=2, shifts_per_group=2, speed=1800)


def _at(hhmm_minutes: int) -> datetime:
    return datetime.fromisoformat(DAY).replace(tzinfo=TZ) + timedelta(minutes=hhmm_minutes)


def expected_events(plan: NoticePlan) -> list[tuple[str, datetime]]:
    """(kind, instant) of every notice one group should get: reminders and boundaries."""
    out: list[tuple[str, datetime]] = [("open", _at(8 * 60))]
    changes: set[int] = set()
    for k in range(plan.shifts_per_group):
        start = 8 * 60 + STEP_MIN * k
        out.append(("reminder", _at(start - REMINDER_MIN)))
        changes.update((start, start + 2 * STEP_MIN))
    changes.discard(8 * 60)  # the first start is the opening
    out += [("shift_change", _at(m)) for m in sorted(changes)]
    return sorted(out, key=lambda e: e[1])


def _boundary_of(kind: str, text: str) -> datetime | None:
    """The instant a notice's text announces (reminders name the shift they remind of)."""
    if kind == "open":
        return _at(8 * 60)
    pattern = (
        r"\[Shift change (\d\d):(\d\d)\]" if kind == "shift_change" else r"shift (\d\d):(\d\d)-"
    )
    m = re.search(pattern, text)
    if m is None:
        return None
    at = _at(int(m.group(1)) * 60 + int(m.group(2)))
    return at - timedelta(minutes=REMINDER_MIN) if kind == "reminder" else at


async def run(backend: str, pg_url: str, workdir: Path, plan: NoticePlan) -> dict[str, Any]:
    arrivals: list[tuple[float, str, str, str]] = []  # (monotonic, group, kind, text)
    events = expected_events(plan)
    groups = [f"g{i:03d}" for i in range(plan.groups)]
    all_arrived = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        now = time.monotonic()
        data = await request.json()
        arrivals.append((now, data["group"], data["kind"], data["text"]))
        if len(arrivals) >= len(events) * len(groups):
            all_arrived.set()
        return web.json_response({"ok": True})

    fake = web.Application()
    fake.router.add_post("/hook", hook)
    fake_runner = web.AppRunner(fake, access_log=None)
    await fake_runner.setup()
    fake_site = web.TCPSite(fake_runner, "127.0.0.1", 0)
    await fake_site.start()
    port = fake_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hook_url = f"http://127.0.0.1:{port}/hook"

    counsellors = [f"c{i}" for i in range(6)]
    start_at = events[0][1] - timedelta(minutes=5)
    last_at = events[-1][1]
    try:
        async with fresh_database(backend, pg_url, workdir) as database_url:
            settings = load_settings(
                None,
                bot={"database_url": database_url, "timezone": "Asia/Shanghai", "language": "en"},
                service={"reminder_minutes": REMINDER_MIN},
                groups=[
                    {"id": g, "platform": "generic", "secret": SECRET, "webhook_url": hook_url}
                    for g in groups
                ],
                members=[
                    {"group": g, "id": c, "name": c.upper(), "role": "counsellor"}
                    for g in groups
                    for c in counsellors
                ],
            )
            clock = ScaledClock(start_at, plan.speed)
            runner = web.AppRunner(create_app(settings, clock), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            try:
                app = runner.app
                async with app[DB].write() as s:
                    for g in groups:
                        for k in range(plan.shifts_per_group):
                            start = 8 * 60 + STEP_MIN * k
                            s.add(
                                models.Shift(
                                    group_id=g,
                                    member_id=counsellors[k % len(counsellors)],
                                    start_at=_at(start),
                                    end_at=_at(start + 2 * STEP_MIN),
                                    created_at=clock.now(),
                                )
                            )
                for g in groups:
                    app[CONTEXT].rota_changed(g)
                anchor_mono, anchor_sim = time.monotonic(), clock.now()
                wait_s = (last_at - anchor_sim).total_seconds() / plan.speed + 3.0
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(all_arrived.wait(), wait_s)
                await asyncio.sleep(0.5)  # anything posted twice would arrive now
                # Notices the bot recorded and did not post because they came too late (older
                # than the catch-up window; a reminder under a minute before its shift): not lost.
                n = models.Notice
                async with app[DB].read() as s:
                    rows = await s.execute(
                        select(n.group_id, n.kind, n.at).where(n.skipped.is_(True))
                    )
                    withheld = {(g, k, at) for g, k, at in rows}
            finally:
                await runner.cleanup()
    finally:
        await fake_runner.cleanup()

    delays: list[float] = []
    seen: dict[tuple[str, str, datetime], int] = {}
    unmatched = 0
    for mono, group, kind, text in arrivals:
        at = _boundary_of(kind, text)
        if at is None:
            unmatched += 1
            continue
        seen[(group, kind, at)] = seen.get((group, kind, at), 0) + 1
        real_due = anchor_mono + (at - anchor_sim).total_seconds() / plan.speed
        delays.append(mono - real_due)
    expected = {(g, k, at) for g in groups for k, at in events}
    return {
        "backend": backend,
        "plan": plan.__dict__,
        "expected_notices": len(expected),
        "received": len(arrivals),
        "withheld_late": len(expected & withheld),
        "missing": len(expected - set(seen) - withheld),
        "repeated": sum(n - 1 for n in seen.values() if n > 1),
        "unexpected": unmatched + len(set(seen) - expected),
        "delay": summary_ms(delays),
        "early": sum(1 for d in delays if d < 0),
        "sim_span": f"{start_at.isoformat()} .. {last_at.isoformat()}",
    }
