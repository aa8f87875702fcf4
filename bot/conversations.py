"""Conversations: who holds each staff member's thread; assignment, crisis, queue, deadlines.

The decisions come from the pure `bot.routing`; this module reads the rows they need, applies the
decision inside the caller's transaction and enqueues what the group (or a person, privately)
must see. Message text never reaches the group of a privacy-mode group, and never reaches the
group in an alert about a person. A person's crisis never reaches the group at all: crisis marks
and crisis text go privately to the leads and the assignee; what the group sees of a crisis
conversation reads like any other. Whatever people wrote is quoted (`bot.quoting`) before it is
put into a post.

On a group platform the staff member's message is itself in the group, so the group's assignment
post never repeats it: it names who takes whom and points at the message by its time (and, for a
conversation that waited, how many messages came since). The words go only where the group did
not read them: the counsellor's private copy in a privacy group, and the crisis alerts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, store
from bot.batch import Batch
from bot.context import Context
from bot.db import after_commit
from bot.i18n import join, level_name, media_word, t
from bot.logs import ids
from bot.names import Names
from bot.outbox import enqueue
from bot.platforms import spec_of
from bot.platforms.base import InboundMessage, OutboundMessage, SessionChange
from bot.quoting import quote
from bot.routing import CounsellorLoad, OffHours, Timing, Wait, choose, reroute_after_timeout, route
from bot.supervision import on_duty_supervisors

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


def _name(names: Names, member_id: str) -> str:
    """A member's display name, quoted: a name is chosen by its owner and may hold anything."""
    return quote(names[member_id])


def _excerpt(text: str) -> str:
    """The start of what someone wrote, quoted."""
    text = quote(text)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _level_note(lang: str, level: int) -> str:
    """The line that ends a private post to the assignee or the leads: the triage level."""
    return t(lang, "level_note", level=level_name(lang, level)) if level else ""


def _privacy(ctx: Context, group_id: str) -> bool:
    group = ctx.settings.group(group_id)
    return bool(group and group.privacy)


def _relays_text(ctx: Context, group_id: str) -> bool:
    """Whether the person's words may be quoted to the counsellors: not on a 1:1 channel, which
    hands them over in its own client (its spec's relays_text)."""
    group = ctx.settings.group(group_id)
    return group is None or spec_of(group.platform).relays_text


def one_to_one(ctx: Context, group_id: str) -> bool:
    """Whether the group is a 1:1 channel (the person alone; its team reads elsewhere)."""
    group = ctx.settings.group(group_id)
    return group is not None and bool(spec_of(group.platform).team_key)


def _hands_over(ctx: Context, group_id: str) -> bool:
    """Whether the group's platform hands the person's session to the counsellor itself."""
    group = ctx.settings.group(group_id)
    return group is not None and spec_of(group.platform).hands_over


def to_person(
    ctx: Context, group_id: str, text: str, kind: str, staff_id: str, *, private: bool = False
) -> OutboundMessage:
    """A post for the person. On a 1:1 channel it is theirs alone and keeps its order in their
    lane (`private_to`), with the hand-over behind it; in a group it mentions them (`private`:
    privately, where the group's mode asks for it)."""
    to = (staff_id,)
    return OutboundMessage(
        group_id, text, kind, to, to if private or one_to_one(ctx, group_id) else ()
    )


def hand_session(
    ctx: Context,
    s: AsyncSession,
    conv: models.Conversation,
    counsellor_id: str | None,
    now: datetime,
    *,
    names: Names | None = None,
    replacing: Sequence[str] = (),
) -> None:
    """On a platform that hands sessions over (spec.hands_over), put the person's session with
    `counsellor_id` (None: end it): an outbox row in the person's lane, so it goes after
    everything carebot says to them first (after a hand-over the platform may not let carebot
    speak), exactly once. The platform leaves a session another servicer took in its client
    alone, unless that servicer is one of `replacing` (whom carebot gave it to before)."""
    if not _hands_over(ctx, conv.group_id):
        return
    lang = ctx.language_of(conv.group_id)
    mentions: tuple[str, ...] = ()
    if counsellor_id is None:
        text = t(lang, "session_end")
    else:
        text = t(lang, "session_to", counsellor=_name(names or Names(), counsellor_id))
        mentions = (counsellor_id, *(m for m in replacing if m and m != counsellor_id))
    to = (conv.staff_id,)
    enqueue(s, OutboundMessage(conv.group_id, text, "session", mentions, to), now)


