"""bot/rota_args.py, pure: days, spans, members, whole commands, and the corrected examples."""

from __future__ import annotations

from datetime import date

import pytest

from bot.config import MemberConfig
from bot.rota_args import (
    ArgumentError,
    Span,
    parse_day,
    parse_number_args,
    parse_repeat,
    parse_shift,
    parse_span,
    parse_span_args,
    parse_swap,
    parse_view,
    resolve_member,
    words,
)

TODAY = date(2026, 11, 24)
MEMBERS = [
    MemberConfig(group="g1", id="c1", name="Chen", role="counsellor"),
    MemberConfig(group="g1", id="c2", name="Li", role="counsellor"),
    MemberConfig(group="g1", id="zs", name="张三", role="counsellor"),
    MemberConfig(group="g1", id="c4", name="Mei Ling", role="counsellor"),
    MemberConfig(group="g1", id="l1", name="Lead Liu", role="lead"),
]


@pytest.mark.parametrize(
    ("word", "today", "expected"),
    [
        ("today", TODAY, date(2026, 11, 24)),
        ("今天", TODAY, date(2026, 11, 24)),
        ("TOMORROW", TODAY, date(2026, 11, 25)),
        ("明天", TODAY, date(2026, 11, 25)),
        ("后天", TODAY, date(2026, 11, 26)),
        ("2026-11-26", TODAY, date(2026, 11, 26)),
        ("2027-1-5", TODAY, date(2027, 1, 5)),
        ("11-26", TODAY, date(2026, 11, 26)),
        ("11/26", TODAY, date(2026, 11, 26)),
        ("01-02", date(2026, 12, 30), date(2027, 1, 2)),  # the nearest, across new year
        ("12-30", date(2027, 1, 2), date(2026, 12, 30)),
        ("02-29", date(2027, 11, 24), date(2028, 2, 29)),
    ],
)
def test_days(word: str, today: date, expected: date) -> None:
    assert parse_day(word, today) == expected


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("someday", "rota_arg_bad_date"),
        ("2026-13-01", "rota_arg_no_such_day"),
        ("02-30", "rota_arg_no_such_day"),
        ("26-11-2026", "rota_arg_bad_date"),
        ("", "rota_arg_bad_date"),
    ],
)
def test_bad_days_suggest_tomorrow(word: str, key: str) -> None:
    with pytest.raises(ArgumentError) as err:
        parse_day(word, TODAY)
    assert err.value.key == key and err.value.fix == "11-25"


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("08:00-10:00", (480, 600)),
        ("8:00-10:30", (480, 630)),
        ("22:00-24:00", (1320, 1440)),
        ("00:00-00:01", (0, 1)),
    ],
)
def test_spans(word: str, expected: tuple[int, int]) -> None:
    assert parse_span(word) == expected


@pytest.mark.parametrize(
    ("word", "key", "fix"),
    [
        ("8-10", "rota_arg_bad_span", "08:00-10:00"),
        ("8.30-10", "rota_arg_bad_span", "08:30-10:00"),
        ("08:00", "rota_arg_bad_span", "08:00-10:00"),
        ("24:00-24:00", "rota_arg_bad_span", "08:00-10:00"),
        ("23:00-25:00", "rota_arg_bad_span", "08:00-10:00"),
        ("08:60-10:00", "rota_arg_bad_span", "08:00-10:00"),
        ("10:00-08:00", "rota_arg_span_order", "08:00-10:00"),
        ("10:00-10:00", "rota_arg_span_order", "10:00-11:00"),
    ],
)
def test_bad_spans_with_a_fix(word: str, key: str, fix: str) -> None:
    with pytest.raises(ArgumentError) as err:
        parse_span(word)
    assert (err.value.key, err.value.fix) == (key, fix)


def test_words_join_spaced_spans_and_chinese_separators() -> None:
    assert words(["c1", "明天", "08:00", "-", "10:00"]) == ["c1", "明天", "08:00-10:00"]
    assert words(["c1", "明天", "08:00至10:00"]) == ["c1", "明天", "08:00-10:00"]
    assert words(["c1", "明天", "08:00~", "10:00"]) == ["c1", "明天", "08:00-10:00"]
    assert words(["c1", "明天", "08:00到10:00"]) == ["c1", "明天", "08:00-10:00"]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("c1", "c1"),
        ("Chen", "c1"),
        ("chen", "c1"),
        ("@Li", "c2"),
        ("@张三", "zs"),
        ("me", "c2"),
        ("我", "c2"),
        ("l1", "l1"),
    ],
)
def test_members_by_id_name_mention_or_me(word: str, expected: str) -> None:
    assert resolve_member(word, MEMBERS, sender_id="c2") == expected


def test_unknown_and_ambiguous_members() -> None:
    with pytest.raises(ArgumentError) as err:
        resolve_member("Zhao", MEMBERS, "c1")
    assert err.value.key == "rota_arg_unknown_member"
    assert err.value.values["names"] == ["Chen", "Li", "张三", "Mei Ling"]
    assert err.value.fix == "Chen"
    twins = [*MEMBERS, MemberConfig(group="g1", id="c9", name="Li", role="counsellor")]
    with pytest.raises(ArgumentError) as err:
        resolve_member("Li", twins, "c1")
    assert err.value.key == "rota_arg_ambiguous_member" and err.value.values["ids"] == "c2, c9"


