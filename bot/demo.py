"""`carebot demo`: a local group with a sample rota for today, on an embedded SQLite file."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path

from bot import models
from bot.config import Settings, load_settings
from bot.db import Database
from bot.errors import ConfigError
from bot.rota import ServiceHours

# SQLite's application_id of a database file that `carebot demo` made ("cbdm"): only such a
# file is ever replaced by the next demo; any other file at --database is left alone.
DEMO_APPLICATION_ID = 0x6362646D
SIDE_FILES = ("-wal", "-shm", "-journal")

# (member, start, end) in service-local HH:MM; six boundaries across 08:00-24:00.
SAMPLE_ROTA = [
    ("lihua", "08:00", "10:00"),
    ("wangfang", "08:00", "13:00"),
    ("zhaolei", "10:00", "14:00"),
    ("chenjing", "13:00", "18:00"),
    ("lihua", "14:00", "19:00"),
    ("zhaolei", "18:00", "22:00"),
    ("wangfang", "19:00", "24:00"),
    ("chenjing", "22:00", "24:00"),
]


DEMO_LEAD = "zuzhang"  # the demo prints a one-time console link for this lead


def demo_settings(database_url: str, listen: str, language: str = "zh") -> Settings:
    return load_settings(
        None,
        bot={
            "database_url": database_url,
            "listen": listen,
            "language": language,
            "console_link_minutes": 12 * 60,  # the printed link lasts the demo's day
        },
        groups=[{"id": "demo", "name": "医护人员心理支持群（演示）", "platform": "local"}],
        members=[
            {"group": "demo", "id": "lihua", "name": "李华", "role": "counsellor"},
            {"group": "demo", "id": "wangfang", "name": "王芳", "role": "counsellor"},
            {"group": "demo", "id": "zhaolei", "name": "赵磊", "role": "counsellor"},
            {"group": "demo", "id": "chenjing", "name": "陈静", "role": "counsellor"},
            {"group": "demo", "id": DEMO_LEAD, "name": "组长刘", "role": "lead"},
        ],
    )


async def seed_rota(db: Database, settings: Settings, day: date, now: datetime) -> int:
    """Put the sample rota on `day` (and the next day) for the demo group."""
    from bot.config import parse_hhmm

    s = settings.service
    hours = ServiceHours(s.opens_minute, s.closes_minute, settings.bot.tz)
    added = 0
    async with db.write() as session:
        for d in (day, day + timedelta(days=1)):
            for member, start, end in SAMPLE_ROTA:
                session.add(
                    models.Shift(
                        group_id="demo",
                        member_id=member,
                        start_at=hours.at_minute(d, parse_hhmm(start)),
                        end_at=hours.at_minute(d, parse_hhmm(end)),
                        created_at=now,
                    )
                )
                added += 1
    return added


def _application_id(path: Path) -> int | None:
    """The file's SQLite application_id, or None if it is not a SQLite database."""
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as e:
        raise ConfigError(f"--database {path}: cannot read it ({e.strerror})") from None
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return None
    return int.from_bytes(header[68:72], "big")


def fresh_demo_database(path: Path) -> None:
    """Make `path` a new, empty demo database: replace it only if an earlier demo made it.

    Anything else at that path (a deployment's carebot.db, any other file) is refused with a
    ConfigError before a byte is touched, so a trial command never deletes the user's data.
    """
    if path.exists():
        if _application_id(path) != DEMO_APPLICATION_ID:
            raise ConfigError(
                f"--database {path} exists and was not made by carebot demo; it is left "
                "untouched. Choose another file with --database (the demo makes its own)"
            )
        for suffix in ("", *SIDE_FILES):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        strays = [f"{path}{x}" for x in SIDE_FILES if Path(f"{path}{x}").exists()]
        if strays:
            raise ConfigError(
                f"--database {path}: {', '.join(strays)} exist without the database file; "
                "they are left untouched. Remove them yourself or choose another --database"
            )
    try:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
            conn.commit()
    except sqlite3.Error as e:
        raise ConfigError(f"--database {path}: cannot create it ({e})") from None
