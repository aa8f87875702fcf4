"""APScheduler jobs: at each group's next boundary, reminder, follow-up or conversation
deadline, act.

One date job per group, at the real time when the clock reaches the next event; a rota change
reschedules it at once, and a new first-response deadline earlier than the job's aim pulls it
forward. A sweep every few seconds is the net under it: it runs the groups whose job should have
run by now and did not, and those another instance changed (a rota edit in its audit log, or a
conversation past its deadline); every ten minutes it runs every group. It used to run every
group each time, which at 1,000 groups kept a core 80% busy doing nothing. The daily retention
purge (schedules/purge.py) is started by the sweep when it is due.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import followups, store
from bot.context import Context
from bot.conversations import handle_deadlines, next_deadline
from bot.logs import ids
from bot.notices import handle_due, next_event_at
from schedules.purge import DailyPurge

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
FULL_SWEEP_S = 600.0  # real seconds between sweeps that run every group, the last net
IDLE_RECHECK = timedelta(hours=1)  # a group with nothing ahead is looked at again after this


def sweep_s(catch_up_minutes: int, speed: float) -> float:
    """Real seconds between sweeps: 5 s, but never more than a quarter of the catch-up window.

    The sweep is the net under a date job that did not run; on a fast clock (a demo at speed
    480 has a 30-minute window of 3.75 real seconds) a 5 s sweep would find the boundary already
    too old to post.
    """
    return max(0.2, min(SWEEP_S, catch_up_minutes * 60 / speed / 4))


class GroupJobs:
    """Keeps one APScheduler job per group pointed at that group's next event: a notice
    (bot/notices.py) or a conversation deadline (bot/conversations.py).

    `ctx` is the context every handler and job of the app gets: the one given, with this
    object's `reschedule` and `aim` as its `rota_changed` and `deadline_at`."""

    def __init__(self, ctx: Context, scheduler: AsyncIOScheduler) -> None:
        self.ctx = dataclasses.replace(ctx, rota_changed=self.reschedule, deadline_at=self.aim)
        self._scheduler = scheduler
        self._locks: dict[str, asyncio.Lock] = {}
        self._aims: dict[str, datetime] = {}  # clock instant each group's job is aimed at
        self._slots = asyncio.Semaphore(CONCURRENT_GROUPS)
        self._running: set[asyncio.Task[object]] = set()
        self._stopped = False
        self._sweep_s = sweep_s(ctx.settings.service.catch_up_minutes, ctx.clock.speed)
        self._audit_seen: int | None = None  # the newest audit row the sweep has looked at
        self._full_sweep_at = 0.0  # loop time of the last sweep of every group
        self.purge = DailyPurge(ctx)  # the retention purge, once a day, started by the sweep

    async def prime(self) -> None:
        """Before `start`: note the newest rota edit, so the sweep sees every later one."""
        async with self.ctx.db.read() as s:
            self._audit_seen = await store.newest_audit_id(s)

    def start(self) -> None:
        """Catch up every group now, then keep the jobs running."""
        for g in self.ctx.settings.groups:
            self.reschedule(g.id, delay_s=0.0)
        self._full_sweep_at = asyncio.get_running_loop().time()  # that was every group
        self._scheduler.add_job(
            self._sweep,
            "interval",
            seconds=self._sweep_s,
            id="boundary-sweep",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=None,
        )
        self.purge.start()

    def aim(self, group_id: str, at: datetime) -> None:
        """Make sure the group's job runs by clock instant `at` (only ever moves it earlier)."""
        current = self._aims.get(group_id)
        if current is not None and current <= at:
            return
        self.reschedule(group_id, self.ctx.clock.real_seconds_until(at))

    def reschedule(self, group_id: str, delay_s: float = 0.0) -> None:
        """Run the group's job after `delay_s` real seconds (it re-aims itself when done)."""
        clock = self.ctx.clock
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
            now = self.ctx.clock.now()
            try:
                posted = await handle_due(self.ctx, group_id, now)
                due = await followups.handle_due(self.ctx, group_id, self.ctx.clock.now())
                posted += [f"followup@{x}" for x in due]
                await handle_deadlines(self.ctx, group_id, self.ctx.clock.now())
                found = [
                    x
                    for x in (
                        await next_event_at(self.ctx, group_id, self.ctx.clock.now()),
                        await next_deadline(self.ctx, group_id),
                        await followups.next_due(self.ctx, group_id),
                    )
                    if x is not None
                ]
            except Exception:
                log.exception("boundary job for group %s failed; the sweep will retry", group_id,
                              extra=ids(group=group_id))  # fmt: skip
                return []
            self._aims.pop(group_id, None)
            if not self._stopped:
                # Nothing ahead (an empty rota): look again later all the same.
                self.aim(group_id, min(found) if found else now + IDLE_RECHECK)
        return posted

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Start no more runs; let those under way finish, cancelling only what outlasts timeout_s.

        Called with the scheduler paused and before the database closes. A run cancelled in the
        middle of a query can hang while its connection is torn down, so runs are let finish (a
        few queries each); one that is cancelled rolls back whole (claim and posts are one
        transaction) and is done again by the next start.
        """
        self._stopped = True
        await self.purge.stop(timeout_s)
        me = asyncio.current_task()
        running = [t for t in self._running if t is not me and not t.done()]
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=timeout_s)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)

    async def _sweep(self, *, full: bool | None = None) -> list[str]:
        """Run the groups that need it (every group when `full`, or when it is time); return
        their ids."""
        self.purge.poke()
        loop_now = asyncio.get_running_loop().time()
        if full is None:
            full = loop_now - self._full_sweep_at >= FULL_SWEEP_S
        if full:
            self._full_sweep_at = loop_now
            groups = [g.id for g in self.ctx.settings.groups]
        else:
            groups = [*self._overdue(), *await self._changed_elsewhere()]
        groups = list(dict.fromkeys(groups))
        for g in groups:
            await self.run(g)
        return groups

    def _overdue(self) -> list[str]:
        """Groups whose job should have run more than one sweep ago (or has no aim at all)."""
        clock = self.ctx.clock
        late = clock.now() - timedelta(seconds=self._sweep_s * clock.speed)
        out = []
        for g in self.ctx.settings.groups:
            aim = self._aims.get(g.id)
            if aim is None or aim <= late:
                out.append(g.id)
        return out

    async def _changed_elsewhere(self) -> list[str]:
        """Groups whose rota changed since the last sweep (here or on another instance), and
        groups with a conversation past a deadline; one statement each."""
        try:
            now = self.ctx.clock.now()
            idle = now - timedelta(hours=self.ctx.settings.service.idle_close_hours)
            async with self.ctx.db.read() as s:
                if self._audit_seen is None:
                    self._audit_seen = await store.newest_audit_id(s)
                    changed: list[str] = []
                else:
                    self._audit_seen, changed = await store.audited_since(s, self._audit_seen)
                overdue = await store.groups_past_deadline(s, now, idle)
                overdue += await followups.groups_due(s, now)
        except Exception:
            log.exception("sweep could not read the database; the groups' own jobs still run")
            return []
        return [*changed, *overdue]
