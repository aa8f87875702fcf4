"""A fake chat platform that records when each post arrived (time.monotonic), on which path
(so tests can tell bot processes apart by their webhook_url), and its X-Carebot-Delivery id.
It can hold its answer to a post, to stop a bot process while a delivery is in flight."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.platforms import generic

LATE_SUFFIX = re.compile(r"(（本通知晚了 \d+ 分钟发出）| \(this notice is \d+ minutes late\))$")


@dataclass(frozen=True, slots=True)
class Arrival:
    at_mono: float
    path: str  # the part after /hook/, naming the sender
    delivery: str
    payload: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.payload["kind"])

    @property
    def text(self) -> str:
        return str(self.payload["text"])

    @property
    def text_on_time(self) -> str:
        """The text without a "this notice is late" ending, to compare posts by content."""
        return LATE_SUFFIX.sub("", self.text)


@dataclass
class TimedFake:
    secret: str
    arrivals: list[Arrival] = field(default_factory=list)
    base_url: str = ""
    hold: dict[str, float] = field(default_factory=dict)  # path -> seconds to hold the answer
    held: asyncio.Event = field(default_factory=asyncio.Event)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"{self.base_url}/hook/{path}"

    async def handle(self, request: web.Request) -> web.Response:
        at_mono = time.monotonic()
        body = await request.read()
        ts = request.headers.get(generic.TS_HEADER, "")
        if request.headers.get(generic.SIG_HEADER) != generic.sign(self.secret, ts, body):
            return web.json_response({"error": "bad signature"}, status=401)
        path = request.match_info["path"]
        self.arrivals.append(
            Arrival(at_mono, path, request.headers.get("X-Carebot-Delivery", ""), json.loads(body))
        )
        self._changed.set()
        delay = self.hold.pop(path, 0.0)
        if delay:
            self.held.set()
            await asyncio.sleep(delay)
        return web.json_response({"ok": True})

    def of_kind(self, *kinds: str) -> list[Arrival]:
        return [a for a in self.arrivals if a.kind in kinds]

    async def wait_until(self, predicate: Any, within_s: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not predicate(self.arrivals):
            remaining = deadline - loop.time()
            if remaining <= 0:
                got = [(a.kind, a.text) for a in self.arrivals]
                raise AssertionError(f"fake platform never saw it; got {got!r}")
            self._changed.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))

    async def quiet(self, quiet_s: float = 0.5) -> None:
        """Return once nothing new has arrived for `quiet_s` seconds."""
        seen = -1
        while seen != len(self.arrivals):
            seen = len(self.arrivals)
            await asyncio.sleep(quiet_s)


@asynccontextmanager
async def timed_fake(secret: str) -> AsyncIterator[TimedFake]:
    fake = TimedFake(secret)
    app = web.Application()
    app.router.add_post("/hook/{path}", fake.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.base_url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()
