"""Commands about conversations: /done, /ack, /handover for counsellors; /queue for leads."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot import models, store
from bot.conversations import close, note_first_response
from bot.i18n import join, t
from bot.quoting import quote
from handlers.commands import Invocation, command

NOTE_MAX_CHARS = 500


def _age(now: datetime, since: datetime) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


async def _held(inv: Invocation) -> list[models.Conversation]:
    c = models.Conversation
    return list(
        await inv.session.scalars(
            select(c)
            .where(c.group_id == inv.group_id, c.counsellor_id == inv.sender_id, c.status == "open")
            .order_by(c.opened_at, c.id)
        )
    )


def _match(
    convs: list[models.Conversation], names: dict[str, str], who: str
) -> list[models.Conversation]:
    """Conversations whose staff member is `who`: an id, a display name, or an @mention."""
    key = who.removeprefix("@").casefold()
    return [
        c for c in convs if key in (c.staff_id.casefold(), names.get(c.staff_id, "").casefold())
    ]


@command("done", "结束", role="counsellor", usage="/done [STAFF]", example="/done @王医生")
async def done_command(inv: Invocation) -> None:
    """Close a conversation you hold (name the staff member if you hold several)."""
    lang = inv.ctx.language
    held = await _held(inv)
    names = await store.member_names(inv.session, inv.group_id)
    if len(inv.args) > 1:
        inv.say("usage_error", usage=inv.command.usage, example=inv.command.example)
        return
    if inv.args:
        chosen = _match(held, names, inv.args[0])
        if not chosen:
            inv.say("done_unknown", who=quote(inv.args[0]), held=_list_staff(lang, held, names))
            return
    elif len(held) == 1:
        chosen = held
    elif not held:
        inv.say("done_none")
        return
    else:
        inv.say("done_which", held=_list_staff(lang, held, names), example=inv.command.example)
        return
    conv = chosen[0]
    await close(inv.ctx, inv.session, conv, "done", inv.now)
    inv.reply(
        t(lang, "done_ok", staff=quote(names.get(conv.staff_id, conv.staff_id))),
        (inv.sender_id,),
    )


def _list_staff(lang: str, convs: list[models.Conversation], names: dict[str, str]) -> str:
    return join(lang, ["@" + quote(names.get(c.staff_id, c.staff_id)) for c in convs])


@command("ack", "接", role="counsellor", usage="/ack", example="/ack")
async def ack_command(inv: Invocation) -> None:
    """Confirm you have taken the conversations just assigned to you."""
    if inv.args:
        inv.say("usage_error", usage=inv.command.usage, example=inv.command.example)
        return
    count = await note_first_response(inv.ctx, inv.session, inv.group_id, inv.sender_id, inv.now)
    inv.say("ack_ok" if count else "ack_none", count=count)


@command(
    "handover",
    "交接",
    role="counsellor",
    usage="/handover NOTE",
    example="/handover 王医生今晚值夜班，明早再联系",
)
async def handover_command(inv: Invocation) -> None:
    """Leave a note on your open conversations for whoever takes them over."""
    note = inv.rest
    if not note:
        inv.say("usage_error", usage=inv.command.usage, example=inv.command.example)
        return
    if len(note) > NOTE_MAX_CHARS:
        inv.say("handover_too_long", limit=NOTE_MAX_CHARS)
        return
    held = await _held(inv)
    if not held:
        inv.say("done_none")
        return
    for conv in held:
        conv.handover_note = note
    # The note itself is not echoed: it may be private, and it travels with the handover.
    inv.say("handover_ok", count=len(held))


@command("queue", "队列", role="lead", usage="/queue", example="/queue")
async def queue_command(inv: Invocation) -> None:
    """Waiting and open conversations with their ages, privately (never message text)."""
    lang = inv.ctx.language
    c = models.Conversation
    convs = list(
        await inv.session.scalars(
            select(c)
            .where(c.group_id == inv.group_id, c.status != "closed")
            .order_by(c.status.desc(), c.is_crisis.desc(), c.opened_at, c.id)
        )
    )
    names = {k: quote(v) for k, v in (await store.member_names(inv.session, inv.group_id)).items()}
    if not convs:
        inv.say("queue_empty")
        return
    lines = [
        t(
            lang,
            "queue_title",
            waiting=sum(x.status == "waiting" for x in convs),
            open=sum(x.status == "open" for x in convs),
        )
    ]
    for x in convs:
        flags = t(lang, "crisis_mark") if x.is_crisis else ""
        if x.status == "open" and x.first_response_at is None:
            flags += t(lang, "queue_unanswered")
        staff = names.get(x.staff_id, x.staff_id)
        if x.status == "waiting":
            lines.append(
                t(
                    lang,
                    "queue_waiting_line",
                    staff=staff,
                    age=_age(inv.now, x.opened_at),
                    flags=flags,
                )
            )
        else:
            holder = names.get(x.counsellor_id or "", x.counsellor_id or "")
            lines.append(
                t(
                    lang,
                    "queue_open_line",
                    staff=staff,
                    counsellor=holder,
                    age=_age(inv.now, x.opened_at),
                    flags=flags,
                )
            )
    # Names and crisis marks: for the lead who asked alone, never in the group.
    inv.reply("\n".join(lines), (inv.sender_id,), private_to=(inv.sender_id,))
