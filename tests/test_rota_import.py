"""CSV import under the rota rules: every faulty line reported by number, nothing in the past,
all or nothing, one audit row per group; and `carebot audit` lists what changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.config import Settings
from bot.db import Database
from bot.errors import RotaError
from bot.rota_csv import import_csv
from tests.conftest import NO_HOOK, MakeCtx, at, make_settings

ROOT = Path(__file__).resolve().parent.parent
NOW = at("2026-11-25", "09:30")
HEADER = "group,date,start,end,member\n"


@pytest.fixture
async def setup(database_url: str, make_ctx: MakeCtx) -> tuple[Database, Settings]:
    settings = make_settings(
        database_url,
        NO_HOOK,
        groups=[
            {"id": "g1", "name": "Group one", "platform": "local"},
            {"id": "g2", "name": "Group two", "platform": "local"},
        ],
        members=[
            {"group": "g1", "id": "c1", "name": "Chen", "role": "counsellor"},
            {"group": "g1", "id": "c2", "name": "Li", "role": "counsellor"},
            {"group": "g2", "id": "c9", "name": "Zhou", "role": "counsellor"},
        ],
    )
    ctx = await make_ctx(FrozenClock(NOW), settings)
    return ctx.db, settings


async def count(db: Database, model: object) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


async def test_import_writes_one_audit_row_per_group_and_announces_the_next_24_hours(
    setup: tuple[Database, Settings],
) -> None:
    db, settings = setup
    text = HEADER + (
        "g1,2026-11-25,10:00,12:00,c1\n"
        "g1,2026-11-27,08:00,12:00,Li\n"
        "g2,2026-11-28,08:00,12:00,Zhou\n"
    )
    report = await import_csv(db, settings, text, NOW, actor_id="cli:tester")
    assert (report.added, report.skipped_existing) == (3, 0)
    async with db.read() as s:
        entries = list(await s.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id)))
        posts = list(await s.scalars(select(models.OutboxRow)))
    assert [(e.group_id, e.actor_id, e.action, len(e.after["shifts"])) for e in entries] == [
        ("g1", "cli:tester", "import", 2),
        ("g2", "cli:tester", "import", 1),
    ]
    assert entries[0].after["summary"] == "Imported 2 shifts"
    # g1's 10:00 shift is within the next 24 hours: one line to g1, mentioning Chen and Li.
    assert [(p.group_id, p.kind, p.mentions) for p in posts] == [
        ("g1", "shift_change", ["c1", "c2"])
    ]


async def test_every_bad_line_is_reported_and_nothing_is_written(
    setup: tuple[Database, Settings],
) -> None:
    db, settings = setup
    text = HEADER + (
        "g1,2026-11-25,10:00,12:00,c1\n"  # fine
        "g1,2026-11-25,08:00,10:00,c2\n"  # line 3: started before now (09:30)
        "g1,2026-11-26,07:00,09:00,c1\n"  # line 4: outside service hours
        "g1,2026-11-25,11:00,13:00,c1\n"  # line 5: overlaps line 2
    )
    with pytest.raises(RotaError) as err:
        await import_csv(db, settings, text, NOW)
    lines = str(err.value).split("\n")
    assert [x.split(":")[0] for x in lines] == ["line 3", "line 4", "line 5"]
    assert lines[0] == (  # the rota changes' own words, in the group's language
        "line 3: 11-25 08:00 is in the past: only the rota from now on can change, "
        "e.g. starting at 11-25 09:35."
    )
    assert "outside service hours" in lines[1]
    assert "Chen already has a shift 11-25 10:00-12:00 that overlaps 11-25 11:00-13:00" in lines[2]
    assert await count(db, models.Shift) == 0
    assert await count(db, models.AuditEntry) == 0
    assert await count(db, models.OutboxRow) == 0


async def test_parse_faults_name_every_line(setup: tuple[Database, Settings]) -> None:
    db, settings = setup
    text = HEADER + "g1,2026-11-26,08:00,10:00,c9\n\ng3,2026-11-26,08:00,10:00,c1\n"
    with pytest.raises(RotaError) as err:
        await import_csv(db, settings, text, NOW)
    assert str(err.value) == (
        "line 2: 'c9' is not a counsellor of group 'g1'\nline 4: unknown group 'g3'"
    )


def test_cli_audit_lists_changes(tmp_path: Path) -> None:
    cfg = tmp_path / "carebot.toml"
    cfg.write_text(
        f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path}/c.db"\n'
        '[[groups]]\nid = "g1"\nplatform = "local"\n'
        '[[members]]\ngroup = "g1"\nid = "c1"\nname = "Chen"\n',
        encoding="utf-8",
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "USER": "tester", "LOGNAME": "tester"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "--config", str(cfg), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )

    empty = run("audit")
    assert empty.returncode == 0 and empty.stdout == "no rota changes recorded\n"
    csv_file = tmp_path / "rota.csv"
    csv_file.write_text(HEADER + "g1,2030-01-02,08:00,12:00,Chen\ng1,2030-01-03,08:00,10:00,c1\n")
    assert run("rota", "import", str(csv_file)).returncode == 0
    listed = run("audit", "--group", "g1", "--limit", "5")
    assert listed.returncode == 0, listed.stderr
    first, before, after, summary = listed.stdout.rstrip("\n").split("\n")
    assert first.startswith("#1 ") and first.endswith(" g1 cli:tester import")
    assert before == "  before: -"
    assert after == "  after:  c1 2030-01-02 08:00-12:00; c1 2030-01-03 08:00-10:00"
    assert summary == "  导入了 2 个班次"
    bad_group = run("audit", "--group", "nope")
    assert bad_group.returncode == 2 and "--group 'nope' is not in the config" in bad_group.stderr
    bad_limit = run("audit", "--limit", "0")
    assert bad_limit.returncode == 2 and "--limit" in bad_limit.stderr


async def test_one_pass_reports_every_line_with_every_reason(
    setup: tuple[Database, Settings],
) -> None:
    """Faults of form and faults against the rules in one report, in line order (issue 20 item
    8): a lead fixes the file once, not once per kind of fault."""
    db, settings = setup
    text = HEADER + (
        "g1,2026-11-26,8:00,12:00,c1\n"  # fine: 8:00 as the chat accepts it
        "g1,2026-12-32,25:00,10:00,nobody\n"  # line 3: three faults of form at once
        "g1,2026-11-26,07:00,09:00,c2\n"  # line 4: outside service hours (a rule)
        "g3,2026-11-26,08:00,10:00,c1\n"  # line 5: unknown group
        "g1,2026-11-26,10:00,13:00,c1\n"  # line 6: overlaps line 2 (a rule)
    )
    with pytest.raises(RotaError) as err:
        await import_csv(db, settings, text, NOW)
    lines = str(err.value).split("\n")
    assert [x.split(":")[0] for x in lines] == ["line 3", "line 4", "line 5", "line 6"]
    assert "date '2026-12-32' does not exist" in lines[0]
    assert "'25:00' is not a time of day" in lines[0]
    assert "'nobody' is not a counsellor of group 'g1'" in lines[0]
    assert "outside service hours" in lines[1]
    assert lines[2] == "line 5: unknown group 'g3'"
    assert "overlaps" in lines[3]
    assert await count(db, models.Shift) == 0


async def test_eight_o_clock_without_its_zero_is_accepted(
    setup: tuple[Database, Settings],
) -> None:
    db, settings = setup
    report = await import_csv(db, settings, HEADER + "g1,2026-11-26,8:00,9:30,Chen\n", NOW)
    assert report.added == 1
    async with db.read() as s:
        [shift] = list(await s.scalars(select(models.Shift)))
    assert shift.start_at == at("2026-11-26", "08:00")


async def test_the_shipped_example_csv_imports_into_the_example_config(tmp_path: Path) -> None:
    from bot.config import load_settings
    from bot.sync import sync_config

    settings = load_settings(
        ROOT / "config.example.toml",
        bot={"database_url": f"sqlite+aiosqlite:///{tmp_path}/example.db"},
    )
    db = Database(settings.bot.database_url)
    try:
        await db.upgrade()
        await sync_config(db, settings, FrozenClock(NOW))
        text = (ROOT / "docs" / "rota-example.csv").read_text(encoding="utf-8")
        report = await import_csv(db, settings, text, NOW)
        assert report.added == len(text.strip().splitlines()) - 1
    finally:
        await db.dispose()
