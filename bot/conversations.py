"""Conversations: who holds each staff member's thread; assignment, crisis, queue, deadlines.

The decisions come from the pure `bot.routing`; this module reads the rows they need, applies the
decision inside the caller's transaction and enqueues what the group (or a person, privately)
must see. Message text never reaches the group of a privacy-mode group, and never reaches the
group in an alert about a person. A person's crisis never reaches the group at all: crisis marks
and crisis text go privately to the leads and the assignee; what the group sees of a crisis
conversation reads like any other. Whatever people wrote is quoted (`bot.quoting`) before it is
put into a post.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, store
from bot.batch import Batch
from bot.context import Context
from bot.i18n import join, media_word, t
from bot.outbox import enqueue
from bot.platforms import spec_of
from bot.platforms.base import InboundMessage, OutboundMessage
from bot.quoting import quote
from bot.routing import OffHours, Wait, choose, reroute_after_timeout, route

log = logging.getLogger(__name__)
EXCERPT_CHARS = 80
_Row = TypeVar("_Row", bound=Any)
SUMMARY_MESSAGES = 5


@dataclass(frozen=True, slots=True)
class Handover:
    """A conversation that moved at a boundary: from a counsellor going off to `to_id`."""

    conversation_id: int
    staff_id: str
    from_id: str
    to_id: str | None  # None: it waits (service closed, or nobody on duty has room)
    note: str | None
    is_crisis: bool


def _name(names: dict[str, str], member_id: str) -> str:
    """A member's display name, quoted: a name is chosen by its owner and may hold anything."""
    return quote(names.get(member_id, member_id))


def _excerpt(text: str) -> str:
    """The start of what someone wrote, quoted."""
    text = quote(text)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _privacy(ctx: Context, group_id: str) -> bool:
    group = ctx.settings.group(group_id)
    return bool(group and group.privacy)


def _relays_text(ctx: Context, group_id: str) -> bool:
    """Whether the person's words may be quoted to the counsellors: not on a 1:1 channel, which
    hands them over in its own client (its spec's relays_text)."""
    group = ctx.settings.group(group_id)
    return group is None or spec_of(group.platform).relays_text


def _lead_ids(ctx: Context, group_id: str) -> tuple[str, ...]:
    return tuple(m.id for m in ctx.settings.members_of(group_id) if m.role == "lead")


def _lock(ctx: Context, query: Select[_Row]) -> Select[_Row]:
    """Row locks on PostgreSQL, so two instances never act on one conversation at once."""
    return query if ctx.db.is_sqlite else query.with_for_update(skip_locked=True)


