"""Fixtures: real databases (SQLite file, PostgreSQL when configured), a context on one (schema
upgraded, config synced, as at a start), a fake chat platform on loopback, and the real app from
create_app on a loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot import models
from bot.app import create_app
from bot.clock import FrozenClock, FrozenWallClock, SystemWallClock
from bot.config import Settings, load_settings
from bot.context import Context
from bot.db import Database
from bot.platforms import generic
from bot.protocols import Clock, WallClock
from bot.sync import sync_config

PG_URL = os.environ.get("CAREBOT_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if PG_URL else ["sqlite"]
TZ = ZoneInfo("Asia/Shanghai")
SECRET = "s3cret-for-tests"


def at(day: str, hhmm: str) -> datetime:
    """An aware instant in service time: at("2026-11-25", "09:30")."""
    h, m = (int(x) for x in hhmm.split(":"))
    base = datetime.fromisoformat(day).replace(tzinfo=TZ)
    return base + timedelta(hours=h, minutes=m)


def _pg_admin_dsn() -> str:
    return PG_URL.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[str]:
    """A fresh, empty database on each backend: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/carebot.db"
        return
    name = "carebot_t_" + uuid.uuid4().hex[:12]
    admin = await asyncpg.connect(_pg_admin_dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    admin = await asyncpg.connect(_pg_admin_dsn())
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@dataclass
class FakePlatform:
    """A chat platform's far side: records every signed post it accepts."""

    secret: str
    received: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[str] = field(default_factory=list)
    fail_next: int = 0
    fail_status: int = 503
    url: str = ""
    wall: WallClock | None = None  # set: refuse a timestamp more than 300 s from this clock
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ts = request.headers.get(generic.TS_HEADER, "")
        if request.headers.get(generic.SIG_HEADER) != generic.sign(self.secret, ts, body):
            return web.json_response({"error": "bad signature"}, status=401)
        if self.wall is not None and abs(int(ts) - self.wall.wall_now().timestamp()) > 300:
            return web.json_response({"error": "stale timestamp"}, status=401)
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.json_response({"error": "try later"}, status=self.fail_status)
        self.received.append(json.loads(body))
        self.deliveries.append(request.headers.get("X-Carebot-Delivery", ""))
        self._changed.set()
        return web.json_response({"ok": True})

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m["kind"] in kinds]

    async def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], within_s: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until `predicate(received)` holds; fail the test after `within_s` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not predicate(self.received):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"fake platform never saw it; got {self.received!r}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))
        return self.received


@pytest.fixture
async def fake_platform() -> AsyncIterator[FakePlatform]:
    fake = FakePlatform(SECRET)
    app = web.Application()
    app.router.add_post("/hook", fake.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("/hook"))
    yield fake
    await server.close()


def make_settings(database_url: str, webhook_url: str, **sections: Any) -> Settings:
    """One generic group `g1` with counsellors c1-c3 and lead l1; sections override defaults."""
    data: dict[str, Any] = {
        "bot": {"database_url": database_url, "timezone": "Asia/Shanghai", "language": "en"},
        "service": {"reminder_minutes": 0},
        # Posts go when due (a robot's assignments are not held for company on a frozen clock;
        # tests/test_quiet_group.py tests the window).
        "outbox": {"merge_window_s": 0},
        "groups": [
            {
                "id": "g1",
                "name": "Group one",
                "platform": "generic",
                "secret": SECRET,
                "webhook_url": webhook_url,
            },
        ],
        "members": [
            {"group": "g1", "id": "c1", "name": "Chen", "role": "counsellor"},
            {"group": "g1", "id": "c2", "name": "Li", "role": "counsellor"},
            {"group": "g1", "id": "c3", "name": "Wang", "role": "counsellor"},
            {"group": "g1", "id": "l1", "name": "Lead Liu", "role": "lead"},
        ],
    }
    for key, value in sections.items():
        if isinstance(value, dict):
            data[key] = {**data.get(key, {}), **value}
        else:
            data[key] = value
    return load_settings(None, **data)


CTX_NOW = at("2026-11-24", "12:00")  # the clock of the `ctx` fixture
NO_HOOK = "http://127.0.0.1:1/hook"  # a webhook nothing listens on: nothing is delivered


