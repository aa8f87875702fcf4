"""Routing over plain values: continuity, least load, ties, capacity, off hours."""

from __future__ import annotations

from bot.routing import Assign, CounsellorLoad, OffHours, Wait, pick_counsellor, route
from tests.conftest import at

D = "2026-11-25"
OPEN_AT = at(D, "08:00")


def load(member: str, count: int, last: str | None = None) -> CounsellorLoad:
    return CounsellorLoad(member, count, at(D, last) if last else None)


def decide(current: str | None, loads: list[CounsellorLoad], *, is_open: bool = True,
           max_open: int = 5) -> object:
    return route(is_open=is_open, next_open_at=OPEN_AT, current_counsellor=current,
                 on_duty=loads, max_open=max_open)


def test_new_message_goes_to_least_loaded() -> None:
    assert decide(None, [load("a", 2, "09:00"), load("b", 1, "09:30")]) == Assign("b", False)


def test_tie_goes_to_the_one_assigned_longest_ago() -> None:
    loads = [load("a", 1, "09:30"), load("b", 1, "09:00"), load("c", 1, "09:10")]
    assert decide(None, loads) == Assign("b", False)


def test_never_assigned_beats_assigned_long_ago() -> None:
    assert decide(None, [load("a", 0, "08:00"), load("b", 0)]) == Assign("b", False)


def test_tie_without_history_is_stable_by_id() -> None:
    assert decide(None, [load("b", 0), load("a", 0)]) == Assign("a", False)


def test_continuity_while_on_duty_even_when_busier() -> None:
    assert decide("a", [load("a", 4, "09:00"), load("b", 0)]) == Assign("a", True)


def test_continuity_even_at_capacity() -> None:
    assert decide("a", [load("a", 5, "09:00"), load("b", 0)], max_open=5) == Assign("a", True)


def test_counsellor_whose_shift_ended_mid_conversation_is_replaced() -> None:
    assert decide("a", [load("b", 1), load("c", 2)]) == Assign("b", False)


def test_everyone_full_waits() -> None:
    assert decide(None, [load("a", 5), load("b", 5)], max_open=5) == Wait("full")


def test_nobody_on_duty_inside_hours_waits() -> None:
    assert decide(None, []) == Wait("nobody_on_duty")


def test_outside_hours_no_assignment() -> None:
    assert decide("a", [load("a", 0)], is_open=False) == OffHours(OPEN_AT)


def test_pick_excludes() -> None:
    loads = [load("a", 0), load("b", 1)]
    assert pick_counsellor(loads, 5, exclude={"a"}) == "b"
    assert pick_counsellor(loads, 5, exclude={"a", "b"}) is None
