"""Scale: many groups, counsellors and weeks of rota; memory, start-up and lookup times.

The orchestrator seeds a fresh database (schema, groups and members, the rota) and starts a
child process that is measured alone:

    python -m bench.scale child SPEC.json

The child builds the app with create_app, starts it on a real runner (schema check, sync_config,
outbox worker, scheduler), waits until every group's catch-up job has run, then times on-duty
lookups, each group's next boundary, one full sweep of the boundary jobs and its idle CPU, and
reports its peak RSS. It prints `RESULT {json}`.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import SECRET, Child, fresh_database, running, summary_ms

TZ = ZoneInfo("Asia/Shanghai")
FIRST_DAY = "2030-03-04"
# (lane, start hour, end hour): two counsellors on duty 08:00-24:00, a boundary every 2 hours.
DAY_SHIFTS = [
    (8, 12),
    (12, 16),
    (16, 20),
    (20, 24),
    (8, 10),
    (10, 14),
    (14, 18),
    (18, 22),
    (22, 24),
]


@dataclass(frozen=True)
class ScalePlan:
    groups: int
    counsellors: int
    days: int
    lookups: int
    idle_s: float


FULL = ScalePlan(groups=1000, counsellors=30, days=28, lookups=1000, idle_s=10.0)
SMOKE = ScalePlan(groups=20, counsellors=5, days=2, lookups=50, idle_s=1.0)


def group_ids(plan: ScalePlan) -> list[str]:
    return [f"g{i:04d}" for i in range(plan.groups)]


def settings_data(plan: ScalePlan, database_url: str, sink_url: str) -> dict[str, Any]:
    groups = group_ids(plan)
    return {
        "bot": {"database_url": database_url, "timezone": "Asia/Shanghai", "language": "zh"},
        "groups": [
            {
                "id": g,
                "name": f"支持群 {g}",
                "platform": "generic",
                "secret": SECRET,
                "webhook_url": sink_url,
            }
            for g in groups
        ],
        "members": [
            {"group": g, "id": f"{g}-c{j:02d}", "name": f"咨询师{j:02d}", "role": "counsellor"}
            for g in groups
            for j in range(plan.counsellors)
        ],
    }


def day_start(day_index: int) -> datetime:
    return datetime.fromisoformat(FIRST_DAY).replace(tzinfo=TZ) + timedelta(days=day_index)


def shift_rows(plan: ScalePlan, created_at: datetime) -> list[dict[str, Any]]:
    rows = []
    for g in group_ids(plan):
        for d in range(plan.days):
            base = day_start(d)
            for j, (start_h, end_h) in enumerate(DAY_SHIFTS):
                member = f"{g}-c{(d * len(DAY_SHIFTS) + j) % plan.counsellors:02d}"
                rows.append(
                    {
                        "group_id": g,
                        "member_id": member,
                        "start_at": base + timedelta(hours=start_h),
                        "end_at": base + timedelta(hours=end_h),
                        "created_at": created_at,
                    }
                )
    return rows


async def seed(plan: ScalePlan, database_url: str, sink_url: str) -> dict[str, Any]:
    """Schema, groups and members (first sync_config) and the rota, in a fresh database."""
    from sqlalchemy import insert

    from bot import models
    from bot.clock import FrozenClock
    from bot.config import load_settings
    from bot.db import Database
    from bot.sync import sync_config

    settings = load_settings(None, **settings_data(plan, database_url, sink_url))
    clock = FrozenClock(day_start(0))
    db = Database(database_url)
    try:
        await db.upgrade()
        t0 = time.perf_counter()
        await sync_config(db, settings, clock)
        first_sync_s = time.perf_counter() - t0
        rows = shift_rows(plan, clock.now())
        t0 = time.perf_counter()
        async with db.write() as s:
            for i in range(0, len(rows), 5000):
                await s.execute(insert(models.Shift), rows[i : i + 5000])
        return {
            "first_sync_config_s": first_sync_s,
            "shifts": len(rows),
            "seed_shifts_s": time.perf_counter() - t0,
        }
    finally:
        await db.dispose()


def _rss_mib() -> tuple[float, float]:
    """(current, peak since the last reset) resident set size of this process in MiB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