def _hold_s(ctx: Context, group_id: str) -> float:
    """How long a post to the group waits for company (`outbox.merge_window_s`), so that the
    assignments and queue replies of a busy minute reach the group as one post: on a group
    robot and the generic webhook; 0 on a 1:1 channel (nothing merges there) and in the local
    chat (in this process, where a demo is watched as it happens)."""
    group = ctx.settings.group(group_id)
    if group is None:
        return 0.0
    spec = spec_of(group.platform)
    if spec.team_key or spec.on_service_clock:
        return 0.0
    return ctx.settings.outbox.merge_window_s


def _lead_ids(ctx: Context, group_id: str) -> tuple[str, ...]:
    return tuple(m.id for m in ctx.settings.leads_of(group_id))


def timing(ctx: Context, now: datetime) -> Timing:
    """Routing's instant and the duty a new conversation's counsellor must have left."""
    return Timing(now, ahead(ctx))


def ahead(ctx: Context) -> timedelta:
    """How far ahead the rota is read for how long each counsellor stays on duty."""
    return timedelta(minutes=ctx.settings.service.min_minutes_left)


async def _on_duty(
    ctx: Context, s: AsyncSession, group_id: str, at: datetime, without: Sequence[str] = ()
) -> list[CounsellorLoad]:
    loads = await store.on_duty_loads(s, group_id, at, ahead(ctx))
    return [x for x in loads if x.member_id not in without]


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
    level = ctx.crisis.triage(msg.text).level if msg.msg_type == "text" else 0
    is_crisis = level >= 2
    hours = ctx.hours
    current = conv.counsellor_id if conv is not None and conv.status == "open" else None
    decision = route(
        is_open=hours.is_open(now),
        next_open_at=hours.next_open_at(now),
        current_counsellor=current,
        on_duty=view.on_duty_loads(),
        max_open=ctx.settings.service.max_open_per_counsellor,
        is_crisis=is_crisis,
        timing=timing(ctx, now),
    )
    is_new = conv is None
    if conv is None:
        conv = models.Conversation(
            group_id=msg.group_id,
            staff_id=msg.sender_id,
            status="waiting",
            is_crisis=False,
            level=0,
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
    if became_crisis:
        after_commit(s, ctx.metrics.crises.labels(msg.group_id).inc)
    conv.is_crisis = conv.is_crisis or is_crisis
    conv.level = max(conv.level, level)
    off_hours = isinstance(decision, OffHours)
    batch.set_message(message_id, conv, is_off_hours=off_hours, is_crisis=is_crisis, level=level)
    names = view.names
    staff = quote(msg.sender_name) if msg.sender_name else _name(names, msg.sender_id)
    text = msg.text or media_word(ctx.language_of(msg.group_id), msg.msg_type)
    # Someone new hears once who reads what they write; a crisis reply says nothing else.
    person = (msg.group_id, msg.sender_id)
    notice = privacy_notice(ctx, msg.group_id) if person in batch.new_people else ""
    batch.new_people.discard(person)
    notice = "" if is_crisis else notice

    if isinstance(decision, OffHours):
        await batch.write_messages()  # whether tonight's reply went out is read from them
        await _answer_off_hours(ctx, s, msg, staff, decision, is_crisis, message_id, now, notice)
        if became_crisis:
            await _alert_crisis(ctx, s, conv, staff, text, None, now)
        return

    if isinstance(decision, Wait):
        if conv.status == "open":  # its counsellor went off duty and nobody has room
            conv.status = "waiting"  # counsellor_id stays: who held it last, for the statistics
        if is_new:
            _tell_waiting(ctx, s, msg, staff, decision, now, notice)
        if is_crisis:
            _crisis_reply(ctx, s, conv, staff, None, now)
        if became_crisis:
            await _alert_crisis(ctx, s, conv, staff, text, None, now)
        view.moved(before, (conv.status, conv.counsellor_id), now)
        await alert_queue(ctx, s, msg.group_id, now)
        return

    if is_crisis:  # the person first: help is coming, and the hotlines
        _crisis_reply(ctx, s, conv, staff, _name(names, decision.counsellor_id), now)
    if decision.continuing:
        # The platform's session may have ended and begun again (the person wrote after it
        # ended, or after its 48 hours): it goes to whoever holds the conversation.
        hand_session(ctx, s, conv, decision.counsellor_id, now, names=names)
        if _privacy(ctx, msg.group_id) and _relays_text(ctx, msg.group_id):
            lang = ctx.language_of(msg.group_id)
            private = t(lang, "assignment_private", staff=staff, text=quote(text))
            private += _level_note(lang, conv.level)
            enqueue(
                s,
                OutboundMessage(msg.group_id, private, "assignment", (), (decision.counsellor_id,)),
                now,
                quotes=(conv,),
            )
        if became_crisis:
            await _alert_crisis(ctx, s, conv, staff, text, decision.counsellor_id, now, names)
    else:  # assign() alerts the assignee and the leads of a crisis, this one's or an earlier one
        await assign(
            ctx,
            s,
            conv,
            decision.counsellor_id,
            now,
            staff=staff,
            text=text,
            names=names,
            suffix=notice,
        )
        view.moved(before, (conv.status, conv.counsellor_id), now)


def privacy_notice(ctx: Context, group_id: str) -> str:
    """The line a new person's first reply ends with (privacy.first_reply_notice), or "".

    True to the group's mode: in a privacy group carebot passes the text only to counsellors
    and leads; elsewhere it quotes it in the group."""
    policy = ctx.settings.privacy
    if not policy.first_reply_notice:
        return ""
    days = policy.retain_text_days
    if _privacy(ctx, group_id):
        key = "privacy_notice_private_days" if days else "privacy_notice_private_forever"
    else:
        key = "privacy_notice_group_days" if days else "privacy_notice_group_forever"
    return "\n" + t(ctx.language_of(group_id), key, days=days)


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
    names: Names,
    key: str = "assignment",
    announce: bool = True,
    suffix: str = "",
    since: datetime | None = None,
    **extra: object,
) -> None:
    """Give `conv` to `counsellor_id` and announce it: the one way every path assigns.

    New, drained from the queue, handed over at a boundary or moved after a timeout, each path
    comes here. The assignment post (`announce`; a boundary notice says it for the handover)
    never quotes the text in the group, which read it: it names the time of the message (`since`:
    the first one it is about; `now` for a message just received). A privacy group's counsellor
    gets the text privately; a crisis conversation's text and mark go privately to the assignee
    and the leads, with who took it. `staff` is quoted already; `text` is what was written,
    quoted here. `suffix` ends the group's post.
    """
    previous = conv.counsellor_id
    handed = conv.first_assigned_at is not None  # a session handed over before: carebot is mute
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
            suffix=suffix,
            tell_person=not handed,
            since=since or now,
            **extra,
        )
    if conv.is_crisis:
        await _alert_crisis(ctx, s, conv, staff, text, counsellor_id, now, names)
    # Last: whatever the person was told above goes out before the session leaves the bot.
    replacing = (previous,) if previous else ()
    hand_session(ctx, s, conv, counsellor_id, now, names=names, replacing=replacing)


