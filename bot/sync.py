"""The configured groups and members mirrored into the database at every start (config wins)."""

from __future__ import annotations

from sqlalchemy import select

from bot import models
from bot.config import Settings
from bot.db import Database
from bot.protocols import Clock

SYNC_BATCH_ROWS = 5000  # members upserted per statement


async def sync_config(db: Database, settings: Settings, clock: Clock) -> None:
    """Mirror the configured groups and members into the database (config wins on conflicts)."""
    now = clock.now()
    groups = [{"id": g.id, "name": g.name, "platform": g.platform} for g in settings.groups]
    members = [
        {
            "group_id": m.group,
            "id": m.id,
            "name": m.display_name,
            "role": m.role,
            "supervises": m.supervises,
            "first_seen_at": now,
        }
        for m in settings.members
    ]
    # One statement per table, executed for many rows at once, and only for rows that differ
    # from what is stored: a config of thousands of members must not cost thousands of round
    # trips, or rewrite every row, at every start.
    async with db.write() as s:
        stored_groups = {
            r.id: (r.name, r.platform)
            for r in await s.execute(
                select(models.Group.id, models.Group.name, models.Group.platform)
            )
        }
        groups = [g for g in groups if stored_groups.get(g["id"]) != (g["name"], g["platform"])]
        if groups:
            g_stmt = db.insert(models.Group)
            g_set = {"name": g_stmt.excluded.name, "platform": g_stmt.excluded.platform}
            await s.execute(g_stmt.on_conflict_do_update(index_elements=["id"], set_=g_set), groups)
        m = models.Member
        stored = {
            (r.group_id, r.id): (r.name, r.role, r.supervises)
            for r in await s.execute(
                select(m.group_id, m.id, m.name, m.role, m.supervises).where(m.role != "staff")
            )
        }
        members = [
            x
            for x in members
            if stored.get((x["group_id"], x["id"])) != (x["name"], x["role"], x["supervises"])
        ]
        if members:
            m_stmt = db.insert(models.Member)
            m_set = {
                "name": m_stmt.excluded.name,
                "role": m_stmt.excluded.role,
                "supervises": m_stmt.excluded.supervises,
            }
            upsert = m_stmt.on_conflict_do_update(index_elements=["group_id", "id"], set_=m_set)
            for i in range(0, len(members), SYNC_BATCH_ROWS):
                await s.execute(upsert, members[i : i + SYNC_BATCH_ROWS])
