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
    over_capacity: bool = False  # a crisis goes to someone at once even when everyone is full


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


def pick_for_crisis(
    on_duty: Sequence[CounsellorLoad], max_open: int, exclude: Collection[str] = ()
) -> Assign | None:
    """A crisis is never queued behind capacity: the least loaded on duty takes it, full or not."""
    chosen = pick_counsellor(on_duty, max_open, exclude)
    if chosen is not None:
        return Assign(chosen, continuing=False)
    chosen = pick_counsellor(on_duty, max_open=10**9, exclude=exclude)
    return None if chosen is None else Assign(chosen, continuing=False, over_capacity=True)


def choose(on_duty: Sequence[CounsellorLoad], max_open: int, *, is_crisis: bool) -> str | None:
    """Who takes a conversation nobody holds: a crisis past capacity, anyone else with room."""
    if is_crisis:
        crisis = pick_for_crisis(on_duty, max_open)
        return None if crisis is None else crisis.counsellor_id
    return pick_counsellor(on_duty, max_open)


def route(
    *,
    is_open: bool,
    next_open_at: datetime,
    current_counsellor: str | None,
    on_duty: Sequence[CounsellorLoad],
    max_open: int,
    is_crisis: bool = False,
) -> Decision:
    """Decide where a message from a staff member goes.

    `current_counsellor` is the counsellor of the staff member's open conversation, if any.
    Continuity wins while that counsellor is on duty; a new or orphaned conversation goes to the
    least loaded counsellor with room, or waits; a crisis skips the capacity limit.
    """
    if not is_open:
        return OffHours(next_open_at)
    if current_counsellor is not None and any(c.member_id == current_counsellor for c in on_duty):
        return Assign(current_counsellor, continuing=True)
    if not on_duty:
        return Wait("nobody_on_duty")
    if is_crisis:
        crisis = pick_for_crisis(on_duty, max_open)
        assert crisis is not None  # someone is on duty
        return crisis
    chosen = pick_counsellor(on_duty, max_open)
    if chosen is None:
        return Wait("full")
    return Assign(chosen, continuing=False)


def reroute_after_timeout(
    *,
    on_duty: Sequence[CounsellorLoad],
    max_open: int,
    current: str,
    tried: Collection[str],
    is_crisis: bool = False,
) -> str | None:
    """Who takes a conversation whose counsellor did not answer in time.

    The next counsellor by the same rule, skipping the current one and everyone who already let
    it time out; None when nobody else is left (it stays where it is and the leads know).
    """
    exclude = {current, *tried}
    if is_crisis:
        crisis = pick_for_crisis(on_duty, max_open, exclude)
        return None if crisis is None else crisis.counsellor_id
    return pick_counsellor(on_duty, max_open, exclude)
