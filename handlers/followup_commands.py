"""Follow-ups: /followup WHEN [STAFF] for counsellors, /followups to list one's own, and
/followup cancel N (bot/followups.py does the storing and the posting when due)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select

from bot import followups, models
from bot.i18n import t
from bot.quoting import quote
from bot.rota_args import ArgumentError
from handlers.commands import Invocation, Router, no_args
from handlers.conversation_commands import _confirm, _groups, _list_staff, _names

router = Router()


def _tell(inv: Invocation, text: str) -> None:
    """A reply about follow-ups, to the counsellor alone: that someone is to be followed up is
    nothing for the group (where the platform cannot post privately, the group sees only that
    there is a private message, never its text)."""
    me = (inv.sender_id,)
    inv.reply(text, me, private_to=me)


@dataclass(frozen=True, slots=True)
class FollowupArgs:
    when: followups.When
    who: str | None  # the staff member named, as written (None: the conversation at hand)


def followup_args(inv: Invocation) -> FollowupArgs:
    """WHEN, then optionally STAFF (the rest of the words: a name may have spaces)."""
    when, rest = followups.parse_when(inv.args, inv.now, inv.ctx.hours)
    who = " ".join(rest).lstrip("@＠").strip() or None
    return FollowupArgs(when, who)


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lstrip("@").strip().casefold()


async def _conversations(inv: Invocation) -> list[models.Conversation]:
    """The conversations of this group and the channels it serves, newest first."""
    c = models.Conversation
    return list(
        await inv.session.scalars(
            select(c)
            .where(c.group_id.in_(_groups(inv)))
            .order_by(c.last_message_at.desc(), c.id.desc())
            .limit(500)
        )
    )


@router.command(
    "followup",
    "跟进",
    role="counsellor",
    usage="cmd.followup.usage",
    summary="cmd.followup.summary",
    example="cmd.followup.example",
    args=followup_args,
)
async def followup_command(inv: Invocation, a: FollowupArgs) -> None:
    """Be reminded privately to follow someone up at WHEN (the counsellor on duty if you are
    off then): the conversation you hold, the one you closed last, or STAFF's."""
    lang = inv.lang
    me = inv.sender_id
    names = await _names(inv)
    convs = await _conversations(inv)
    mine = [c for c in convs if c.counsellor_id == me]
    conv: models.Conversation | None
    if a.who is not None:
        key = _key(a.who)

        def named(c: models.Conversation) -> bool:
            name = names.get(c.staff_id, "")
            return key in (c.staff_id.casefold(), name.casefold(), _key(quote(name)))

        # Yours first, then anyone's: a follow-up of someone a colleague talked to is fine.
        found = [c for c in mine if named(c)] or [c for c in convs if named(c)]
        if not found:
            _tell(inv, t(inv.lang, "followup_unknown", who=quote(a.who)))
            return
        conv = found[0]
    else:
        held = [c for c in mine if c.status == "open"]
        closed = sorted(
            (c for c in mine if c.status == "closed" and c.closed_at is not None),
            key=lambda c: c.closed_at or c.opened_at,
            reverse=True,
        )
        if len(held) > 1:
            example = t(lang, "cmd.followup.example")
            _tell(
                inv,
                t(inv.lang, "followup_which", held=_list_staff(lang, held, names), example=example),
            )
            return
        conv = held[0] if held else (closed[0] if closed else None)
        if conv is None:
            _tell(inv, t(inv.lang, "followup_none", example=t(lang, "cmd.followup.example")))
            return
    row = await followups.create(
        inv.ctx, inv.session, inv.group_id, me, conv.staff_id, conv.id, a.when.due, inv.now
    )
    hours = inv.ctx.hours
    svc = inv.ctx.settings.service
    values = {
        "when": followups.local_text(a.when.due, hours),
        "staff": quote(names.get(conv.staff_id, conv.staff_id)),
        "id": row.id,
    }
    if a.when.moved:
        asked = followups.local_text(a.when.asked, hours)
        text = t(
            lang, "followup_ok_moved", asked=asked, opens=svc.opens, closes=svc.closes, **values
        )
    else:
        text = t(lang, "followup_ok", **values)
    # The person's name: to the counsellor alone, never in the group.
    _confirm(inv, text)


@router.command(
    "followups",
    "我的跟进",
    role="counsellor",
    usage="cmd.followups.usage",
    summary="cmd.followups.summary",
    example="cmd.followups.example",
    args=no_args,
)
async def followups_command(inv: Invocation, _: None) -> None:
    """Your pending follow-ups, privately (numbered, to cancel one)."""
    lang = inv.lang
    pending = await followups.pending_of(inv.session, inv.group_id, inv.sender_id)
    if not pending:
        _tell(inv, t(inv.lang, "followups_none"))
        return
    names = await _names(inv)
    hours = inv.ctx.hours
    lines = [t(lang, "followups_title", count=len(pending))]
    lines += [
        t(
            lang,
            "followups_line",
            id=f.id,
            when=followups.local_text(f.due_at, hours),
            staff=quote(names.get(f.staff_id, f.staff_id)),
        )
        for f in pending
    ]
    me = (inv.sender_id,)
    inv.reply("\n".join(lines), me, private_to=me)


def number_arg(inv: Invocation) -> int:
    """The follow-up's number: "3" or "#3"."""
    if len(inv.args) != 1 or not inv.args[0].lstrip("#").isdigit():
        raise ArgumentError("followup_cancel_bad")
    return int(inv.args[0].lstrip("#"))


@router.command(
    "followup cancel",
    "跟进 取消",
    role="counsellor",
    usage="cmd.followup_cancel.usage",
    summary="cmd.followup_cancel.summary",
    example="cmd.followup_cancel.example",
    args=number_arg,
)
async def followup_cancel_command(inv: Invocation, number: int) -> None:
    """Cancel one of your pending follow-ups."""
    if await followups.cancel(inv.session, inv.group_id, inv.sender_id, number, inv.now):
        _tell(inv, t(inv.lang, "followup_cancel_ok", id=number))
    else:
        _tell(inv, t(inv.lang, "followup_cancel_unknown", id=number))
