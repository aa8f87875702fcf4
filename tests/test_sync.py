"""sync_config (bot/sync.py): config mirrored into the database on every start, config wins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock
from bot.db import Database
from bot.sync import SYNC_BATCH_ROWS, sync_config
from tests.conftest import at, make_settings

NOW = at("2026-11-24", "12:00")


async def rows(db: Database) -> dict[tuple[str, str], tuple[str, str, object]]:
    async with db.read() as s:
        found = await s.scalars(select(models.Member))
        return {(m.group_id, m.id): (m.name, m.role, m.first_seen_at) for m in found}


async def test_config_wins_and_first_seen_and_staff_are_kept(database_url: str) -> None:
    db = Database(database_url)
    await db.upgrade()
    try:
        first = make_settings(database_url, "http://127.0.0.1:1/hook")
        await sync_config(db, first, FrozenClock(NOW))
        async with db.write() as s:  # staff seen posting, not in the config (yet)
            s.add(
                models.Member(group_id="g1", id="doc1", name="Doc", role="staff", first_seen_at=NOW)
            )
            s.add(
                models.Member(
                    group_id="g1", id="doc2", name="Doc 2", role="staff", first_seen_at=NOW
                )
            )
        before = await rows(db)
        assert before[("g1", "c1")] == ("Chen", "counsellor", NOW)

        renamed = make_settings(
            database_url,
            "http://127.0.0.1:1/hook",
            groups=[
                {
                    "id": "g1",
                    "name": "Renamed",
                    "platform": "generic",
                    "secret": "x",
                    "webhook_url": "http://127.0.0.1:1/hook",
                }
            ],
            members=[
                {"group": "g1", "id": "c1", "name": "Chen Wei", "role": "lead"},
                {"group": "g1", "id": "c9", "name": "", "role": "counsellor"},
                {"group": "g1", "id": "doc2", "name": "Doc Two", "role": "counsellor"},
                {"group": "g1", "id": "c3", "name": "Wang", "role": "counsellor"},  # unchanged
            ],
        )
        later = NOW + timedelta(days=1)
        await sync_config(db, renamed, FrozenClock(later))
        after = await rows(db)
        assert after[("g1", "c1")] == ("Chen Wei", "lead", NOW)  # updated; first seen kept
        assert after[("g1", "c9")] == ("c9", "counsellor", later)  # new; name falls back to id
        assert after[("g1", "doc1")] == ("Doc", "staff", NOW)  # not in config: untouched
        assert after[("g1", "doc2")] == ("Doc Two", "counsellor", NOW)  # staff, now configured
        assert after[("g1", "c3")] == before[("g1", "c3")]
        assert after[("g1", "c2")] == before[("g1", "c2")]  # dropped from config: kept
        async with db.read() as s:
            group = await s.get(models.Group, "g1")
        assert group is not None and group.name == "Renamed"
    finally:
        await db.dispose()


async def test_more_members_than_one_batch(database_url: str) -> None:
    n = SYNC_BATCH_ROWS + 7
    settings = make_settings(
        database_url,
        "http://127.0.0.1:1/hook",
        members=[{"group": "g1", "id": f"m{i}", "role": "counsellor"} for i in range(n)],
    )
    db = Database(database_url)
    await db.upgrade()
    try:
        await sync_config(db, settings, FrozenClock(NOW))
        await sync_config(db, settings, FrozenClock(NOW))
        assert len(await rows(db)) == n
    finally:
        await db.dispose()


def test_the_head_revision_the_app_knows_is_the_newest_migration() -> None:
    """`Database.upgrade` skips Alembic when the schema is at HEAD_REVISION: it must be the head."""
    from alembic.script import ScriptDirectory

    from bot.db import HEAD_REVISION, alembic_config

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
