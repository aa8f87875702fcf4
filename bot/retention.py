"""Retention and erasure of what people wrote: the daily purge by age, and a person's request.

What goes is text: the messages' `text`, the outbox's copies of it (assignment posts, private
copies, crisis alerts), the local chat's timeline and the handover notes. Each removal sets the
row's `text_removed_at`; the rows themselves stay with their times, flags and counts, so every
report and `/stats` says the same after a purge (bot/report.py reads no text).

Never removed, because nothing accepted is ever lost: the text of a pending outbox row (it has not
reached anyone yet), of a message whose conversation waits for a counsellor (it is handed over in
a summary when one has room: `bot.conversations._summary`), and the handover note of a
conversation not closed (it travels with the next handover). They are counted as kept and go at
a later purge, once sent, assigned or closed.

Idempotent: every statement sets `text_removed_at` only where it is still NULL (checked again in
the UPDATE itself), so instances that purge at the same time (each runs its own daily job)
remove each text once between them, and a purge run again removes nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import models
from bot.db import Database

log = logging.getLogger(__name__)
CHUNK = 500  # rows per write transaction: SQLite's one writer is never held for long
PURGE_AT = time(3, 0)  # service-local time of the daily purge, when groups are quiet
FORGET_ACTION = "privacy_forget"
PURGE_ACTION = "privacy_purge"
ACTIONS = (FORGET_ACTION, PURGE_ACTION)  # audit entries that are not rota changes
_SENT = ("sent", "dead")


@dataclass(frozen=True, slots=True)
class Removal:
    """How many texts a purge or a request removed, and how many it had to keep."""

    messages: int = 0
    posts: int = 0  # outbox rows, sent or dead
    local_posts: int = 0
    notes: int = 0  # handover notes of closed conversations
    kept_messages: int = 0  # in a conversation waiting for a counsellor
    kept_posts: int = 0  # outbox rows not sent yet
    kept_notes: int = 0  # of a conversation not closed yet

    def __add__(self, other: Removal) -> Removal:
        return Removal(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def removed(self) -> int:
        return self.messages + self.posts + self.local_posts + self.notes

    @property
    def kept(self) -> int:
        return self.kept_messages + self.kept_posts + self.kept_notes

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def cutoff(now: datetime, retain_days: int) -> datetime | None:
    """The instant before which text goes (None: `retain_days` 0 keeps it forever)."""
    return None if retain_days == 0 else now - timedelta(days=retain_days)


def next_purge_at(now: datetime, tz: ZoneInfo) -> datetime:
    """The next daily purge after `now`: PURGE_AT in the service timezone."""
    day = now.astimezone(tz).date()
    at = datetime.combine(day, PURGE_AT, tz)
    return at if at > now else datetime.combine(day + timedelta(days=1), PURGE_AT, tz)


_m, _o, _p, _c, _q = (
    models.Message,
    models.OutboxRow,
    models.LocalPost,
    models.Conversation,
    models.OutboxQuote,
)


def _delivered(conversation_id: Any) -> ColumnElement[bool]:
    """The message reached a counsellor: its conversation is held or closed, not waiting (or
    it never had one: a command, a counsellor's post, an event, which nothing routes later)."""
    waiting = select(_c.id).where(_c.status == "waiting")
    return or_(conversation_id.is_(None), conversation_id.not_in(waiting))


class _Targets:
    """The candidate rows of one purge or request, as queries of ids (removed and kept)."""

    def __init__(
        self,
        messages: Sequence[ColumnElement[bool]],
        posts: Sequence[ColumnElement[bool]],
        local_posts: Sequence[ColumnElement[bool]],
        notes: Sequence[ColumnElement[bool]],
    ) -> None:
        self.messages = [*messages, _m.text_removed_at.is_(None), _m.text != ""]
        self.posts = [*posts, _o.text_removed_at.is_(None), _o.text != ""]
        self.local_posts = [*local_posts, _p.text_removed_at.is_(None), _p.text != ""]
        self.notes = [*notes, _c.text_removed_at.is_(None), _c.handover_note.is_not(None)]

    def removable(self) -> list[tuple[Any, list[ColumnElement[bool]]]]:
        return [
            (_m, [*self.messages, _delivered(_m.conversation_id)]),
            (_o, [*self.posts, _o.status.in_(_SENT)]),
            (_p, list(self.local_posts)),
            (_c, [*self.notes, _c.status == "closed"]),
        ]

    def kept(self) -> list[Select[int]]:
        count = func.count()
        return [
            select(count).select_from(_m).where(*self.messages, ~_delivered(_m.conversation_id)),
            select(count).select_from(_o).where(*self.posts, _o.status.not_in(_SENT)),
            select(count).select_from(_c).where(*self.notes, _c.status != "closed"),
        ]


async def _apply(db: Database, targets: _Targets, now: datetime, *, dry_run: bool) -> Removal:
    counts: list[int] = []
    for table, where in targets.removable():
        async with db.read() as s:
            ids = list(await s.scalars(select(table.id).where(*where).order_by(table.id)))
        if dry_run:
            counts.append(len(ids))
            continue
        done = 0
        values: dict[str, Any] = {"text_removed_at": now}
        values.update({"handover_note": None} if table is _c else {"text": ""})
        for i in range(0, len(ids), CHUNK):
            async with db.write() as s:
                res = await s.execute(
                    update(table)
                    .where(table.id.in_(ids[i : i + CHUNK]), *where)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                done += int(getattr(res, "rowcount", 0) or 0)
        counts.append(done)
    async with db.read() as s:
        kept = [int(await s.scalar(q) or 0) for q in targets.kept()]
    return Removal(*counts, *kept)


async def purge(
    db: Database, before: datetime, now: datetime, group_id: str, *, dry_run: bool = False
) -> Removal:
    """Remove the texts of `group_id` written (or posted) before `before`."""
    if before.tzinfo is None or now.tzinfo is None:
        raise ValueError("purge needs timezone-aware instants")
    targets = _Targets(
        messages=[_m.group_id == group_id, _m.received_at < before],
        posts=[_o.group_id == group_id, _o.created_at < before],
        local_posts=[_p.group_id == group_id, _p.posted_at < before],
        # A note is as old as its conversation's end (or, while it is open, its start).
        notes=[_c.group_id == group_id, func.coalesce(_c.closed_at, _c.opened_at) < before],
    )
    return await _apply(db, targets, now, dry_run=dry_run)


async def purge_all(
    db: Database, before: datetime, now: datetime, *, dry_run: bool = False
) -> dict[str, Removal]:
    """`purge` every group the database knows (a group gone from the config included)."""
    async with db.read() as s:
        groups = list(await s.scalars(select(models.Group.id).order_by(models.Group.id)))
    return {g: await purge(db, before, now, g, dry_run=dry_run) for g in groups}


async def is_known(db: Database, group_id: str, person_id: str) -> bool:
    """Whether `person_id` is a member of the group or has written in it."""
    async with db.read() as s:
        if await s.get(models.Member, (group_id, person_id)) is not None:
            return True
        found = await s.scalar(
            select(_m.id).where(_m.group_id == group_id, _m.sender_id == person_id).limit(1)
        )
        return found is not None


async def forget(db: Database, group_id: str, person_id: str, now: datetime) -> Removal:
    """Remove everything `person_id` wrote in the group, every copy the bot made of it, and the
    risk notes on their conversations.

    Their messages; the posts that quote their conversations (linked by `outbox_quotes`, not
    found by searching text), and the local chat's copies of those posts (a post merged into
    another is shown as part of that one); their own posts in the local chat; the handover notes
    left on their conversations. Their id and display name stay: the rows are still counted.
    """
    theirs = select(_c.id).where(_c.group_id == group_id, _c.staff_id == person_id)
    quoting = select(_q.outbox_id).where(_q.conversation_id.in_(theirs))
    shown_in = select(func.coalesce(_o.merged_into, _o.id)).where(_o.id.in_(quoting))
    targets = _Targets(
        messages=[_m.group_id == group_id, _m.sender_id == person_id],
        posts=[_o.id.in_(quoting)],
        local_posts=[
            _p.group_id == group_id,
            or_(and_(_p.sender_id == person_id, _p.is_bot.is_(False)), _p.outbox_id.in_(shown_in)),
        ],
        notes=[_c.id.in_(theirs)],
    )
    removal = await _apply(db, targets, now, dry_run=False)
    # The counsellors' risk notes on their conversations (/risk) are about them: they go too.
    async with db.write() as s:
        await s.execute(
            delete(models.RiskNote)
            .where(models.RiskNote.conversation_id.in_(theirs))
            .execution_options(synchronize_session=False)
        )
    return removal


def audit(
    s: AsyncSession,
    *,
    action: str,
    group_id: str,
    actor_id: str,
    removal: Removal,
    summary: str,
    now: datetime,
    **details: str,
) -> models.AuditEntry:
    """Record who removed how much, when: counts and ids only, never the text."""
    entry = models.AuditEntry(
        at=now,
        group_id=group_id,
        actor_id=actor_id,
        action=action,
        before={},
        after={"summary": summary, "counts": removal.as_dict(), **details},
        undone=False,
    )
    s.add(entry)
    return entry
