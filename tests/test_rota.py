"""The rota core over tables of aware instants: on duty, service window, boundaries, rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.rota import (
    Boundary,
    ServiceHours,
    Shift,
    boundaries,
    duty_until,
    find_violation,
    format_span,
    next_boundary,
    next_shifts,
    on_duty_members,
    reminders,
)
from tests.conftest import TZ, at

HOURS = ServiceHours(8 * 60, 24 * 60, TZ)
D = "2026-11-25"


def sh(member: str, start: str, end: str, day: str = D) -> Shift:
    end_at = at(day, end) if end != "24:00" else at(day, "00:00") + timedelta(days=1)
    return Shift(member, at(day, start), end_at)


DAY = [
    sh("a", "08:00", "10:00"),
    sh("b", "08:00", "13:00"),
    sh("c", "10:00", "14:00"),
    sh("a", "14:00", "19:00"),  # c leaves at 14:00 as a comes: adjacent
    sh("d", "20:00", "24:00"),  # 19:00-20:00 is a gap
]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("07:59", []),
        ("08:00", ["a", "b"]),
        ("09:59", ["a", "b"]),
        ("10:00", ["b", "c"]),
        ("13:00", ["c"]),
        ("14:00", ["a"]),
        ("19:30", []),
        ("23:59", ["d"]),
    ],
)
def test_on_duty_at_instants(when: str, expected: list[str]) -> None:
    assert sorted(on_duty_members(DAY, at(D, when))) == expected


def test_shift_ending_at_24_00_is_off_at_midnight() -> None:
    midnight = at(D, "00:00") + timedelta(days=1)
    assert on_duty_members(DAY, midnight - timedelta(seconds=1)) == ["d"]
    assert on_duty_members(DAY, midnight) == []


@pytest.mark.parametrize(
    ("when", "is_open"),
    [("07:59", False), ("08:00", True), ("12:00", True), ("23:59", True)],
)
def test_service_window(when: str, is_open: bool) -> None:
    assert HOURS.is_open(at(D, when)) is is_open


def test_midnight_closes_and_next_open_is_tomorrow_morning() -> None:
    midnight = at(D, "00:00") + timedelta(days=1)
    assert not HOURS.is_open(midnight)
    assert HOURS.next_open_at(midnight) == at("2026-11-26", "08:00")
    assert HOURS.next_open_at(at(D, "03:00")) == at(D, "08:00")
    assert HOURS.next_open_at(at(D, "08:00")) == at(D, "08:00")
    assert HOURS.next_open_at(at(D, "23:59")) == at("2026-11-26", "08:00")
    assert HOURS.last_close_at(at(D, "03:00")) == at(D, "00:00")
    assert HOURS.last_close_at(midnight) == midnight


def test_window_keeps_timezone() -> None:
    opens_at, closes_at = HOURS.window(at(D, "00:00").date())
    assert opens_at.tzinfo is TZ and closes_at.tzinfo is TZ
    assert (closes_at - opens_at) == timedelta(hours=16)


def test_boundaries_of_a_day() -> None:
    found = boundaries(DAY, HOURS, at(D, "00:00"), at(D, "00:00") + timedelta(days=1))
    table = [
        (b.at.astimezone(TZ).strftime("%H:%M"), b.kind, b.going_off, [m for m, _ in b.coming_on])
        for b in found
    ]
    assert table == [
        ("08:00", "open", (), ["a", "b"]),
        ("10:00", "shift_change", ("a",), ["c"]),
        ("13:00", "shift_change", ("b",), []),
        ("14:00", "shift_change", ("c",), ["a"]),
        ("19:00", "shift_change", ("a",), []),
        ("20:00", "shift_change", (), ["d"]),
        ("00:00", "close", ("d",), []),
    ]
    assert found[0].coming_on == (("a", at(D, "10:00")), ("b", at(D, "13:00")))


def test_back_to_back_shifts_of_one_counsellor_are_no_boundary() -> None:
    shifts = [sh("a", "08:00", "10:00"), sh("a", "10:00", "12:00"), sh("b", "12:00", "14:00")]
    found = boundaries(shifts, HOURS, at(D, "07:00"), at(D, "15:00"))
    assert [b.at.astimezone(TZ).strftime("%H:%M") for b in found] == ["08:00", "12:00", "14:00"]
    assert found[0].coming_on == (("a", at(D, "12:00")),)
    assert duty_until(shifts, "a", at(D, "09:00")) == at(D, "12:00")


def test_overlapping_shifts_of_different_counsellors() -> None:
    shifts = [sh("a", "08:00", "12:00"), sh("b", "10:00", "14:00")]
    found = boundaries(shifts, HOURS, at(D, "09:00"), at(D, "15:00"))
    assert [(b.going_off, [m for m, _ in b.coming_on]) for b in found] == [
        ((), ["b"]),
        (("a",), []),
        (("b",), []),
    ]


def test_interval_is_half_open() -> None:
    found = boundaries(DAY, HOURS, at(D, "10:00"), at(D, "13:00"))
    assert [b.at for b in found] == [at(D, "13:00")]


def test_open_and_close_even_with_empty_rota() -> None:
    found = boundaries([], HOURS, at(D, "00:00"), at(D, "23:00") + timedelta(hours=2))
    assert [b.kind for b in found] == ["open", "close"]
    assert next_boundary([], HOURS, at(D, "09:00")) is not None


def test_next_boundary_and_next_shifts() -> None:
    b = next_boundary(DAY, HOURS, at(D, "10:00"))
    assert b is not None and b.at == at(D, "13:00")
    assert [s.member_id for s in next_shifts(DAY, at(D, "10:00"))] == ["a"]


def test_reminders_only_for_a_start_of_duty() -> None:
    shifts = [sh("a", "08:00", "10:00"), sh("a", "10:00", "12:00"), sh("b", "10:00", "12:00")]
    found = reminders(shifts, 15, at(D, "07:00"), at(D, "12:00"))
    assert [(r.at, r.members) for r in found] == [
        (at(D, "07:45"), ("a",)),
        (at(D, "09:45"), ("b",)),
    ]
    assert reminders(shifts, 0, at(D, "07:00"), at(D, "12:00")) == []


@pytest.mark.parametrize(
    ("shift", "rule"),
    [
        (sh("x", "07:00", "09:00"), "window"),
        (sh("x", "22:00", "24:00"), None),
        (sh("x", "12:00", "11:00"), "order"),
        (sh("a", "09:00", "11:00"), "overlap"),
        (sh("c", "08:00", "10:00"), None),  # c's 10:00 start is adjacent, not overlapping
        (Shift("x", at(D, "23:00"), at(D, "01:00") + timedelta(days=1)), "window"),
    ],
)
def test_find_violation_names_the_rule(shift: Shift, rule: str | None) -> None:
    v = find_violation(shift, DAY, HOURS)
    assert (v.rule if v else None) == rule


def test_find_violation_refuses_the_past() -> None:
    v = find_violation(sh("x", "09:00", "10:00"), [], HOURS, now=at(D, "09:30"))
    assert v is not None and v.rule == "past"
    assert find_violation(sh("x", "10:00", "11:00"), [], HOURS, now=at(D, "09:30")) is None


def test_format_span_writes_midnight_as_24_00() -> None:
    assert format_span(HOURS, at(D, "22:00"), at(D, "00:00") + timedelta(days=1)) == "22:00-24:00"


def hhmm(b: Boundary) -> str:
    return b.at.astimezone(TZ).strftime("%H:%M")


def test_first_and_last_boundary_of_a_day_that_starts_late_and_ends_early() -> None:
    # Opening with nobody on duty, adjacent shifts of two counsellors, closing with nobody.
    shifts = [sh("a", "09:00", "12:00"), sh("b", "12:00", "22:00")]
    found = boundaries(shifts, HOURS, at(D, "00:00"), at(D, "00:00") + timedelta(days=1))
    table = [(hhmm(b), b.kind, b.going_off, [m for m, _ in b.coming_on], b.on_duty) for b in found]
    assert table == [
        ("08:00", "open", (), [], ()),
        ("09:00", "shift_change", (), ["a"], ("a",)),
        ("12:00", "shift_change", ("a",), ["b"], ("b",)),
        ("22:00", "shift_change", ("b",), [], ()),
        ("00:00", "close", (), [], ()),
    ]
    assert found[2].coming_on == (("b", at(D, "22:00")),)


def test_shift_ending_at_24_00_is_the_close_and_the_next_day_opens_fresh() -> None:
    next_day = "2026-11-26"
    shifts = [sh("d", "20:00", "24:00"), sh("e", "08:00", "10:00", next_day)]
    found = boundaries(shifts, HOURS, at(D, "23:00"), at(next_day, "10:00"))
    table = [(b.at, b.kind, b.going_off, b.coming_on) for b in found]
    assert table == [
        (at(next_day, "00:00"), "close", ("d",), ()),
        (at(next_day, "08:00"), "open", (), (("e", at(next_day, "10:00")),)),
        (at(next_day, "10:00"), "shift_change", ("e",), ()),
    ]
    # The close at midnight belongs to the day before: (after, upto] is half-open.
    assert boundaries(shifts, HOURS, at(next_day, "00:00"), at(next_day, "07:00")) == []


def test_service_closing_before_midnight_ends_with_the_last_shift() -> None:
    evening = ServiceHours(8 * 60, 22 * 60, TZ)
    shifts = [sh("a", "08:00", "15:00"), sh("b", "15:00", "22:00")]
    found = boundaries(shifts, evening, at(D, "07:00"), at(D, "23:59"))
    assert [(hhmm(b), b.kind, b.going_off) for b in found] == [
        ("08:00", "open", ()),
        ("15:00", "shift_change", ("a",)),
        ("22:00", "close", ("b",)),
    ]


def test_several_counsellors_coming_and_going_at_one_instant_make_one_boundary() -> None:
    shifts = [
        sh("a", "08:00", "12:00"),
        sh("b", "10:00", "14:00"),
        sh("c", "10:00", "11:00"),
        sh("d", "08:00", "10:00"),
    ]
    found = boundaries(shifts, HOURS, at(D, "09:00"), at(D, "13:00"))
    table = [(hhmm(b), b.going_off, [m for m, _ in b.coming_on], b.on_duty) for b in found]
    assert table == [
        ("10:00", ("d",), ["b", "c"], ("a", "b", "c")),
        ("11:00", ("c",), [], ("a", "b")),  # a and b stay on: not mentioned as coming or going
        ("12:00", ("a",), [], ("b",)),
    ]


def test_the_opening_itself_is_not_after_the_opening() -> None:
    shifts = [sh("a", "08:00", "10:00")]
    assert [b.kind for b in boundaries(shifts, HOURS, at(D, "07:59"), at(D, "08:00"))] == ["open"]
    assert boundaries(shifts, HOURS, at(D, "08:00"), at(D, "09:59")) == []


GRID = st.integers(min_value=0, max_value=64)  # quarter hours from 08:00 to 24:00


@st.composite
def day_rotas(draw: st.DrawFn) -> list[Shift]:
    """Shifts on one day inside 08:00-24:00; one counsellor's shifts never overlap."""
    shifts = []
    for member in ("a", "b", "c"):
        points = sorted(draw(st.sets(GRID, max_size=6)))
        for start, end in zip(points[::2], points[1::2], strict=False):
            shifts.append(
                Shift(
                    member,
                    at(D, "08:00") + timedelta(minutes=15 * start),
                    at(D, "08:00") + timedelta(minutes=15 * end),
                )
            )
    return shifts


