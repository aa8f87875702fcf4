"""Inbound messages: store once, then hand staff messages to a counsellor and enqueue the posts."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, store
from bot.batch import Batch
from bot.context import Context
from bot.conversations import (
    ahead,
    note_first_response,
    resume,
    route_staff_message,
    to_person,
)
from bot.i18n import media_word, t
from bot.outbox import enqueue, enqueued
from bot.platforms import spec_of
from bot.platforms.base import InboundMessage
from bot.quoting import quote
from handlers.commands import Router

log = logging.getLogger(__name__)


async def handle_inbound(
    ctx: Context, commands: Router, messages: list[InboundMessage]
) -> list[bool]:
    """Store and act on `messages` in one transaction (`commands`: the ones the bot answers);
    return, per message, whether it was a duplicate (of a stored message or of an earlier one
    in the list).

    All or nothing: if anything fails, nothing of the list is stored (the caller may retry it,
    and duplicates are recognised by id).
    """
    if not messages:
        return []
    async with ctx.db.write() as s:
        duplicates = await handle_in_session(ctx, commands, s, messages)
        wake = enqueued(s)
    if wake:  # most messages continue a conversation and post nothing
        ctx.wake_outbox()
    return duplicates


async def handle_in_session(
    ctx: Context, commands: Router, s: AsyncSession, messages: list[InboundMessage]
) -> list[bool]:
    """handle_inbound in the caller's transaction (a platform that pulls stores its cursor in
    it); the caller wakes the outbox if it `enqueued` anything."""
    if not messages:
        return []
    now = ctx.clock.now()
    roles = [_role(ctx, m) for m in messages]
    ids = await _store(ctx, s, messages, roles, now)
    batch = Batch(s, now, ahead(ctx))
    routed = [
        i is not None and _is_routed(ctx, commands, m, role)
        for m, i, role in zip(messages, ids, roles, strict=True)
    ]
    staff = {(m.group_id, m.sender_id): m for m, r in zip(messages, routed, strict=True) if r}
    if staff:
        await store.lock_people(s, staff)
        for group_id, staff_id in staff:
            batch.expect(group_id, staff_id)
        await _remember_staff(ctx, s, batch, list(staff.values()), now)
    for msg, message_id, role, is_routed in zip(messages, ids, roles, routed, strict=True):
        if message_id is None:
            continue
        if (record := spec_of(msg.platform).record_inbound) is not None:
            record(s, msg, now)  # the local chat shows it in its timeline
        if is_routed:
            await _route(ctx, s, batch, msg, message_id, now)
        if msg.msg_type != "event" and (not is_routed or commands.parse(msg.text)):
            # a platform event (chat opened, robot added) is only kept
            await batch.settle()
            await _act(ctx, commands, s, msg, message_id, role, now, is_routed=is_routed)
    await batch.write_messages()
    return [i is None for i in ids]


def _role(ctx: Context, msg: InboundMessage) -> str:
    member = ctx.settings.member(msg.group_id, msg.sender_id)
    return member.role if member else "staff"


def _is_routed(ctx: Context, commands: Router, msg: InboundMessage, role: str) -> bool:
    """A message from medical staff for a counsellor: anything but a known command or an event.

    Text that merely begins with "/" is a message like any other. A command that carries crisis
    words is routed as well (and still runs): the person is never left with a command reply.
    """
    if role != "staff" or msg.msg_type == "event":
        return False
    return commands.parse(msg.text) is None or ctx.crisis.triage(msg.text).is_crisis


async def _store(
    ctx: Context, s: AsyncSession, messages: list[InboundMessage], roles: list[str], now: datetime
) -> list[int | None]:
    """Insert the messages not stored yet in one statement: each one's new id, or None."""
    rows: dict[tuple[str, str, str], dict[str, object]] = {}
    for msg, role in zip(messages, roles, strict=True):
        key = (msg.platform, msg.group_id, msg.msg_id)
        rows.setdefault(
            key,
            {
                "platform": msg.platform,
                "group_id": msg.group_id,
                "platform_msg_id": msg.msg_id,
                "sender_id": msg.sender_id,
                "sender_name": msg.sender_name,
                "sender_role": role,
                "msg_type": msg.msg_type,
                "text": msg.text,
                "sent_at": msg.sent_at,
                "received_at": now,
            },
        )
    m = models.Message
    inserted = await s.execute(
        ctx.db.insert(m)
        .on_conflict_do_nothing(index_elements=["platform", "group_id", "platform_msg_id"])
        .returning(m.id, m.platform, m.group_id, m.platform_msg_id),
        list(rows.values()),
    )
    new = {(r.platform, r.group_id, r.platform_msg_id): r.id for r in inserted}
    out: list[int | None] = []
    for msg in messages:
        out.append(new.pop((msg.platform, msg.group_id, msg.msg_id), None))  # the first only
    return out


async def _route(
    ctx: Context, s: AsyncSession, batch: Batch, msg: InboundMessage, message_id: int, now: datetime
) -> None:
    if msg.msg_type != "text":
        name = quote(msg.sender_name or msg.sender_id)
        reply = t(
            ctx.language_of(msg.group_id),
            "non_text_reply",
            staff=name,
            kind=media_word(ctx.language_of(msg.group_id), msg.msg_type),
        )
        enqueue(s, to_person(ctx, msg.group_id, reply, "command_reply", msg.sender_id), now)
    await route_staff_message(ctx, s, batch, msg, message_id, now)


async def _act(
    ctx: Context,
    commands: Router,
    s: AsyncSession,
    msg: InboundMessage,
    message_id: int,
    role: str,
    now: datetime,
    *,
    is_routed: bool = False,
) -> None:
    """A command, or a counsellor's or lead's post (which answers what they hold).

    A routed command (crisis words in it) stays a message for the statistics.
    """
    if await commands.dispatch(ctx, s, msg, role, now) and not is_routed:
        await s.execute(
            update(models.Message).where(models.Message.id == message_id).values(is_command=True)
        )
    elif role != "staff":
        await note_first_response(ctx, s, msg.group_id, msg.sender_id, now, msg.answers)
        await resume(ctx, s, msg.group_id, msg.sender_id, now)


async def _remember_staff(
    ctx: Context, s: AsyncSession, batch: Batch, messages: list[InboundMessage], now: datetime
) -> None:
    """Add the senders the group does not know yet to its members (as staff)."""
    new = []
    for msg in messages:
        view = await batch.view(msg.group_id, msg.sender_id)
        if msg.sender_id not in view.names:
            view.names[msg.sender_id] = msg.sender_name or msg.sender_id
            new.append(msg)
    if not new:
        return
    batch.new_people.update((msg.group_id, msg.sender_id) for msg in new)
    await s.execute(
        ctx.db.insert(models.Member).on_conflict_do_nothing(index_elements=["group_id", "id"]),
        [
            {
                "group_id": msg.group_id,
                "id": msg.sender_id,
                "name": msg.sender_name,
                "role": "staff",
                "first_seen_at": now,
            }
            for msg in new
        ],
    )