async def route_staff_message(
    ctx: Context,
    s: AsyncSession,
    batch: Batch,
    msg: InboundMessage,
    message_id: int,
    now: datetime,
) -> None:
    """Give a staff member's message to the right counsellor, or queue it, or answer off hours.

    What it reads comes from `batch` (read once for all the messages of the transaction), and
    what it changes is applied there too; the person's turn was taken when the batch began.
    """
    view = await batch.view(msg.group_id, msg.sender_id)
    conv = view.conversations[msg.sender_id]
    is_crisis = msg.msg_type == "text" and ctx.crisis.triage(msg.text).is_crisis
    hours = ctx.hours
    current = conv.counsellor_id if conv is not None and conv.status == "open" else None
    decision = route(
        is_open=hours.is_open(now),
        next_open_at=hours.next_open_at(now),
        current_counsellor=current,
        on_duty=view.on_duty_loads(),
        max_open=ctx.settings.service.max_open_per_counsellor,
        is_crisis=is_crisis,
    )
    is_new = conv is None
    if conv is None:
        conv = models.Conversation(
            group_id=msg.group_id,
            staff_id=msg.sender_id,
            status="waiting",
            is_crisis=False,
            opened_at=now,
            last_message_at=now,
            reassign_count=0,
            tried=[],
        )
        s.add(conv)
        view.conversations[msg.sender_id] = conv
    before = (conv.status, conv.counsellor_id)
    conv.last_message_at = now
    became_crisis = is_crisis and not conv.is_crisis
    conv.is_crisis = conv.is_crisis or is_crisis
    off_hours = isinstance(decision, OffHours)
    batch.set_message(message_id, conv, is_off_hours=off_hours, is_crisis=is_crisis)
    names = view.names
    staff = quote(msg.sender_name) if msg.sender_name else _name(names, msg.sender_id)
    text = msg.text or media_word(ctx.language, msg.msg_type)

    if isinstance(decision, OffHours):
        await batch.write_messages()  # whether tonight's reply went out is read from them
        await _answer_off_hours(ctx, s, msg, staff, decision, is_crisis, message_id, now)
        if became_crisis:
            _alert_crisis(ctx, s, conv, staff, text, None, now)
        return

    if isinstance(decision, Wait):
        if conv.status == "open":  # its counsellor went off duty and nobody has room
            conv.status = "waiting"  # counsellor_id stays: who held it last, for the statistics
        if is_new:
            _tell_waiting(ctx, s, msg, staff, decision, now)
        if is_crisis:
            _crisis_reply(ctx, s, conv, staff, None, now)
        if became_crisis:
            _alert_crisis(ctx, s, conv, staff, text, None, now)
        view.moved(before, (conv.status, conv.counsellor_id), now)
        await alert_queue(ctx, s, msg.group_id, now)
        return

    if is_crisis:  # the person first: help is coming, and the hotlines
        _crisis_reply(ctx, s, conv, staff, _name(names, decision.counsellor_id), now)
    if decision.continuing:
        if _privacy(ctx, msg.group_id) and _relays_text(ctx, msg.group_id):
            private = t(ctx.language, "assignment_private", staff=staff, text=quote(text))
            enqueue(
                s,
                OutboundMessage(msg.group_id, private, "assignment", (), (decision.counsellor_id,)),
                now,
            )
        if became_crisis:
            _alert_crisis(ctx, s, conv, staff, text, decision.counsellor_id, now, names)
    else:  # assign() alerts the assignee and the leads of a crisis, this one's or an earlier one
        await assign(ctx, s, conv, decision.counsellor_id, now, staff=staff, text=text, names=names)
        view.moved(before, (conv.status, conv.counsellor_id), now)


def give(ctx: Context, conv: models.Conversation, counsellor_id: str, now: datetime) -> None:
    """Make `counsellor_id` hold `conv`; the first-response clock starts if nobody answered yet."""
    if conv.counsellor_id is not None and conv.counsellor_id != counsellor_id:
        conv.reassign_count += 1
    conv.counsellor_id = counsellor_id
    conv.status = "open"
    conv.assigned_at = now
    if conv.first_assigned_at is None:
        conv.first_assigned_at = now
    if conv.first_response_at is None:
        due = now + timedelta(minutes=ctx.settings.service.first_response_minutes)
        conv.response_due_at = due
        ctx.deadline_at(conv.group_id, due)


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
    key: str = "assignment",
    announce: bool = True,
    **extra: object,
) -> None:
    """Give `conv` to `counsellor_id` and announce it: the one way every path assigns.

    New, drained from the queue, handed over at a boundary or moved after a timeout, each path
    comes here. The assignment post (`announce`; a boundary notice says it for the handover)
    quotes the text only outside privacy mode and never for a crisis conversation, whose text and
    mark go privately to the assignee and the leads, with who took it. `staff` is quoted already;
    `text` is what was written, quoted here.
    """
    give(ctx, conv, counsellor_id, now)
    if announce:
        _announce(
            ctx,
            s,
            conv,
            counsellor_id,
            staff=staff,
            text=text,
            names=names,
            key=key,
            now=now,
            **extra,
        )
    if conv.is_crisis:
        _alert_crisis(ctx, s, conv, staff, text, counsellor_id, now, names)


