"""The pure rota helpers behind changes, tables and gaps: rules as data with a suggested fix,
what a change alters, cutting a span out of a shift, coverage and gaps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.rota import (
    Gap,
    ServiceHours,
    Shift,
    changed_spans,
    coverage,
    find_violation,
    gaps,
    without,
)
from tests.conftest import TZ, at

HOURS = ServiceHours(8 * 60, 24 * 60, TZ)
D = "2026-11-25"
DAY = at(D, "00:00").date()


def sh(member: str, start: str, end: str, day: str = D) -> Shift:
    end_at = at(day, end) if end != "24:00" else at(day, "00:00") + timedelta(days=1)
    return Shift(member, at(day, start), end_at)


def hm(x: Shift | None) -> str | None:
    if x is None:
        return None
    return f"{x.start_at.astimezone(TZ):%H:%M}-{x.end_at.astimezone(TZ):%H:%M}"


@pytest.mark.parametrize(
    ("new", "existing", "rule", "fix"),
    [
        (sh("a", "07:00", "09:00"), [], "window", "08:00-10:00"),
        (sh("a", "23:00", "01:00", D), [], "order", "08:00-00:00"),
        (sh("a", "05:00", "07:00"), [], "window", "08:00-10:00"),
        (sh("a", "22:00", "24:00"), [], None, None),
        (sh("a", "12:00", "11:00"), [], "order", "11:00-12:00"),
        (sh("a", "12:00", "12:00"), [], "order", "12:00-14:00"),
        (sh("a", "09:00", "11:00"), [sh("a", "08:00", "10:00")], "overlap", "10:00-12:00"),
        (sh("a", "21:00", "23:00"), [sh("a", "22:00", "24:00")], "overlap", "20:00-22:00"),
        (sh("a", "09:00", "11:00"), [sh("b", "08:00", "10:00")], None, None),
        (sh("a", "10:00", "12:00"), [sh("a", "08:00", "10:00")], None, None),  # adjacent
    ],
)
def test_find_violation_names_the_rule_and_a_fix(
    new: Shift, existing: list[Shift], rule: str | None, fix: str | None
) -> None:
    v = find_violation(new, existing, HOURS)
    assert (v.rule if v else None) == rule
    assert hm(v.suggestion if v else None) == fix


def test_find_violation_past_suggests_the_next_five_minutes() -> None:
    v = find_violation(sh("a", "09:00", "11:00"), [], HOURS, now=at(D, "09:32"))
    assert v is not None and v.rule == "past" and hm(v.suggestion) == "09:35-11:00"


def test_changed_spans_ignores_pieces_put_back() -> None:
    before = [sh("a", "08:00", "14:00")]
    after = [sh("a", "08:00", "10:00"), sh("a", "12:00", "14:00"), sh("b", "10:00", "12:00")]
    assert [(m, hm(Shift(m, x, y))) for m, x, y in changed_spans(before, after)] == [
        ("a", "10:00-12:00"),
        ("b", "10:00-12:00"),
    ]
    assert changed_spans(before, before) == []
    # back-to-back pieces are the same time on duty as one shift
    assert (
        changed_spans(
            [sh("a", "08:00", "12:00")], [sh("a", "08:00", "10:00"), sh("a", "10:00", "12:00")]
        )
        == []
    )


@pytest.mark.parametrize(
    ("cut", "left"),
    [
        (("08:00", "14:00"), []),
        (("08:00", "10:00"), ["10:00-14:00"]),
        (("12:00", "14:00"), ["08:00-12:00"]),
        (("10:00", "12:00"), ["08:00-10:00", "12:00-14:00"]),
    ],
)
def test_without(cut: tuple[str, str], left: list[str]) -> None:
    pieces = without(sh("a", "08:00", "14:00"), at(D, cut[0]), at(D, cut[1]))
    assert [hm(p) for p in pieces] == left
    assert all(p.member_id == "a" for p in pieces)


def test_coverage_and_gaps_of_a_day() -> None:
    shifts = [sh("a", "08:00", "10:00"), sh("b", "08:00", "12:00"), sh("c", "14:00", "24:00")]
    opens_at, closes_at = HOURS.window(DAY)
    table = [(hm(Shift("", x, y)), m) for x, y, m in coverage(shifts, opens_at, closes_at)]
    assert table == [
        ("08:00-10:00", ("a", "b")),
        ("10:00-12:00", ("b",)),
        ("12:00-14:00", ()),
        ("14:00-00:00", ("c",)),
    ]
    assert gaps(shifts, HOURS, [DAY], 1) == [Gap(at(D, "12:00"), at(D, "14:00"), 0)]
    two = gaps(shifts, HOURS, [DAY], 2)
    # 10:00-12:00 (one) and 12:00-14:00 (none) differ; 14:00-24:00 has one
    assert [(hm(Shift("", g.start_at, g.end_at)), g.on_duty) for g in two] == [
        ("10:00-12:00", 1),
        ("12:00-14:00", 0),
        ("14:00-00:00", 1),
    ]
    assert gaps(shifts, HOURS, [DAY], 0) == []
    # from 13:00 on, only the rest of the gap counts
    assert gaps(shifts, HOURS, [DAY], 1, after=at(D, "13:00")) == [
        Gap(at(D, "13:00"), at(D, "14:00"), 0)
    ]


def test_an_empty_day_is_one_gap_and_adjacent_equal_gaps_merge() -> None:
    assert gaps([], HOURS, [DAY], 1) == [Gap(*HOURS.window(DAY), 0)]
    shifts = [sh("a", "08:00", "12:00"), sh("b", "12:00", "24:00")]
    assert gaps(shifts, HOURS, [DAY], 2) == [Gap(*HOURS.window(DAY), 1)]