def test_shift_args_and_names_with_spaces() -> None:
    assert parse_shift(["Mei", "Ling", "tomorrow", "08:00-10:00"], MEMBERS, "l1", TODAY) == (
        parse_shift(["c4", "11-25", "08:00", "-", "10:00"], MEMBERS, "l1", TODAY)
    )
    a = parse_shift(["@Chen", "2026-11-25", "22:00-24:00"], MEMBERS, "l1", TODAY)
    assert a.member_id == "c1" and a.span == Span(date(2026, 11, 25), 1320, 1440)


@pytest.mark.parametrize(
    ("args", "key", "fixed"),
    [
        (["Chen", "tomorrow"], "rota_arg_missing", None),
        ([], "rota_arg_missing", None),
        (
            ["Zhao", "tomorrow", "08:00-10:00"],
            "rota_arg_unknown_member",
            ["Chen", "tomorrow", "08:00-10:00"],
        ),
        (["Chen", "someday", "08:00-10:00"], "rota_arg_bad_date", ["Chen", "11-25", "08:00-10:00"]),
        (["Chen", "tomorrow", "8-12"], "rota_arg_bad_span", ["Chen", "tomorrow", "08:00-12:00"]),
        # every fault is fixed in the example; the first one is the reason given
        (["Zhao", "someday", "8-12"], "rota_arg_unknown_member", ["Chen", "11-25", "08:00-12:00"]),
    ],
)
def test_shift_arg_faults_carry_a_corrected_example(
    args: list[str], key: str, fixed: list[str] | None
) -> None:
    with pytest.raises(ArgumentError) as err:
        parse_shift(args, MEMBERS, "l1", TODAY)
    assert err.value.key == key and err.value.fixed == fixed


def test_swap_args_split_two_names_with_spaces() -> None:
    a = parse_swap(["Mei", "Ling", "Chen", "明天", "08:00-10:00"], MEMBERS, "l1", TODAY)
    assert (a.member_a, a.member_b) == ("c4", "c1")
    a = parse_swap(["Chen", "Mei", "Ling", "明天", "08:00-10:00"], MEMBERS, "l1", TODAY)
    assert (a.member_a, a.member_b) == ("c1", "c4")
    with pytest.raises(ArgumentError) as err:
        parse_swap(["Chen", "Nobody", "明天", "08:00-10:00"], MEMBERS, "l1", TODAY)
    assert err.value.key == "rota_arg_unknown_member"
    assert err.value.fixed == ["Chen", "Chen", "明天", "08:00-10:00"]
    with pytest.raises(ArgumentError, match="rota_arg_missing"):
        parse_swap(["Chen", "明天", "08:00-10:00"], MEMBERS, "l1", TODAY)


def test_release_take_accept_arity() -> None:
    assert parse_span_args(["明天", "08:00-10:00"], TODAY) == Span(date(2026, 11, 25), 480, 600)
    with pytest.raises(ArgumentError, match="rota_arg_extra") as err:
        parse_span_args(["明天", "08:00-10:00", "please"], TODAY)
    assert err.value.values == {"extra": "please"}
    assert parse_number_args(["#3"]) == 3
    assert parse_number_args([], optional=True) is None
    with pytest.raises(ArgumentError, match="rota_arg_missing"):
        parse_number_args([])
    with pytest.raises(ArgumentError) as err:
        parse_number_args(["three"])
    assert err.value.key == "rota_arg_bad_number" and err.value.fixed == ["1"]


def test_repeat_days_and_ranges() -> None:
    a = parse_repeat(["today", "tomorrow"], TODAY)
    assert (a.source, a.targets) == (TODAY, (date(2026, 11, 25),))
    a = parse_repeat(["11-24", "11-25~11-27", "11-30"], TODAY)
    assert a.targets == (
        date(2026, 11, 25),
        date(2026, 11, 26),
        date(2026, 11, 27),
        date(2026, 11, 30),
    )
    assert (
        parse_repeat(["今天", "明天", "至", "11-27"], TODAY).targets
        == parse_repeat(["today", "11-25..11-27"], TODAY).targets
    )
    with pytest.raises(ArgumentError) as err:
        parse_repeat(["today", "tomorrow~someday"], TODAY)
    assert err.value.key == "rota_arg_bad_date" and err.value.fixed == ["today", "tomorrow~11-25"]
    with pytest.raises(ArgumentError, match="rota_arg_too_many_days"):
        parse_repeat(["today", "11-25~2027-01-30"], TODAY)
    with pytest.raises(ArgumentError, match="rota_arg_missing"):
        parse_repeat(["today"], TODAY)


def test_view_args() -> None:
    assert parse_view([], TODAY) == (TODAY,)
    assert parse_view(["day"], TODAY) == (TODAY,)
    assert parse_view(["明天"], TODAY) == (date(2026, 11, 25),)
    week = parse_view(["周"], TODAY)
    assert len(week) == 7 and week[0] == TODAY and week[-1] == date(2026, 11, 30)
    assert parse_view(["week", "12-01"], TODAY)[0] == date(2026, 12, 1)
    with pytest.raises(ArgumentError, match="rota_arg_extra"):
        parse_view(["today", "tomorrow"], TODAY)
    with pytest.raises(ArgumentError, match="rota_arg_bad_date"):
        parse_view(["fortnight"], TODAY)
