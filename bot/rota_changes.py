"""Every rota edit, from chat, console or CSV: checked whole, written whole, audited, announced.

Each function runs inside the caller's write transaction. It checks the change against the
rules of bot/rota.py (inside the service window, no overlap for one counsellor, a counsellor of
this group, nothing before `now` altered) and raises RotaError, in the bot language with a
corrected example, before writing anything. On success it writes the shift rows, one audit row,
and (if the change alters the next 24 hours) one group announcement. Who may call them is the
caller's business; what follows a change is not: once the caller's transaction commits, the
group's job is re-aimed (`ctx.rota_changed`) and the outbox woken to send the announcement
(`ctx.wake_outbox`), by a hook the change registers on the session itself. A rollback runs
neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models, retention, rota, store
from bot.context import Context
from bot.db import after_commit
from bot.errors import RotaError
from bot.i18n import join, t
from bot.names import Names
from bot.outbox import enqueue
from bot.platforms.base import OutboundMessage

ANNOUNCE_WITHIN = timedelta(hours=24)
Action = Literal["add", "remove", "swap", "take", "repeat", "undo", "import"]  # in the audit log
_CHANGED_GROUPS = "carebot.rota_changed_groups"  # session.info: groups changed, hook registered


@dataclass(frozen=True, slots=True)
class Change:
    """One applied rota change, as recorded in the audit log."""

    audit_id: int
    action: Action
    group_id: str
    affected: tuple[str, ...]  # member ids whose shifts changed
    summary: str  # one line, bot language, e.g. "已为 张三 添加 11-25 08:00-10:00"


# --- public operations ---------------------------------------------------------------------


async def add_shift(
    ctx: Context,
    s: AsyncSession,
    *,
    group_id: str,
    actor_id: str,
    member_id: str,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
) -> Change:
    """Put `member_id` on duty over [start_at, end_at)."""
    names = await _begin(ctx, s, group_id)
    new = rota.Shift(member_id, start_at, end_at, group_id)
    summary = t(
        ctx.language_of(group_id),
        "rota_sum_add",
        name=names[member_id],
        span=span_text(ctx.hours, start_at, end_at),
    )
    return await _apply(ctx, s, group_id, actor_id, "add", [], [new], now, summary, names)


async def remove_shift(
    ctx: Context,
    s: AsyncSession,
    *,
    group_id: str,
    actor_id: str,
    member_id: str,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
) -> Change:
    """Take [start_at, end_at) off `member_id`'s shift that covers it (the rest of it stays)."""
    names = await _begin(ctx, s, group_id)
    row = await _covering(ctx, s, group_id, member_id, start_at, end_at, names)
    kept = rota.without(store.to_shift(row), start_at, end_at)
    summary = t(
        ctx.language_of(group_id),
        "rota_sum_remove",
        name=names[member_id],
        span=span_text(ctx.hours, start_at, end_at),
    )
    return await _apply(ctx, s, group_id, actor_id, "remove", [row], kept, now, summary, names)


async def swap_shift(
    ctx: Context,
    s: AsyncSession,
    *,
    group_id: str,
    actor_id: str,
    member_a: str,
    member_b: str,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
) -> Change:
    """`member_a`'s shift over [start_at, end_at) goes to `member_b` (b's there, if any, to a)."""
    names = await _begin(ctx, s, group_id)
    removed, added, summary = await _plan_swap(
        ctx, s, group_id, member_a, member_b, start_at, end_at, names, mutual=True
    )
    return await _apply(ctx, s, group_id, actor_id, "swap", removed, added, now, summary, names)


async def take_shift(
    ctx: Context,
    s: AsyncSession,
    *,
    group_id: str,
    actor_id: str,
    member_from: str,
    member_to: str,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
) -> Change:
    """`member_to` takes over `member_from`'s shift over [start_at, end_at) (cover, one way)."""
    names = await _begin(ctx, s, group_id)
    removed, added, summary = await _plan_swap(
        ctx, s, group_id, member_from, member_to, start_at, end_at, names, mutual=False
    )
    return await _apply(ctx, s, group_id, actor_id, "take", removed, added, now, summary, names)


