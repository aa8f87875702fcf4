"""A property of handing messages over, checked on the real code and a real SQLite database:

for any rota and any sequence of staff messages (crisis or not), counsellor answers and /done,
with every boundary handled as the scheduler would, after every step each staff message belongs
to a conversation that is with a counsellor on duty, waiting in the queue, or closed. Nothing
disappears, nothing is with someone off duty, and inside service hours nobody waits while a
counsellor on duty has room (a crisis never waits while anyone is on duty).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select, update

from bot import models, rota
from bot.clock import FrozenClock
from bot.context import Context
from bot.conversations import handle_deadlines
from bot.notices import handle_due
from bot.platforms.base import InboundMessage
from handlers.messages import handle_inbound
from tests.conftest import at, make_settings, open_db

D = "2026-11-25"
START = at(D, "07:00")
COUNSELLORS = ("c1", "c2", "c3")
STAFF = tuple(f"doc{i}" for i in range(5))


@dataclass(frozen=True)
class Step:
    minute: int  # after START
    who: int
    kind: str  # message | crisis | answer | done


shift_st = st.tuples(st.sampled_from(COUNSELLORS), st.integers(8, 22), st.integers(1, 5)).map(
    lambda x: (x[0], x[1], min(24, x[1] + x[2]))
)
step_st = st.builds(
    Step,
    minute=st.integers(0, 19 * 60),  # 07:00 to 02:00 the next night
    who=st.integers(0, len(STAFF) - 1),
    kind=st.sampled_from(["message", "message", "message", "crisis", "answer", "done"]),
)


def _rota(raw: list[tuple[str, int, int]]) -> list[rota.Shift]:
    """The generated shifts, minus any that overlap an earlier one of the same counsellor."""
    kept: list[rota.Shift] = []
    for member, start, end in raw:
        shift = rota.Shift(
            member,
            at(D, f"{start:02d}:00"),
            at(D, f"{end:02d}:00") if end < 24 else at("2026-11-26", "00:00"),
            "g1",
        )
        if not any(k.member_id == member and k.overlaps(shift) for k in kept):
            kept.append(shift)
    return kept


class World:
    """One database for the whole test; each example starts from empty tables."""

    def __init__(self, tmp: Path) -> None:
        self.runner = asyncio.Runner()
        self.settings = make_settings(
            f"sqlite+aiosqlite:///{tmp}/property.db",
            "http://127.0.0.1:9/unused",
            service={
                "reminder_minutes": 0,
                "first_response_minutes": 10,
                "max_open_per_counsellor": 2,
                "idle_close_hours": 2,
            },
        )
        self.clock = FrozenClock(START)
        self.db = self.runner.run(open_db(self.settings, self.clock))
        self.ctx = Context(self.settings, self.clock, self.db)

    async def reset(self, shifts: list[rota.Shift]) -> None:
        async with self.db.write() as s:
            for model in (
                models.Shift,
                models.Conversation,
                models.Message,
                models.Notice,
                models.OutboxRow,
                models.AuditEntry,
            ):
                await s.execute(delete(model))
            await s.execute(delete(models.Member).where(models.Member.role == "staff"))
            await s.execute(update(models.Group).values(queue_alerted_at=None))
            for x in shifts:
                s.add(
                    models.Shift(
                        group_id="g1",
                        member_id=x.member_id,
                        start_at=x.start_at,
                        end_at=x.end_at,
                        created_at=START,
                    )
                )

    def close(self) -> None:
        self.runner.run(self.db.dispose())
        self.runner.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("property"))
    yield w
    w.close()


async def _tick(w: World, now: datetime) -> None:
    """What the scheduler does at `now`: boundaries due, then deadlines."""
    w.clock.set(now)
    await handle_due(w.ctx, "g1", now)
    await handle_deadlines(w.ctx, "g1", now)


async def _act(w: World, step: Step, n: int, shifts: list[rota.Shift], now: datetime) -> None:
    staff = STAFF[step.who]
    if step.kind in ("message", "crisis"):
        text = "我不想活了" if step.kind == "crisis" else f"message {n}"
        msg = InboundMessage("generic", "g1", f"m{n}", staff, staff.title(), text)
    else:
        on = rota.on_duty_members(shifts, now)
        if not on:
            return
        counsellor = on[step.who % len(on)]
        text = f"/done {staff}" if step.kind == "done" else "I am here"
        msg = InboundMessage("generic", "g1", f"m{n}", counsellor, counsellor, text)
    await handle_inbound(w.ctx, [msg])


async def _check(w: World, shifts: list[rota.Shift], now: datetime, where: str) -> None:
    c, m = models.Conversation, models.Message
    async with w.db.read() as s:
        lost = await s.scalar(
            select(func.count())
            .select_from(m)
            .where(m.sender_role == "staff", m.is_command.is_(False), m.conversation_id.is_(None))
        )
        assert not lost, f"{where}: {lost} staff messages belong to no conversation"
        convs = list(await s.scalars(select(c).where(c.status != "closed")))
    on_duty = set(rota.on_duty_members(shifts, now))
    is_open = w.ctx.hours.is_open(now)
    load = {x: 0 for x in on_duty}
    for conv in convs:
        assert conv.status in ("open", "waiting"), f"{where}: conversation {conv.id} {conv.status}"
        if conv.status == "open":
            assert is_open, f"{where}: conversation {conv.id} open outside service hours"
            assert conv.counsellor_id in on_duty, (
                f"{where}: conversation {conv.id} is with {conv.counsellor_id}, off duty "
                f"(on duty: {sorted(on_duty)})"
            )
            load[conv.counsellor_id] += 1
    if not is_open:
        return
    waiting = [x for x in convs if x.status == "waiting"]
    room = [x for x, n in load.items() if n < w.settings.service.max_open_per_counsellor]
    assert not (waiting and room), (
        f"{where}: {len(waiting)} wait while {room} have room (loads {load})"
    )
    if on_duty:
        assert not any(x.is_crisis for x in waiting), f"{where}: a crisis waits with {on_duty} on"


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Found by this test: at 21:00 a conversation timed out at c2 moved to c1, who had just come on,
# and the place it freed at c2 was not given to the person still waiting.
@example(
    raw_shifts=[("c2", 20, 24), ("c1", 8, 9), ("c1", 21, 22)],
    steps=[
        Step(0, 0, "crisis"),
        Step(8, 1, "message"),
        Step(321, 2, "message"),
        Step(371, 4, "message"),
        Step(385, 0, "message"),
        Step(505, 3, "message"),
    ],
)
@given(
    raw_shifts=st.lists(shift_st, min_size=0, max_size=6),
    steps=st.lists(step_st, min_size=1, max_size=18),
)
def test_every_message_is_with_someone_on_duty_or_queued(
    world: World, raw_shifts: list[tuple[str, int, int]], steps: list[Step]
) -> None:
    shifts = _rota(raw_shifts)
    steps = sorted(steps, key=lambda x: x.minute)
    end = START + timedelta(minutes=steps[-1].minute + 1)
    instants = {b.at for b in rota.boundaries(shifts, world.ctx.hours, START, end)}
    timeline: list[tuple[datetime, Any]] = [(b, None) for b in instants]
    timeline += [(START + timedelta(minutes=x.minute, seconds=30), x) for x in steps]

    async def run() -> None:
        await world.reset(shifts)
        for n, (now, step) in enumerate(sorted(timeline, key=lambda x: (x[0], x[1] is not None))):
            await _tick(world, now)
            if step is not None:
                await _act(world, step, n, shifts, now)
            await _check(world, shifts, now, f"after step {n} at {now:%H:%M:%S} ({step})")

    world.runner.run(run())
