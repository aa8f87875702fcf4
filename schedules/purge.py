"""The daily retention purge: once at start, then each day at 03:00 service time.

One APScheduler date job, aimed on the service clock like the groups' jobs (a demo's fast clock
purges at its own 03:00). Every instance runs its own: the purge is idempotent (bot/retention.py
removes each text once, whoever gets there first), so no claim is needed to make several
instances safe, and one that was down at 03:00 catches up when it starts.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import retention
from bot.context import Context

log = logging.getLogger(__name__)
JOB_ID = "privacy-purge"


class DailyPurge:
    """Removes the text older than `privacy.retain_text_days` every day (nothing when it is 0)."""

    def __init__(self, ctx: Context, scheduler: AsyncIOScheduler) -> None:
        self._ctx = ctx
        self._scheduler = scheduler
        self._due_at: datetime | None = None  # service-clock instant of the next purge
        self._task: asyncio.Task[object] | None = None
        self._stopped = False
        self.last: dict[str, retention.Removal] = {}  # the last purge's counts, per group

    @property
    def due_at(self) -> datetime | None:
        """When the next purge is due on the service clock (None: retention is off)."""
        return self._due_at

    @property
    def is_on(self) -> bool:
        return self._ctx.settings.privacy.retain_text_days > 0

    def start(self) -> None:
        """Purge now (catching up whatever a stopped instance missed), then every day."""
        if self.is_on:
            self._due_at = self._ctx.clock.now()
            self._aim(0.0)

    def _aim(self, delay_s: float) -> None:
        # APScheduler runs on real time, as in GroupJobs.reschedule.
        self._scheduler.add_job(
            self.run,
            "date",
            run_date=datetime.now(UTC) + timedelta(seconds=delay_s),
            id=JOB_ID,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def run(self) -> dict[str, retention.Removal]:
        """Purge if it is time, then aim the job at the next purge; return what was removed."""
        if self._stopped or self._due_at is None:
            return {}
        self._task = asyncio.current_task()
        try:
            return await self._run()
        finally:
            self._task = None

    async def _run(self) -> dict[str, retention.Removal]:
        clock = self._ctx.clock
        now = clock.now()
        assert self._due_at is not None
        removed: dict[str, retention.Removal] = {}
        if now >= self._due_at:
            before = retention.cutoff(now, self._ctx.settings.privacy.retain_text_days)
            assert before is not None
            try:
                removed = await retention.purge_all(self._ctx.db, before, now)
            except Exception:
                log.exception("the retention purge failed; it is tried again in an hour")
                self._due_at = now + timedelta(hours=1)
            else:
                self.last = removed
                self._due_at = retention.next_purge_at(now, self._ctx.settings.bot.tz)
                for group_id, r in removed.items():
                    if r.removed or r.kept:
                        log.info(
                            "retention purge of group %s: text removed from %d messages, %d "
                            "posts, %d local chat posts, %d handover notes; kept %d not yet "
                            "delivered",
                            group_id, r.messages, r.posts, r.local_posts, r.notes, r.kept,
                        )  # fmt: skip
        if not self._stopped:
            self._aim(clock.real_seconds_until(self._due_at))
        return removed

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Start no more purges; let one under way finish its chunk (each chunk commits alone)."""
        self._stopped = True
        task = self._task
        if task is None or task is asyncio.current_task() or task.done():
            return
        _, late = await asyncio.wait([task], timeout=timeout_s)
        for t in late:
            t.cancel()
        await asyncio.gather(*late, return_exceptions=True)