async def repeat_day(
    ctx: Context,
    s: AsyncSession,
    *,
    group_id: str,
    actor_id: str,
    source: date,
    targets: Sequence[date],
    now: datetime,
) -> Change:
    """Copy every shift of the service day `source` onto each of `targets` (same local times)."""
    names = await _begin(ctx, s, group_id)
    hours = ctx.hours
    lang = ctx.language_of(group_id)
    targets = [d for d in dict.fromkeys(targets) if d != source]
    opens_at, closes_at = hours.window(source)
    day_shifts = [
        x
        for x in await store.shifts_between(s, group_id, opens_at, closes_at)
        if opens_at <= x.start_at < closes_at
    ]
    if not day_shifts:
        counsellor = next(
            (m.display_name for m in ctx.settings.counsellors_of(group_id)),
            "",
        )
        raise RotaError(
            t(lang, "rota_err_repeat_empty", source=f"{source:%m-%d}", name=counsellor or "…")
        )
    added: list[rota.Shift] = []
    for day in targets:
        t_open, t_close = hours.window(day)
        there = await store.shifts_between(s, group_id, t_open, t_close)
        for x in day_shifts:
            start_at = hours.at_minute(day, _minute_of(hours, source, x.start_at))
            end_at = hours.at_minute(day, _minute_of(hours, source, x.end_at))
            copy = rota.Shift(x.member_id, start_at, end_at, group_id)
            if not any(_same(copy, y) for y in there):
                added.append(copy)
    target_text = join(lang, [f"{d:%m-%d}" for d in targets])
    if not added:
        raise RotaError(
            t(lang, "rota_err_repeat_nothing", source=f"{source:%m-%d}", targets=target_text)
        )
    summary = t(
        lang, "rota_sum_repeat", source=f"{source:%m-%d}", targets=target_text, count=len(added)
    )
    return await _apply(ctx, s, group_id, actor_id, "repeat", [], added, now, summary, names)


async def add_shifts(
    ctx: Context,
    s: AsyncSession,
    *,
    group_id: str,
    actor_id: str,
    shifts: Sequence[rota.Shift],
    now: datetime,
    action: Action = "import",
) -> Change:
    """Add many shifts as one change (CSV import): the same rules, one audit row."""
    names = await _begin(ctx, s, group_id)
    added = [rota.Shift(x.member_id, x.start_at, x.end_at, group_id) for x in shifts]
    summary = t(ctx.language_of(group_id), "rota_sum_import", count=len(added))
    return await _apply(ctx, s, group_id, actor_id, action, [], added, now, summary, names)


async def undo_last(
    ctx: Context, s: AsyncSession, *, group_id: str, actor_id: str, now: datetime
) -> Change:
    """Undo `actor_id`'s latest change in the group not undone yet (again: the one before)."""
    names = await _begin(ctx, s, group_id)
    a = models.AuditEntry
    entry = await s.scalar(
        select(a)
        .where(
            a.group_id == group_id,
            a.actor_id == actor_id,
            a.undone.is_(False),
            # a removal of text is not undone, nor a risk note (handlers/risk_commands.py)
            a.action.not_in(("undo", "risk_note", *retention.ACTIONS)),
        )
        .order_by(a.id.desc())
        .limit(1)
    )
    if entry is None:
        raise RotaError(t(ctx.language_of(group_id), "rota_err_undo_nothing"))
    now_on = _from_json(entry.after.get("shifts", []), group_id)
    was_on = _from_json(entry.before.get("shifts", []), group_id)
    rows: list[models.Shift] = []
    for x in now_on:
        row = await s.scalar(
            select(models.Shift).where(
                models.Shift.group_id == group_id,
                models.Shift.member_id == x.member_id,
                models.Shift.start_at == x.start_at,
                models.Shift.end_at == x.end_at,
            )
        )
        if row is None:
            missing = f"{names[x.member_id]} {span_text(ctx.hours, x.start_at, x.end_at)}"
            raise RotaError(
                t(
                    ctx.language_of(group_id),
                    "rota_err_undo_changed",
                    id=entry.id,
                    summary=entry.after.get("summary", entry.action),
                    missing=missing,
                )
            )
        rows.append(row)
    summary = t(
        ctx.language_of(group_id), "rota_sum_undo", summary=entry.after.get("summary", entry.action)
    )
    change = await _apply(
        ctx, s, group_id, actor_id, "undo", rows, was_on, now, summary, names, undoes=entry.id
    )
    entry.undone = True
    return change