def _announce(
    ctx: Context,
    s: AsyncSession,
    conv: models.Conversation,
    counsellor_id: str,
    *,
    staff: str,
    text: str,
    names: dict[str, str],
    key: str,
    now: datetime,
    **extra: object,
) -> None:
    lang = ctx.language
    counsellor = _name(names, counsellor_id)
    mentions = (counsellor_id, conv.staff_id)
    note = t(lang, "handover_note", note=quote(conv.handover_note)) if conv.handover_note else ""
    if not _relays_text(ctx, conv.group_id):
        # A 1:1 channel: the team sees who takes whom (the names only outside privacy mode),
        # never the words; the person hears who will answer.
        bare = "assignment_private_group" if _privacy(ctx, conv.group_id) else "assignment_bare"
        team_text = t(lang, bare, staff=staff, counsellor=counsellor)
        enqueue(s, OutboundMessage(conv.group_id, team_text, "assignment", mentions), now)
        ack = t(lang, "person_ack", counsellor=counsellor)
        enqueue(s, OutboundMessage(conv.group_id, ack, "assignment", (conv.staff_id,)), now)
        return
    if _privacy(ctx, conv.group_id):
        group_text = t(lang, "assignment_private_group", staff=staff, counsellor=counsellor)
        enqueue(s, OutboundMessage(conv.group_id, group_text, "assignment", mentions), now)
        private = t(lang, "assignment_private", staff=staff, text=quote(text)) + note
        enqueue(s, OutboundMessage(conv.group_id, private, "assignment", (), (counsellor_id,)), now)
        return
    if text and not conv.is_crisis:
        body = t(lang, key, counsellor=counsellor, staff=staff, excerpt=_excerpt(text), **extra)
    else:  # nothing to quote (a conversation that only waited), or nothing for the group to see
        body = t(lang, "assignment_bare", counsellor=counsellor, staff=staff)
    enqueue(s, OutboundMessage(conv.group_id, body + note, "assignment", mentions), now)


def _tell(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    key: str,
    staff_id: str,
    now: datetime,
    kind: str = "off_hours",
    **values: object,
) -> None:
    enqueue(s, OutboundMessage(group_id, t(ctx.language, key, **values), kind, (staff_id,)), now)


def _tell_waiting(
    ctx: Context, s: AsyncSession, msg: InboundMessage, staff: str, decision: Wait, now: datetime
) -> None:
    """What is true: everyone on duty is busy (queued), or nobody is on duty right now."""
    if decision.reason == "full":
        _tell(ctx, s, msg.group_id, "waiting", msg.sender_id, now, staff=staff)
        return
    hotlines = join(ctx.language, ctx.settings.service.crisis_hotlines)
    _tell(
        ctx, s, msg.group_id, "waiting_nobody", msg.sender_id, now, staff=staff, hotlines=hotlines
    )


async def _answer_off_hours(
    ctx: Context,
    s: AsyncSession,
    msg: InboundMessage,
    staff: str,
    decision: OffHours,
    is_crisis: bool,
    message_id: int,
    now: datetime,
) -> None:
    """One auto-reply per night; a crisis gets the hotlines at once, also once per night."""
    svc = ctx.settings.service
    since = ctx.hours.last_close_at(now)
    values = {
        "staff": staff,
        "opens": svc.opens,
        "closes": svc.closes,
        "next_open": f"{decision.opens_at.astimezone(ctx.hours.tz):%m-%d %H:%M}",
        "hotlines": join(ctx.language, svc.crisis_hotlines),
    }
    if is_crisis:
        if not await _told_tonight(s, msg, since, message_id, crisis=True):
            # In a privacy group the reply is private; in the group it reads like any other.
            if _privacy(ctx, msg.group_id):
                text = t(ctx.language, "crisis_off_hours", **values)
                to = (msg.sender_id,)
                enqueue(s, OutboundMessage(msg.group_id, text, "crisis", to, to), now)
            else:
                _tell(ctx, s, msg.group_id, "crisis_off_hours_group", msg.sender_id, now, **values)
        return
    if not await _told_tonight(s, msg, since, message_id, crisis=False):
        _tell(ctx, s, msg.group_id, "off_hours", msg.sender_id, now, **values)


async def _told_tonight(
    s: AsyncSession, msg: InboundMessage, since: datetime, message_id: int, *, crisis: bool
) -> bool:
    """Whether an earlier message of this person since the last close already got the reply.

    Any earlier off-hours message got the plain reply; an earlier crisis one got the crisis reply.
    """
    m = models.Message
    query = select(m.id).where(
        m.group_id == msg.group_id,
        m.sender_id == msg.sender_id,
        m.is_off_hours.is_(True),
        m.received_at >= since,
        m.id != message_id,
    )
    if crisis:
        query = query.where(m.is_crisis.is_(True))
    return (await s.scalar(query.limit(1))) is not None


