"""Routing over plain values: continuity, least load, ties, capacity, off hours."""

from __future__ import annotations

import pytest

from bot.rota import ServiceHours
from bot.routing import (
    Assign,
    CounsellorLoad,
    OffHours,
    Wait,
    pick_counsellor,
    reroute_after_timeout,
    route,
)
from tests.conftest import TZ, at

D = "2026-11-25"
OPEN_AT = at(D, "08:00")


def load(member: str, count: int, last: str | None = None) -> CounsellorLoad:
    return CounsellorLoad(member, count, at(D, last) if last else None)


def decide(
    current: str | None, loads: list[CounsellorLoad], *, is_open: bool = True, max_open: int = 5
) -> object:
    return route(
        is_open=is_open,
        next_open_at=OPEN_AT,
        current_counsellor=current,
        on_duty=loads,
        max_open=max_open,
    )


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


# Crisis, timeouts and the service day (issue: handing messages to counsellors).


def crisis(current: str | None, loads: list[CounsellorLoad], *, is_open: bool = True) -> object:
    return route(
        is_open=is_open,
        next_open_at=OPEN_AT,
        current_counsellor=current,
        on_duty=loads,
        max_open=2,
        is_crisis=True,
    )


def test_crisis_with_capacity_goes_to_least_loaded() -> None:
    assert crisis(None, [load("a", 1), load("b", 0)]) == Assign("b", False)


def test_crisis_when_everyone_is_full_is_assigned_past_capacity() -> None:
    assert crisis(None, [load("a", 3, "09:00"), load("b", 2, "09:10")]) == Assign(
        "b", False, over_capacity=True
    )


def test_crisis_keeps_continuity() -> None:
    assert crisis("a", [load("a", 9), load("b", 0)]) == Assign("a", True)


def test_crisis_with_nobody_on_duty_waits_and_at_night_is_off_hours() -> None:
    assert crisis(None, []) == Wait("nobody_on_duty")
    assert crisis(None, [load("a", 0)], is_open=False) == OffHours(OPEN_AT)


def test_a_counsellor_leaving_mid_conversation_at_capacity_elsewhere_waits() -> None:
    assert decide("a", [load("b", 5)], max_open=5) == Wait("full")


def test_ack_timeout_chain_through_three_counsellors() -> None:
    loads = [load("a", 1), load("b", 1), load("c", 2)]
    tried: list[str] = []
    current = "a"
    chain = [current]
    while True:
        tried.append(current)
        nxt = reroute_after_timeout(on_duty=loads, max_open=5, current=current, tried=tried)
        if nxt is None:
            break
        chain.append(nxt)
        current = nxt
    assert chain == ["a", "b", "c"]


def test_timeout_skips_full_counsellors_but_a_crisis_does_not() -> None:
    loads = [load("a", 1), load("b", 5), load("c", 5, "09:00")]
    assert reroute_after_timeout(on_duty=loads, max_open=5, current="a", tried=[]) is None
    assert (
        reroute_after_timeout(on_duty=loads, max_open=5, current="a", tried=[], is_crisis=True)
        == "b"  # tie on load: never assigned counts as longest ago
    )
    assert (
        reroute_after_timeout(on_duty=loads, max_open=5, current="a", tried=["b"], is_crisis=True)
        == "c"
    )


HOURS = ServiceHours(8 * 60, 24 * 60, TZ)


@pytest.mark.parametrize(
    ("day", "hhmm", "is_open"),
    [
        (D, "07:59", False),
        (D, "08:00", True),
        (D, "23:59", True),
        ("2026-11-26", "00:00", False),
        ("2026-11-26", "00:01", False),
        ("2026-11-26", "03:00", False),
    ],
)
def test_service_hours_around_midnight(day: str, hhmm: str, is_open: bool) -> None:
    assert HOURS.is_open(at(day, hhmm)) is is_open


def test_a_conversation_from_2359_continued_at_0001_is_off_hours_until_0800() -> None:
    loads = [load("a", 1, "23:59")]
    assert decide(None, loads) == Assign("a", False)  # at 23:59, inside the hours
    after = route(
        is_open=HOURS.is_open(at("2026-11-26", "00:01")),
        next_open_at=HOURS.next_open_at(at("2026-11-26", "00:01")),
        current_counsellor="a",
        on_duty=[],
        max_open=5,
    )
    assert after == OffHours(at("2026-11-26", "08:00"))


def test_a_message_at_three_in_the_morning_waits_for_eight() -> None:
    three = at("2026-11-26", "03:00")
    assert HOURS.next_open_at(three) == at("2026-11-26", "08:00")
    assert HOURS.last_close_at(three) == at("2026-11-26", "00:00")
