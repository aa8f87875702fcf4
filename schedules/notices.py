"""APScheduler jobs: at each group's next boundary, reminder or conversation deadline, act.

One date job per group, at the real time when the clock reaches the next event; a rota change
reschedules it at once, and a new first-response deadline earlier than the job's aim pulls it
forward; a sweep every few seconds catches anything a sleep or restart missed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import Context
from bot.conversations import handle_deadlines, next_deadline
from bot.notices import handle_due, next_event_at

log = logging.getLogger(__name__)
SWEEP_S = 5.0  # at real speed; faster clocks sweep more often (sweep_s)
# A group's job may be re-aimed (rota change, a new deadline, its own end) while a run of it is
# still going. APScheduler would skip that new run and drop the date job ("maximum number of
# running instances reached"), leaving the group unscheduled until the sweep. The per-group lock
# in `run` already serialises runs, so let them queue instead.
MAX_QUEUED_RUNS = 16
# Groups whose due notices are worked out at the same time. At start every group catches up
# at once; unbounded, a thousand groups would each hold their rota in memory while they wait
# for the database (and queue for a pool connection past its timeout).
CONCURRENT_GROUPS = 8


def sweep_s(catch_up_minutes: int, speed: float) -> float:
    """Real seconds between sweeps: 5 s, but never more than a quarter of the catch-up window.

    The sweep is the net under a date job that did not run; on a fast clock (a demo at speed
    480 has a 30-minute window of 3.75 real seconds) a 5 s sweep would find the boundary already
    too old to post.
    """
    return max(0.2, min(SWEEP_S, catch_up_minutes * 60 / speed / 4))


class BoundaryJobs:
    """Keeps one APScheduler job per group pointed at that group's next event."""

    def __init__(self, ctx: Context, scheduler: AsyncIOScheduler) -> None:
        self._ctx = ctx
        self._scheduler = scheduler
        self._locks: dict[str, asyncio.Lock] = {}
        self._aims: dict[str, datetime] = {}  # clock instant each group's job is aimed at
        self._slots = asyncio.Semaphore(CONCURRENT_GROUPS)
        self._running: set[asyncio.Task[object]] = set()
        self._stopped = False

    def start(self) -> None:
        """Catch up every group now, then keep the jobs running."""
        for g in self._ctx.settings.groups:
            self.reschedule(g.id, delay_s=0.0)
        self._scheduler.add_job(
            self._sweep,
            "interval",
            seconds=sweep_s(self._ctx.settings.service.catch_up_minutes, self._ctx.clock.speed),
            id="boundary-sweep",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=None,
        )

    def aim(self, group_id: str, at: datetime) -> None:
        """Make sure the group's job runs by clock instant `at` (only ever moves it earlier)."""
        current = self._aims.get(group_id)
        if current is not None and current <= at:
            return
        self.reschedule(group_id, self._ctx.clock.real_seconds_until(at))

    def reschedule(self, group_id: str, delay_s: float = 0.0) -> None:
        """Run the group's job after `delay_s` real seconds (it re-aims itself when done)."""
        clock = self._ctx.clock
        self._aims[group_id] = clock.now() + timedelta(seconds=delay_s * clock.speed)
        # APScheduler runs on real time: the one place a real clock is read on purpose.
        run_at = datetime.now(UTC) + timedelta(seconds=delay_s)
        self._scheduler.add_job(
            self.run,
            "date",
            run_date=run_at,
            args=[group_id],
            id=f"boundary:{group_id}",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=MAX_QUEUED_RUNS,
        )

    async def run(self, group_id: str) -> list[str]:
        """Post what is due for the group, act on deadlines, then aim its job at the next event."""
        task = asyncio.current_task()
        if self._stopped or task is None:
            return []
        self._running.add(task)
        try:
            return await self._run(group_id)
        finally:
            self._running.discard(task)

    async def _run(self, group_id: str) -> list[str]:
        lock = self._locks.setdefault(group_id, asyncio.Lock())
        async with lock, self._slots:
            now = self._ctx.clock.now()
            try:
                posted = await handle_due(self._ctx, group_id, now)
                await handle_deadlines(self._ctx, group_id, self._ctx.clock.now())
                found = [
                    x
                    for x in (
                        await next_event_at(self._ctx, group_id, self._ctx.clock.now()),
                        await next_deadline(self._ctx, group_id),
                    )
                    if x is not None
                ]
            except Exception:
                log.exception("boundary job for group %s failed; the sweep will retry", group_id)
                return []
            self._aims.pop(group_id, None)
            if found and not self._stopped:
                self.aim(group_id, min(found))
        return posted

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Start no more runs; let those under way finish, cancelling only what outlasts timeout_s.

        Called with the scheduler paused and before the database closes. A run cancelled in the
        middle of a query can hang while its connection is torn down, so runs are let finish (a
        few queries each); one that is cancelled rolls back whole (claim and posts are one
        transaction) and is done again by the next start.
        """
        self._stopped = True
        me = asyncio.current_task()
        running = [t for t in self._running if t is not me and not t.done()]
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=timeout_s)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _sweep(self) -> None:
        for g in self._ctx.settings.groups:
            await self.run(g.id)