async def check_swap(
    ctx: Context,
    s: AsyncSession,
    *,
    group_id: str,
    member_a: str,
    member_b: str,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
) -> str:
    """Raise RotaError unless the swap could be applied now; write nothing. Returns its summary."""
    names = await store.member_names(s, group_id)
    _known_group(ctx, group_id)
    removed, added, summary = await _plan_swap(
        ctx, s, group_id, member_a, member_b, start_at, end_at, names, mutual=True
    )
    await _check(ctx, s, group_id, removed, added, now, names)
    return summary


async def check_release(
    ctx: Context,
    s: AsyncSession,
    *,
    group_id: str,
    member_id: str,
    start_at: datetime,
    end_at: datetime,
    now: datetime,
) -> None:
    """Raise RotaError unless `member_id` has a future shift covering [start_at, end_at)."""
    names = await store.member_names(s, group_id)
    _known_group(ctx, group_id)
    await _covering(ctx, s, group_id, member_id, start_at, end_at, names)
    if start_at < now:
        raise RotaError(_past_error(ctx, group_id, start_at, now))


def _after_commit_announce(ctx: Context, s: AsyncSession, group_id: str) -> None:
    """Once `s` commits: re-aim the jobs of the groups whose rota it changed, wake the outbox."""
    changed: set[str] | None = s.info.get(_CHANGED_GROUPS)
    if changed is not None:  # the hook is registered already: one per transaction
        changed.add(group_id)
        return
    s.info[_CHANGED_GROUPS] = changed = {group_id}

    def fire() -> None:
        s.info.pop(_CHANGED_GROUPS, None)
        for g in sorted(changed):
            ctx.rota_changed(g)
        ctx.wake_outbox()

    after_commit(s, fire, on_rollback=lambda: s.info.pop(_CHANGED_GROUPS, None))


def span_text(hours: rota.ServiceHours, start_at: datetime, end_at: datetime) -> str:
    """ "MM-DD HH:MM-HH:MM" in service time (24:00 for the closing midnight)."""
    return f"{start_at.astimezone(hours.tz):%m-%d} {rota.format_span(hours, start_at, end_at)}"


def shift_to_json(x: rota.Shift) -> dict[str, str]:
    """A shift as the audit log keeps it (instants in UTC)."""
    return {
        "member_id": x.member_id,
        "start_at": x.start_at.astimezone(UTC).isoformat(),
        "end_at": x.end_at.astimezone(UTC).isoformat(),
    }


# --- the engine ----------------------------------------------------------------------------


async def _begin(ctx: Context, s: AsyncSession, group_id: str) -> Names:
    """Check the group, serialise rota changes of the group (row lock), return display names."""
    _known_group(ctx, group_id)
    # FOR NO KEY UPDATE: rota changes of a group take turns, inserts referring to it do not wait.
    lock = select(models.Group.id).where(models.Group.id == group_id)
    await s.execute(lock.with_for_update(key_share=True))
    return await store.member_names(s, group_id)


def _known_group(ctx: Context, group_id: str) -> None:
    if ctx.settings.group(group_id) is None:
        raise RotaError(t(ctx.language_of(group_id), "rota_err_unknown_group", group=group_id))


async def _plan_swap(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    member_a: str,
    member_b: str,
    start_at: datetime,
    end_at: datetime,
    names: Names,
    *,
    mutual: bool,
) -> tuple[list[models.Shift], list[rota.Shift], str]:
    lang = ctx.language_of(group_id)
    span = span_text(ctx.hours, start_at, end_at)
    if member_a == member_b:
        others = [m.id for m in ctx.settings.counsellors_of(group_id)]
        other = next((m for m in others if m != member_a), None)
        b = names[other] if other else t(lang, "rota_another_counsellor")
        example = f"{names[member_a]} {b} {span}"
        raise RotaError(t(lang, "rota_err_same_member", example=example))
    a_row = await _covering(ctx, s, group_id, member_a, start_at, end_at, names)
    removed = [a_row]
    added = [*rota.without(store.to_shift(a_row), start_at, end_at)]
    added.append(rota.Shift(member_b, start_at, end_at, group_id))
    b_row = await _find_covering(s, group_id, member_b, start_at, end_at) if mutual else None
    a_name, b_name = names[member_a], names[member_b]
    if b_row is not None:
        removed.append(b_row)
        added += rota.without(store.to_shift(b_row), start_at, end_at)
        added.append(rota.Shift(member_a, start_at, end_at, group_id))
        return removed, added, t(lang, "rota_sum_swap_both", a=a_name, b=b_name, span=span)
    key = "rota_sum_swap" if mutual else "rota_sum_take"
    return removed, added, t(lang, key, a=a_name, b=b_name, span=span)


