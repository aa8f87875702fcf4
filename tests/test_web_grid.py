"""The console's pure parts: the week grid (lanes, thin hours, the now marker, who is on now and
next) and the SVG charts."""

from __future__ import annotations

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import rota
from bot.names import Names
from bot.web import charts, grid
from tests.conftest import at

TZ = ZoneInfo("Asia/Shanghai")
HOURS = rota.ServiceHours(8 * 60, 24 * 60, TZ)
D = "2026-11-25"
DAY = date(2026, 11, 25)
NAMES = Names({"a": "Ann", "b": "Bo", "c": "Cy"})


def shift(member: str, start: str, end: str, day: str = D) -> rota.Shift:
    end_at = at(day, "00:00") + timedelta(days=1) if end == "24:00" else at(day, end)
    return rota.Shift(member, at(day, start), end_at, "g")


def column(shifts: list[rota.Shift], min_on_duty: int = 1, now: str = "09:30") -> grid.DayColumn:
    return grid.day_column(shifts, HOURS, DAY, min_on_duty, NAMES, at(D, now))


def test_week_starts_on_monday() -> None:
    assert grid.week_start(DAY) == date(2026, 11, 23)
    assert grid.week_start(date(2026, 11, 23)) == date(2026, 11, 23)
    assert grid.week_start(date(2026, 11, 29)) == date(2026, 11, 23)


def test_blocks_and_lanes() -> None:
    col = column(
        [
            shift("a", "08:00", "12:00"),
            shift("b", "10:00", "14:00"),
            shift("c", "14:00", "16:00"),
            shift("a", "22:00", "24:00"),
        ]
    )
    got = [(b.member_id, b.start_minute, b.end_minute, b.lane, b.lanes) for b in col.blocks]
    assert got == [
        ("a", 480, 720, 0, 2),
        ("b", 600, 840, 1, 2),
        ("c", 840, 960, 0, 1),
        ("a", 1320, 1440, 0, 1),
    ]
    assert col.blocks[0].name == "Ann"


def test_three_overlapping_reuse_a_freed_lane() -> None:
    col = column(
        [shift("a", "08:00", "10:00"), shift("b", "09:00", "12:00"), shift("c", "10:00", "11:00")]
    )
    assert [(b.lane, b.lanes) for b in col.blocks] == [(0, 2), (1, 2), (0, 2)]


@pytest.mark.parametrize(
    ("min_on_duty", "gaps"),
    [
        (1, [12, 13, *range(16, 24)]),
        (2, [8, 9, *range(11, 24)]),
        (0, []),
    ],
)
def test_thin_hours_are_gaps(min_on_duty: int, gaps: list[int]) -> None:
    col = column(
        [shift("a", "08:00", "12:00"), shift("b", "10:00", "11:30"), shift("c", "14:00", "16:00")],
        min_on_duty,
    )
    assert [h.hour for h in col.hours if h.is_gap] == gaps
    assert [h.hour for h in col.hours] == list(range(8, 24))


def test_a_gap_inside_an_hour_shades_that_hour() -> None:
    col = column([shift("a", "08:00", "10:30"), shift("b", "10:45", "24:00")])
    assert [h.hour for h in col.hours if h.is_gap] == [10]
    assert col.hours[2].fewest_on_duty == 0


def test_half_hour_service_window() -> None:
    hours = rota.ServiceHours(8 * 60 + 30, 22 * 60, TZ)
    col = grid.day_column([], hours, DAY, 1, NAMES, at(D, "08:00"))
    assert (col.hours[0].start_minute, col.hours[0].end_minute) == (510, 540)
    assert col.hours[-1].end_minute == 22 * 60 and col.now_minute is None


def test_now_marker_only_inside_todays_window() -> None:
    assert column([], now="09:30").now_minute == 570
    assert column([], now="09:30").is_today
    assert column([], now="07:59").now_minute is None
    week = grid.week_grid([], HOURS, date(2026, 11, 23), 1, NAMES, at(D, "23:59"))
    assert [d.now_minute for d in week.days] == [None, None, 1439, None, None, None, None]
    assert week.gap_count == 7 * 16


