"""Conversations: who holds each staff member's thread, assignment, the queue, handover."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, store
from bot.context import Context
from bot.i18n import join, t
from bot.outbox import enqueue
from bot.platforms.base import InboundMessage, OutboundMessage
from bot.routing import Assign, OffHours, Wait, pick_counsellor, route

log = logging.getLogger(__name__)
EXCERPT_CHARS = 80


def _name(names: dict[str, str], member_id: str) -> str:
    return names.get(member_id, member_id)


async def route_staff_message(
    ctx: Context, s: AsyncSession, msg: InboundMessage, message_id: int, now: datetime
) -> None:
    hours = ctx.hours
    conv = await store.active_conversation(s, msg.group_id, msg.sender_id)
    on_duty = await store.on_duty_ids(s, msg.group_id, now)
    loads = await store.loads(s, msg.group_id, on_duty)
    current = conv.counsellor_id if conv is not None and conv.status == "open" else None
    decision = route(
        is_open=hours.is_open(now),
        next_open_at=hours.next_open_at(now),
        current_counsellor=current,
        on_duty=loads,
        max_open=ctx.settings.service.max_open_per_counsellor,
    )
    if conv is None:
        conv = models.Conversation(
            group_id=msg.group_id,
            staff_id=msg.sender_id,
            status="waiting",
            is_crisis=False,
            opened_at=now,
            last_message_at=now,
            reassign_count=0,
        )
        s.add(conv)
        await s.flush()
        is_new = True
    else:
        conv.last_message_at = now
        is_new = False
    await s.execute(
        update(models.Message)
        .where(models.Message.id == message_id)
        .values(conversation_id=conv.id, is_off_hours=isinstance(decision, OffHours))
    )
    group = ctx.settings.group(msg.group_id)
    privacy = bool(group and group.privacy)
    lang = ctx.language
    names = await store.member_names(s, msg.group_id)
    staff = msg.sender_name or _name(names, msg.sender_id)

    if isinstance(decision, OffHours):
        if await _already_told_tonight(s, msg, hours.last_close_at(now), message_id):
            return
        svc = ctx.settings.service
        opens_local = decision.opens_at.astimezone(hours.tz)
        text = t(
            lang,
            "off_hours",
            staff=staff,
            opens=svc.opens,
            closes=svc.closes,
            next_open=f"{opens_local:%m-%d %H:%M}",
            hotlines=join(lang, svc.crisis_hotlines),
        )
        enqueue(s, OutboundMessage(msg.group_id, text, "off_hours", (msg.sender_id,)), now)
        return

    if isinstance(decision, Wait):
        if conv.status == "open":  # its counsellor went off duty and nobody has room
            conv.status, conv.counsellor_id = "waiting", None
        if is_new or conv.status == "waiting":
            await _tell_waiting(ctx, s, msg, staff, now, first_time=is_new)
        return

    assert isinstance(decision, Assign)
    if decision.continuing:
        if privacy:
            private = t(lang, "assignment_private", staff=staff, text=msg.text)
            enqueue(
                s,
                OutboundMessage(msg.group_id, private, "assignment", (), (decision.counsellor_id,)),
                now,
            )
        return
    await assign(
        ctx,
        s,
        conv,
        decision.counsellor_id,
        now,
        staff=staff,
        text=msg.text,
        names=names,
        privacy=privacy,
    )


async def assign(
    ctx: Context,
    s: AsyncSession,
    conv: models.Conversation,
    counsellor_id: str,
    now: datetime,
    *,
    staff: str,
    text: str,
    names: dict[str, str],
    privacy: bool,
) -> None:
    """Give `conv` to `counsellor_id` and enqueue the assignment post (text private if asked)."""
    if conv.counsellor_id is not None and conv.counsellor_id != counsellor_id:
        conv.reassign_count += 1
    conv.counsellor_id = counsellor_id
    conv.status = "open"
    conv.assigned_at = now
    conv.first_response_at = None
    conv.response_due_at = now + timedelta(minutes=ctx.settings.service.first_response_minutes)
    lang = ctx.language
    counsellor = _name(names, counsellor_id)
    mentions = (counsellor_id, conv.staff_id)
    if privacy:
        group_text = t(lang, "assignment_private_group", staff=staff, counsellor=counsellor)
        enqueue(s, OutboundMessage(conv.group_id, group_text, "assignment", mentions), now)
        private = t(lang, "assignment_private", staff=staff, text=text)
        enqueue(s, OutboundMessage(conv.group_id, private, "assignment", (), (counsellor_id,)), now)
        return
    excerpt = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
    body = t(lang, "assignment", counsellor=counsellor, staff=staff, excerpt=excerpt)
    enqueue(s, OutboundMessage(conv.group_id, body, "assignment", mentions), now)


async def _tell_waiting(
    ctx: Context,
    s: AsyncSession,
    msg: InboundMessage,
    staff: str,
    now: datetime,
    *,
    first_time: bool,
) -> None:
    if not first_time:
        return
    lang = ctx.language
    enqueue(
        s,
        OutboundMessage(
            msg.group_id, t(lang, "waiting", staff=staff), "off_hours", (msg.sender_id,)
        ),
        now,
    )
    leads = [m for m in ctx.settings.members_of(msg.group_id) if m.role == "lead"]
    count = await s.scalar(
        select(func.count())
        .select_from(models.Conversation)
        .where(
            models.Conversation.group_id == msg.group_id, models.Conversation.status == "waiting"
        )
    )
    text = t(
        lang, "waiting_leads", count=count, leads=" ".join(f"@{m.display_name}" for m in leads)
    )
    enqueue(s, OutboundMessage(msg.group_id, text, "escalation", tuple(m.id for m in leads)), now)


async def _already_told_tonight(
    s: AsyncSession, msg: InboundMessage, since: datetime, message_id: int
) -> bool:
    m = models.Message
    earlier = await s.scalar(
        select(m.id)
        .where(
            m.group_id == msg.group_id,
            m.sender_id == msg.sender_id,
            m.is_off_hours.is_(True),
            m.received_at >= since,
            m.id != message_id,
        )
        .limit(1)
    )
    return earlier is not None


async def drain_queue(ctx: Context, s: AsyncSession, group_id: str, now: datetime) -> int:
    """Assign waiting conversations, oldest first (crisis first), while anyone has room."""
    if not ctx.hours.is_open(now):
        return 0
    c = models.Conversation
    waiting = list(
        await s.scalars(
            select(c)
            .where(c.group_id == group_id, c.status == "waiting")
            .order_by(c.is_crisis.desc(), c.opened_at, c.id)
        )
    )
    if not waiting:
        return 0
    on_duty = await store.on_duty_ids(s, group_id, now)
    names = await store.member_names(s, group_id)
    group = ctx.settings.group(group_id)
    privacy = bool(group and group.privacy)
    assigned = 0
    for conv in waiting:
        loads = await store.loads(s, group_id, on_duty)
        chosen = pick_counsellor(loads, ctx.settings.service.max_open_per_counsellor)
        if chosen is None:
            break
        texts = list(
            await s.scalars(
                select(models.Message.text)
                .where(models.Message.conversation_id == conv.id)
                .order_by(models.Message.id)
            )
        )
        summary = " / ".join(texts[-5:]) if texts else ""
        await assign(
            ctx,
            s,
            conv,
            chosen,
            now,
            staff=_name(names, conv.staff_id),
            text=summary,
            names=names,
            privacy=privacy,
        )
        await s.flush()
        assigned += 1
    return assigned


async def reassign_from(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    going_off: tuple[str, ...],
    at: datetime,
    now: datetime,
) -> int:
    """Hand the open conversations of counsellors going off duty to those on duty from `at`.

    Inside service hours each goes to an on-duty counsellor by the routing rule; where nobody has
    room, or service has closed, it waits in the queue and is assigned at the next opening.
    """
    c = models.Conversation
    held = list(
        await s.scalars(
            select(c)
            .where(c.group_id == group_id, c.status == "open", c.counsellor_id.in_(going_off))
            .order_by(c.is_crisis.desc(), c.opened_at, c.id)
        )
    )
    if not held:
        return 0
    for conv in held:
        conv.status = "waiting"
    await s.flush()
    return await drain_queue(ctx, s, group_id, max(at, now))