@given(day_rotas())
def test_boundaries_are_exactly_the_changes_of_who_is_on_duty(shifts: list[Shift]) -> None:
    day_start, day_end = at(D, "00:00"), at(D, "00:00") + timedelta(days=1)
    found = boundaries(shifts, HOURS, day_start, day_end)
    instants = [b.at for b in found]
    assert instants == sorted(set(instants))
    expected: dict[datetime, tuple[set[str], set[str]]] = {}
    for q in range(65):
        t = at(D, "08:00") + timedelta(minutes=15 * q)
        before = set(on_duty_members(shifts, t - timedelta(seconds=1)))
        after = set(on_duty_members(shifts, t))
        if before != after or q in (0, 64):
            expected[t] = (before - after, after - before)
    assert instants == sorted(expected)
    for b in found:
        going_off, coming_on = expected[b.at]
        assert set(b.going_off) == going_off
        assert {m for m, _ in b.coming_on} == coming_on
        assert b.kind == (
            "open" if b.at == at(D, "08:00") else "close" if b.at == day_end else "shift_change"
        )
        for m, until in b.coming_on:
            # On duty without a break until then, and off duty right at that instant.
            assert m in on_duty_members(shifts, until - timedelta(seconds=1))
            assert m not in on_duty_members(shifts, until)
