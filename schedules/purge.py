"""The daily retention purge: soon after start, then each day at 03:00 service time.

It rides on the groups' sweep (schedules/group_jobs.py), which looks every few seconds whether
the purge is due on the service clock (a demo's fast clock purges at its own 03:00) and starts it
in the background, so a long first purge never holds up the sweep. Every instance runs its own:
the purge is idempotent (bot/retention.py removes each text once, whoever gets there first), so
no claim is needed to make several instances safe, and one that was down at 03:00 catches up
when it starts.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from bot import retention
from bot.context import Context

log = logging.getLogger(__name__)


class DailyPurge:
    """Removes the text older than `privacy.retain_text_days` every day (nothing when it is 0)."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._due_at: datetime | None = None  # service-clock instant of the next purge
        self._task: asyncio.Task[dict[str, retention.Removal]] | None = None
        self._lock = asyncio.Lock()
        self._stopped = False
        self.last: dict[str, retention.Removal] = {}  # the last purge's counts, per group

    @property
    def due_at(self) -> datetime | None:
        """When the next purge is due on the service clock (None: retention is off)."""
        return self._due_at

    def start(self) -> None:
        """Make a purge due now: it catches up whatever a stopped instance missed."""
        if self._ctx.settings.privacy.retain_text_days > 0:
            self._due_at = self._ctx.clock.now()

    def poke(self) -> None:
        """From the sweep: start the purge in the background if it is due and not running."""
        if self._stopped or self._due_at is None or self._task is not None:
            return
        if self._ctx.clock.now() >= self._due_at:
            self._task = asyncio.create_task(self._background(), name="privacy-purge")

    async def _background(self) -> dict[str, retention.Removal]:
        try:
            return await self.run()
        finally:
            self._task = None

    async def run(self) -> dict[str, retention.Removal]:
        """Purge if it is due, and set when the next one is; return what was removed.

        Runs take turns: one that waited finds the purge done and the next one not yet due."""
        async with self._lock:
            now = self._ctx.clock.now()
            if self._stopped or self._due_at is None or now < self._due_at:
                return {}
            before = retention.cutoff(now, self._ctx.settings.privacy.retain_text_days)
            assert before is not None
            try:
                removed = await retention.purge_all(self._ctx.db, before, now)
            except Exception:
                log.exception("the retention purge failed; it is tried again in an hour")
                self._due_at = now + timedelta(hours=1)
                return {}
            self.last = removed
            self._due_at = retention.next_purge_at(now, self._ctx.settings.bot.tz)
        for group_id, r in removed.items():
            if r.removed or r.kept:
                log.info(
                    "retention purge of group %s: text removed from %d messages, %d posts, %d "
                    "local chat posts, %d handover notes; kept %d not yet delivered",
                    group_id, r.messages, r.posts, r.local_posts, r.notes, r.kept,
                )  # fmt: skip
        return removed

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Start no more purges; let one under way finish (each chunk of it commits alone)."""
        self._stopped = True
        task = self._task
        if task is None or task.done():
            return
        _, late = await asyncio.wait([task], timeout=timeout_s)
        for t in late:
            t.cancel()
        await asyncio.gather(*late, return_exceptions=True)
