"""Who gets a message from medical staff, pure: continuity first, then the least loaded."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal


@dataclass(frozen=True, slots=True)
class CounsellorLoad:
    """An on-duty counsellor, their open conversations, and when they were last given one."""

    member_id: str
    open_count: int
    last_assigned_at: datetime | None


@dataclass(frozen=True, slots=True)
class Assign:
    counsellor_id: str
    continuing: bool


@dataclass(frozen=True, slots=True)
class Wait:
    """Nobody on duty has room (or nobody is on duty inside the hours): queue it."""

    reason: Literal["full", "nobody_on_duty"]


@dataclass(frozen=True, slots=True)
class OffHours:
    """Outside service hours: no assignment; the staff member gets one auto-reply."""

    opens_at: datetime


Decision = Assign | Wait | OffHours
_NEVER = datetime.min.replace(tzinfo=UTC)


def pick_counsellor(
    on_duty: Sequence[CounsellorLoad], max_open: int, exclude: Collection[str] = ()
) -> str | None:
    """The counsellor with the fewest open conversations below `max_open`.

    Ties go to the one assigned longest ago (never assigned counts as longest), then by id so the
    choice is the same on every instance.
    """
    candidates = [c for c in on_duty if c.open_count < max_open and c.member_id not in exclude]
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda c: (
            c.open_count,
            c.last_assigned_at is not None,
            c.last_assigned_at or _NEVER,
            c.member_id,
        ),
    )
    return best.member_id


def route(
    *,
    is_open: bool,
    next_open_at: datetime,
    current_counsellor: str | None,
    on_duty: Sequence[CounsellorLoad],
    max_open: int,
) -> Decision:
    """Decide where a message from a staff member goes.

    `current_counsellor` is the counsellor of the staff member's open conversation, if any.
    """
    if not is_open:
        return OffHours(next_open_at)
    if current_counsellor is not None and any(c.member_id == current_counsellor for c in on_duty):
        return Assign(current_counsellor, continuing=True)
    if not on_duty:
        return Wait("nobody_on_duty")
    chosen = pick_counsellor(on_duty, max_open)
    if chosen is None:
        return Wait("full")
    return Assign(chosen, continuing=False)
