"""Inbound messages: store once, then hand staff messages to a counsellor and enqueue the posts."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.context import Context
from bot.conversations import note_first_response, route_staff_message
from bot.i18n import media_word, t
from bot.outbox import enqueue
from bot.platforms import local
from bot.platforms.base import InboundMessage, OutboundMessage
from handlers import commands

log = logging.getLogger(__name__)


async def handle_inbound(ctx: Context, messages: list[InboundMessage]) -> list[bool]:
    """Store and act on each message; return, per message, whether it was a duplicate."""
    duplicates = []
    for msg in messages:
        now = ctx.clock.now()
        async with ctx.db.write() as s:
            duplicates.append(await _handle_one(ctx, s, msg, now))
    ctx.wake_outbox()
    return duplicates


async def _handle_one(ctx: Context, s: AsyncSession, msg: InboundMessage, now: datetime) -> bool:
    member = ctx.settings.member(msg.group_id, msg.sender_id)
    role = member.role if member else "staff"
    inserted = await s.execute(
        ctx.db.insert(models.Message)
        .values(
            platform=msg.platform,
            group_id=msg.group_id,
            platform_msg_id=msg.msg_id,
            sender_id=msg.sender_id,
            sender_name=msg.sender_name,
            sender_role=role,
            msg_type=msg.msg_type,
            text=msg.text,
            sent_at=msg.sent_at,
            received_at=now,
        )
        .on_conflict_do_nothing(index_elements=["platform", "group_id", "platform_msg_id"])
        .returning(models.Message.id)
    )
    message_id = inserted.scalar_one_or_none()
    if message_id is None:
        return True
    if msg.platform == "local":
        local.record_post(s, msg, now)
    if msg.msg_type == "event":  # a platform event (chat opened, robot added): kept, not a request
        return False
    if await commands.dispatch(ctx, s, msg, role, now):
        await s.execute(
            update(models.Message).where(models.Message.id == message_id).values(is_command=True)
        )
        return False
    if msg.msg_type == "event":
        return False  # joins, leaves, menu clicks: stored, nothing to answer
    if role == "staff":
        await _remember_staff(ctx, s, msg, now)
        if msg.msg_type != "text":
            name = msg.sender_name or msg.sender_id
            reply = t(
                ctx.language,
                "non_text_reply",
                staff=name,
                kind=media_word(ctx.language, msg.msg_type),
            )
            enqueue(s, OutboundMessage(msg.group_id, reply, "command_reply", (msg.sender_id,)), now)
        await route_staff_message(ctx, s, msg, message_id, now)
    else:
        await note_first_response(s, msg.group_id, msg.sender_id, now)
    return False


async def _remember_staff(
    ctx: Context, s: AsyncSession, msg: InboundMessage, now: datetime
) -> None:
    await s.execute(
        ctx.db.insert(models.Member)
        .values(
            group_id=msg.group_id,
            id=msg.sender_id,
            name=msg.sender_name,
            role="staff",
            first_seen_at=now,
        )
        .on_conflict_do_nothing(index_elements=["group_id", "id"])
    )
