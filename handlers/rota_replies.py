"""What the rota commands share: their argument parsers (the command's words, the group's
members and today, handed to bot/rota_args.py), refusals, confirmations, long replies split.

Who may edit: the router lets only config leads run the lead commands and only listed members
the counsellor ones (a display name in a message is never trusted). Anyone else is staff.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date

from bot import rota_args, rota_changes
from bot.config import MemberConfig
from bot.errors import RotaError
from bot.rota_args import RepeatArgs, ShiftArgs, Span, SwapArgs
from handlers.commands import Invocation

# --- argument parsers: Invocation -> typed value, or ArgumentError -------------------------


def shift_args(inv: Invocation) -> ShiftArgs:
    return rota_args.parse_shift(inv.args, members(inv), inv.sender_id, today(inv))


def swap_args(inv: Invocation) -> SwapArgs:
    return rota_args.parse_swap(inv.args, members(inv), inv.sender_id, today(inv))


def repeat_args(inv: Invocation) -> RepeatArgs:
    return rota_args.parse_repeat(inv.args, today(inv))


def view_args(inv: Invocation) -> tuple[date, ...]:
    return rota_args.parse_view(inv.args, today(inv))


def span_args(inv: Invocation) -> Span:
    return rota_args.parse_span_args(inv.args, today(inv))


def number_arg(inv: Invocation) -> int:
    n = rota_args.parse_number_args(inv.args)
    assert n is not None  # not optional: a missing number is an ArgumentError
    return n


def optional_number_arg(inv: Invocation) -> int | None:
    return rota_args.parse_number_args(inv.args, optional=True)


# --- answers -------------------------------------------------------------------------------


def refused(inv: Invocation, e: RotaError) -> None:
    inv.say("rota_refused", reason=str(e))


def applied(inv: Invocation, change: rota_changes.Change) -> None:
    """Confirm to the caller (the change re-aims the group's job itself once it commits)."""
    inv.say("rota_done", summary=change.summary)


async def apply(inv: Invocation, change: Awaitable[rota_changes.Change]) -> None:
    """Make a rota change and answer the caller: what was done, or why nothing was."""
    try:
        done = await change
    except RotaError as e:
        refused(inv, e)
        return
    applied(inv, done)


def reply_long(inv: Invocation, text: str) -> None:
    """A reply of any length, mentioning the caller: the outbox splits what does not fit the
    platform's post into parts at line breaks (only the first part mentions)."""
    inv.reply(text, (inv.sender_id,))


def leads_of(inv: Invocation) -> list[MemberConfig]:
    return inv.ctx.settings.leads_of(inv.group_id)


def today(inv: Invocation) -> date:
    return inv.ctx.hours.local_day(inv.now)


def members(inv: Invocation) -> list[MemberConfig]:
    return inv.ctx.settings.members_of(inv.group_id)


def span_words(inv: Invocation, span: Span) -> str:
    """ "MM-DD HH:MM-HH:MM", as every rota sentence writes a span."""
    return rota_changes.span_text(inv.ctx.hours, *span.instants(inv.ctx.hours))
