"""Swaps and cover: a lead swaps at once; a counsellor offers their own shift to another, who
accepts it (or a lead approves); a counsellor asks for cover and another takes the shift.

A request waits in `rota_requests` until it is answered; until then the rota does not change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot import models, rota_args, rota_changes, store
from bot.errors import RotaError
from bot.i18n import join, t
from bot.rota_args import ArgumentError
from handlers.commands import Invocation
from handlers.rota_replies import (
    apply,
    bad_args,
    leads_of,
    listed,
    members,
    refused,
    rota_command,
    span_words,
    today,
    typed,
)

# --- swaps: a lead swaps at once; a counsellor offers their own shift ----------------------


@rota_command("rota swap", "排班 换班", "counsellor")
async def rota_swap(inv: Invocation) -> None:
    """Swap a shift (leads); offer your own shift to another counsellor (counsellors)."""
    me = listed(inv)
    if me is None:
        return
    try:
        a = rota_args.parse_swap(inv.args, members(inv), inv.sender_id, today(inv))
    except ArgumentError as e:
        bad_args(inv, e)
        return
    start_at, end_at = a.span.instants(inv.ctx.hours)
    if inv.role == "lead":
        await apply(
            inv,
            rota_changes.swap_shift(
                inv.ctx,
                inv.session,
                group_id=inv.group_id,
                actor_id=inv.sender_id,
                member_a=a.member_a,
                member_b=a.member_b,
                start_at=start_at,
                end_at=end_at,
                now=inv.now,
            ),
        )
        return
    names = await store.member_names(inv.session, inv.group_id)
    if a.member_a != inv.sender_id:
        example = " ".join(
            [
                typed(inv),
                me.display_name,
                names.get(a.member_a, a.member_a),
                span_words(inv, a.span),
            ]
        )
        leads = join(inv.ctx.language, [m.display_name for m in leads_of(inv)])
        inv.say("rota_swap_own_only", example=example, leads=leads)
        return
    try:
        await rota_changes.check_swap(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            member_a=a.member_a,
            member_b=a.member_b,
            start_at=start_at,
            end_at=end_at,
            now=inv.now,
        )
    except RotaError as e:
        refused(inv, e)
        return
    req = await _open_request(inv, "swap", start_at, end_at, a.member_b)
    if req is None:
        return
    inv.reply(
        t(
            inv.ctx.language,
            "rota_swap_proposed",
            n=req.id,
            a=me.display_name,
            b=names.get(a.member_b, a.member_b),
            span=span_words(inv, a.span),
        ),
        (a.member_b, inv.sender_id),
    )


@rota_command("accept", "同意", "counsellor")
async def accept(inv: Invocation) -> None:
    """Accept a swap offered to you (or approve one, as a lead)."""
    if listed(inv) is None:
        return
    try:
        n = rota_args.parse_number_args(inv.args, optional=True)
    except ArgumentError as e:
        bad_args(inv, e)
        return
    lang = inv.ctx.language
    names = await store.member_names(inv.session, inv.group_id)
    pending = await _pending(inv, "swap")
    if n is not None:
        req = next((r for r in pending if r.id == n), None)
        if req is None:
            inv.say("rota_no_request", n=n, what=t(lang, "rota_what_swap"))
            return
        if inv.role != "lead" and req.target_id != inv.sender_id:
            b = names.get(req.target_id or "", req.target_id or "")
            inv.say("rota_accept_not_yours", n=n, b=b)
            return
    else:
        mine = [r for r in pending if inv.role == "lead" or r.target_id == inv.sender_id]
        if not mine:
            inv.say("rota_accept_none")
            return
        if len(mine) > 1:
            items = join(lang, [f"#{r.id} {_request_words(inv, r, names)}" for r in mine])
            inv.say("rota_accept_which", n=mine[0].id, items=items)
            return
        req = mine[0]
    assert req.target_id is not None
    try:
        change = await rota_changes.swap_shift(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            actor_id=inv.sender_id,
            member_a=req.requester_id,
            member_b=req.target_id,
            start_at=req.start_at,
            end_at=req.end_at,
            now=inv.now,
        )
    except RotaError as e:
        if req.start_at <= inv.now:
            req.status = "expired"
        refused(inv, e)
        return
    _close_request(inv, req, change, (req.requester_id, req.target_id), names)


# --- cover: a counsellor asks, another takes -----------------------------------------------


@rota_command("rota release", "代班", "counsellor")
async def rota_release(inv: Invocation) -> None:
    """Ask for cover for one of your shifts (it stays yours until someone takes it)."""
    me = listed(inv)
    if me is None:
        return
    try:
        span = rota_args.parse_span_args(inv.args, today(inv))
    except ArgumentError as e:
        bad_args(inv, e)
        return
    start_at, end_at = span.instants(inv.ctx.hours)
    try:
        await rota_changes.check_release(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            member_id=inv.sender_id,
            start_at=start_at,
            end_at=end_at,
            now=inv.now,
        )
    except RotaError as e:
        refused(inv, e)
        return
    req = await _open_request(inv, "release", start_at, end_at, None)
    if req is None:
        return
    inv.reply(
        t(
            inv.ctx.language,
            "rota_release_asked",
            n=req.id,
            name=me.display_name,
            span=span_words(inv, span),
        ),
        (inv.sender_id,),
    )


@rota_command("rota take", "接班", "counsellor")
async def rota_take(inv: Invocation) -> None:
    """Take over a shift someone asked cover for."""
    if listed(inv) is None:
        return
    try:
        n = rota_args.parse_number_args(inv.args)
    except ArgumentError as e:
        bad_args(inv, e)
        return
    assert n is not None
    req = next((r for r in await _pending(inv, "release") if r.id == n), None)
    if req is None:
        inv.say("rota_no_request", n=n, what=t(inv.ctx.language, "rota_what_release"))
        return
    if req.requester_id == inv.sender_id:
        inv.say("rota_take_own", n=n)
        return
    try:
        change = await rota_changes.take_shift(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            actor_id=inv.sender_id,
            member_from=req.requester_id,
            member_to=inv.sender_id,
            start_at=req.start_at,
            end_at=req.end_at,
            now=inv.now,
        )
    except RotaError as e:
        if req.start_at <= inv.now:
            req.status = "expired"
        refused(inv, e)
        return
    names = await store.member_names(inv.session, inv.group_id)
    told = (inv.sender_id, req.requester_id, *(m.id for m in leads_of(inv)))
    _close_request(inv, req, change, tuple(dict.fromkeys(told)), names)


async def _pending(inv: Invocation, kind: str) -> list[models.RotaRequest]:
    """Open requests of this kind in the group; those whose shift has begun expire here."""
    r = models.RotaRequest
    rows = list(
        await inv.session.scalars(
            select(r)
            .where(r.group_id == inv.group_id, r.kind == kind, r.status == "pending")
            .order_by(r.id)
        )
    )
    for row in rows:
        if row.start_at <= inv.now:
            row.status = "expired"
    return [row for row in rows if row.status == "pending"]


async def _open_request(
    inv: Invocation, kind: str, start_at: datetime, end_at: datetime, target_id: str | None
) -> models.RotaRequest | None:
    """A new pending request, unless the same one is already open (then say so)."""
    for r in await _pending(inv, kind):
        same = (r.requester_id, r.start_at, r.end_at, r.target_id) == (
            inv.sender_id,
            start_at,
            end_at,
            target_id,
        )
        if same:
            inv.say("rota_already_asked", n=r.id)
            return None
    req = models.RotaRequest(
        group_id=inv.group_id,
        kind=kind,
        requester_id=inv.sender_id,
        target_id=target_id,
        start_at=start_at,
        end_at=end_at,
        status="pending",
        created_at=inv.now,
    )
    inv.session.add(req)
    await inv.session.flush()
    return req


def _request_words(inv: Invocation, r: models.RotaRequest, names: dict[str, str]) -> str:
    who = names.get(r.requester_id, r.requester_id)
    to = names.get(r.target_id or "", r.target_id or "")
    span = rota_changes.span_text(inv.ctx.hours, r.start_at, r.end_at)
    return f"{who}→{to} {span}"


def _close_request(
    inv: Invocation,
    req: models.RotaRequest,
    change: rota_changes.Change,
    mentions: tuple[str, ...],
    names: dict[str, str],
) -> None:
    req.status = "done"
    req.decided_by = inv.sender_id
    req.decided_at = inv.now
    req.audit_id = change.audit_id
    at_names = " ".join("@" + names.get(m, m) for m in mentions)
    inv.reply(
        t(
            inv.ctx.language,
            "rota_request_done",
            summary=change.summary,
            n=req.id,
            mentions=at_names,
        ),
        mentions,
    )
