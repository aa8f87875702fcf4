"""Rota commands in the group chat: view it, edit it (leads), swap, cover, undo, gaps, iCal.

Thin: each handler parses its words (bot/rota_args.py), checks who may do it, and calls
bot/rota_changes.py, bot/rota_table.py or bot/ical.py. Who may edit: the registry lets only
config leads run the lead commands; the counsellor paths (swap offer, release, take, accept,
ical) check here that the sender is a listed member of this group, by platform user id only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot import ical, models, rota, rota_args, rota_changes, rota_table, store
from bot.config import MemberConfig
from bot.errors import RotaError
from bot.i18n import join, t
from bot.rota_args import ArgumentError, Span
from handlers.commands import Handler, Invocation, Role, command, normalise


def _command(name: str, alias: str, role: Role) -> Callable[[Handler], Handler]:
    """Register with the usage line and example from the catalogue (English in /help)."""
    slug = name.replace(" ", "_")
    return command(
        name,
        alias,
        role=role,
        usage=t("en", f"rota_usage_{slug}"),
        example=t("en", f"rota_example_{slug}"),
    )


# --- replies -------------------------------------------------------------------------------


def _slug(inv: Invocation) -> str:
    return inv.command.name.replace(" ", "_")


def _typed(inv: Invocation) -> str:
    """The command words as the caller wrote them ("/排班 添加"), for a corrected example."""
    words = normalise(inv.msg.text)[1:].split(" ")
    return "/" + " ".join(words[: len(words) - len(inv.args)])


def _bad_args(inv: Invocation, e: ArgumentError) -> None:
    """The reason, the usage line and a corrected example (the caller's words, fixed)."""
    lang = inv.ctx.language
    values = {k: join(lang, v) if isinstance(v, list) else v for k, v in e.values.items()}
    slug = _slug(inv)
    example = f"{_typed(inv)} {' '.join(e.fixed)}" if e.fixed else t(lang, f"rota_example_{slug}")
    text = t(
        lang,
        "rota_usage_reply",
        reason=t(lang, e.key, **values),
        usage=t(lang, f"rota_usage_{slug}"),
        example=example,
    )
    inv.reply(text, (inv.sender_id,))


def _refused(inv: Invocation, e: RotaError) -> None:
    inv.say("rota_refused", reason=str(e))


def _applied(inv: Invocation, change: rota_changes.Change) -> None:
    """Confirm to the caller; reschedule the group's boundary job once the change commits."""
    inv.say("rota_done", summary=change.summary)
    ctx, group_id = inv.ctx, inv.group_id
    rota_changes.call_after_commit(inv.session, lambda: ctx.rota_changed(group_id))


def _reply_long(inv: Invocation, text: str) -> None:
    """A reply split at line breaks into posts that fit; the first one mentions the caller."""
    for i, piece in enumerate(rota_table.pieces(text)):
        inv.reply(piece, (inv.sender_id,) if i == 0 else ())


def _leads(inv: Invocation) -> list[MemberConfig]:
    return [m for m in inv.ctx.settings.members_of(inv.group_id) if m.role == "lead"]


def _listed(inv: Invocation) -> MemberConfig | None:
    """The sender as a listed member of this group, or None after telling them who can help."""
    member = inv.ctx.settings.member(inv.group_id, inv.sender_id)
    if member is None:
        leads = join(inv.ctx.language, [m.display_name for m in _leads(inv)])
        inv.say("rota_member_unknown", leads=leads)
    return member


def _today(inv: Invocation) -> date:
    return inv.ctx.hours.local_day(inv.now)


def _members(inv: Invocation) -> list[MemberConfig]:
    return inv.ctx.settings.members_of(inv.group_id)


def _span_words(inv: Invocation, span: Span) -> str:
    start_at, end_at = span.instants(inv.ctx.hours)
    return f"{span.day:%m-%d} {rota.format_span(inv.ctx.hours, start_at, end_at)}"


# --- everyone: who is on duty, the rota ----------------------------------------------------


@_command("oncall", "值班", "everyone")
async def oncall(inv: Invocation) -> None:
    """Who is on duty now, until when, and who is next."""
    try:
        rota_args.parse_no_args(inv.args)
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    svc = inv.ctx.settings.service
    shifts = await store.shifts_between(
        inv.session, inv.group_id, inv.now - timedelta(days=1), inv.now + timedelta(days=9)
    )
    names = await store.member_names(inv.session, inv.group_id)
    text = rota_table.oncall_text(
        inv.ctx.language, inv.ctx.hours, shifts, inv.now, names, svc.opens, svc.closes
    )
    _reply_long(inv, text)


@_command("rota", "排班", "everyone")
async def rota_view(inv: Invocation) -> None:
    """The rota of a day or a week as a compact table, gaps marked."""
    try:
        days = rota_args.parse_view(inv.args, _today(inv))
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    hours = inv.ctx.hours
    svc = inv.ctx.settings.service
    shifts = await store.shifts_between(
        inv.session, inv.group_id, hours.window(days[0])[0], hours.window(days[-1])[1]
    )
    names = await store.member_names(inv.session, inv.group_id)
    text = rota_table.rota_text(
        inv.ctx.language,
        hours,
        shifts,
        days,
        names,
        opens=svc.opens,
        closes=svc.closes,
        min_on_duty=svc.min_on_duty,
    )
    _reply_long(inv, text)


# --- leads: edit the rota ------------------------------------------------------------------


@_command("rota add", "排班 添加", "lead")
async def rota_add(inv: Invocation) -> None:
    """Put a counsellor on the rota."""
    if _listed(inv) is None:
        return
    try:
        a = rota_args.parse_shift(inv.args, _members(inv), inv.sender_id, _today(inv))
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    start_at, end_at = a.span.instants(inv.ctx.hours)
    try:
        change = await rota_changes.add_shift(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            actor_id=inv.sender_id,
            member_id=a.member_id,
            start_at=start_at,
            end_at=end_at,
            now=inv.now,
        )
    except RotaError as e:
        _refused(inv, e)
        return
    _applied(inv, change)


@_command("rota remove", "排班 删除", "lead")
async def rota_remove(inv: Invocation) -> None:
    """Take a shift (or part of one) off the rota."""
    if _listed(inv) is None:
        return
    try:
        a = rota_args.parse_shift(inv.args, _members(inv), inv.sender_id, _today(inv))
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    start_at, end_at = a.span.instants(inv.ctx.hours)
    try:
        change = await rota_changes.remove_shift(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            actor_id=inv.sender_id,
            member_id=a.member_id,
            start_at=start_at,
            end_at=end_at,
            now=inv.now,
        )
    except RotaError as e:
        _refused(inv, e)
        return
    _applied(inv, change)


@_command("rota repeat", "排班 复制", "lead")
async def rota_repeat(inv: Invocation) -> None:
    """Copy one day's rota onto other days."""
    if _listed(inv) is None:
        return
    try:
        a = rota_args.parse_repeat(inv.args, _today(inv))
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    try:
        change = await rota_changes.repeat_day(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            actor_id=inv.sender_id,
            source=a.source,
            targets=a.targets,
            now=inv.now,
        )
    except RotaError as e:
        _refused(inv, e)
        return
    _applied(inv, change)


@_command("rota undo", "排班 撤销", "lead")
async def rota_undo(inv: Invocation) -> None:
    """Undo your last rota change."""
    if _listed(inv) is None:
        return
    try:
        rota_args.parse_no_args(inv.args)
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    try:
        change = await rota_changes.undo_last(
            inv.ctx, inv.session, group_id=inv.group_id, actor_id=inv.sender_id, now=inv.now
        )
    except RotaError as e:
        _refused(inv, e)
        return
    _applied(inv, change)


@_command("gaps", "缺口", "lead")
async def gaps(inv: Invocation) -> None:
    """Times with fewer counsellors on duty than service.min_on_duty."""
    try:
        days = rota_args.parse_view(inv.args, _today(inv))
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    hours = inv.ctx.hours
    svc = inv.ctx.settings.service
    shifts = await store.shifts_between(
        inv.session, inv.group_id, hours.window(days[0])[0], hours.window(days[-1])[1]
    )
    found = rota.gaps(shifts, hours, days, svc.min_on_duty, after=inv.now)
    _reply_long(inv, rota_table.gaps_text(inv.ctx.language, hours, found, days, svc.min_on_duty))


# --- swaps: a lead swaps at once; a counsellor offers their own shift ----------------------


@_command("rota swap", "排班 换班", "counsellor")
async def rota_swap(inv: Invocation) -> None:
    """Swap a shift (leads); offer your own shift to another counsellor (counsellors)."""
    me = _listed(inv)
    if me is None:
        return
    try:
        a = rota_args.parse_swap(inv.args, _members(inv), inv.sender_id, _today(inv))
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    start_at, end_at = a.span.instants(inv.ctx.hours)
    if inv.role == "lead":
        try:
            change = await rota_changes.swap_shift(
                inv.ctx,
                inv.session,
                group_id=inv.group_id,
                actor_id=inv.sender_id,
                member_a=a.member_a,
                member_b=a.member_b,
                start_at=start_at,
                end_at=end_at,
                now=inv.now,
            )
        except RotaError as e:
            _refused(inv, e)
            return
        _applied(inv, change)
        return
    names = await store.member_names(inv.session, inv.group_id)
    if a.member_a != inv.sender_id:
        example = " ".join(
            [
                _typed(inv),
                me.display_name,
                names.get(a.member_a, a.member_a),
                _span_words(inv, a.span),
            ]
        )
        leads = join(inv.ctx.language, [m.display_name for m in _leads(inv)])
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
        _refused(inv, e)
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
            span=_span_words(inv, a.span),
        ),
        (a.member_b, inv.sender_id),
    )