async def _find_covering(
    s: AsyncSession, group_id: str, member_id: str, start_at: datetime, end_at: datetime
) -> models.Shift | None:
    x = models.Shift
    return await s.scalar(
        select(x)
        .where(
            x.group_id == group_id,
            x.member_id == member_id,
            x.start_at <= start_at,
            x.end_at >= end_at,
        )
        .order_by(x.start_at)
        .limit(1)
    )


async def _covering(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    member_id: str,
    start_at: datetime,
    end_at: datetime,
    names: Names,
) -> models.Shift:
    """The member's shift row covering [start_at, end_at), or RotaError listing their day."""
    hours = ctx.hours
    if end_at <= start_at:
        raise RotaError(
            explain(ctx, group_id, _order_violation(member_id, start_at, end_at, ctx), names)
        )
    row = await _find_covering(s, group_id, member_id, start_at, end_at)
    if row is not None:
        return row
    day = hours.local_day(start_at)
    opens_at, closes_at = hours.window(day)
    theirs = [
        rota.format_span(hours, x.start_at, x.end_at)
        for x in await store.shifts_between(s, group_id, opens_at, closes_at)
        if x.member_id == member_id
    ]
    raise RotaError(
        t(
            ctx.language_of(group_id),
            "rota_err_no_shift",
            name=names[member_id],
            span=span_text(hours, start_at, end_at),
            day=f"{day:%m-%d}",
            shifts=join(ctx.language_of(group_id), theirs),
        )
    )


def _order_violation(
    member_id: str, start_at: datetime, end_at: datetime, ctx: Context
) -> rota.Violation:
    v = rota.find_violation(rota.Shift(member_id, start_at, end_at), [], ctx.hours)
    assert v is not None and v.rule == "order"
    return v


async def _check(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    removed: Sequence[models.Shift],
    added: Sequence[rota.Shift],
    now: datetime,
    names: Names,
) -> list[tuple[str, datetime, datetime]]:
    """Every rule, before anything is written; returns what the change alters."""
    hours = ctx.hours
    before = [store.to_shift(r) for r in removed]
    diff = rota.changed_spans(before, added)
    gainers = {m for m, a, _ in diff if any(x.member_id == m and x.covers(a) for x in added)}
    for member_id in sorted(gainers):
        _check_counsellor(ctx, group_id, member_id, names)
    touched = [*before, *added]
    if touched:
        lo = min(x.start_at for x in touched) - timedelta(days=1)
        hi = max(x.end_at for x in touched) + timedelta(days=1)
        gone = {r.id for r in removed}
        placed = [x for x in await store.shifts_between(s, group_id, lo, hi) if x.id not in gone]
        for new in added:
            v = rota.find_violation(new, placed, hours)
            if v is not None:
                raise RotaError(explain(ctx, group_id, v, names))
            placed.append(new)
    if not diff:
        raise RotaError(t(ctx.language_of(group_id), "rota_err_no_change"))
    first = min(a for _, a, _ in diff)
    if first < now:
        raise RotaError(_past_error(ctx, group_id, first, now))
    return diff


