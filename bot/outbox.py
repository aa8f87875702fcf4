"""The durable outbox: posts are rows first, and a row is marked sent only after a 2xx.

One worker per process delivers the oldest pending row of each group (so a group's posts keep
their order), retries with exponential backoff and jitter, and gives up only after
`outbox.give_up_hours`, marking the row dead, never dropping it. On PostgreSQL the head rows are
claimed with FOR UPDATE SKIP LOCKED, so several instances never send the same row at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.db import Database
from bot.errors import PlatformError, Retry
from bot.models import OutboxRow
from bot.platforms.base import OutboundMessage
from bot.protocols import Clock, Platform

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 300.0


def enqueue(session: AsyncSession, message: OutboundMessage, now: datetime) -> OutboxRow:
    """Add a post to the outbox inside the caller's transaction."""
    row = OutboxRow(
        group_id=message.group_id,
        kind=message.kind,
        text=message.text,
        mentions=list(message.mentions),
        private_to=list(message.private_to),
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(row)
    return row


def backoff_s(attempts: int, floor_s: float = 0.0, rng: random.Random | None = None) -> float:
    """Delay before try number `attempts + 1`: 1, 2, 4 … 300 s, with up to 25% jitter."""
    base = min(MAX_BACKOFF_S, 2.0 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(0, base * 0.25)
    return max(floor_s, base + jitter)


@dataclass(frozen=True, slots=True)
class _Outcome:
    row_id: int
    error: PlatformError | None


class OutboxWorker:
    """Delivers pending rows through their group's platform."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        platforms: Mapping[str, Platform],
        poll_s: float = 0.5,
    ) -> None:
        self._db = db
        self._clock = clock
        self._settings = settings
        self._platforms = platforms
        self._poll_s = poll_s
        self._wake = asyncio.Event()
        self.sent_count = 0

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver until cancelled."""
        while True:
            try:
                delivered = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the worker must outlive a database hiccup; the rows wait
                log.exception("outbox pass failed; retrying shortly")
                delivered = 0
            if delivered:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_s)

    def _heads(self, now: datetime) -> object:
        heads = (
            select(func.min(OutboxRow.id))
            .where(OutboxRow.status == "pending")
            .group_by(OutboxRow.group_id)
        )
        return (
            select(OutboxRow)
            .where(OutboxRow.id.in_(heads), OutboxRow.next_attempt_at <= now)
            .order_by(OutboxRow.id)
        )

    async def deliver_due(self) -> int:
        """One pass: send the due head row of every group; return how many were sent."""
        now = self._clock.now()
        query = self._heads(now)
        if self._db.is_sqlite:
            async with self._db.read() as s:
                rows = list(await s.scalars(query))  # type: ignore[call-overload]
            if not rows:
                return 0
            outcomes = await self._send_all(rows)
            async with self._db.write() as s:
                return await self._record(s, outcomes, now)
        async with self._db.write() as s:
            locked = query.with_for_update(skip_locked=True)  # type: ignore[attr-defined]
            rows = list(await s.scalars(locked))
            if not rows:
                return 0
            outcomes = await self._send_all(rows)
            return await self._record(s, outcomes, now)

    async def _send_all(self, rows: list[OutboxRow]) -> list[_Outcome]:
        return list(await asyncio.gather(*(self._send_one(r) for r in rows)))

    async def _send_one(self, row: OutboxRow) -> _Outcome:
        group = self._settings.group(row.group_id)
        if group is None:
            return _Outcome(row.id, PlatformError(f"group {row.group_id!r} is not in the config"))
        platform = self._platforms[group.platform]
        message = OutboundMessage(
            group_id=row.group_id,
            text=row.text,
            kind=row.kind,
            mentions=tuple(row.mentions),
            private_to=tuple(row.private_to),
            outbox_id=row.id,
        )
        try:
            await platform.send(group, message)
        except PlatformError as e:
            return _Outcome(row.id, e)
        return _Outcome(row.id, None)

    async def _record(self, s: AsyncSession, outcomes: list[_Outcome], now: datetime) -> int:
        sent = 0
        give_up = timedelta(hours=self._settings.outbox.give_up_hours)
        for o in outcomes:
            row = await s.get(OutboxRow, o.row_id)
            if row is None or row.status != "pending":
                continue
            if o.error is None:
                row.status, row.sent_at, row.last_error = "sent", now, None
                sent += 1
                continue
            row.attempts += 1
            row.last_error = str(o.error)[:500]
            if now - row.created_at >= give_up:
                row.status = "dead"
                log.error("outbox row %s is dead after %s tries: %s", row.id, row.attempts, o.error)
                continue
            floor = o.error.delay_s if isinstance(o.error, Retry) else 0.0
            delay = backoff_s(row.attempts, floor) * self._clock.speed
            row.next_attempt_at = now + timedelta(seconds=delay)
            log.warning("outbox row %s failed (try %s): %s", row.id, row.attempts, o.error)
        self.sent_count += sent
        return sent
