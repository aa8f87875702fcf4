"""`carebot demo` never deletes what it did not make: a deployment's database at --database, or
the running demo's database when a second demo finds the port busy."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.demo import DEMO_APPLICATION_ID, fresh_demo_database
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


async def run_demo(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "demo", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, err.decode()


def a_deployment_database(path: Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE conversations (id INTEGER PRIMARY KEY, staff_id TEXT)")
        conn.execute("INSERT INTO conversations (staff_id) VALUES ('dr-wang')")
    return path.read_bytes()


async def test_an_existing_database_not_made_by_the_demo_is_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "carebot.db"
    before = a_deployment_database(db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, err = await run_demo("--database", str(db), "--listen", f"127.0.0.1:{port}")
    assert code == 2, err
    assert "was not made by carebot demo" in err and "Traceback" not in err
    assert db.read_bytes() == before


async def test_a_busy_port_is_refused_before_the_database_is_touched(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    fresh_demo_database(db)  # as the running demo's own database
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE running (x)")
    before = db.read_bytes()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = await run_demo("--database", str(db), "--listen", f"127.0.0.1:{port}")
    assert code == 2, err
    assert "already in use" in err and "Traceback" not in err
    assert db.read_bytes() == before


def test_only_a_demo_database_is_replaced(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    fresh_demo_database(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == DEMO_APPLICATION_ID
        conn.execute("CREATE TABLE old_run (x)")
    fresh_demo_database(db)  # the next demo starts afresh
    with sqlite3.connect(db) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == []


@pytest.mark.parametrize("content", [b"", b"not a database", b"SQLite format 3\x00" + bytes(84)])
def test_any_other_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="not made by carebot demo"):
        fresh_demo_database(path)
    assert path.read_bytes() == content


def test_stray_side_files_without_their_database_are_refused(tmp_path: Path) -> None:
    wal = tmp_path / "demo.db-wal"
    wal.write_bytes(b"frames")
    with pytest.raises(ConfigError, match="without the database file"):
        fresh_demo_database(tmp_path / "demo.db")
    assert wal.read_bytes() == b"frames"
