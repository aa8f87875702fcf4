"""bot/rota_changes.py on real databases: every rule refuses before writing, every change is
written whole with one audit row, announced when it alters the next 24 hours, and undoable."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import models, rota_changes
from bot.clock import FrozenClock
from bot.context import Context
from bot.errors import RotaError
from tests.conftest import CTX_NOW, NO_HOOK, MakeCtx, at, make_settings

D = "2026-11-25"  # the day the tests edit; "now" is the evening before unless said otherwise
NOW = CTX_NOW  # "now" of the `ctx` fixture: the day before D, at noon


async def shifts(ctx: Context) -> list[tuple[str, str]]:
    """The rota as (member, "HH:MM-HH:MM" on day D or "MM-DD HH:MM-HH:MM") sorted."""
    async with ctx.db.read() as s:
        rows = await s.scalars(select(models.Shift).order_by(models.Shift.start_at))
        return sorted(
            (r.member_id, rota_changes.span_text(ctx.hours, r.start_at, r.end_at)) for r in rows
        )


async def count(ctx: Context, model: Any) -> int:
    async with ctx.db.read() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def audit(ctx: Context) -> list[models.AuditEntry]:
    async with ctx.db.read() as s:
        return list(await s.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id)))


async def outbox(ctx: Context) -> list[models.OutboxRow]:
    async with ctx.db.read() as s:
        return list(await s.scalars(select(models.OutboxRow).order_by(models.OutboxRow.id)))


async def add(
    ctx: Context,
    member: str,
    start: str,
    end: str,
    day: str = D,
    *,
    now: datetime = NOW,
    actor: str = "l1",
) -> rota_changes.Change:
    end_at = at(day, end) if end != "24:00" else at(day, "00:00") + timedelta(days=1)
    async with ctx.db.write() as s:
        return await rota_changes.add_shift(
            ctx,
            s,
            group_id="g1",
            actor_id=actor,
            member_id=member,
            start_at=at(day, start),
            end_at=end_at,
            now=now,
        )


async def test_add_writes_shift_audit_and_announcement(ctx: Context) -> None:
    change = await add(ctx, "c1", "08:00", "10:00")
    assert change.action == "add" and change.group_id == "g1"
    assert change.affected == ("c1",)
    assert change.summary == "Added 11-25 08:00-10:00 for Chen"
    assert await shifts(ctx) == [("c1", "11-25 08:00-10:00")]
    [entry] = await audit(ctx)
    assert entry.id == change.audit_id
    assert (entry.actor_id, entry.action, entry.at) == ("l1", "add", NOW)
    assert entry.before == {"shifts": []}
    assert entry.after["shifts"] == [
        {
            "member_id": "c1",
            "start_at": "2026-11-25T00:00:00+00:00",
            "end_at": "2026-11-25T02:00:00+00:00",
        }
    ]
    [post] = await outbox(ctx)  # 20 hours ahead: inside the next 24 hours
    assert post.kind == "shift_change" and post.mentions == ["c1"]
    assert post.text == "[Rota change] Added 11-25 08:00-10:00 for Chen. @Chen"
    assert "\n" not in post.text


async def test_a_change_beyond_24_hours_is_not_announced(ctx: Context) -> None:
    await add(ctx, "c1", "14:00", "16:00")  # 26 hours ahead
    assert await outbox(ctx) == []
    assert len(await audit(ctx)) == 1


async def test_24_00_end_is_the_closing_midnight(ctx: Context) -> None:
    await add(ctx, "c3", "22:00", "24:00")
    assert await shifts(ctx) == [("c3", "11-25 22:00-24:00")]


@pytest.mark.parametrize(
    ("member", "start", "end", "error"),
    [
        (
            "c1",
            "07:00",
            "09:00",
            "11-25 07:00-09:00 is outside service hours 08:00-24:00: shifts must lie inside them, "
            "e.g. 11-25 08:00-10:00.",
        ),
        (
            "c1",
            "12:00",
            "11:00",
            "11-25 12:00-11:00 does not end after it starts: the end must come after the start, "
            "e.g. 11-25 11:00-12:00.",
        ),
        (
            "c1",
            "09:00",
            "11:00",
            "Chen already has a shift 11-25 08:00-10:00 that overlaps 11-25 09:00-11:00: one "
            "counsellor's shifts may not overlap, e.g. 11-25 10:00-12:00 instead.",
        ),
        (
            "l1",
            "12:00",
            "14:00",
            "Lead Liu is not a counsellor of this group: only counsellors go on the rota. "
            "This group's counsellors: Chen, Li, Wang.",
        ),
        ("nobody", "12:00", "14:00", "nobody is not a counsellor of this group"),
    ],
)
async def test_a_broken_rule_is_refused_and_writes_nothing(
    ctx: Context, member: str, start: str, end: str, error: str
) -> None:
    await add(ctx, "c1", "08:00", "10:00")
    before = (
        await count(ctx, models.Shift),
        await count(ctx, models.AuditEntry),
        await count(ctx, models.OutboxRow),
    )
    with pytest.raises(RotaError) as err:
        await add(ctx, member, start, end)
    assert error in str(err.value)
    after = (
        await count(ctx, models.Shift),
        await count(ctx, models.AuditEntry),
        await count(ctx, models.OutboxRow),
    )
    assert after == before


async def test_the_past_cannot_change(ctx: Context) -> None:
    now = at(D, "09:32")
    expected = r"11-25 09:00 is in the past.*e\.g\. starting at 11-25 09:35"
    with pytest.raises(RotaError, match=expected):
        await add(ctx, "c1", "09:00", "11:00", now=now)
    assert await count(ctx, models.Shift) == 0


async def test_removing_the_rest_of_a_running_shift_keeps_what_is_past(ctx: Context) -> None:
    await add(ctx, "c1", "08:00", "14:00")
    now = at(D, "09:30")
    async with ctx.db.write() as s:
        change = await rota_changes.remove_shift(
            ctx,
            s,
            group_id="g1",
            actor_id="l1",
            member_id="c1",
            start_at=at(D, "12:00"),
            end_at=at(D, "14:00"),
            now=now,
        )
    assert change.summary == "Removed Chen's shift 11-25 12:00-14:00"
    assert await shifts(ctx) == [("c1", "11-25 08:00-12:00")]
    async with ctx.db.write() as s:
        with pytest.raises(RotaError, match="09:00 is in the past"):
            await rota_changes.remove_shift(
                ctx,
                s,
                group_id="g1",
                actor_id="l1",
                member_id="c1",
                start_at=at(D, "09:00"),
                end_at=at(D, "10:00"),
                now=now,
            )
    assert await shifts(ctx) == [("c1", "11-25 08:00-12:00")]


async def test_remove_a_middle_piece_and_a_missing_shift(ctx: Context) -> None:
    await add(ctx, "c1", "08:00", "14:00")
    async with ctx.db.write() as s:
        await rota_changes.remove_shift(
            ctx,
            s,
            group_id="g1",
            actor_id="l1",
            member_id="c1",
            start_at=at(D, "10:00"),
            end_at=at(D, "12:00"),
            now=NOW,
        )
    assert await shifts(ctx) == [("c1", "11-25 08:00-10:00"), ("c1", "11-25 12:00-14:00")]
    async with ctx.db.write() as s:
        with pytest.raises(RotaError) as err:
            await rota_changes.remove_shift(
                ctx,
                s,
                group_id="g1",
                actor_id="l1",
                member_id="c1",
                start_at=at(D, "09:00"),
                end_at=at(D, "13:00"),
                now=NOW,
            )
    assert str(err.value) == (
        "Chen has no shift covering 11-25 09:00-13:00. "
        "Chen's shifts on 11-25: 08:00-10:00, 12:00-14:00."
    )


async def swap(ctx: Context, a: str, b: str, start: str, end: str) -> rota_changes.Change:
    async with ctx.db.write() as s:
        return await rota_changes.swap_shift(
            ctx,
            s,
            group_id="g1",
            actor_id="l1",
            member_a=a,
            member_b=b,
            start_at=at(D, start),
            end_at=at(D, end),
            now=NOW,
        )


async def test_swap_one_way_part_of_a_shift(ctx: Context) -> None:
    await add(ctx, "c1", "08:00", "12:00")
    await add(ctx, "c2", "10:00", "12:00")
    one_way = await swap(ctx, "c1", "c3", "08:00", "10:00")
    assert one_way.summary == "Chen's shift 11-25 08:00-10:00 now goes to Wang"
    assert set(one_way.affected) == {"c1", "c3"}
    assert await shifts(ctx) == [
        ("c1", "11-25 10:00-12:00"),
        ("c2", "11-25 10:00-12:00"),
        ("c3", "11-25 08:00-10:00"),
    ]
    # Both on duty over the same span: trading it changes nothing, and is refused as such.
    with pytest.raises(RotaError, match="leaves the rota as it is"):
        await swap(ctx, "c1", "c2", "10:00", "12:00")
    assert len(await audit(ctx)) == 3


async def test_swap_refusals(ctx: Context) -> None:
    await add(ctx, "c1", "08:00", "10:00")
    await add(ctx, "c2", "09:00", "11:00")
    n = await count(ctx, models.AuditEntry)
    with pytest.raises(RotaError, match="Li already has a shift 11-25 09:00-11:00"):
        await swap(ctx, "c1", "c2", "08:00", "10:00")
    with pytest.raises(RotaError, match="A swap needs two different counsellors"):
        await swap(ctx, "c1", "c1", "08:00", "10:00")
    with pytest.raises(RotaError, match="Wang has no shift covering"):
        await swap(ctx, "c3", "c1", "12:00", "13:00")
    with pytest.raises(RotaError, match="Lead Liu is not a counsellor"):
        await swap(ctx, "c1", "l1", "08:00", "10:00")
    assert await count(ctx, models.AuditEntry) == n
    assert await shifts(ctx) == [("c1", "11-25 08:00-10:00"), ("c2", "11-25 09:00-11:00")]


async def undo(ctx: Context, actor: str = "l1") -> rota_changes.Change:
    async with ctx.db.write() as s:
        return await rota_changes.undo_last(ctx, s, group_id="g1", actor_id=actor, now=NOW)


async def test_undo_walks_back_the_callers_own_changes(ctx: Context) -> None:
    await add(ctx, "c1", "08:00", "12:00")
    await add(ctx, "c2", "12:00", "16:00", actor="l2")
    await swap(ctx, "c1", "c3", "08:00", "10:00")
    undone = await undo(ctx)
    assert undone.action == "undo"
    assert undone.summary == "Undone: Chen's shift 11-25 08:00-10:00 now goes to Wang"
    assert await shifts(ctx) == [("c1", "11-25 08:00-12:00"), ("c2", "11-25 12:00-16:00")]
    await undo(ctx)  # the add of c1 (l2's add is not l1's to undo)
    assert await shifts(ctx) == [("c2", "11-25 12:00-16:00")]
    with pytest.raises(RotaError, match="no rota change left to undo"):
        await undo(ctx)
    entries = await audit(ctx)
    assert [(e.action, e.undone) for e in entries] == [
        ("add", True),
        ("add", False),
        ("swap", True),
        ("undo", False),
        ("undo", False),
    ]
    assert entries[3].after["undoes"] == entries[2].id
    assert entries[3].before["shifts"] == entries[2].after["shifts"]


async def test_undo_refuses_when_the_rota_moved_on(ctx: Context) -> None:
    await add(ctx, "c1", "08:00", "12:00")
    async with ctx.db.write() as s:  # another lead removes it
        await rota_changes.remove_shift(
            ctx,
            s,
            group_id="g1",
            actor_id="l2",
            member_id="c1",
            start_at=at(D, "08:00"),
            end_at=at(D, "12:00"),
            now=NOW,
        )
    with pytest.raises(RotaError, match=r"changed since #1 \(Added 11-25 08:00-12:00 for Chen\)"):
        await undo(ctx)
    assert await shifts(ctx) == []


async def test_take_and_repeat(ctx: Context) -> None:
    await add(ctx, "c1", "08:00", "12:00")
    await add(ctx, "c2", "12:00", "24:00")
    async with ctx.db.write() as s:
        took = await rota_changes.take_shift(
            ctx,
            s,
            group_id="g1",
            actor_id="c3",
            member_from="c1",
            member_to="c3",
            start_at=at(D, "08:00"),
            end_at=at(D, "12:00"),
            now=NOW,
        )
    assert took.summary == "Wang took over Chen's shift 11-25 08:00-12:00"
    days = [at(D, "00:00").date() + timedelta(days=i) for i in (1, 2)]
    async with ctx.db.write() as s:
        copied = await rota_changes.repeat_day(
            ctx,
            s,
            group_id="g1",
            actor_id="l1",
            source=at(D, "00:00").date(),
            targets=days,
            now=NOW,
        )
    assert copied.summary == "Copied the rota of 11-25 to 11-26, 11-27 (4 shifts)"
    assert copied.action == "repeat" and set(copied.affected) == {"c2", "c3"}
    assert len(await shifts(ctx)) == 6
    async with ctx.db.write() as s:
        with pytest.raises(RotaError, match="already have every shift of 11-25"):
            await rota_changes.repeat_day(
                ctx,
                s,
                group_id="g1",
                actor_id="l1",
                source=at(D, "00:00").date(),
                targets=days,
                now=NOW,
            )
        with pytest.raises(RotaError, match="11-30 has no shifts to copy"):
            await rota_changes.repeat_day(
                ctx,
                s,
                group_id="g1",
                actor_id="l1",
                source=at("2026-11-30", "00:00").date(),
                targets=days,
                now=NOW,
            )
    await undo(ctx)  # the repeat goes as one
    assert len(await shifts(ctx)) == 2


async def test_messages_are_in_chinese_by_default(database_url: str, make_ctx: MakeCtx) -> None:
    settings = make_settings(database_url, NO_HOOK, bot={"language": "zh"})
    ctx = await make_ctx(FrozenClock(NOW), settings)
    change = await add(ctx, "c1", "08:00", "10:00")
    assert change.summary == "已为 Chen 添加 11-25 08:00-10:00"
    with pytest.raises(RotaError) as err:
        await add(ctx, "c1", "07:00", "09:00")
    assert "超出服务时间 08:00-24:00" in str(err.value)
    assert "例如 11-25 08:00-10:00" in str(err.value)


async def test_a_rolled_back_change_announces_nothing_and_leaves_no_marker(
    make_ctx: MakeCtx,
) -> None:
    """The announce hook goes with a rollback, and so does its per-transaction marker: a later
    transaction on the same session announces its own change (and only that)."""
    calls: list[str] = []
    ctx = await make_ctx(
        FrozenClock(NOW), rota_changed=calls.append, wake_outbox=lambda: calls.append("wake")
    )
    async with ctx.db.sessions() as s:
        async with s.begin():
            rota_changes._after_commit_announce(ctx, s, "g1")
            await s.rollback()
        assert calls == []
        async with s.begin():
            rota_changes._after_commit_announce(ctx, s, "g2")
        assert calls == ["g2", "wake"]


async def test_a_committed_change_re_aims_its_group_and_wakes_the_outbox_by_itself(
    make_ctx: MakeCtx,
) -> None:
    """No caller announces a change: the change registers that on its session, per commit."""
    calls: list[str] = []
    ctx = await make_ctx(
        FrozenClock(NOW), rota_changed=calls.append, wake_outbox=lambda: calls.append("wake")
    )
    add = {"group_id": "g1", "actor_id": "l1", "now": NOW}
    async with ctx.db.write() as s:
        await rota_changes.add_shift(
            ctx, s, member_id="c1", start_at=at(D, "08:00"), end_at=at(D, "10:00"), **add
        )
        await rota_changes.add_shift(
            ctx, s, member_id="c2", start_at=at(D, "08:00"), end_at=at(D, "10:00"), **add
        )
        assert calls == []  # not before the commit
    assert calls == ["g1", "wake"]  # two changes, one transaction: once
    calls.clear()
    with pytest.raises(RotaError):  # refused: nothing written, nothing announced
        async with ctx.db.write() as s:
            await rota_changes.add_shift(
                ctx, s, member_id="c1", start_at=at(D, "09:00"), end_at=at(D, "11:00"), **add
            )
    with pytest.raises(RuntimeError):  # applied, then rolled back: nothing either
        async with ctx.db.write() as s:
            await rota_changes.add_shift(
                ctx, s, member_id="c3", start_at=at(D, "12:00"), end_at=at(D, "14:00"), **add
            )
            raise RuntimeError("the caller fails after the change")
    assert calls == []
    async with ctx.db.write() as s:
        await rota_changes.undo_last(ctx, s, **add)
    assert calls == ["g1", "wake"]


async def test_concurrent_overlapping_adds_one_wins(ctx: Context) -> None:
    async def attempt(start: str, end: str) -> str:
        try:
            await add(ctx, "c1", start, end)
        except RotaError:
            return "refused"
        return "added"

    results = await asyncio.gather(attempt("08:00", "12:00"), attempt("10:00", "14:00"))
    assert sorted(results) == ["added", "refused"]
    assert await count(ctx, models.Shift) == 1
    assert await count(ctx, models.AuditEntry) == 1