def test_on_duty_now_joins_back_to_back_shifts_and_next_skips_continuations() -> None:
    shifts = [
        shift("a", "08:00", "10:00"),
        shift("a", "10:00", "12:00"),
        shift("b", "09:00", "10:00"),
        shift("c", "10:00", "13:00"),
        shift("b", "14:00", "16:00"),
    ]
    now = [(d.member_id, d.until) for d in grid.on_duty_now(shifts, NAMES, at(D, "09:30"))]
    assert now == [("a", at(D, "12:00")), ("b", at(D, "10:00"))]
    nxt = grid.on_duty_next(shifts, NAMES, at(D, "09:30"))
    assert [(d.member_id, d.start_at, d.until) for d in nxt] == [
        ("c", at(D, "10:00"), at(D, "13:00"))
    ]  # a at 10:00 only continues
    later = grid.on_duty_next(shifts, NAMES, at(D, "11:00"))
    assert [d.member_id for d in later] == ["b"]
    assert grid.on_duty_next(shifts, NAMES, at(D, "15:00")) == []


@pytest.mark.parametrize(("top", "step"), [(0, 1), (3, 1), (7, 2), (10, 5), (42, 20), (0.3, 0.1)])
def test_nice_steps(top: float, step: float) -> None:
    assert charts.nice_step(top) == pytest.approx(step)


def test_bar_chart_draws_one_bar_per_positive_value_and_escapes() -> None:
    svg = charts.bar_chart([0, 3, None, 5], ["a", "<b>", "c", "d"], title="Per hour & more")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="bar"') == 2
    assert "&lt;b&gt;" in svg and "<b>" not in svg and "Per hour &amp; more" in svg
    heights = [float(h) for h in re.findall(r'class="bar"[^>]*height="([\d.]+)"', svg)]
    assert heights[0] / heights[1] == pytest.approx(3 / 5, abs=0.01)  # rounded to 0.1 px


def test_charts_say_when_there_is_no_data() -> None:
    assert "nothing yet" in charts.bar_chart(
        [0] * 24, [str(i) for i in range(24)], title="t", empty_text="nothing yet"
    )
    empty = charts.grouped_bar_chart([], [], title="t", empty_text="nothing yet")
    assert "nothing yet" in empty and 'class="bar"' not in empty


def test_grouped_bars_and_reference_line() -> None:
    svg = charts.grouped_bar_chart(
        ["Ann", "Bo"],
        [("assigned", [3.0, 1.0], "#00f"), ("closed", [2.0, 0.0], "#f80")],
        title="Load",
    )
    assert svg.count('class="bar"') == 3 and "assigned" in svg and "closed" in svg
    ref = charts.bar_chart([4.0, None], ["Ann", "Bo"], title="First", reference=("all", 2.5))
    assert "stroke-dasharray" in ref and "all 2.5" in ref


def test_chart_labels_are_12px_at_the_size_they_are_shown() -> None:
    """Drawn WIDTH wide, shown 290-420 px wide (console.css): 11.6 px or more on screen."""
    svg = charts.bar_chart([1.0] * 24, [f"{h:02d}" for h in range(24)], title="t", label_every=3)
    assert f'viewBox="0 0 {charts.WIDTH} ' in svg
    sizes = {float(v) for v in re.findall(r'<text[^>]*font-size="([\d.]+)"', svg)}
    assert min(sizes) >= 12 and charts.WIDTH <= 300
    assert svg.count('class="label"') == 8 + 3  # 8 hour labels; the value axis 0, 0.5, 1


def test_names_that_would_collide_under_their_bars_are_turned() -> None:
    short = charts.bar_chart([1.0, 2.0], ["陈静", "李华"], title="t")
    assert "rotate(" not in short
    names = ["欧阳晓明", "Alexandra Li", "陈静怡", "司马相如", "王芳", "李华", "赵磊", "张伟"]
    many = charts.grouped_bar_chart(names, [("a", [1.0] * 8, "#00f")], title="t")
    assert many.count("rotate(-") == 8


def test_text_width_counts_wide_characters_as_one_em() -> None:
    assert charts.text_width("陈静", 12) == 24
    assert 12 * 0.5 < charts.text_width("Li", 12) / 2 < 12 * 0.7


def test_lanes_are_wide_enough_for_the_longest_word_of_a_name() -> None:
    from bot.web import console_page

    assert console_page.lane_px(["李华", "王芳"]) == console_page.LANE_MIN_PX
    assert console_page.lane_px(["Alexandra Li"]) >= charts.text_width("Alexandra", 12, bold=True)
    assert console_page.lane_px(["X" * 60]) == console_page.LANE_MAX_PX
    three = column([shift("a", "08:00", "12:00"), shift("b", "09:00", "12:00"),
                    shift("c", "10:00", "12:00")])
    assert console_page.day_min_px("zh", three) == 3 * console_page.LANE_MIN_PX
