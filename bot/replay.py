"""Replay refusal for signatures that do not cover the body.

DingTalk's outgoing robot signs only its timestamp, so a captured (timestamp, sign) header pair
would carry any body as any sender until the timestamp leaves the window. Each pair is stored
with the message it first carried, before that message is stored, in a table whose unique key
every instance on one database shares: the same pair with the same message again (a retry of a
request that failed, or whose answer was lost) goes on and is answered as a duplicate; with any
other message it is refused, and nothing else is written.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.db import Database
from bot.models import SignatureUse
from bot.platforms.base import SignedOnce


async def claim(db: Database, group_id: str, use: SignedOnce, msg_id: str, now: datetime) -> bool:
    """Whether `msg_id` may be handled under this signature: True for a new pair (now stored)
    or for the message it was first stored with; False for a replay with another message."""
    async with db.write() as s:
        inserted = await s.scalar(
            db.insert(SignatureUse)
            .values(
                group_id=group_id,
                timestamp_ms=use.timestamp_ms,
                sign=use.sign,
                msg_id=msg_id,
                expires_at=use.expires_at,
            )
            .on_conflict_do_nothing(index_elements=["group_id", "timestamp_ms", "sign"])
            .returning(SignatureUse.id)
        )
        if inserted is not None:
            # Pairs out of the window are refused by the signature check; forget them.
            await s.execute(delete(SignatureUse).where(SignatureUse.expires_at < now))
            return True
        first = await s.scalar(
            select(SignatureUse.msg_id).where(
                SignatureUse.group_id == group_id,
                SignatureUse.timestamp_ms == use.timestamp_ms,
                SignatureUse.sign == use.sign,
            )
        )
        return first == msg_id
