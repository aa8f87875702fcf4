"""The servers a bench run measures, each in a process of its own.

    python -m bench.servers carebot SPEC.json   the real app from create_app on a real runner
    python -m bench.servers bare                a bare aiohttp handler answering 200 (+ /sink)

Each prints `READY {"port": ..., ...}` once it listens and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web

ANSWER = b'{"ok": true, "duplicate": false}'


def bare_app() -> web.Application:
    """The ceiling: read the body, answer what carebot answers, nothing else."""

    async def webhook(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=ANSWER, content_type="application/json")

    app = web.Application()
    app.router.add_post("/webhooks/{platform}/{group_id}", webhook)
    app.router.add_post("/sink", webhook)  # where carebot's outbound posts land during a run
    return app


async def _serve(app: web.Application, extra: dict[str, Any], on_ready: Any = None) -> None:
    t0 = time.perf_counter()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    startup_s = time.perf_counter() - t0
    if on_ready is not None:
        extra.update(await on_ready(app))
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    ready = {"port": port, "pid": os.getpid(), "startup_s": startup_s, **extra}
    print("READY " + json.dumps(ready), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def carebot(spec_path: str) -> None:
    """Serve the real app on the settings in SPEC.json, with its shifts put into the rota."""
    from bot import models
    from bot.app import create_app
    from bot.clock import ScaledClock
    from bot.config import load_settings
    from bot.keys import CONTEXT, DB

    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    settings = load_settings(None, **spec["settings"])
    clock = ScaledClock(datetime.fromisoformat(spec["start_at"]), spec.get("speed", 1.0))

    async def seed(app: web.Application) -> dict[str, Any]:
        now = clock.now()
        async with app[DB].write() as s:
            for group, member, start, end in spec.get("shifts", []):
                s.add(
                    models.Shift(
                        group_id=group,
                        member_id=member,
                        start_at=datetime.fromisoformat(start),
                        end_at=datetime.fromisoformat(end),
                        created_at=now,
                    )
                )
        for g in settings.groups:
            app[CONTEXT].rota_changed(g.id)
        # What to add to the wall clock to sign: nothing, webhooks are verified in real time
        # whatever the service clock shows (the load generator signs as a platform would).
        return {"clock_offset_s": 0.0}

    asyncio.run(_serve(create_app(settings, clock), {"backend": settings.bot.database_url}, seed))


def main(argv: list[str]) -> int:
    if argv[:1] == ["bare"]:
        asyncio.run(_serve(bare_app(), {}))
        return 0
    if argv[:1] == ["carebot"] and len(argv) == 2:
        carebot(argv[1])
        return 0
    print("usage: python -m bench.servers bare | carebot SPEC.json", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
