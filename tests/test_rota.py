"""The rota core over tables of aware instants: on duty, service window, boundaries, rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import RotaError
from bot.rota import (
    ServiceHours,
    Shift,
    boundaries,
    duty_until,
    format_span,
    next_boundary,
    next_shifts,
    on_duty_members,
    reminders,
    validate_shift,
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
    ("shift", "message"),
    [
        (sh("x", "07:00", "09:00"), "outside service hours"),
        (sh("x", "22:00", "24:00"), None),
        (sh("x", "12:00", "11:00"), "ends before it starts"),
        (sh("a", "09:00", "11:00"), "overlaps"),
        (sh("c", "08:00", "10:00"), None),  # c's 10:00 start is adjacent, not overlapping
        (Shift("x", at(D, "23:00"), at(D, "01:00") + timedelta(days=1)), "outside service"),
    ],
)
def test_validate_shift(shift: Shift, message: str | None) -> None:
    if message is None:
        validate_shift(shift, DAY, HOURS)
        return
    with pytest.raises(RotaError, match=message):
        validate_shift(shift, DAY, HOURS)


def test_validate_refuses_the_past() -> None:
    with pytest.raises(RotaError, match="past"):
        validate_shift(sh("x", "09:00", "10:00"), [], HOURS, now=at(D, "09:30"))
    validate_shift(sh("x", "10:00", "11:00"), [], HOURS, now=at(D, "09:30"))


def test_format_span_writes_midnight_as_24_00() -> None:
    assert format_span(HOURS, at(D, "22:00"), at(D, "00:00") + timedelta(days=1)) == "22:00-24:00"