@_command("accept", "同意", "counsellor")
async def accept(inv: Invocation) -> None:
    """Accept a swap offered to you (or approve one, as a lead)."""
    if _listed(inv) is None:
        return
    try:
        n = rota_args.parse_number_args(inv.args, optional=True)
    except ArgumentError as e:
        _bad_args(inv, e)
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
        _refused(inv, e)
        return
    _close_request(inv, req, change, (req.requester_id, req.target_id), names)


# --- cover: a counsellor asks, another takes -----------------------------------------------


@_command("rota release", "代班", "counsellor")
async def rota_release(inv: Invocation) -> None:
    """Ask for cover for one of your shifts (it stays yours until someone takes it)."""
    me = _listed(inv)
    if me is None:
        return
    try:
        span = rota_args.parse_span_args(inv.args, _today(inv))
    except ArgumentError as e:
        _bad_args(inv, e)
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
        _refused(inv, e)
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
            span=_span_words(inv, span),
        ),
        (inv.sender_id,),
    )


@_command("rota take", "接班", "counsellor")
async def rota_take(inv: Invocation) -> None:
    """Take over a shift someone asked cover for."""
    if _listed(inv) is None:
        return
    try:
        n = rota_args.parse_number_args(inv.args)
    except ArgumentError as e:
        _bad_args(inv, e)
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
        _refused(inv, e)
        return
    names = await store.member_names(inv.session, inv.group_id)
    told = (inv.sender_id, req.requester_id, *(m.id for m in _leads(inv)))
    _close_request(inv, req, change, tuple(dict.fromkeys(told)), names)