def _announce(
    ctx: Context,
    s: AsyncSession,
    conv: models.Conversation,
    counsellor_id: str,
    *,
    staff: str,
    text: str,
    names: Names,
    key: str,
    now: datetime,
    since: datetime,
    suffix: str = "",
    tell_person: bool = True,
    **extra: object,
) -> None:
    lang = ctx.language_of(conv.group_id)
    counsellor = _name(names, counsellor_id)
    mentions = (counsellor_id, conv.staff_id)
    note = t(lang, "handover_note", note=quote(conv.handover_note)) if conv.handover_note else ""
    if not _relays_text(ctx, conv.group_id):
        # A 1:1 channel: the team sees who takes whom (the names only outside privacy mode,
        # else the counsellor alone and the person's name privately), never the words; the
        # person hears who will answer.
        team_mentions: tuple[str, ...] = mentions
        if _privacy(ctx, conv.group_id):
            team_text = t(lang, "assignment_team_private", counsellor=counsellor)
            team_mentions = (counsellor_id,)
            private = t(lang, "assignment_private_name", staff=staff)
            to = (counsellor_id,)
            enqueue(s, OutboundMessage(conv.group_id, private, "assignment", (), to), now)
        else:
            team_text = t(lang, "assignment_bare", staff=staff, counsellor=counsellor)
        enqueue(s, OutboundMessage(conv.group_id, team_text, "assignment", team_mentions), now)
        if tell_person:  # a session already handed over is the counsellor's: carebot is mute
            ack = t(lang, "person_ack", counsellor=counsellor)
            enqueue(s, to_person(ctx, conv.group_id, ack, "assignment", conv.staff_id), now)
        return
    hold = _hold_s(ctx, conv.group_id)
    if _privacy(ctx, conv.group_id):
        group_text = t(lang, "assignment_private_group", staff=staff, counsellor=counsellor)
        group_text += suffix
        post = OutboundMessage(conv.group_id, group_text, "assignment", mentions)
        enqueue(s, post, now, hold_s=hold)
        private = t(lang, "assignment_private", staff=staff, text=quote(text)) + note
        private += _level_note(lang, conv.level)
        enqueue(
            s,
            OutboundMessage(conv.group_id, private, "assignment", (), (counsellor_id,)),
            now,
            quotes=(conv,),
        )
        return
    # The group read the message: the post points at it by its time and repeats no word of it.
    # A crisis conversation's post reads like any other (its words went privately to the alert).
    time = f"{since.astimezone(ctx.hours.tz):%H:%M}"
    body = t(lang, key, counsellor=counsellor, staff=staff, time=time, **extra)
    post = OutboundMessage(conv.group_id, body + note + suffix, "assignment", mentions)
    enqueue(s, post, now, quotes=(conv,) if note else (), hold_s=hold)


