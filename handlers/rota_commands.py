"""Rota commands in the group chat: who is on duty, the rota table, edits by leads, gaps, iCal.

Thin: each handler parses its words (bot/rota_args.py) and calls bot/rota_changes.py,
bot/rota_table.py or bot/ical.py. Swaps and cover requests are in handlers/rota_swaps.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta

from bot import ical, rota, rota_changes, rota_table, store
from bot.i18n import t
from bot.rota_args import RepeatArgs, ShiftArgs
from handlers.commands import Invocation, Router, no_args
from handlers.rota_replies import apply, repeat_args, reply_long, shift_args, view_args

router = Router()

# --- everyone: who is on duty, the rota ----------------------------------------------------


@router.command(
    "oncall",
    "值班",
    role="everyone",
    usage="cmd.oncall.usage",
    summary="cmd.oncall.summary",
    example="cmd.oncall.example",
    args=no_args,
)
async def oncall(inv: Invocation, _: None) -> None:
    """Who is on duty now, until when, and who is next."""
    svc = inv.ctx.settings.service
    shifts, supervising = await store.split_supervision(
        inv.session,
        inv.group_id,
        await store.shifts_between(
            inv.session, inv.group_id, inv.now - timedelta(days=1), inv.now + timedelta(days=9)
        ),
    )
    names = await store.member_names(inv.session, inv.group_id)
    text = rota_table.oncall_text(
        inv.lang, inv.ctx.hours, shifts, inv.now, names, svc.opens, svc.closes
    )
    text += rota_table.supervising_text(inv.lang, inv.ctx.hours, supervising, inv.now, names)
    reply_long(inv, text)


@router.command(
    "rota",
    "排班",
    role="everyone",
    usage="cmd.rota.usage",
    summary="cmd.rota.summary",
    example="cmd.rota.example",
    args=view_args,
)
async def rota_view(inv: Invocation, days: tuple[date, ...]) -> None:
    """The rota of a day or a week as a compact table, gaps marked."""
    hours = inv.ctx.hours
    svc = inv.ctx.settings.service
    shifts, supervising = await store.split_supervision(
        inv.session,
        inv.group_id,
        await store.shifts_between(
            inv.session, inv.group_id, hours.window(days[0])[0], hours.window(days[-1])[1]
        ),
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
        supervising=supervising,
    )
    reply_long(inv, text)


# --- leads: edit the rota ------------------------------------------------------------------


@router.command(
    "rota add",
    "排班 添加",
    role="lead",
    usage="cmd.rota_add.usage",
    summary="cmd.rota_add.summary",
    example="cmd.rota_add.example",
    args=shift_args,
)
async def rota_add(inv: Invocation, a: ShiftArgs) -> None:
    """Put a counsellor on the rota."""
    await _edit_shift(inv, a, rota_changes.add_shift)


@router.command(
    "rota remove",
    "排班 删除",
    role="lead",
    usage="cmd.rota_remove.usage",
    summary="cmd.rota_remove.summary",
    example="cmd.rota_remove.example",
    args=shift_args,
)
async def rota_remove(inv: Invocation, a: ShiftArgs) -> None:
    """Take a shift (or part of one) off the rota."""
    await _edit_shift(inv, a, rota_changes.remove_shift)


async def _edit_shift(
    inv: Invocation, a: ShiftArgs, edit: Callable[..., Awaitable[rota_changes.Change]]
) -> None:
    """`/rota add` and `/rota remove`: the same arguments, the one edit each names."""
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


@router.command(
    "rota repeat",
    "排班 复制",
    role="lead",
    usage="cmd.rota_repeat.usage",
    summary="cmd.rota_repeat.summary",
    example="cmd.rota_repeat.example",
    args=repeat_args,
)
async def rota_repeat(inv: Invocation, a: RepeatArgs) -> None:
    """Copy one day's rota onto other days."""
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


@router.command(
    "rota undo",
    "排班 撤销",
    role="lead",
    usage="cmd.rota_undo.usage",
    summary="cmd.rota_undo.summary",
    example="cmd.rota_undo.example",
    args=no_args,
)
async def rota_undo(inv: Invocation, _: None) -> None:
    """Undo your last rota change."""
    await apply(
        inv,
        rota_changes.undo_last(
            inv.ctx, inv.session, group_id=inv.group_id, actor_id=inv.sender_id, now=inv.now
        ),
    )


@router.command(
    "gaps",
    "缺口",
    role="lead",
    usage="cmd.gaps.usage",
    summary="cmd.gaps.summary",
    example="cmd.gaps.example",
    args=view_args,
)
async def gaps(inv: Invocation, days: tuple[date, ...]) -> None:
    """Times with fewer counsellors on duty than service.min_on_duty."""
    hours = inv.ctx.hours
    svc = inv.ctx.settings.service
    shifts, _ = await store.split_supervision(
        inv.session,
        inv.group_id,
        await store.shifts_between(
            inv.session, inv.group_id, hours.window(days[0])[0], hours.window(days[-1])[1]
        ),
    )
    found = rota.gaps(shifts, hours, days, svc.min_on_duty, after=inv.now)
    reply_long(inv, rota_table.gaps_text(inv.lang, hours, found, days, svc.min_on_duty))


# --- iCal ----------------------------------------------------------------------------------


@router.command(
    "ical",
    "日历",
    role="counsellor",
    usage="cmd.ical.usage",
    summary="cmd.ical.summary",
    example="cmd.ical.example",
    args=no_args,
)
async def ical_link(inv: Invocation, _: None) -> None:
    """A private link to your own shifts as a calendar feed."""
    await _send_link(inv, reset=False)


@router.command(
    "ical reset",
    "日历 重置",
    role="counsellor",
    usage="cmd.ical_reset.usage",
    summary="cmd.ical_reset.summary",
    example="cmd.ical_reset.example",
    args=no_args,
)
async def ical_reset(inv: Invocation, _: None) -> None:
    """Retire your calendar link and get a new one."""
    await _send_link(inv, reset=True)


async def _send_link(inv: Invocation, *, reset: bool) -> None:
    """The link is a secret: it goes to the member privately; the group only hears it was sent."""
    me = inv.me
    token = await ical.member_token(
        inv.session, inv.group_id, inv.sender_id, me.display_name, inv.now, reset=reset
    )
    group = inv.ctx.settings.group(inv.group_id)
    group_name = (group.name if group else "") or inv.group_id
    url = ical.feed_url(inv.ctx.settings, token)
    lang = inv.lang
    inv.reply(t(lang, "ical_link", group=group_name, url=url), private_to=(inv.sender_id,))
    inv.say("ical_reset_sent" if reset else "ical_sent", name=me.display_name)