async def _apply(
    ctx: Context,
    s: AsyncSession,
    group_id: str,
    actor_id: str,
    action: Action,
    removed: Sequence[models.Shift],
    added: Sequence[rota.Shift],
    now: datetime,
    summary: str,
    names: Names,
    **note: Any,
) -> Change:
    diff = await _check(ctx, s, group_id, removed, added, now, names)
    before = [store.to_shift(r) for r in removed]
    for r in removed:
        await s.delete(r)
    for x in added:
        s.add(
            models.Shift(
                group_id=group_id,
                member_id=x.member_id,
                start_at=x.start_at,
                end_at=x.end_at,
                created_at=now,
            )
        )
    entry = models.AuditEntry(
        at=now,
        group_id=group_id,
        actor_id=actor_id,
        action=action,
        before={"shifts": [shift_to_json(x) for x in before]},
        after={"shifts": [shift_to_json(x) for x in added], "summary": summary, **note},
        undone=False,
    )
    s.add(entry)
    await s.flush()
    _after_commit_announce(ctx, s, group_id)
    affected = tuple(dict.fromkeys(m for m, _, _ in diff))
    if min(a for _, a, _ in diff) < now + ANNOUNCE_WITHIN:
        mentions = " ".join("@" + names[m] for m in affected)
        text = t(ctx.language_of(group_id), "rota_announce", summary=summary, mentions=mentions)
        enqueue(s, OutboundMessage(group_id, text, "shift_change", affected), now)
    return Change(entry.id, action, group_id, affected, summary)


def _check_counsellor(ctx: Context, group_id: str, member_id: str, names: Names) -> None:
    member = ctx.settings.member(group_id, member_id)
    # A supervisor's shift is a supervision shift (who supervises when), on the same rules.
    if member is not None and (member.role == "counsellor" or member.supervises):
        return
    counsellors = [m.display_name for m in ctx.settings.counsellors_of(group_id)]
    raise RotaError(
        t(
            ctx.language_of(group_id),
            "rota_err_not_counsellor",
            name=names[member_id],
            names=join(ctx.language_of(group_id), counsellors),
        )
    )


def explain(ctx: Context, group_id: str, v: rota.Violation, names: Names) -> str:
    """A rule violation in the group's language, with the corrected example."""
    hours = ctx.hours
    lang = ctx.language_of(group_id)
    span = span_text(hours, v.shift.start_at, v.shift.end_at)
    fix = v.suggestion
    example = span_text(hours, fix.start_at, fix.end_at) if fix else t(lang, "rota_another_day")
    if v.rule == "order":
        return t(lang, "rota_err_order", span=span, example=example)
    if v.rule == "window":
        svc = ctx.settings.service
        return t(
            lang, "rota_err_window", span=span, opens=svc.opens, closes=svc.closes, example=example
        )
    if v.rule == "overlap":
        assert v.other is not None
        return t(
            lang,
            "rota_err_overlap",
            name=names[v.shift.member_id],
            other=span_text(hours, v.other.start_at, v.other.end_at),
            span=span,
            example=example,
        )
    if fix is not None:  # "past" (found by a check given `now`): the fix starts just after it
        at, start = v.shift.start_at.astimezone(hours.tz), fix.start_at.astimezone(hours.tz)
        return t(lang, "rota_err_past", at=f"{at:%m-%d %H:%M}", example=f"{start:%m-%d %H:%M}")
    return _past_error(ctx, group_id, v.shift.start_at, v.shift.start_at)


def _past_error(ctx: Context, group_id: str, at: datetime, now: datetime) -> str:
    hours = ctx.hours
    local = now.astimezone(hours.tz).replace(second=0, microsecond=0)
    nxt = local + timedelta(minutes=5 - local.minute % 5)
    return t(
        ctx.language_of(group_id),
        "rota_err_past",
        at=f"{at.astimezone(hours.tz):%m-%d %H:%M}",
        example=f"{nxt:%m-%d %H:%M}",
    )


def _minute_of(hours: rota.ServiceHours, day: date, at: datetime) -> int:
    """Minutes from local midnight of `day` to `at` (1440 for the midnight ending it)."""
    return int((at - hours.at_minute(day, 0)).total_seconds() // 60)


def _same(a: rota.Shift, b: rota.Shift) -> bool:
    return (a.member_id, a.start_at, a.end_at) == (b.member_id, b.start_at, b.end_at)


def _from_json(items: list[dict[str, str]], group_id: str) -> list[rota.Shift]:
    return [
        rota.Shift(
            x["member_id"],
            datetime.fromisoformat(x["start_at"]),
            datetime.fromisoformat(x["end_at"]),
            group_id,
        )
        for x in items
    ]
