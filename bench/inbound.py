"""Inbound: carebot's full path against a bare aiohttp handler, same requests, same run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bench.common import SECRET, Child, fresh_database, running
from bot import models
from bot.db import Database

START_AT = "2030-03-06T10:00:00+08:00"


@dataclass(frozen=True)
class InboundPlan:
    closed_count: int
    concurrency: int
    open_rate: float
    open_seconds: float
    warmup: int
    counsellors: int = 30
    on_duty: int = 10
    staff: int = 40
    max_seconds: float = 60.0
    low_rate: float = 100.0  # a second open loop, below carebot's saturation
    bare_factor: int = 10  # the bare handler's closed loop runs this many times longer


FULL = InboundPlan(closed_count=3000, concurrency=16, open_rate=300, open_seconds=10, warmup=300)
SMOKE = InboundPlan(
    closed_count=60, concurrency=4, open_rate=300, open_seconds=0.5, warmup=20, max_seconds=10
)


def carebot_spec(database_url: str, sink_url: str, plan: InboundPlan) -> dict[str, Any]:
    """One generic group, `counsellors` counsellors of whom `on_duty` are on today 08-24."""
    counsellors = [f"c{i:02d}" for i in range(plan.counsellors)]
    day = datetime.fromisoformat(START_AT).replace(hour=0)
    shifts = [
        ["g1", c, (day + timedelta(hours=8)).isoformat(), (day + timedelta(hours=24)).isoformat()]
        for c in counsellors[: plan.on_duty]
    ]
    return {
        "start_at": START_AT,
        "speed": 1.0,
        "settings": {
            "bot": {"database_url": database_url, "timezone": "Asia/Shanghai"},
            "groups": [
                {
                    "id": "g1",
                    "name": "bench",
                    "platform": "generic",
                    "secret": SECRET,
                    "webhook_url": sink_url,
                }
            ],
            "members": [
                *(
                    {"group": "g1", "id": c, "name": f"Counsellor {c}", "role": "counsellor"}
                    for c in counsellors
                ),
                {"group": "g1", "id": "lead", "name": "Lead", "role": "lead"},
            ],
        },
        "shifts": shifts,
    }


def _measure(
    url: str, plan: InboundPlan, offset: float, tag: str, log: Path, closed: int
) -> dict[str, Any]:
    """Warm-up, closed loop and open loops against one server, from a load generator."""
    args = [
        "--url",
        url,
        "--warmup",
        str(plan.warmup),
        "--closed",
        str(closed),
        "--concurrency",
        str(plan.concurrency),
        "--open",
        str(max(1, int(plan.open_rate * plan.open_seconds))),
        "--rate",
        str(plan.open_rate),
        "--max-seconds",
        str(plan.max_seconds),
        "--staff",
        str(plan.staff),
        "--prefix",
        tag,
        "--clock-offset",
        str(offset),
    ]
    out = Child("bench.loadgen", *args, log=log).run(timeout_s=3 * plan.max_seconds + 60)
    low = [
        "--url",
        url,
        "--open",
        str(max(1, int(plan.low_rate * plan.open_seconds))),
        "--rate",
        str(plan.low_rate),
        "--max-seconds",
        str(plan.max_seconds),
        "--staff",
        str(plan.staff),
        "--prefix",
        tag + "-low",
        "--clock-offset",
        str(offset),
    ]
    out["open_low"] = Child("bench.loadgen", *low, log=log).run(timeout_s=plan.max_seconds + 60)[
        "open"
    ]
    return out


async def _metrics(url: str) -> dict[str, float]:
    """carebot's /metrics as name -> value (labels kept in the name)."""
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        body = await resp.text()
    out = {}
    for line in body.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


async def _stored(database_url: str) -> int:
    db = Database(database_url)
    try:
        async with db.read() as s:
            return int(await s.scalar(select(func.count()).select_from(models.Message)) or 0)
    finally:
        await db.dispose()


async def run(backend: str, pg_url: str, workdir: Path, plan: InboundPlan) -> dict[str, Any]:
    """Throughput (closed loop) and latency at a fixed offered load (open loop), both servers."""
    log = workdir / f"inbound-{backend}.log"
    out: dict[str, Any] = {"backend": backend, "plan": plan.__dict__}
    with running(Child("bench.servers", "bare", log=log)) as bare:
        bare_base = f"http://127.0.0.1:{bare['port']}"
        async with fresh_database(backend, pg_url, workdir) as database_url:
            spec_path = workdir / f"spec-inbound-{backend}.json"
            spec = carebot_spec(database_url, bare_base + "/sink", plan)
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            with running(Child("bench.servers", "carebot", str(spec_path), log=log)) as cb:
                url = f"http://127.0.0.1:{cb['port']}/webhooks/generic/g1"
                out["carebot"] = _measure(
                    url, plan, cb["clock_offset_s"], "cb", log, plan.closed_count
                )
                metrics = await _metrics(f"http://127.0.0.1:{cb['port']}/metrics")
                out["carebot"]["transactions"] = int(metrics.get("carebot_inbox_batches_total", 0))
            answered = plan.warmup + sum(
                out["carebot"][k]["ok"] for k in ("closed", "open", "open_low")
            )
            out["carebot"]["stored_messages"] = await _stored(database_url)
            out["carebot"]["answered_2xx"] = answered
        # The bare handler answers 3,000 requests in a fraction of a second: run it longer.
        out["bare"] = _measure(
            bare_base + "/webhooks/generic/g1",
            plan,
            0.0,
            "bare",
            log,
            plan.closed_count * plan.bare_factor,
        )
    cb_rps, bare_rps = out["carebot"]["closed"]["rps"], out["bare"]["closed"]["rps"]
    out["ratio"] = cb_rps / bare_rps if bare_rps else 0.0
    return out
