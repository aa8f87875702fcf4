"""Routing over plain values: continuity, least load, ties, capacity, off hours."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.rota import ServiceHours
from bot.routing import (
    Assign,
    CounsellorLoad,
    OffHours,
    Timing,
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


# Time left on duty and counsellors paused after a timeout (issue 20 item 1).


def hms(value: str) -> datetime:
    """09:59:30 on the test day (seconds allowed)."""
    h, m, *sec = value.split(":")
    return at(D, f"{h}:{m}") + timedelta(seconds=int(sec[0]) if sec else 0)


NOW = hms("09:59:30")
TIMING = Timing(NOW, timedelta(minutes=15))


def on(
    member: str, count: int, until: str | None, *, last: str | None = None, paused: bool = False
) -> CounsellorLoad:
    return CounsellorLoad(
        member, count, at(D, last) if last else None, hms(until) if until else None, paused
    )


def new_to(
    loads: list[CounsellorLoad],
    *,
    current: str | None = None,
    crisis: bool = False,
    max_open: int = 3,
    timing: Timing | None = TIMING,
) -> object:
    return route(
        is_open=True,
        next_open_at=OPEN_AT,
        current_counsellor=current,
        on_duty=loads,
        max_open=max_open,
        is_crisis=crisis,
        timing=timing,
    )


@pytest.mark.parametrize(
    ("case", "loads", "expected"),
    [
        # 09:59:30: a leaves at 10:00 (fewer open), b is on until 13:00: b takes it.
        ("enough time beats fewer open", [on("a", 0, "10:00"), on("b", 2, "13:00")], "b"),
        (
            "nobody has enough: least loaded of those on",
            [on("a", 1, "10:00"), on("b", 0, "10:05")],
            "b",
        ),
        ("the one with enough is full: fall back", [on("a", 0, "10:00"), on("b", 3, "13:00")], "a"),
        ("exactly the minimum is enough", [on("a", 0, "10:00"), on("b", 1, "10:14:30")], "b"),
        ("a minute short is not", [on("a", 0, "10:13:30"), on("b", 1, "13:00")], "b"),
        ("unknown end counts as enough", [on("a", 0, "10:00"), on("b", 1, None)], "b"),
        (
            "among those with enough, least loaded",
            [on("a", 2, "13:00"), on("b", 1, "12:00"), on("c", 0, "10:00")],
            "b",
        ),
        ("paused gets nothing new", [on("a", 0, "13:00", paused=True), on("b", 2, "13:00")], "b"),
        (
            "paused with time loses to short time",
            [on("a", 0, "13:00", paused=True), on("b", 0, "10:00")],
            "b",
        ),
        (
            "only the paused have room: wait",
            [on("a", 0, "13:00", paused=True), on("b", 3, "13:00")],
            Wait("full"),
        ),
        ("all paused: wait", [on("a", 0, "13:00", paused=True)], Wait("full")),
    ],
)
def test_new_conversation_by_time_left_and_pause(
    case: str, loads: list[CounsellorLoad], expected: object
) -> None:
    want = Assign(expected, False) if isinstance(expected, str) else expected
    assert new_to(loads) == want, case


@pytest.mark.parametrize(
    ("case", "loads", "expected"),
    [
        (
            "crisis prefers enough time",
            [on("a", 0, "10:00"), on("b", 1, "13:00")],
            Assign("b", False),
        ),
        (
            "crisis past capacity, enough time first",
            [on("a", 3, "10:00"), on("b", 4, "13:00")],
            Assign("b", False, True),
        ),
        (
            "crisis: someone answering past capacity before a paused one with room",
            [on("a", 0, "13:00", paused=True), on("b", 3, "13:00")],
            Assign("b", False, True),
        ),
        (
            "crisis: a paused one when nobody else is on",
            [on("a", 1, "13:00", paused=True)],
            Assign("a", False),
        ),
        (
            "crisis: a paused one even past capacity",
            [on("a", 5, "13:00", paused=True)],
            Assign("a", False, True),
        ),
    ],
)
def test_crisis_by_time_left_and_pause(
    case: str, loads: list[CounsellorLoad], expected: Assign
) -> None:
    assert new_to(loads, crisis=True) == expected, case


def test_continuity_holds_whatever_the_time_left_or_pause() -> None:
    loads = [on("a", 1, "10:00", paused=True), on("b", 0, "13:00")]
    assert new_to(loads, current="a") == Assign("a", True)


def test_without_timing_time_left_is_not_considered() -> None:
    assert new_to([on("a", 0, "10:00"), on("b", 1, "13:00")], timing=None) == Assign("a", False)


def test_timeout_reroute_skips_the_paused_and_prefers_time_left() -> None:
    loads = [
        on("a", 1, "13:00"),
        on("b", 0, "13:00", paused=True),
        on("c", 0, "10:00"),
        on("d", 2, "13:00"),
    ]
    assert (
        reroute_after_timeout(on_duty=loads, max_open=3, current="a", tried=["a"], timing=TIMING)
        == "d"
    )
    assert (
        reroute_after_timeout(
            on_duty=loads, max_open=3, current="a", tried=["a", "d"], timing=TIMING
        )
        == "c"
    )
    assert (
        reroute_after_timeout(
            on_duty=loads, max_open=3, current="a", tried=["a", "c", "d"], timing=TIMING
        )
        is None
    )
