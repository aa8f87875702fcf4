"""`carebot db backup PATH`: a consistent copy of the SQLite database taken by the real command
while another process's connection keeps writing; the refusals (an existing file, PostgreSQL,
no database yet) are one line and exit 2, and write nothing."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from tests.test_cli_mistakes import carebot, one_line, write_config

ROWS_BEFORE = 50_000


class Writer(threading.Thread):
    """Another connection (as the bot's would be) inserting one row a transaction, in a loop."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.committed = 0
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        con = sqlite3.connect(self.path, timeout=30)
        try:
            while not self.stop.is_set():
                con.execute("INSERT INTO probe (body) VALUES (?)", ("x" * 200,))
                con.commit()
                self.committed += 1
        except BaseException as e:  # reported by the test, not lost in the thread
            self.errors.append(e)
        finally:
            con.close()


def prepared(tmp_path: Path) -> Path:
    """carebot's own database (its schema, in WAL mode), plus a table of rows to watch."""
    write_config(tmp_path)
    res = carebot("db", "upgrade", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    db = tmp_path / "carebot.db"
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    con.executemany("INSERT INTO probe (body) VALUES (?)", [("y" * 200,)] * ROWS_BEFORE)
    con.commit()
    con.close()
    return db


def test_a_backup_while_a_writer_runs_is_whole_and_consistent(tmp_path: Path) -> None:
    db = prepared(tmp_path)
    writer = Writer(db)
    writer.start()
    try:
        while writer.committed < 200:  # the writer is going before the backup starts
            time.sleep(0.01)
        before = writer.committed
        res = carebot("db", "backup", "copy.db", cwd=tmp_path)
        after = writer.committed
        time.sleep(0.2)
        still = writer.committed
    finally:
        writer.stop.set()
        writer.join(30)
    assert not writer.errors, writer.errors  # the backup never held the writer up for good
    assert res.returncode == 0, res.stderr
    assert still > after, "the writer stopped writing during the backup"
    assert "integrity ok" in res.stdout and "schema 0" in res.stdout, res.stdout
    copy = tmp_path / "copy.db"
    assert not (tmp_path / "copy.db-wal").exists()  # one self-contained file
    assert not list(tmp_path.glob(".copy.db.partial-*"))
    con = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n, low, high = con.execute("SELECT count(*), min(id), max(id) FROM probe").fetchone()
        # A snapshot: every row committed before the backup began, no gap, nothing half-made.
        assert ROWS_BEFORE + before <= n <= ROWS_BEFORE + after
        assert (low, high) == (1, n)
        assert con.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0  # carebot's schema
    finally:
        con.close()
    # The copy is a database carebot runs on: check-config reads it as up to date.
    other = tmp_path / "restored"
    other.mkdir()
    write_config(other, f"sqlite+aiosqlite:///{copy}")
    check = carebot("check-config", cwd=other)
    assert check.returncode == 0 and "schema up to date" in check.stdout, check.stderr


def test_a_backup_never_overwrites(tmp_path: Path) -> None:
    prepared(tmp_path)
    target = tmp_path / "old-backup.db"
    target.write_bytes(b"last week's backup")
    line = one_line(carebot("db", "backup", str(target), cwd=tmp_path))
    assert "already exists" in line and "never overwrites" in line
    assert target.read_bytes() == b"last week's backup"


def test_a_backup_of_postgresql_names_pg_dump(tmp_path: Path) -> None:
    write_config(tmp_path, "postgresql+asyncpg://carebot:pw@db.example:5433/care")
    line = one_line(carebot("db", "backup", "copy.db", cwd=tmp_path))
    assert "pg_dump -Fc -h db.example -p 5433 -U carebot -f carebot.dump care" in line
    assert "pw" not in line
    assert not (tmp_path / "copy.db").exists()


def test_a_backup_before_the_database_exists(tmp_path: Path) -> None:
    write_config(tmp_path)
    line = one_line(carebot("db", "backup", "copy.db", cwd=tmp_path))
    assert "nothing to back up" in line
    assert not (tmp_path / "copy.db").exists() and not (tmp_path / "carebot.db").exists()


def test_a_backup_into_a_missing_folder(tmp_path: Path) -> None:
    prepared(tmp_path)
    line = one_line(carebot("db", "backup", "no/such/copy.db", cwd=tmp_path))
    assert "does not exist" in line
