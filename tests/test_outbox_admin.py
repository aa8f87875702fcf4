"""`carebot outbox` and `carebot outbox retry ID` in a subprocess, on a real database."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.models import OutboxRow
from bot.outbox import enqueue
from bot.outbox_admin import format_age
from bot.platforms.base import OutboundMessage

ROOT = Path(__file__).resolve().parent.parent
SECRET = "SECcli-secret-value"
TOKEN = "cli-access-token-value"


def write_config(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "carebot.toml"
    path.write_text(
        f"""
[bot]
database_url = "{database_url}"
language = "en"

[[groups]]
id = "d1"
platform = "dingtalk"
secret = "{SECRET}"
webhook_url = "https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"

[[members]]
group = "d1"
id = "l1"
role = "lead"
""",
        encoding="utf-8",
    )
    return path


def carebot(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.fixture
async def rows(database_url: str) -> list[int]:
    """A dead row (with an old error quoting the secret), a pending one and a sent one."""
    db = Database(database_url)
    try:
        await db.upgrade()
        now = datetime.now(UTC)
        async with db.write() as s:
            old = now - timedelta(hours=30)
            dead = enqueue(s, OutboundMessage("d1", "lost", "assignment"), old)
            dead.status, dead.attempts = "dead", 17
            dead.last_error = f"dingtalk refused the post (errcode 310000: sign {SECRET} {TOKEN})"
            pending = enqueue(s, OutboundMessage("d1", "later", "reminder"), now)
            pending.attempts, pending.last_error = 2, "dingtalk webhook unreachable: ClientError"
            sent = enqueue(s, OutboundMessage("d1", "done", "open"), now)
            sent.status = "sent"
            await s.flush()
            return [dead.id, pending.id, sent.id]
    finally:
        await db.dispose()


async def status_of(database_url: str, row_id: int) -> OutboxRow:
    db = Database(database_url)
    try:
        async with db.read() as s:
            return (await s.scalars(select(OutboxRow).where(OutboxRow.id == row_id))).one()
    finally:
        await db.dispose()


async def test_outbox_lists_pending_and_dead_without_secrets(
    database_url: str, rows: list[int], tmp_path: Path
) -> None:
    dead, pending, _sent = rows
    config = write_config(tmp_path, database_url)
    done = await asyncio.to_thread(carebot, config, "outbox")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["id", "group", "kind", "status", "tries", "age", "last", "error"]
    by_id = {line.split()[0]: line for line in lines[1:]}
    assert set(by_id) == {str(dead), str(pending)}  # the sent row is not listed
    assert "dead" in by_id[str(dead)] and "17" in by_id[str(dead)]
    assert "1 d 6 h" in by_id[str(dead)] and "errcode 310000" in by_id[str(dead)]
    assert "pending" in by_id[str(pending)] and "unreachable" in by_id[str(pending)]
    assert SECRET not in done.stdout + done.stderr and TOKEN not in done.stdout + done.stderr


@pytest.mark.slow  # four subprocesses, each upgrading the schema: about 5 s
async def test_outbox_retry_requeues_and_refuses_unknown_ids(
    database_url: str, rows: list[int], tmp_path: Path
) -> None:
    dead, _pending, sent = rows
    config = write_config(tmp_path, database_url)
    done = await asyncio.to_thread(carebot, config, "outbox", "retry", str(dead))
    assert done.returncode == 0, done.stderr
    assert f"outbox row {dead} is queued again" in done.stdout
    row = await status_of(database_url, dead)
    assert (row.status, row.attempts) == ("pending", 0)
    assert datetime.now(UTC) - row.created_at < timedelta(minutes=5)  # a fresh give-up period
    unknown = await asyncio.to_thread(carebot, config, "outbox", "retry", "999999")
    assert unknown.returncode == 2
    assert "no outbox row 999999" in unknown.stderr and "carebot outbox" in unknown.stderr
    already = await asyncio.to_thread(carebot, config, "outbox", "retry", str(sent))
    assert already.returncode == 2 and "already sent" in already.stderr
    assert (await status_of(database_url, sent)).status == "sent"
    bad = await asyncio.to_thread(carebot, config, "outbox", "retry", "abc")
    assert bad.returncode == 2 and "not a whole number" in bad.stderr


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0 s"), (59, "59 s"), (60, "1 min"), (3599, "59 min"), (3600, "1 h 0 min"),
     (86_400 + 7200, "1 d 2 h")],
)  # fmt: skip
def test_format_age(seconds: float, shown: str) -> None:
    assert format_age(seconds) == shown
