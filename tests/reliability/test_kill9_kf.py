"""Kill -9 mid-pull: `python -m bot serve` pulling a 微信客服 account page by page (the fake
server of tests/fake_wecom_kf.py on loopback) is killed with SIGKILL after kf/sync_msg has
answered a page and before that page is committed, then restarted on the same database.

The kill point is made certain, not hoped for: when the fake is asked for the third page it
first takes the database's write lock from the test (SQLite: BEGIN IMMEDIATE on the file;
PostgreSQL: LOCK TABLE messages), then answers; the process has the page in hand and cannot
commit it. (On PostgreSQL the test waits until the process's connection is seen waiting for
that lock.) The process is killed there, the lock released, the process started again.

After the restart (its pull at the start; no callback needed): every message stored exactly
once (unique msgid), the cursor at the end, the third page read twice from the same cursor
(once before the kill, once after), and each person routed once: one conversation, one
assignment for the team (a post in flight at the kill may come again with the same delivery
id, as in test_kill9.py), one acknowledgement 1:1 (kf/send_msg's msgid is the outbox row's).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from sqlalchemy import select

from bot import dburl, models
from bot.clock import FrozenClock
from bot.config import load_settings
from tests.conftest import open_db
from tests.fake_wecom_kf import (
    CORP_ID,
    CORP_SECRET,
    KF_AES_KEY,
    KF_TOKEN,
    OPEN_KFID,
    FakeWeComKf,
    SyncCall,
    serve_fake_kf,
)
from tests.reliability.harness import SECRET, Receiver, serve_receiver
from tests.reliability.test_kill9 import START_AT, Server, _free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

COUNSELLORS = ("c1", "c2")
# Who writes, in order; pages of 3: A A B | B A B | C A C | D C D. The third page (the one the
# kill cuts) opens C's conversation; the fourth opens D's.
WRITERS = ["wmA", "wmA", "wmB", "wmB", "wmA", "wmB", "wmC", "wmA", "wmC", "wmD", "wmC", "wmD"]
CUT = "c6"  # the cursor of the third page


def _toml(database_url: str, port: int, hook: str, api_base: str) -> str:
    lines = [
        "[bot]",
        f'database_url = "{database_url}"',
        f'listen = "127.0.0.1:{port}"',
        'timezone = "Asia/Shanghai"',
        'language = "en"',
        "[service]",
        "reminder_minutes = 0",
        "[[groups]]",
        'id = "team"',
        'platform = "generic"',
        f'secret = "{SECRET}"',
        f'webhook_url = "{hook}"',
        "[[groups]]",
        'id = "kf1"',
        'platform = "wecom_kf"',
        f'open_kfid = "{OPEN_KFID}"',
        f'corp_id = "{CORP_ID}"',
        f'corp_secret = "{CORP_SECRET}"',
        f'token = "{KF_TOKEN}"',
        f'encoding_aes_key = "{KF_AES_KEY}"',
        f'api_base = "{api_base}"',
        'team_group = "team"',
        "pull_every_s = 3600",  # only the pull at each start and the callbacks
    ]
    for g in ("team", "kf1"):
        for c in COUNSELLORS:
            lines += ["[[members]]", f'group = "{g}"', f'id = "{c}"', f'name = "{c.upper()}"',
                      'role = "counsellor"']  # fmt: skip
    return "\n".join(lines) + "\n"


class WriteLock:
    """The database's write lock, held from the test: nothing else commits while it is held."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self._sqlite: sqlite3.Connection | None = None
        self._pg: asyncpg.Connection | None = None

    async def take(self) -> None:
        if path := dburl.sqlite_path(self.url):
            conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            await asyncio.to_thread(conn.execute, "BEGIN IMMEDIATE")
            self._sqlite = conn
        else:
            self._pg = await asyncpg.connect(self.url.replace("postgresql+asyncpg", "postgresql"))
            await self._pg.execute("BEGIN")
            await self._pg.execute("LOCK TABLE messages IN EXCLUSIVE MODE")

    async def someone_waits(self) -> bool:
        """Whether another connection waits for a lock (PostgreSQL; SQLite cannot tell)."""
        if self._pg is None:
            return True
        waiting = await self._pg.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return bool(waiting)

    async def release(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("ROLLBACK")
            self._sqlite.close()
        if self._pg is not None:
            await self._pg.execute("ROLLBACK")
            await self._pg.close()


@contextlib.asynccontextmanager
async def fake_kf() -> AsyncIterator[FakeWeComKf]:
    fake = FakeWeComKf(now=time.time, page_size=3)  # the server signs with the real time
    fake.nicknames = {"wmA": "小王", "wmB": "小李", "wmC": "小张", "wmD": "小赵"}
    async with serve_fake_kf(fake) as served:
        yield served


async def test_kill9_between_a_sync_msg_page_and_its_commit_loses_and_repeats_nothing(
    database_url: str, tmp_path: Path
) -> None:
    async with serve_receiver(Receiver()) as rx, fake_kf() as kf:
        port = _free_port()
        config = tmp_path / "carebot.toml"
        config.write_text(_toml(database_url, port, rx.url, kf.url), encoding="utf-8")
        db = await open_db(load_settings(config), FrozenClock(START_AT))
        day = START_AT.replace(hour=0)
        async with db.write() as s:
            for c in COUNSELLORS:
                start_at, end_at = day + timedelta(hours=8), day + timedelta(hours=24)
                s.add(models.Shift(group_id="kf1", member_id=c, start_at=start_at, end_at=end_at,
                                   created_at=START_AT))  # fmt: skip

        async def cursor() -> str | None:
            async with db.read() as s:
                return await s.scalar(select(models.KfCursor.cursor))

        async def stored() -> Counter[str]:
            async with db.read() as s:
                return Counter(await s.scalars(select(models.Message.platform_msg_id)))

        lock = WriteLock(database_url)
        held = asyncio.Event()

        async def cut_at_the_third_page(call: SyncCall) -> None:
            if call.cursor == CUT and not held.is_set():
                await lock.take()  # then the page goes out; its commit must wait
                held.set()

        server = Server(config, port, tmp_path / "serve.log")
        try:
            await server.start()
            await kf.wait_for(lambda: bool(kf.sync_log))  # the pull at the start: nothing yet
            for _ in range(100):
                if await cursor() == "c0":
                    break
                await asyncio.sleep(0.05)
            for i, user in enumerate(WRITERS):
                kf.user_says(user, f"第{i}条：夜班后一直睡不着")
            kf.before_sync_answer = cut_at_the_third_page
            query, body = kf.sealed_callback()
            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{port}/webhooks/wecom_kf/kf1?{query}"
                async with http.post(url, data=body) as r:
                    assert r.status == 200 and await r.text() == ""
            await asyncio.wait_for(held.wait(), 20)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while not await lock.someone_waits():  # the process, at the page's commit
                assert loop.time() < deadline, "the process never reached the commit"
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.3)
            server.kill9()
            await lock.release()
            at_kill = (await cursor(), sum((await stored()).values()))
            assert at_kill == (CUT, 6), at_kill  # two pages committed, the third not
            kf.before_sync_answer = None
            await server.start()  # its pull at the start goes on from the cursor
            await kf.wait_for(lambda: sum(len(v) for v in kf.delivered.values()) == 4, 30)
            await rx.wait_for(
                lambda r: (
                    len({p.delivery for p in r.received if p.body["kind"] == "assignment"}) == 4
                ),
                within_s=30,
            )
            await asyncio.sleep(1.0)  # a second pull or post would come by now
        finally:
            server.stop()

        messages = await stored()
        last = await cursor()
        async with db.read() as s:
            staff = select(models.Conversation.staff_id)
            convs = Counter(await s.scalars(staff.where(models.Conversation.group_id == "kf1")))
        await db.dispose()

    users = sorted(set(WRITERS))
    assert messages == Counter(i["msgid"] for i in kf.items)  # every message, once
    assert last == f"c{len(WRITERS)}"
    cuts = [c for c in kf.sync_log if c.cursor == CUT]
    assert len(cuts) == 2 and cuts[0].msgids == cuts[1].msgids  # the cut page, read again
    assert convs == dict.fromkeys(users, 1)
    team = [p for p in rx.received if p.body["kind"] == "assignment"]
    per_delivery = Counter(p.delivery for p in team)
    assert len(per_delivery) == len(users) and max(per_delivery.values()) <= 2, per_delivery
    assert {u: len(kf.delivered[u]) for u in users} == dict.fromkeys(users, 1), kf.delivered
    print(
        f"\nkill -9 mid-pull ({database_url.split(':')[0]}): {len(messages)} messages, "
        f"{len(kf.sync_log)} sync_msg calls, page {CUT} read {len(cuts)} times, "
        f"{len(team)} team assignment posts ({len(team) - len(per_delivery)} redelivered)"
    )
