"""Rota commands in the group chat: who is on duty, the rota table, edits by leads, gaps, iCal.

Thin: each handler parses its words (bot/rota_args.py) and calls bot/rota_changes.py,
bot/rota_table.py or bot/ical.py. Swaps and cover requests are in handlers/rota_swaps.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot import ical, rota, rota_args, rota_changes, rota_table, store
from bot.i18n import t
from bot.rota_args import ArgumentError
from handlers.commands import Invocation
from handlers.rota_replies import (
    apply,
    bad_args,
    listed,
    members,
    reply_long,
    rota_command,
    today,
)

# --- everyone: who is on duty, the rota ----------------------------------------------------


@rota_command("oncall", "值班", "everyone")
async def oncall(inv: Invocation) -> None:
    """Who is on duty now, until when, and who is next."""
    try:
        rota_args.parse_no_args(inv.args)
    except ArgumentError as e:
        bad_args(inv, e)
        return
    svc = inv.ctx.settings.service
    shifts = await store.shifts_between(
        inv.session, inv.group_id, inv.now - timedelta(days=1), inv.now + timedelta(days=9)
    )
    names = await store.member_names(inv.session, inv.group_id)
    text = rota_table.oncall_text(
        inv.lang, inv.ctx.hours, shifts, inv.now, names, svc.opens, svc.closes
    )
    reply_long(inv, text)


@rota_command("rota", "排班", "everyone")
async def rota_view(inv: Invocation) -> None:
    """The rota of a day or a week as a compact table, gaps marked."""
    try:
        days = rota_args.parse_view(inv.args, today(inv))
    except ArgumentError as e:
        bad_args(inv, e)
        return
    hours = inv.ctx.hours
    svc = inv.ctx.settings.service
    shifts = await store.shifts_between(
        inv.session, inv.group_id, hours.window(days[0])[0], hours.window(days[-1])[1]
    )
    names = await store.member_names(inv.session, inv.group_id)
    text = rota_table.rota_text(
        inv.lang,
        hours,
        shifts,
        days,
        names,
        opens=svc.opens,
        closes=svc.closes,
        min_on_duty=svc.min_on_duty,
    )
    reply_long(inv, text)


# --- leads: edit the rota ------------------------------------------------------------------


@rota_command("rota add", "排班 添加", "lead")
async def rota_add(inv: Invocation) -> None:
    """Put a counsellor on the rota."""
    await _edit_shift(inv, rota_changes.add_shift)


@rota_command("rota remove", "排班 删除", "lead")
async def rota_remove(inv: Invocation) -> None:
    """Take a shift (or part of one) off the rota."""
    await _edit_shift(inv, rota_changes.remove_shift)


async def _edit_shift(inv: Invocation, edit: Callable[..., Awaitable[rota_changes.Change]]) -> None:
    """`/rota add` and `/rota remove`: the same arguments, the one edit each names."""
    if listed(inv) is None:
        return
    try:
        a = rota_args.parse_shift(inv.args, members(inv), inv.sender_id, today(inv))
    except ArgumentError as e:
        bad_args(inv, e)
        return
    start_at, end_at = a.span.instants(inv.ctx.hours)
    await apply(
        inv,
        edit(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            actor_id=inv.sender_id,
            member_id=a.member_id,
            start_at=start_at,
            end_at=end_at,
            now=inv.now,
        ),
    )


@rota_command("rota repeat", "排班 复制", "lead")
async def rota_repeat(inv: Invocation) -> None:
    """Copy one day's rota onto other days."""
    if listed(inv) is None:
        return
    try:
        a = rota_args.parse_repeat(inv.args, today(inv))
    except ArgumentError as e:
        bad_args(inv, e)
        return
    await apply(
        inv,
        rota_changes.repeat_day(
            inv.ctx,
            inv.session,
            group_id=inv.group_id,
            actor_id=inv.sender_id,
            source=a.source,
            targets=a.targets,
            now=inv.now,
        ),
    )


@rota_command("rota undo", "排班 撤销", "lead")
async def rota_undo(inv: Invocation) -> None:
    """Undo your last rota change."""
    if listed(inv) is None:
        return
    try:
        rota_args.parse_no_args(inv.args)
    except ArgumentError as e:
        bad_args(inv, e)
        return
    await apply(
        inv,
        rota_changes.undo_last(
            inv.ctx, inv.session, group_id=inv.group_id, actor_id=inv.sender_id, now=inv.now
        ),
    )


@rota_command("gaps", "缺口", "lead")
async def gaps(inv: Invocation) -> None:
    """Times with fewer counsellors on duty than service.min_on_duty."""
    try:
        days = rota_args.parse_view(inv.args, today(inv))
    except ArgumentError as e:
        bad_args(inv, e)
        return
    hours = inv.ctx.hours
    svc = inv.ctx.settings.service
    shifts = await store.shifts_between(
        inv.session, inv.group_id, hours.window(days[0])[0], hours.window(days[-1])[1]
    )
    found = rota.gaps(shifts, hours, days, svc.min_on_duty, after=inv.now)
    reply_long(inv, rota_table.gaps_text(inv.lang, hours, found, days, svc.min_on_duty))


# --- iCal ----------------------------------------------------------------------------------


@rota_command("ical", "日历", "counsellor")
async def ical_link(inv: Invocation) -> None:
    """A private link to your own shifts as a calendar feed."""
    await _send_link(inv, reset=False)


@rota_command("ical reset", "日历 重置", "counsellor")
async def ical_reset(inv: Invocation) -> None:
    """Retire your calendar link and get a new one."""
    await _send_link(inv, reset=True)


async def _send_link(inv: Invocation, *, reset: bool) -> None:
    """The link is a secret: it goes to the member privately; the group only hears it was sent."""
    me = listed(inv)
    if me is None:
        return
    try:
        rota_args.parse_no_args(inv.args)
    except ArgumentError as e:
        bad_args(inv, e)
        return
    token = await ical.member_token(
        inv.session, inv.group_id, inv.sender_id, me.display_name, inv.now, reset=reset
    )
    group = inv.ctx.settings.group(inv.group_id)
    group_name = (group.name if group else "") or inv.group_id
    url = ical.feed_url(inv.ctx.settings, token)
    lang = inv.lang
    inv.reply(t(lang, "ical_link", group=group_name, url=url), private_to=(inv.sender_id,))
    inv.say("ical_reset_sent" if reset else "ical_sent", name=me.display_name)
