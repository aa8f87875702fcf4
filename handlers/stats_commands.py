"""`/stats [day|week]` `/统计`: report figures for leads, today so far or the last seven days."""

from __future__ import annotations

from datetime import timedelta

from bot import store
from bot.report import build_report, day_period, format_report, service_day
from handlers.commands import Invocation, command

DAY_WORDS = frozenset({"day", "today", "日", "天", "今天", "今日"})
WEEK_WORDS = frozenset({"week", "周", "本周", "一周", "七天"})


@command("stats", "统计", role="lead", usage="/stats [day|week]", example="/stats week")
async def stats_command(inv: Invocation) -> None:
    """Figures for today so far (or the last seven days), without any message text."""
    words = [w.casefold() for w in inv.args]
    if len(words) > 1 or (words and words[0] not in DAY_WORDS | WEEK_WORDS):
        inv.say("stats_usage")
        return
    days = 7 if words and words[0] in WEEK_WORDS else 1
    hours = inv.ctx.hours
    today = service_day(hours, inv.now)
    start_at = day_period(hours, today - timedelta(days=days - 1))[0]
    report = await build_report(inv.session, inv.ctx.settings, inv.group_id, start_at, inv.now)
    names = await store.member_names(inv.session, inv.group_id)
    text = format_report(report, names, inv.lang)
    # Per-counsellor figures are for the leads: sent privately to the one who asked.
    inv.reply(text, (inv.sender_id,), private_to=(inv.sender_id,))