def _reset_peak() -> bool:
    """Start the peak (VmHWM) over from the current RSS; False where Linux does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


async def _child(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    t0 = time.perf_counter()
    from aiohttp import web

    from bot import rota, store
    from bot.app import create_app
    from bot.clock import ScaledClock
    from bot.config import load_settings
    from bot.keys import CONTEXT, DB, JOBS
    from bot.notices import next_event_at

    out["import_s"] = time.perf_counter() - t0
    plan = ScalePlan(**spec["plan"])
    t0 = time.perf_counter()
    settings = load_settings(None, **spec["settings"])
    out["config_load_s"] = time.perf_counter() - t0
    # Parsing a config of this size is a transient peak of its own; report it apart from the
    # peak while serving (start-up, catch-up, lookups, a sweep, idle).
    out["rss_after_config_mib"], out["peak_rss_config_load_mib"] = _rss_mib()
    del spec["settings"]
    out["peak_rss_serving_measured"] = _reset_peak()

    clock = ScaledClock(datetime.fromisoformat(spec["start_at"]), 1.0)
    t0 = time.perf_counter()
    app = create_app(settings, clock)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    started = time.perf_counter()
    out["startup_s"] = started - t0
    out["rss_after_start_mib"] = _rss_mib()[0]
    try:
        ctx, db = app[CONTEXT], app[DB]
        scheduler = app[JOBS]._scheduler
        # Catch-up: every group's first job has run once it points at a later event.
        deadline = time.perf_counter() + 600
        while time.perf_counter() < deadline:
            horizon = datetime.now(clock.now().tzinfo) + timedelta(seconds=60)
            # A job that is due or running is not listed; once done it re-aims itself.
            jobs = [j for j in scheduler.get_jobs() if j.id.startswith("boundary:")]
            if len(jobs) == plan.groups and all(
                j.next_run_time is not None and j.next_run_time > horizon for j in jobs
            ):
                break
            await asyncio.sleep(0.05)
        out["caught_up_s"] = time.perf_counter() - t0
        out["rss_after_catch_up_mib"] = _rss_mib()[0]

        rng = random.Random(7)
        groups = group_ids(plan)
        lookups = []
        for _ in range(plan.lookups):
            g = rng.choice(groups)
            at = day_start(rng.randrange(plan.days)) + timedelta(minutes=rng.randrange(480, 1440))
            t1 = time.perf_counter()
            async with db.read() as s:
                on = await store.on_duty_ids(s, g, at)
            lookups.append(time.perf_counter() - t1)
            assert on, f"nobody on duty in {g} at {at}"
        out["on_duty_lookup"] = summary_ms(lookups)

        now = clock.now()
        per_group = []
        t1 = time.perf_counter()
        for g in groups:
            t2 = time.perf_counter()
            nxt = await next_event_at(ctx, g, now)
            per_group.append(time.perf_counter() - t2)
            assert nxt is not None
        out["next_boundary_all_groups_s"] = time.perf_counter() - t1
        out["next_boundary_per_group"] = summary_ms(per_group)

        async with db.read() as s:
            one = await store.shifts_between(s, groups[0], day_start(0), day_start(plan.days))
        pure = []
        for _ in range(5):
            t1 = time.perf_counter()
            found = rota.boundaries(one, ctx.hours, day_start(0), day_start(plan.days))
            pure.append(time.perf_counter() - t1)
        out["pure_boundaries_one_group"] = {
            "shifts": len(one),
            "boundaries": len(found),
            **summary_ms(pure),
        }

        out["rss_before_sweep_mib"] = _rss_mib()[0]
        t1 = time.perf_counter()
        await app[JOBS]._sweep(full=True)  # every group: the ten-minute net
        out["sweep_all_groups_s"] = time.perf_counter() - t1
        t1 = time.perf_counter()
        out["sweep_groups_run"] = len(await app[JOBS]._sweep(full=False))  # the 5 s one
        out["sweep_s"] = time.perf_counter() - t1
        out["rss_after_sweep_mib"] = _rss_mib()[0]

        c0, t1 = time.process_time(), time.perf_counter()
        await asyncio.sleep(plan.idle_s)
        out["idle_cpu_percent"] = 100 * (time.process_time() - c0) / (time.perf_counter() - t1)
        # VmHWM, not getrusage's ru_maxrss: the latter keeps the parent's peak across exec.
        out["rss_mib"], out["peak_rss_serving_mib"] = _rss_mib()
    finally:
        await runner.cleanup()
    return out


async def run(backend: str, pg_url: str, workdir: Path, plan: ScalePlan) -> dict[str, Any]:
    log = workdir / f"scale-{backend}.log"
    out: dict[str, Any] = {
        "backend": backend,
        "plan": plan.__dict__,
        "members": plan.groups * plan.counsellors,
    }
    with running(Child("bench.servers", "bare", log=log)) as sink:
        sink_url = f"http://127.0.0.1:{sink['port']}/sink"
        async with fresh_database(backend, pg_url, workdir) as database_url:
            out.update(await seed(plan, database_url, sink_url))
            start_at = day_start(plan.days // 2) + timedelta(hours=10, minutes=5)
            spec = {
                "plan": plan.__dict__,
                "start_at": start_at.isoformat(),
                "settings": settings_data(plan, database_url, sink_url),
            }
            spec_path = workdir / f"spec-scale-{backend}.json"
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            out["start_at"] = start_at.isoformat()
            out.update(Child("bench.scale", "child", str(spec_path), log=log).run(900))
    return out


def main(argv: list[str]) -> int:
    if argv[:1] != ["child"] or len(argv) != 2:
        print("usage: python -m bench.scale child SPEC.json", file=sys.stderr)
        return 2
    import logging

    logging.basicConfig(level=logging.ERROR)
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    result = asyncio.run(_child(spec))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