def _crisis_reply(
    ctx: Context,
    s: AsyncSession,
    conv: models.Conversation,
    staff: str,
    counsellor: str | None,
    now: datetime,
) -> None:
    """Tell the person help is coming and how to get it now.

    Privately in a privacy group; in the group, in words that do not say it is a crisis.
    """
    hotlines = join(ctx.language, ctx.settings.service.crisis_hotlines)
    to = (conv.staff_id,)
    private: tuple[str, ...]
    if _privacy(ctx, conv.group_id):
        key, kind, private = "crisis_reply", "crisis", to
    else:
        key, kind, private = "crisis_reply_group", "assignment", ()
    if counsellor is None:
        text = t(ctx.language, key + "_waiting", staff=staff, hotlines=hotlines)
    else:
        text = t(ctx.language, key, staff=staff, counsellor=counsellor, hotlines=hotlines)
    enqueue(s, OutboundMessage(conv.group_id, text, kind, to, private), now)


def _alert_crisis(
    ctx: Context,
    s: AsyncSession,
    conv: models.Conversation,
    staff: str,
    text: str,
    counsellor_id: str | None,
    now: datetime,
    names: dict[str, str] | None = None,
) -> None:
    """Alert the leads (and the assignee) privately: never a person's crisis in the group."""
    lang = ctx.language
    leads = _lead_ids(ctx, conv.group_id)
    if counsellor_id is None:
        body = t(lang, "crisis_alert_unassigned", staff=staff, text=_excerpt(text))
    else:
        counsellor = _name(names or {}, counsellor_id)
        body = t(lang, "crisis_alert", staff=staff, text=_excerpt(text), counsellor=counsellor)
    to = tuple(dict.fromkeys([*leads, *([counsellor_id] if counsellor_id else [])]))
    if not to:
        log.error("group %s has no lead to alert about a crisis; add a lead", conv.group_id)
        return
    enqueue(s, OutboundMessage(conv.group_id, body, "crisis", to, to), now)


async def alert_queue(ctx: Context, s: AsyncSession, group_id: str, now: datetime) -> None:
    """Tell the leads once that people wait (inside service hours), until the queue empties.

    The words say which is true: everyone on duty is full, or nobody is on duty (a rota gap; a
    boundary that starts a gap makes it news again, see `notices`).
    """
    if not ctx.hours.is_open(now):
        return
    group = await s.get(models.Group, group_id)
    if group is None or group.queue_alerted_at is not None:
        return
    c = models.Conversation
    count = await s.scalar(
        select(func.count()).select_from(c).where(c.group_id == group_id, c.status == "waiting")
    )
    if not count:
        return
    group.queue_alerted_at = now
    leads = [m for m in ctx.settings.members_of(group_id) if m.role == "lead"]
    on_duty = await store.on_duty_ids(s, group_id, now)
    text = t(
        ctx.language,
        "waiting_leads" if on_duty else "waiting_gap_leads",
        count=count,
        leads=" ".join(f"@{quote(m.display_name)}" for m in leads),
    )
    enqueue(s, OutboundMessage(group_id, text, "escalation", tuple(m.id for m in leads)), now)


async def _summary(s: AsyncSession, conv: models.Conversation) -> tuple[str, int]:
    """The conversation's last few texts, and how many messages came since it was last held."""
    m = models.Message
    mine = m.conversation_id == conv.id
    texts = list(
        await s.scalars(select(m.text).where(mine).order_by(m.id.desc()).limit(SUMMARY_MESSAGES))
    )
    since = [mine] if conv.assigned_at is None else [mine, m.received_at >= conv.assigned_at]
    count = await s.scalar(select(func.count()).select_from(m).where(*since))
    return " / ".join(reversed([x for x in texts if x])), int(count or 0)


