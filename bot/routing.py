"""Who gets a message from medical staff, pure: continuity first, then the least loaded.

A new conversation goes to a counsellor with room who has at least `min_left` of their duty
still ahead (so it is not handed over a minute later), and to one with less time left only when
nobody with room has that much. A counsellor who let a conversation time out and has not posted
since (`paused`) gets no new one while anyone else can take it; a crisis still goes to them when
nobody else is on duty.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal


@dataclass(frozen=True, slots=True)
class CounsellorLoad:
    """An on-duty counsellor, their open conversations, and when they were last given one.

    `on_until`: when their duty ends, back-to-back shifts joined, as far ahead as the rota was
    read (None: not known, counted as enough time left). `paused`: they let a conversation time
    out and have not posted since.
    """

    member_id: str
    open_count: int
    last_assigned_at: datetime | None
    on_until: datetime | None = None
    paused: bool = False


@dataclass(frozen=True, slots=True)
class Timing:
    """The instant routing decides at, and how much duty a new conversation's counsellor must
    still have ahead of them (`service.min_minutes_left`)."""

    now: datetime
    min_left: timedelta = timedelta(0)

    def has_time(self, c: CounsellorLoad) -> bool:
        return c.on_until is None or c.on_until - self.now >= self.min_left


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
    on_duty: Sequence[CounsellorLoad],
    max_open: int,
    exclude: Collection[str] = (),
    timing: Timing | None = None,
    *,
    paused_too: bool = False,
) -> str | None:
    """The counsellor with the fewest open conversations below `max_open`.

    Only those not paused (unless `paused_too`); among them those with enough duty left, if any
    has room, else those with less. Ties go to the one assigned longest ago (never assigned
    counts as longest), then by id so the choice is the same on every instance.
    """
    candidates = [
        c
        for c in on_duty
        if c.open_count < max_open and c.member_id not in exclude and (paused_too or not c.paused)
    ]
    if timing is not None:
        candidates = [c for c in candidates if timing.has_time(c)] or candidates
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
    on_duty: Sequence[CounsellorLoad],
    max_open: int,
    exclude: Collection[str] = (),
    timing: Timing | None = None,
) -> Assign | None:
    """A crisis is never queued behind capacity: the least loaded on duty takes it, full or not.

    Someone not paused first, with room, then past capacity; a paused counsellor only when
    nobody else is on duty (the leads are alerted of every crisis assignment).
    """
    for paused_too in (False, True):
        chosen = pick_counsellor(on_duty, max_open, exclude, timing, paused_too=paused_too)
        if chosen is not None:
            return Assign(chosen, continuing=False)
        chosen = pick_counsellor(on_duty, 10**9, exclude, timing, paused_too=paused_too)
        if chosen is not None:
            return Assign(chosen, continuing=False, over_capacity=True)
    return None


def choose(
    on_duty: Sequence[CounsellorLoad],
    max_open: int,
    *,
    is_crisis: bool,
    timing: Timing | None = None,
) -> str | None:
    """Who takes a conversation nobody holds: a crisis past capacity, anyone else with room."""
    if is_crisis:
        crisis = pick_for_crisis(on_duty, max_open, timing=timing)
        return None if crisis is None else crisis.counsellor_id
    return pick_counsellor(on_duty, max_open, timing=timing)


def route(
    *,
    is_open: bool,
    next_open_at: datetime,
    current_counsellor: str | None,
    on_duty: Sequence[CounsellorLoad],
    max_open: int,
    is_crisis: bool = False,
    timing: Timing | None = None,
) -> Decision:
    """Decide where a message from a staff member goes.

    `current_counsellor` is the counsellor of the staff member's open conversation, if any.
    Continuity wins while that counsellor is on duty; a new or orphaned conversation goes to the
    least loaded counsellor with room (with enough duty left, if any such has room; never a
    paused one), or waits; a crisis skips the capacity limit.
    """
    if not is_open:
        return OffHours(next_open_at)
    if current_counsellor is not None and any(c.member_id == current_counsellor for c in on_duty):
        return Assign(current_counsellor, continuing=True)
    if not on_duty:
        return Wait("nobody_on_duty")
    if is_crisis:
        crisis = pick_for_crisis(on_duty, max_open, timing=timing)
        assert crisis is not None  # someone is on duty
        return crisis
    chosen = pick_counsellor(on_duty, max_open, timing=timing)
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
    timing: Timing | None = None,
) -> str | None:
    """Who takes a conversation whose counsellor did not answer in time.

    The next counsellor by the same rule, skipping the current one and everyone who already let
    it time out; None when nobody else is left (it stays where it is and the leads know).
    """
    exclude = {current, *tried}
    if is_crisis:
        crisis = pick_for_crisis(on_duty, max_open, exclude, timing)
        return None if crisis is None else crisis.counsellor_id
    return pick_counsellor(on_duty, max_open, exclude, timing)