async def _pending(inv: Invocation, kind: str) -> list[models.RotaRequest]:
    r = models.RotaRequest
    rows = await inv.session.scalars(
        select(r)
        .where(r.group_id == inv.group_id, r.kind == kind, r.status == "pending")
        .order_by(r.id)
    )
    return list(rows)


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
    ctx, group_id = inv.ctx, inv.group_id
    rota_changes.call_after_commit(inv.session, lambda: ctx.rota_changed(group_id))


# --- iCal ----------------------------------------------------------------------------------


@_command("ical", "日历", "counsellor")
async def ical_link(inv: Invocation) -> None:
    """A private link to your own shifts as a calendar feed."""
    await _send_link(inv, reset=False)


@_command("ical reset", "日历 重置", "counsellor")
async def ical_reset(inv: Invocation) -> None:
    """Retire your calendar link and get a new one."""
    await _send_link(inv, reset=True)


async def _send_link(inv: Invocation, *, reset: bool) -> None:
    """The link is a secret: it goes to the member privately; the group only hears it was sent."""
    me = _listed(inv)
    if me is None:
        return
    try:
        rota_args.parse_no_args(inv.args)
    except ArgumentError as e:
        _bad_args(inv, e)
        return
    token = await ical.member_token(
        inv.session, inv.group_id, inv.sender_id, me.display_name, inv.now, reset=reset
    )
    group = inv.ctx.settings.group(inv.group_id)
    group_name = (group.name if group else "") or inv.group_id
    url = ical.feed_url(inv.ctx.settings, token)
    lang = inv.ctx.language
    inv.reply(t(lang, "ical_link", group=group_name, url=url), private_to=(inv.sender_id,))
    inv.say("ical_reset_sent" if reset else "ical_sent", name=me.display_name)