async def drain_queue(ctx: Context, s: AsyncSession, group_id: str, now: datetime) -> int:
    """Assign waiting conversations, crisis first then oldest, while anyone on duty has room.

    A crisis is assigned even when everyone is full. The leads' queue alert is reset when the
    queue empties, and raised (once) if people are left waiting.
    """
    if not ctx.hours.is_open(now):
        return 0
    c = models.Conversation
    waiting = list(
        await s.scalars(
            _lock(
                ctx,
                select(c)
                .where(c.group_id == group_id, c.status == "waiting")
                .order_by(c.is_crisis.desc(), c.opened_at, c.id),
            )
        )
    )
    assigned = 0
    if waiting:
        on_duty = await store.on_duty_ids(s, group_id, now)
        names = await store.member_names(s, group_id)
        max_open = ctx.settings.service.max_open_per_counsellor
        for conv in waiting:
            loads = await store.loads(s, group_id, on_duty)
            chosen = choose(loads, max_open, is_crisis=conv.is_crisis)
            if chosen is None:
                if conv.is_crisis:
                    continue  # nobody on duty at all; the leads were alerted at the time
                break
            summary, count = await _summary(s, conv)
            await assign(
                ctx,
                s,
                conv,
                chosen,
                now,
                staff=_name(names, conv.staff_id),
                text=summary,
                names=names,
                key="assignment_waited" if count else "assignment",
                count=count,
            )
            await s.flush()
            assigned += 1
    left = await s.scalar(
        select(func.count()).select_from(c).where(c.group_id == group_id, c.status == "waiting")
    )
    if not left:
        await s.execute(
            update(models.Group).where(models.Group.id == group_id).values(queue_alerted_at=None)
        )
    else:
        await alert_queue(ctx, s, group_id, now)
    return assigned


async def hand_over(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    going_off: Sequence[str],
    at: datetime,
    now: datetime,
) -> list[Handover]:
    """Move the open conversations of counsellors going off duty at `at` to those on from `at`.

    Each goes to an on-duty counsellor by the routing rule (a crisis even past capacity); where
    nobody has room, or service has closed, it waits and is assigned at the next chance. The
    boundary notice says what moved, in one post; only a crisis is told here, privately (to the
    new assignee and the leads, or to the leads when it is left waiting).
    """
    c = models.Conversation
    held = list(
        await s.scalars(
            _lock(
                ctx,
                select(c)
                .where(c.group_id == group_id, c.status == "open", c.counsellor_id.in_(going_off))
                .order_by(c.is_crisis.desc(), c.opened_at, c.id),
            )
        )
    )
    if not held:
        return []
    when = max(at, now)
    is_open = ctx.hours.is_open(when)
    on_duty = [m for m in await store.on_duty_ids(s, group_id, when) if m not in going_off]
    max_open = ctx.settings.service.max_open_per_counsellor
    names = await store.member_names(s, group_id)
    out = []
    for conv in held:
        from_id = conv.counsellor_id or ""
        chosen: str | None = None
        if is_open:
            loads = await store.loads(s, group_id, on_duty)
            chosen = choose(loads, max_open, is_crisis=conv.is_crisis)
        summary = (await _summary(s, conv))[0] if conv.is_crisis else ""
        staff = _name(names, conv.staff_id)
        if chosen is None:
            # It waits; counsellor_id stays as who held it last (the report counts their work).
            conv.status, conv.response_due_at = "waiting", None
            if conv.is_crisis:
                _alert_crisis(ctx, s, conv, staff, summary, None, now)
        else:
            text = summary
            await assign(
                ctx, s, conv, chosen, now, staff=staff, text=text, names=names, announce=False
            )
            conv.tried = []
        await s.flush()
        out.append(
            Handover(conv.id, conv.staff_id, from_id, chosen, conv.handover_note, conv.is_crisis)
        )
    return out


async def close(
    ctx: Context, s: AsyncSession, conv: models.Conversation, reason: str, now: datetime
) -> None:
    """Close a conversation (done or idle); its counsellor has room for the next in the queue."""
    conv.status, conv.closed_at, conv.close_reason = "closed", now, reason
    conv.response_due_at = None
    await s.flush()
    await drain_queue(ctx, s, conv.group_id, now)


async def note_first_response(
    s: AsyncSession, group_id: str, counsellor_id: str, now: datetime
) -> int:
    """A counsellor's post (or /ack) answers the conversations they hold that await an answer."""
    c = models.Conversation
    res = await s.execute(
        update(c)
        .where(
            c.group_id == group_id,
            c.counsellor_id == counsellor_id,
            c.status == "open",
            c.first_response_at.is_(None),
        )
        .values(first_response_at=now, response_due_at=None)
    )
    return int(getattr(res, "rowcount", 0) or 0)