async def open_db(settings: Settings, clock: Clock) -> Database:
    """The settings' database as a start leaves it: schema upgraded, config synced."""
    db = Database(settings.bot.database_url)
    try:
        await db.upgrade()
        await sync_config(db, settings, clock)
    except BaseException:
        await db.dispose()
        raise
    return db


MakeCtx = Callable[..., Awaitable[Context]]


@pytest.fixture
async def make_ctx(database_url: str) -> AsyncIterator[MakeCtx]:
    """`await make_ctx(clock, settings=None, **callbacks)`: a Context on this test's database
    (default settings: make_settings with no webhook listening); closed after the test."""
    made: list[Database] = []

    async def factory(clock: Clock, settings: Settings | None = None, **callbacks: Any) -> Context:
        settings = settings or make_settings(database_url, NO_HOOK)
        db = await open_db(settings, clock)
        made.append(db)
        return Context(settings, clock, db, **callbacks)

    yield factory
    for db in made:
        await db.dispose()


@pytest.fixture
async def ctx(make_ctx: MakeCtx) -> Context:
    """The default settings (group g1: counsellors c1-c3, lead l1) on a clock frozen at CTX_NOW."""
    return await make_ctx(FrozenClock(CTX_NOW))


def wall_for(clock: Clock) -> WallClock:
    """The wall clock a test bot gets beside `clock`: frozen at the same instant beside a frozen
    service clock (tests freeze both), the real time beside a running one."""
    return FrozenWallClock(clock.now()) if isinstance(clock, FrozenClock) else SystemWallClock()


class Bot:
    """The real app on a loopback port, restartable on the same database."""

    def __init__(
        self, settings: Settings, clock: FrozenClock, wall: WallClock | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.wall = wall or wall_for(clock)
        self.client: TestClient[Any, Any] | None = None

    def advance(self, delta: timedelta) -> None:
        """Let `delta` pass on both frozen clocks, as real time passes at speed 1."""
        self.clock.advance(delta)
        if isinstance(self.wall, FrozenWallClock):
            self.wall.advance(delta)

    async def start(self) -> Bot:
        server = TestServer(create_app(self.settings, self.clock, self.wall), host="127.0.0.1")
        self.client = TestClient(server)
        await self.client.start_server()
        return self

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None

    @property
    def app(self) -> web.Application:
        assert self.client is not None
        return self.client.server.app  # type: ignore[no-any-return]

    async def add_shift(
        self, member: str, start_at: datetime, end_at: datetime, group: str = "g1"
    ) -> None:
        """Put a shift straight into the rota (the chat commands have their own tests)."""
        from bot.keys import CONTEXT, DB

        async with self.app[DB].write() as s:
            s.add(
                models.Shift(
                    group_id=group,
                    member_id=member,
                    start_at=start_at,
                    end_at=end_at,
                    created_at=self.clock.now(),
                )
            )
        self.app[CONTEXT].rota_changed(group)

    async def post_signed(
        self,
        payload: dict[str, Any] | bytes,
        *,
        group: str = "g1",
        secret: str = SECRET,
        ts: datetime | None = None,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        assert self.client is not None
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        h = generic.signed_headers(secret, body, ts or self.wall.wall_now())
        h.update(headers or {})
        return await self.client.post(f"/webhooks/generic/{group}", data=body, headers=h)

    async def staff_says(self, msg_id: str, sender: str, text: str) -> dict[str, Any]:
        resp = await self.post_signed(
            {"msg_id": msg_id, "sender": {"id": sender, "name": sender.title()}, "text": text}
        )
        assert resp.status == 200, await resp.text()
        return await resp.json()  # type: ignore[no-any-return]


@pytest.fixture
async def make_bot() -> AsyncIterator[Callable[[Settings, FrozenClock], Any]]:
    bots: list[Bot] = []

    async def factory(settings: Settings, clock: FrozenClock, wall: WallClock | None = None) -> Bot:
        bot = Bot(settings, clock, wall)
        bots.append(bot)
        return await bot.start()

    yield factory
    for b in bots:
        await b.stop()
