"""APScheduler jobs: at each group's next boundary or reminder, post what is due.

One date job per group, at the real time when the clock reaches the next event; a rota change
reschedules it at once; a sweep every few seconds catches anything a sleep or restart missed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.context import Context
from bot.notices import handle_due, next_event_at

log = logging.getLogger(__name__)
SWEEP_S = 5.0
# Groups whose due notices are worked out at the same time. At start every group catches up
# at once; unbounded, a thousand groups would each hold their rota in memory while they wait
# for the database (and queue for a pool connection past its timeout).
CONCURRENT_GROUPS = 8


class BoundaryJobs:
    """Keeps one APScheduler job per group pointed at that group's next event."""

    def __init__(self, ctx: Context, scheduler: AsyncIOScheduler) -> None:
        self._ctx = ctx
        self._scheduler = scheduler
        self._locks: dict[str, asyncio.Lock] = {}
        self._slots = asyncio.Semaphore(CONCURRENT_GROUPS)
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False

    def start(self) -> None:
        """Catch up every group now, then keep the jobs running."""
        for g in self._ctx.settings.groups:
            self.reschedule(g.id, delay_s=0.0)
        self._scheduler.add_job(
            self._sweep,
            "interval",
            seconds=SWEEP_S,
            id="boundary-sweep",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=None,
        )

    def reschedule(self, group_id: str, delay_s: float = 0.0) -> None:
        """Run the group's job after `delay_s` real seconds (it re-aims itself when done)."""
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
        )

    async def run(self, group_id: str) -> list[str]:
        """Post what is due for the group, then aim its job at the next event."""
        if self._stopping:
            return []
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            return await self._run(group_id)
        finally:
            if task is not None:
                self._running.discard(task)

    async def _run(self, group_id: str) -> list[str]:
        lock = self._locks.setdefault(group_id, asyncio.Lock())
        async with lock, self._slots:
            now = self._ctx.clock.now()
            try:
                posted = await handle_due(self._ctx, group_id, now)
            except Exception:
                log.exception("boundary job for group %s failed; the sweep will retry", group_id)
                return []
            nxt = await next_event_at(self._ctx, group_id, self._ctx.clock.now())
        if nxt is not None:
            self.reschedule(group_id, self._ctx.clock.real_seconds_until(nxt))
        return posted

    async def drain(self, timeout_s: float = 10.0) -> None:
        """Start no more work and let the jobs that are running finish (a few queries each).

        Called with the scheduler paused and before the database closes: a job cancelled in the
        middle of a query can hang while its connection is torn down, so none is cancelled
        unless it is still running after `timeout_s`.
        """
        self._stopping = True
        tasks = [t for t in self._running if t is not asyncio.current_task() and not t.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout_s)

    async def _sweep(self) -> None:
        for g in self._ctx.settings.groups:
            await self.run(g.id)