async def handle_deadlines(ctx: Context, group_id: str, now: datetime) -> int:
    """Reassign conversations nobody answered in time, and close idle ones. Returns actions."""
    acted = 0
    async with ctx.db.write() as s:
        acted += await _escalate_unanswered(ctx, s, group_id, now)
        acted += await _close_idle(ctx, s, group_id, now)
    if acted:
        ctx.wake_outbox()
    return acted


async def _escalate_unanswered(ctx: Context, s: AsyncSession, group_id: str, now: datetime) -> int:
    c = models.Conversation
    due = list(
        await s.scalars(
            _lock(
                ctx,
                select(c)
                .where(
                    c.group_id == group_id,
                    c.status == "open",
                    c.first_response_at.is_(None),
                    c.response_due_at <= now,
                )
                .order_by(c.is_crisis.desc(), c.response_due_at, c.id),
            )
        )
    )
    if not due:
        return 0
    svc = ctx.settings.service
    lang = ctx.language
    names = await store.member_names(s, group_id)
    on_duty = await store.on_duty_ids(s, group_id, now)
    leads = _lead_ids(ctx, group_id)
    moved = False
    for conv in due:
        late = conv.counsellor_id or ""
        conv.tried = [*conv.tried, late]
        loads = await store.loads(s, group_id, on_duty)
        nxt = reroute_after_timeout(
            on_duty=loads,
            max_open=svc.max_open_per_counsellor,
            current=late,
            tried=conv.tried,
            is_crisis=conv.is_crisis,
        )
        staff = _name(names, conv.staff_id)
        if nxt is not None:
            summary, _ = await _summary(s, conv)
            await assign(
                ctx,
                s,
                conv,
                nxt,
                now,
                staff=staff,
                text=summary,
                names=names,
                key="assignment_timeout",
                late=_name(names, late),
                minutes=svc.first_response_minutes,
            )
        else:
            conv.response_due_at = None  # nobody else is left; it stays, and the leads know
        if conv.escalated_at is None and leads:
            conv.escalated_at = now
            key = "escalation_moved" if nxt else "escalation_stuck"
            text = t(
                lang,
                key,
                staff=staff,
                late=_name(names, late),
                next=_name(names, nxt or ""),
                minutes=svc.first_response_minutes,
            )
            enqueue(s, OutboundMessage(group_id, text, "escalation", leads, leads), now)
        await s.flush()
        moved = moved or nxt is not None
    if moved:  # the late counsellor's freed place goes to whoever waits, as at any release
        await drain_queue(ctx, s, group_id, now)
    return len(due)


def idle_since(conv: models.Conversation) -> datetime:
    """The last sign of life in a conversation: the staff member's message or the first answer."""
    seen = [conv.last_message_at, conv.assigned_at, conv.first_response_at]
    return max(x for x in seen if x is not None)


async def _close_idle(ctx: Context, s: AsyncSession, group_id: str, now: datetime) -> int:
    c = models.Conversation
    limit = timedelta(hours=ctx.settings.service.idle_close_hours)
    held = list(
        await s.scalars(
            _lock(
                ctx,
                select(c).where(
                    c.group_id == group_id, c.status == "open", c.last_message_at <= now - limit
                ),
            )
        )
    )
    closed = 0
    for conv in held:
        if idle_since(conv) <= now - limit:
            await close(ctx, s, conv, "idle", now)
            closed += 1
    return closed


async def next_deadline(ctx: Context, group_id: str) -> datetime | None:
    """The earliest first-response deadline or idle close of the group's open conversations."""
    c = models.Conversation
    limit = timedelta(hours=ctx.settings.service.idle_close_hours)
    async with ctx.db.read() as s:
        due = await s.scalar(
            select(func.min(c.response_due_at)).where(
                c.group_id == group_id, c.status == "open", c.first_response_at.is_(None)
            )
        )
        rows = await s.execute(
            select(c.last_message_at, c.assigned_at, c.first_response_at).where(
                c.group_id == group_id, c.status == "open"
            )
        )
        idle = [max(x for x in row if x is not None) + limit for row in rows]
    found = [x for x in [due, *idle] if x is not None]
    return min(found) if found else None
