"""Supervision (督导, issue 19 item 3): who supervises now, and what they are told.

A supervisor is a `[[members]]` entry with role = "supervisor", or a lead with supervisor = true.
Their shifts are supervision shifts, on the same rota and rules as the counsellors' (/rota add):
they never take conversations (bot/store.py leaves them out of who is on duty) and make no
boundary notice. "The supervisor on duty" is whoever has a supervision shift now, else every
supervisor of the group. Everything said to a supervisor is private.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import store
from bot.context import Context


async def on_duty_supervisors(
    ctx: Context, s: AsyncSession, group_id: str, at: datetime
) -> tuple[str, ...]:
    """The supervisors with a supervision shift at `at`; if none, all the group's supervisors."""
    configured = [m.id for m in ctx.settings.supervisors_of(group_id)]
    on = [m for m in await store.supervising_ids(s, group_id, at) if m in configured]
    return tuple(on or configured)
