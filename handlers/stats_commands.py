"""`/stats [day|week]` `/统计`: report figures for leads, today so far or the last seven days."""

from __future__ import annotations

from datetime import timedelta

from bot import rota_args, store
from bot.report import build_report, day_period, format_report, service_day
from handlers.commands import Invocation, Router

router = Router()


def period_args(inv: Invocation) -> int:
    return rota_args.parse_period(inv.args)


@router.command(
    "stats",
    "统计",
    role="lead",
    usage="cmd.stats.usage",
    summary="cmd.stats.summary",
    example="cmd.stats.example",
    args=period_args,
)
async def stats_command(inv: Invocation, days: int) -> None:
    """Figures for today so far (or the last seven days), without any message text."""
    hours = inv.ctx.hours
    today = service_day(hours, inv.now)
    start_at = day_period(hours, today - timedelta(days=days - 1))[0]
    report = await build_report(inv.session, inv.ctx.settings, inv.group_id, start_at, inv.now)
    names = await store.member_names(inv.session, inv.group_id)
    text = format_report(report, names, inv.lang)
    # Per-counsellor figures are for the leads: sent privately to the one who asked.
    inv.reply(text, (inv.sender_id,), private_to=(inv.sender_id,))
