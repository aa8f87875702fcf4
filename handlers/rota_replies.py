"""How the rota commands answer and whom they trust: registration with catalogue usage lines,
the usage reply with a corrected example, refusals, confirmations, long replies.

Who may edit: the registry lets only config leads run the lead commands; the counsellor paths
check with `listed` that the sender is a member of this group in the config, matched by platform
user id only (a display name in a message is never trusted). Anyone else is staff.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from bot import rota, rota_changes
from bot.config import MemberConfig
from bot.errors import RotaError
from bot.i18n import join, t
from bot.rota_args import ArgumentError, Span
from handlers.commands import Handler, Invocation, Role, command, normalise


def rota_command(name: str, alias: str, role: Role) -> Callable[[Handler], Handler]:
    """Register with the usage line and example from the catalogue (English in /help)."""
    slug = name.replace(" ", "_")
    return command(
        name,
        alias,
        role=role,
        usage=t("en", f"rota_usage_{slug}"),
        example=t("en", f"rota_example_{slug}"),
    )


def command_slug(inv: Invocation) -> str:
    return inv.command.name.replace(" ", "_")


def typed(inv: Invocation) -> str:
    """The command words as the caller wrote them ("/排班 添加"), for a corrected example."""
    words = normalise(inv.msg.text)[1:].split(" ")
    return "/" + " ".join(words[: len(words) - len(inv.args)])


def bad_args(inv: Invocation, e: ArgumentError) -> None:
    """The reason, the usage line and a corrected example (the caller's words, fixed)."""
    lang = inv.ctx.language
    values = {k: join(lang, v) if isinstance(v, list) else v for k, v in e.values.items()}
    slug = command_slug(inv)
    example = f"{typed(inv)} {' '.join(e.fixed)}" if e.fixed else t(lang, f"rota_example_{slug}")
    text = t(
        lang,
        "rota_usage_reply",
        reason=t(lang, e.key, **values),
        usage=t(lang, f"rota_usage_{slug}"),
        example=example,
    )
    inv.reply(text, (inv.sender_id,))


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


def listed(inv: Invocation) -> MemberConfig | None:
    """The sender as a listed member of this group, or None after telling them who can help."""
    member = inv.ctx.settings.member(inv.group_id, inv.sender_id)
    if member is None:
        leads = join(inv.ctx.language, [m.display_name for m in leads_of(inv)])
        inv.say("rota_member_unknown", leads=leads)
    return member


def today(inv: Invocation) -> date:
    return inv.ctx.hours.local_day(inv.now)


def members(inv: Invocation) -> list[MemberConfig]:
    return inv.ctx.settings.members_of(inv.group_id)


def span_words(inv: Invocation, span: Span) -> str:
    start_at, end_at = span.instants(inv.ctx.hours)
    return f"{span.day:%m-%d} {rota.format_span(inv.ctx.hours, start_at, end_at)}"