def _tell(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    key: str,
    staff_id: str,
    now: datetime,
    kind: str = "off_hours",
    suffix: str = "",
    hold: bool = False,
    **values: object,
) -> None:
    """A reply to the person; `hold`: one that may wait for company (not a crisis reply)."""
    text = t(ctx.language_of(group_id), key, **values) + suffix
    hold_s = _hold_s(ctx, group_id) if hold else 0.0
    enqueue(s, to_person(ctx, group_id, text, kind, staff_id), now, hold_s=hold_s)


def _tell_waiting(
    ctx: Context,
    s: AsyncSession,
    msg: InboundMessage,
    staff: str,
    decision: Wait,
    now: datetime,
    suffix: str = "",
) -> None:
    """What is true: everyone on duty is busy (queued), or nobody is on duty right now."""
    if decision.reason == "full":
        _tell(ctx, s, msg.group_id, "waiting", msg.sender_id, now, suffix=suffix, hold=True,
              staff=staff)  # fmt: skip
        return
    hotlines = join(ctx.language_of(msg.group_id), ctx.settings.service.crisis_hotlines)
    _tell(
        ctx, s, msg.group_id, "waiting_nobody", msg.sender_id, now, suffix=suffix, hold=True,
        staff=staff, hotlines=hotlines,
    )  # fmt: skip


async def _answer_off_hours(
    ctx: Context,
    s: AsyncSession,
    msg: InboundMessage,
    staff: str,
    decision: OffHours,
    is_crisis: bool,
    message_id: int,
    now: datetime,
    suffix: str = "",
) -> None:
    """One auto-reply per night; a crisis gets the hotlines at once, also once per night."""
    svc = ctx.settings.service
    since = ctx.hours.last_close_at(now)
    values: dict[str, Any] = {
        "staff": staff,
        "opens": svc.opens,
        "closes": svc.closes,
        "next_open": f"{decision.opens_at.astimezone(ctx.hours.tz):%m-%d %H:%M}",
        "hotlines": join(ctx.language_of(msg.group_id), svc.crisis_hotlines),
    }
    if is_crisis:
        if not await _told_tonight(s, msg, since, message_id, crisis=True):
            # In a privacy group the reply is private; in the group it reads like any other.
            if _privacy(ctx, msg.group_id):
                text = t(ctx.language_of(msg.group_id), "crisis_off_hours", **values)
                post = to_person(ctx, msg.group_id, text, "crisis", msg.sender_id, private=True)
                enqueue(s, post, now)
            else:
                _tell(ctx, s, msg.group_id, "crisis_off_hours_group", msg.sender_id, now, **values)
        return
    if not await _told_tonight(s, msg, since, message_id, crisis=False):
        text = t(ctx.language_of(msg.group_id), "off_hours", **values) + suffix
        post = to_person(ctx, msg.group_id, text, "off_hours", msg.sender_id)
        enqueue(s, post, now, hold_s=_hold_s(ctx, msg.group_id))


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
    hotlines = join(ctx.language_of(conv.group_id), ctx.settings.service.crisis_hotlines)
    private = _privacy(ctx, conv.group_id)
    if private:
        key, waiting_key, kind = "crisis_reply", "crisis_reply_waiting", "crisis"
    else:
        key, waiting_key, kind = "crisis_reply_group", "crisis_reply_group_waiting", "assignment"
    if counsellor is None:
        text = t(ctx.language_of(conv.group_id), waiting_key, staff=staff, hotlines=hotlines)
    else:
        text = t(
            ctx.language_of(conv.group_id),
            key,
            staff=staff,
            counsellor=counsellor,
            hotlines=hotlines,
        )
    enqueue(s, to_person(ctx, conv.group_id, text, kind, conv.staff_id, private=private), now)


