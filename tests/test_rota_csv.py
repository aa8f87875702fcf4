"""Rota CSV: import checks every row and writes all or nothing; export round-trips; the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import RotaError
from bot.rota_csv import export_csv, import_csv
from tests.conftest import MakeCtx, at, make_settings

ROOT = Path(__file__).resolve().parent.parent
NOW = at("2026-11-24", "12:00")
GOOD = """group,date,start,end,member
g1,2026-11-25,08:00,10:00,c1
g1,2026-11-25,10:00,14:00,Li
g1,2026-11-25,22:00,24:00,c3
"""


@pytest.fixture
async def db(make_ctx: MakeCtx) -> Database:
    return (await make_ctx(FrozenClock(NOW))).db


async def shift_count(db: Database) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(models.Shift)) or 0)


async def test_import_then_export_round_trip(db: Database, database_url: str) -> None:
    settings = make_settings(database_url, "http://127.0.0.1:1/hook")
    report = await import_csv(db, settings, GOOD, NOW)
    assert (report.added, report.skipped_existing) == (3, 0)
    exported = await export_csv(db, settings)
    assert exported == GOOD.replace("Li", "c2")
    again = await import_csv(db, settings, GOOD, NOW)
    assert (again.added, again.skipped_existing) == (0, 3)


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ("g9,2026-11-25,08:00,10:00,c1", "line 3: unknown group"),
        ("g1,2026-13-25,08:00,10:00,c1", "line 3: date"),
        ("g1,2026-11-25,8am,10:00,c1", "line 3: '8am' is not a time"),
        ("g1,2026-11-25,07:00,10:00,c1", "line 3: shift 2026-11-25 07:00-10:00 is outside"),
        ("g1,2026-11-25,09:00,11:00,c1", "line 3: c1 already has a shift"),
        ("g1,2026-11-25,12:00,13:00,l1", "line 3: 'l1' is not a counsellor"),
        ("g1,2026-11-25,12:00,13:00", "line 3: expected 5 columns"),
    ],
)
async def test_a_bad_row_refuses_the_whole_file(
    db: Database, database_url: str, row: str, error: str
) -> None:
    settings = make_settings(database_url, "http://127.0.0.1:1/hook")
    text = "group,date,start,end,member\ng1,2026-11-25,08:00,10:00,c1\n" + row + "\n"
    with pytest.raises(RotaError) as err:
        await import_csv(db, settings, text, NOW)
    assert error in str(err.value)
    assert await shift_count(db) == 0


async def test_header_is_checked(db: Database, database_url: str) -> None:
    settings = make_settings(database_url, "http://127.0.0.1:1/hook")
    with pytest.raises(RotaError, match="line 1"):
        await import_csv(db, settings, "who,when\n", NOW)


def test_cli_import_and_export(tmp_path: Path) -> None:
    cfg = tmp_path / "carebot.toml"
    cfg.write_text(
        f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path}/c.db"\n'
        '[[groups]]\nid = "g1"\nplatform = "local"\n'
        '[[members]]\ngroup = "g1"\nid = "c1"\nname = "Chen"\n',
        encoding="utf-8",
    )
    csv_file = tmp_path / "rota.csv"
    csv_file.write_text("group,date,start,end,member\ng1,2030-01-02,08:00,12:00,Chen\n")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(cfg), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )

    assert run("db", "upgrade").returncode == 0
    imported = run("rota", "import", str(csv_file))
    assert imported.returncode == 0, imported.stderr
    assert "imported 1 shifts" in imported.stdout
    exported = run("rota", "export", "--from", "2030-01-01", "--to", "2030-01-03")
    assert exported.stdout == "group,date,start,end,member\ng1,2030-01-02,08:00,12:00,c1\n"
    csv_file.write_text("group,date,start,end,member\ng1,2030-01-02,07:00,09:00,c1\n")
    refused = run("rota", "import", str(csv_file))
    assert refused.returncode == 2 and "line 2" in refused.stderr
