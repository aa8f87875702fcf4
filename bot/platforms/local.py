"""The built-in local chat: messages live in the database and the page at / shows them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.errors import BadRequest
from bot.models import LocalPost
from bot.platforms.base import InboundMessage, OutboundMessage, RawRequest, Reply
from bot.platforms.generic import parse_body
from bot.platforms.spec import PlatformKeys, PlatformSpec
from bot.protocols import Clock

if TYPE_CHECKING:
    from bot.config import GroupConfig

BOT_ID = "carebot"


class LocalPlatform:
    """Inbound from the local page (same JSON as generic, unsigned: it listens on loopback)."""

    name = "local"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        bot_name: str = "carebot",
        on_post: Callable[[str], None] = lambda group_id: None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._bot_name = bot_name
        self._on_post = on_post  # told after each post is committed (wakes the live page)

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: datetime
    ) -> list[InboundMessage] | Reply:
        if request.method != "POST":
            raise BadRequest("the local chat takes POST only")
        msg = parse_body(group.id, request.body)
        return [
            InboundMessage(
                "local",
                msg.group_id,
                msg.msg_id,
                msg.sender_id,
                msg.sender_name,
                msg.text,
                msg.sent_at,
            )
        ]

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        stmt = self._db.insert(LocalPost).values(
            group_id=group.id,
            sender_id=BOT_ID,
            sender_name=self._bot_name,
            text=message.text,
            mentions=list(message.mentions),
            kind=message.kind,
            private_to=list(message.private_to),
            is_bot=True,
            outbox_id=message.outbox_id,
            posted_at=self._clock.now(),
        )
        # A redelivery after a crash finds the post already there and adds nothing.
        async with self._db.write() as s:
            await s.execute(stmt.on_conflict_do_nothing(index_elements=["outbox_id"]))
        self._on_post(group.id)


def record_post(session: AsyncSession, msg: InboundMessage, now: datetime) -> None:
    """Show a person's inbound message in the local timeline (same transaction as the message)."""
    session.add(
        LocalPost(
            group_id=msg.group_id,
            sender_id=msg.sender_id,
            sender_name=msg.sender_name,
            text=msg.text,
            mentions=[],
            kind="message",
            private_to=[],
            is_bot=False,
            outbox_id=None,
            posted_at=now,
        )
    )


class LocalKeys(PlatformKeys):
    """The local chat has no keys of its own."""

    platform: Literal["local"] = "local"


SPEC = PlatformSpec(
    name="local",
    build=lambda d: LocalPlatform(d.db, d.clock, on_post=d.notify_live),
    keys=LocalKeys,
    rate_limit="never",
    on_service_clock=True,
    loopback_only=True,
    wakes_live=True,
    record_inbound=record_post,
)