async def _alert_crisis(
    ctx: Context,
    s: AsyncSession,
    conv: models.Conversation,
    staff: str,
    text: str,
    counsellor_id: str | None,
    now: datetime,
    names: Names | None = None,
) -> None:
    """Alert the leads, the supervisor on duty (and the assignee) privately: never a person's
    crisis in the group."""
    lang = ctx.language_of(conv.group_id)
    leads = (*_lead_ids(ctx, conv.group_id), *await on_duty_supervisors(ctx, s, conv.group_id, now))
    if counsellor_id is None:
        body = t(lang, "crisis_alert_unassigned", staff=staff, text=_excerpt(text))
    else:
        counsellor = _name(names or Names(), counsellor_id)
        body = t(lang, "crisis_alert", staff=staff, text=_excerpt(text), counsellor=counsellor)
    body += _level_note(lang, max(conv.level, 2))
    to = tuple(dict.fromkeys([*leads, *([counsellor_id] if counsellor_id else [])]))
    if not to:
        log.error("group %s has no lead to alert about a crisis; add a lead", conv.group_id,
                  extra=ids(group=conv.group_id, conversation=conv.id))  # fmt: skip
        return
    enqueue(s, OutboundMessage(conv.group_id, body, "crisis", to, to), now, quotes=(conv,))


