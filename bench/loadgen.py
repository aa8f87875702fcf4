"""The load generator: signed generic webhooks over loopback, in a process of its own.

    python -m bench.loadgen --url URL --warmup W --closed N --concurrency C --open M --rate R

Three phases against one server, each with its own message ids:
warmup: W requests closed loop, not reported.
closed: C requests in flight at all times, as fast as the server answers (requests/s).
open: M requests sent on a fixed schedule (R a second) without waiting for answers; each
latency is measured from the instant the request was due, so a slow server cannot hide its
queueing behind a slow sender. Each phase stops after its count or --max-seconds.
Prints `RESULT {"closed": {...}, "open": {...}}`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench.common import SECRET, summary_ms
from bot.platforms.generic import sign


@dataclass
class Tally:
    latencies_s: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    send_lag_s: list[float] = field(default_factory=list)

    def count(self, key: str) -> None:
        self.statuses[key] = self.statuses.get(key, 0) + 1


def requests_for(
    count: int, prefix: str, staff: int, clock_offset_s: float, secret: str
) -> list[tuple[bytes, dict[str, str]]]:
    """`count` signed bodies from `staff` senders, made before the clock starts."""
    ts = str(int(time.time() + clock_offset_s))
    out = []
    for i in range(count):
        body = json.dumps(
            {
                "msg_id": f"{prefix}-{i}",
                "sender": {"id": f"doc{i % staff}", "name": f"Doc {i % staff}"},
                "text": f"bench message {i}: 夜班后一直睡不着",
            },
            ensure_ascii=False,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Carebot-Timestamp": ts,
            "X-Carebot-Signature": sign(secret, ts, body),
        }
        out.append((body, headers))
    return out


async def _post(
    http: aiohttp.ClientSession,
    url: str,
    body: bytes,
    headers: dict[str, str],
    tally: Tally,
    started: float,
) -> None:
    try:
        async with http.post(url, data=body, headers=headers) as resp:
            await resp.read()
            tally.count(str(resp.status))
            if 200 <= resp.status < 300:
                tally.latencies_s.append(time.perf_counter() - started)
    except (aiohttp.ClientError, TimeoutError) as e:
        tally.count(type(e).__name__)


async def closed_loop(
    url: str, reqs: list[tuple[bytes, dict[str, str]]], concurrency: int, max_s: float
) -> tuple[Tally, float]:
    tally = Tally()
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=concurrency)
    it = iter(reqs)
    t0 = time.perf_counter()
    deadline = t0 + max_s
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:

        async def worker() -> None:
            for body, headers in it:
                if time.perf_counter() > deadline:
                    return
                await _post(http, url, body, headers, tally, time.perf_counter())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return tally, time.perf_counter() - t0


async def open_loop(
    url: str, reqs: list[tuple[bytes, dict[str, str]]], rate: float, max_s: float
) -> tuple[Tally, float]:
    tally = Tally()
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=0)  # an open loop never waits for a free connection
    tasks: list[asyncio.Task[None]] = []
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        t0 = time.perf_counter()
        for i, (body, headers) in enumerate(reqs):
            due = t0 + i / rate
            if due - t0 > max_s:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tally.send_lag_s.append(max(0.0, time.perf_counter() - due))
            tasks.append(asyncio.create_task(_post(http, url, body, headers, tally, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return tally, elapsed


def _report(mode: str, tally: Tally, elapsed: float, args: argparse.Namespace) -> dict[str, Any]:
    ok = len(tally.latencies_s)
    return {
        "mode": mode,
        "sent": sum(tally.statuses.values()),
        "ok": ok,
        "statuses": tally.statuses,
        "elapsed_s": elapsed,
        "rps": ok / elapsed if elapsed > 0 else 0.0,
        "latency": summary_ms(tally.latencies_s),
        "concurrency": args.concurrency if mode == "closed" else None,
        "offered_rate": args.rate if mode == "open" else None,
        "send_lag": summary_ms(tally.send_lag_s) if mode == "open" else None,
    }


async def _phases(args: argparse.Namespace) -> dict[str, Any]:
    def reqs(count: int, phase: str) -> list[tuple[bytes, dict[str, str]]]:
        return requests_for(count, f"{args.prefix}-{phase}", args.staff, args.clock_offset, SECRET)

    out: dict[str, Any] = {}
    if args.warmup:
        await closed_loop(args.url, reqs(args.warmup, "warm"), args.concurrency, args.max_seconds)
    if args.closed:
        tally, elapsed = await closed_loop(
            args.url, reqs(args.closed, "closed"), args.concurrency, args.max_seconds
        )
        out["closed"] = _report("closed", tally, elapsed, args)
    if args.open:
        tally, elapsed = await open_loop(
            args.url, reqs(args.open, "open"), args.rate, args.max_seconds
        )
        out["open"] = _report("open", tally, elapsed, args)
    return out


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.loadgen")
    p.add_argument("--url", required=True)
    p.add_argument("--warmup", type=int, default=0)
    p.add_argument("--closed", type=int, default=0, help="requests in the closed loop")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--open", type=int, default=0, help="requests in the open loop")
    p.add_argument("--rate", type=float, default=300.0)
    p.add_argument("--max-seconds", type=float, default=30.0, help="per phase")
    p.add_argument("--staff", type=int, default=40, help="distinct senders")
    p.add_argument("--prefix", default="m")
    p.add_argument("--clock-offset", type=float, default=0.0)
    args = p.parse_args(argv)
    host = urlsplit(args.url).hostname or ""
    if not (host.startswith("127.") or host in ("localhost", "::1")):
        print("the load generator only targets loopback addresses", file=sys.stderr)
        return 2
    print("RESULT " + json.dumps(asyncio.run(_phases(args))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