async def alert_queue(ctx: Context, s: AsyncSession, group_id: str, now: datetime) -> None:
    """Tell the leads once that people wait (inside service hours), until the queue empties.

    The words say which is true: everyone on duty is full, or those with room are paused (they
    let a conversation time out), or nobody is on duty (a rota gap; a boundary that starts a gap
    makes it news again, see `notices`).
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
    leads = ctx.settings.leads_of(group_id)
    on_duty = await store.on_duty_loads(s, group_id, now)
    max_open = ctx.settings.service.max_open_per_counsellor
    if not on_duty:
        key = "waiting_gap_leads"
    elif any(x.paused and x.open_count < max_open for x in on_duty):
        key = "waiting_paused_leads"  # not all full: someone with room has not answered lately
    else:
        key = "waiting_leads"
    text = t(
        ctx.language_of(group_id),
        key,
        count=count,
        leads=" ".join(f"@{quote(m.display_name)}" for m in leads),
    )
    enqueue(s, OutboundMessage(group_id, text, "escalation", tuple(m.id for m in leads)), now)
    after_commit(s, ctx.metrics.escalations.labels(group_id, "queue").inc)


@dataclass(frozen=True, slots=True)
class Summary:
    """What an assignment says of a conversation it did not just receive: its last few texts
    (for a private copy or a crisis alert), how many messages came since it was last held, and
    when the first of those came (how the group's post points at them)."""

    text: str
    count: int
    since: datetime | None


async def _summary(s: AsyncSession, conv: models.Conversation) -> Summary:
    m = models.Message
    mine = m.conversation_id == conv.id
    texts = list(
        await s.scalars(select(m.text).where(mine).order_by(m.id.desc()).limit(SUMMARY_MESSAGES))
    )
    since = [mine] if conv.assigned_at is None else [mine, m.received_at >= conv.assigned_at]
    count, first = (
        await s.execute(select(func.count(), func.min(m.received_at)).select_from(m).where(*since))
    ).one()
    if first is not None and first.tzinfo is None:  # SQLite hands back naive UTC
        first = first.replace(tzinfo=UTC)
    return Summary(" / ".join(reversed([x for x in texts if x])), int(count or 0), first)


async def drain_queue(ctx: Context, s: AsyncSession, group_id: str, now: datetime) -> int:
    """Assign waiting conversations, highest level first then oldest, while anyone has room.

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
                .order_by(c.level.desc(), c.opened_at, c.id),
            )
        )
    )
    assigned = 0
    if waiting:
        names = await store.member_names(s, group_id)
        max_open = ctx.settings.service.max_open_per_counsellor
        for conv in waiting:
            loads = await _on_duty(ctx, s, group_id, now)
            chosen = choose(loads, max_open, is_crisis=conv.is_crisis, timing=timing(ctx, now))
            if chosen is None:
                if conv.is_crisis:
                    continue  # nobody on duty at all; the leads were alerted at the time
                break
            summary = await _summary(s, conv)
            await assign(
                ctx,
                s,
                conv,
                chosen,
                now,
                staff=_name(names, conv.staff_id),
                text=summary.text,
                names=names,
                key="assignment_waited" if summary.count else "assignment",
                count=summary.count,
                since=summary.since or conv.last_message_at,
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
                .order_by(c.level.desc(), c.opened_at, c.id),
            )
        )
    )
    if not held:
        return []
    when = max(at, now)
    is_open = ctx.hours.is_open(when)
    max_open = ctx.settings.service.max_open_per_counsellor
    names = await store.member_names(s, group_id)
    out = []
    for conv in held:
        from_id = conv.counsellor_id or ""
        chosen: str | None = None
        if is_open:
            loads = await _on_duty(ctx, s, group_id, when, without=going_off)
            chosen = choose(loads, max_open, is_crisis=conv.is_crisis, timing=timing(ctx, when))
        summary = (await _summary(s, conv)).text if conv.is_crisis else ""
        staff = _name(names, conv.staff_id)
        if chosen is None:
            # It waits; counsellor_id stays as who held it last (the report counts their work).
            conv.status, conv.response_due_at = "waiting", None
            if conv.is_crisis:
                await _alert_crisis(ctx, s, conv, staff, summary, None, now)
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
    ctx: Context,
    s: AsyncSession,
    conv: models.Conversation,
    reason: str,
    now: datetime,
    *,
    end_session: bool = True,
) -> None:
    """Close a conversation (done, idle, or ended in the platform's client); its counsellor has
    room for the next in the queue. The platform's session ends with it (`end_session`: not
    when it ended there first)."""
    conv.status, conv.closed_at, conv.close_reason = "closed", now, reason
    conv.response_due_at = None
    if end_session:
        hand_session(ctx, s, conv, None, now)
    await s.flush()
    await drain_queue(ctx, s, conv.group_id, now)


async def session_changed(ctx: Context, s: AsyncSession, changes: Sequence[SessionChange]) -> None:
    """Session changes made in a 1:1 channel's own client, in the pull's transaction: a session
    ended there closes the conversation (its counsellor has room again); one a servicer took
    or was transferred to there is recorded as that counsellor's, not moved back."""
    now = ctx.clock.now()
    for change in changes:
        where = ids(group=change.group_id)
        await store.lock_people(s, [(change.group_id, change.staff_id)])
        found = await store.active_conversations(s, change.group_id, [change.staff_id])
        conv = found.get(change.staff_id)
        if conv is None:
            log.info("group %s: a session %s in the platform's client, with no open "
                     "conversation; nothing to record", change.group_id, change.event,
                     extra=where)  # fmt: skip
            continue
        if change.event == "ended":
            await close(ctx, s, conv, "ended", now, end_session=False)
            continue
        if not change.servicer or change.servicer == conv.counsellor_id:
            continue
        member = ctx.settings.member(change.group_id, change.servicer)
        if member is None:
            log.warning("group %s: conversation %s went to %r in the platform's client, who is "
                        "not one of the group's counsellors; left with %s", change.group_id,
                        conv.id, change.servicer[:64], conv.counsellor_id,
                        extra=where)  # fmt: skip
            continue
        log.info("group %s: conversation %s %s to %s in the platform's client (was %s); "
                 "recorded", change.group_id, conv.id, change.event, member.id,
                 conv.counsellor_id, extra=where)  # fmt: skip
        give(ctx, conv, member.id, now)
        conv.tried = []
        await s.flush()


async def note_first_response(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    counsellor_id: str,
    now: datetime,
    staff_id: str = "",
) -> int:
    """A counsellor's post (or /ack) answers the conversations they hold that await an answer
    (`staff_id`: that person's only, for a reply 1:1); how long each person waited for it goes
    to /metrics once the answer commits."""
    c = models.Conversation
    whose = [c.staff_id == staff_id] if staff_id else []
    opened = list(
        await s.scalars(
            update(c)
            .where(
                c.group_id == group_id,
                c.counsellor_id == counsellor_id,
                c.status == "open",
                c.first_response_at.is_(None),
                *whose,
            )
            .values(first_response_at=now, response_due_at=None)
            .returning(c.opened_at)
        )
    )
    if opened:
        waits = [(now - at).total_seconds() / ctx.clock.speed for at in opened]
        histogram = ctx.metrics.first_response_seconds.labels(group_id)

        def observe() -> None:
            for wait in waits:
                histogram.observe(wait)

        after_commit(s, observe)
    return len(opened)


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
                .order_by(c.level.desc(), c.response_due_at, c.id),
            )
        )
    )
    if not due:
        return 0
    svc = ctx.settings.service
    lang = ctx.language_of(group_id)
    names = await store.member_names(s, group_id)
    # The leads and the supervisor on duty hear of it, privately.
    leads = tuple(
        dict.fromkeys(
            [*_lead_ids(ctx, group_id), *await on_duty_supervisors(ctx, s, group_id, now)]
        )
    )
    moved = False
    for conv in due:
        late = conv.counsellor_id or ""
        conv.tried = [*conv.tried, late]
        newly_paused = await _pause(s, group_id, late, now)
        loads = await _on_duty(ctx, s, group_id, now)
        nxt = reroute_after_timeout(
            on_duty=loads,
            max_open=svc.max_open_per_counsellor,
            current=late,
            tried=conv.tried,
            is_crisis=conv.is_crisis,
            timing=timing(ctx, now),
        )
        staff = _name(names, conv.staff_id)
        if nxt is not None:
            summary = await _summary(s, conv)
            await assign(
                ctx,
                s,
                conv,
                nxt,
                now,
                staff=staff,
                text=summary.text,
                names=names,
                since=summary.since or conv.last_message_at,
                key="assignment_timeout",
                late=_name(names, late),
                minutes=svc.first_response_minutes,
            )
        else:
            conv.response_due_at = None  # nobody else is left; it stays, and the leads know
        # The leads hear once per conversation that it went unanswered, and once per pause that
        # its counsellor gets no new ones: in one post when both are news.
        parts = []
        if conv.escalated_at is None and leads:
            conv.escalated_at = now
            key = "escalation_moved" if nxt else "escalation_stuck"
            parts.append(
                t(
                    lang,
                    key,
                    staff=staff,
                    late=_name(names, late),
                    next=_name(names, nxt or ""),
                    minutes=svc.first_response_minutes,
                )
            )
        if newly_paused:
            if not parts:  # the conversation was news before: say what is news now
                parts.append(
                    t(
                        lang,
                        "paused_alone_leads",
                        staff=staff,
                        late=_name(names, late),
                        minutes=svc.first_response_minutes,
                    )
                )
            parts.append(t(lang, "paused_leads", late=_name(names, late)))
        if parts and leads:
            text = "\n".join(parts)
            enqueue(s, OutboundMessage(group_id, text, "escalation", leads, leads), now)
            after_commit(s, ctx.metrics.escalations.labels(group_id, "unanswered").inc)
        await s.flush()
        moved = moved or nxt is not None
    if moved:  # the late counsellor's freed place goes to whoever waits, as at any release
        await drain_queue(ctx, s, group_id, now)
    return len(due)


async def _pause(s: AsyncSession, group_id: str, member_id: str, now: datetime) -> bool:
    """`member_id` let a conversation time out: no new ones for them until they answer.

    Whether this began a pause (the leads are told once per pause)."""
    member = await s.get(models.Member, (group_id, member_id))
    if member is None or member.paused_at is not None:
        return False
    member.paused_at = now
    return True


async def resume(
    ctx: Context, s: AsyncSession, group_id: str, member_id: str, now: datetime
) -> bool:
    """End `member_id`'s pause (they posted, sent /ack, or a lead sent /resume): new
    conversations come to them again, starting with whoever waits. Whether they were paused."""
    m = models.Member
    res = await s.execute(
        update(m)
        .where(m.group_id == group_id, m.id == member_id, m.paused_at.is_not(None))
        .values(paused_at=None)
    )
    if not getattr(res, "rowcount", 0):
        return False
    await drain_queue(ctx, s, group_id, now)
    return True


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
