"""bot/report.py over rows written straight into a real database (SQLite and PostgreSQL): every
figure checked against sums worked out by hand, and the text never carries message text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot import models
from bot.db import Database
from bot.names import Names
from bot.report import (
    CounsellorStats,
    Report,
    build_report,
    day_of_close,
    day_period,
    format_duration,
    format_report,
    hours_of,
    percentile,
    period_so_far,
    service_day,
)
from bot.rota import ServiceHours
from tests.conftest import TZ, at, make_settings

D = "2026-11-25"
NEXT = "2026-11-26"
PREV = "2026-11-24"
SECRET_TEXT = "I-never-appear-in-a-report"


def ts(day: str, hhmmss: str) -> datetime:
    h, m, *s = (int(x) for x in hhmmss.split(":"))
    return at(day, f"{h:02d}:{m:02d}") + timedelta(seconds=s[0] if s else 0)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await database.upgrade()
    async with database.write() as s:
        s.add(models.Group(id="g1", name="Group one", platform="generic"))
        s.add(models.Group(id="g2", name="Other", platform="generic"))
    yield database
    await database.dispose()


def message(n: int, when: datetime, role: str = "staff", **flags: Any) -> models.Message:
    return models.Message(
        platform="generic",
        group_id=flags.pop("group_id", "g1"),
        platform_msg_id=f"m{n}",
        sender_id=f"doc{n}" if role == "staff" else "c1",
        sender_role=role,
        text=f"{SECRET_TEXT} {n}",
        received_at=when,
        **flags,
    )


def conversation(
    staff: str,
    opened: datetime,
    *,
    counsellor: str | None = None,
    assigned: datetime | None = None,
    responded: datetime | None = None,
    closed: datetime | None = None,
    status: str | None = None,
    group_id: str = "g1",
) -> models.Conversation:
    if status is None:
        status = "closed" if closed else ("open" if counsellor else "waiting")
    return models.Conversation(
        group_id=group_id,
        staff_id=staff,
        counsellor_id=counsellor,
        status=status,
        is_crisis=False,
        opened_at=opened,
        assigned_at=assigned,
        first_response_at=responded,
        last_message_at=opened,
        closed_at=closed,
        reassign_count=0,
    )


async def seed_day(db: Database) -> None:
    """The day of 2026-11-25 as the hand-worked figures in the test below expect it."""
    async with db.write() as s:
        s.add_all(
            [
                message(1, ts(PREV, "23:30")),  # the day before: not counted
                message(2, ts(D, "03:00"), is_off_hours=True),
                message(3, ts(D, "03:10"), is_off_hours=True),
                message(4, ts(D, "09:05")),
                message(5, ts(D, "09:20"), is_crisis=True),
                message(6, ts(D, "09:25"), is_command=True),  # a command: not counted
                message(7, ts(D, "09:30"), role="counsellor"),  # a counsellor: not counted
                message(8, ts(D, "14:00")),
                message(9, ts(NEXT, "00:00")),  # the period ends before midnight
                message(10, ts(D, "23:59:59")),
                message(11, ts(D, "00:00"), is_off_hours=True),  # and starts at it
                message(12, ts(D, "10:00"), group_id="g2"),  # another group
            ]
        )
        s.add_all(
            [
                # A: written at 03:00, assigned at opening, answered in 2 min, closed at 09:00.
                conversation(
                    "docA",
                    ts(D, "03:00"),
                    counsellor="c1",
                    assigned=ts(D, "08:00"),
                    responded=ts(D, "08:02"),
                    closed=ts(D, "09:00"),
                ),
                # B: assigned at once, answered in 60 s, still open.
                conversation(
                    "docB",
                    ts(D, "09:05"),
                    counsellor="c2",
                    assigned=ts(D, "09:05"),
                    responded=ts(D, "09:06"),
                ),
                # C: assigned after 30 s (no wait), answered in 20 s, closed.
                conversation(
                    "docC",
                    ts(D, "09:20"),
                    counsellor="c1",
                    assigned=ts(D, "09:20:30"),
                    responded=ts(D, "09:20:50"),
                    closed=ts(D, "10:00"),
                ),
                # D: waited 3 min, answered in 10 min, closed after midnight (not in this day).
                conversation(
                    "docD",
                    ts(D, "14:00"),
                    counsellor="c2",
                    assigned=ts(D, "14:03"),
                    responded=ts(D, "14:13"),
                    closed=ts(NEXT, "00:30"),
                ),
                # E: still waiting, 30 s before the end of the day.
                conversation("docE", ts(D, "23:59:30")),
                # F: opened and answered the day before, closed in this day.
                conversation(
                    "docF",
                    ts(PREV, "22:00"),
                    counsellor="c1",
                    assigned=ts(PREV, "22:01"),
                    responded=ts(PREV, "22:05"),
                    closed=ts(D, "00:10"),
                ),
                # G: assigned the day before, answered in 5 min just after midnight.
                conversation(
                    "docG",
                    ts(PREV, "23:50"),
                    counsellor="c3",
                    assigned=ts(PREV, "23:58"),
                    responded=ts(D, "00:03"),
                ),
                # H: latest assignment 12 min after opening (a reassignment), answered in 2 min.
                conversation(
                    "docH",
                    ts(D, "10:00"),
                    counsellor="c1",
                    assigned=ts(D, "10:12"),
                    responded=ts(D, "10:14"),
                ),
                # I: opened at 16:00 and only assigned the next morning: waited until midnight.
                conversation(
                    "docI",
                    ts(D, "16:00"),
                    counsellor="c1",
                    assigned=ts(NEXT, "08:00"),
                ),
                # Another group's conversation: never counted here.
                conversation(
                    "docZ",
                    ts(D, "10:00"),
                    counsellor="c1",
                    assigned=ts(D, "10:30"),
                    responded=ts(D, "11:00"),
                    group_id="g2",
                ),
            ]
        )
        for member, start, end in (("c1", "08:00", "12:00"), ("c2", "09:00", "18:00")):
            s.add(
                models.Shift(
                    group_id="g1",
                    member_id=member,
                    start_at=at(D, start),
                    end_at=at(D, end),
                    created_at=at(PREV, "12:00"),
                )
            )
        s.add(
            models.Shift(
                group_id="g1",
                member_id="c4",
                start_at=at(D, "18:00"),
                end_at=at(NEXT, "00:00"),
                created_at=at(PREV, "12:00"),
            )
        )


async def test_every_figure_of_a_day(db: Database, database_url: str) -> None:
    await seed_day(db)
    settings = make_settings(database_url, "http://127.0.0.1:9/hook")
    start, end = day_period(hours_of(settings), at(D, "00:00").date())
    assert (start, end) == (at(D, "00:00"), at(NEXT, "00:00"))
    async with db.read() as s:
        r = await build_report(s, settings, "g1", start, end)

    assert r.group_id == "g1"
    assert (r.start_at, r.end_at) == (start, end)
    assert r.start_at.tzinfo == TZ  # shown in service time
    # Messages 2, 3, 4, 5, 8, 10, 11: staff, not commands, inside [00:00, 24:00).
    assert r.messages == 7
    assert r.off_hours_messages == 3
    assert r.crisis_flags == 1
    hourly = [0] * 24
    hourly[0], hourly[3], hourly[9], hourly[14], hourly[23] = 1, 2, 2, 1, 1
    assert r.messages_per_hour == tuple(hourly)
    # Opened A B C D E H I; closed A C F (D closes after midnight).
    assert r.conversations_opened == 7
    assert r.conversations_closed == 3
    # First responses in the day: A 120, B 60, C 20, D 600, G 300, H 120 seconds.
    # Sorted 20 60 120 120 300 600: median (120+120)/2; p90 at rank 0.9*5 = 4.5: 300 + .5*300.
    assert r.first_response_median_s == 120.0
    assert r.first_response_p90_s == 450.0
    # Waits: A 5 h, D 180 s, E still waiting (30 s), H 720 s, I 8 h up to midnight; B 0, C 30 s.
    assert r.waited == 5
    assert r.longest_wait_s == 8 * 3600.0
    assert r.per_counsellor == (
        CounsellorStats("c1", assigned=3, closed=3, first_response_median_s=120.0),
        CounsellorStats("c2", assigned=2, closed=0, first_response_median_s=330.0),
        CounsellorStats("c3", assigned=0, closed=0, first_response_median_s=300.0),
        CounsellorStats("c4", assigned=0, closed=0, first_response_median_s=None),
    )


async def test_a_shorter_period_and_an_empty_one(db: Database, database_url: str) -> None:
    await seed_day(db)
    settings = make_settings(database_url, "http://127.0.0.1:9/hook")
    async with db.read() as s:
        morning = await build_report(s, settings, "g1", at(D, "09:00"), at(D, "10:00"))
        empty = await build_report(s, settings, "g2", at(PREV, "00:00"), at(D, "00:00"))
    # 09:05 and 09:20 (09:25 is a command, 09:30 a counsellor).
    assert morning.messages == 2 and morning.crisis_flags == 1
    assert morning.conversations_opened == 2  # B, C
    assert morning.conversations_closed == 1  # A at 09:00 (C closes at 10:00, the end)
    assert morning.first_response_median_s == 40.0  # B 60, C 20
    assert morning.first_response_p90_s == 56.0  # 20 + 0.9 * 40
    assert morning.waited == 0 and morning.longest_wait_s is None
    assert [c.member_id for c in morning.per_counsellor] == ["c1", "c2"]
    assert empty.messages == 0 and empty.conversations_opened == 0
    assert empty.first_response_median_s is None and empty.first_response_p90_s is None
    assert empty.longest_wait_s is None and empty.per_counsellor == ()
    assert empty.messages_per_hour == (0,) * 24


async def test_report_text_has_figures_and_names_but_no_message_text(
    db: Database, database_url: str
) -> None:
    await seed_day(db)
    settings = make_settings(database_url, "http://127.0.0.1:9/hook")
    async with db.read() as s:
        r = await build_report(s, settings, "g1", at(D, "00:00"), at(NEXT, "00:00"))
    names = Names({"c1": "Chen", "c2": "Li", "c3": "Wang"})
    en = format_report(r, names, "en")
    zh = format_report(r, names, "zh")
    for text in (en, zh):
        assert SECRET_TEXT not in text
        assert "doc" not in text  # staff are never named either
    assert en.splitlines() == [
        "[Report] g1, 2026-11-25 00:00 to 2026-11-26 00:00",
        "Messages from staff: 7 (3 outside service hours); crisis flags: 1.",
        "Conversations: 7 opened, 3 closed, 5 waited in the queue (longest 8 h 0 min).",
        "First response: median 2 min 0 s, 90% within 7 min 30 s.",
        "Closed conversations by category: prevention questions 0, psychological counselling 0, "
        "emotional support 0, practical help 0, follow-up of vulnerable people 0, untagged 3.",
        "Closed conversations by risk level: level 0 (ordinary) 3, level 1 (distress) 0, "
        "level 2 (self-harm or suicide language) 0, level 3 (a plan, the means or a time frame) 0.",
        "Messages by hour: 00h 1, 03h 2, 09h 2, 14h 1, 23h 1.",
        "Counsellors:",
        "- Chen: 3 assigned, 3 closed, median first response 2 min 0 s",
        "- Li: 2 assigned, 0 closed, median first response 5 min 30 s",
        "- Wang: 0 assigned, 0 closed, median first response 5 min 0 s",
        "- c4: 0 assigned, 0 closed, median first response n/a",
    ]
    assert "首次回复用时：中位数 2分0秒，90% 在 7分30秒 以内。" in zh
    assert "· Chen：接待 3，结束 3，首次回复中位数 2分0秒" in zh


def test_format_of_an_empty_report() -> None:
    day = at(D, "00:00")
    r = Report(
        "g1", day, day + timedelta(days=1), 0, 0, 0, None, None, 0, None, 0, 0, (0,) * 24, ()
    )
    text = format_report(r, Names(), "en")
    assert "First response: none in this period." in text
    assert "首次回复用时：本时段没有首次回复。" in format_report(r, Names(), "zh")
    assert "(longest n/a)" in text
    assert "by hour" not in text
    assert text.endswith("Counsellors:\n(nobody on duty)")


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([], 0.9, None),
        ([7.0], 0.9, 7.0),
        ([1.0, 2.0], 0.5, 1.5),
        ([10.0, 1.0, 5.0], 0.9, 9.0),  # sorted 1 5 10: rank 1.8 -> 5 + .8 * 5
        ([float(x) for x in range(1, 11)], 0.9, 9.1),
        ([float(x) for x in range(1, 12)], 0.9, 10.0),
    ],
)
def test_percentile(values: list[float], fraction: float, expected: float | None) -> None:
    got = percentile(values, fraction)
    assert got == pytest.approx(expected) if expected is not None else got is None


@pytest.mark.parametrize(
    ("seconds", "en", "zh"),
    [
        (None, "n/a", "—"),
        (0, "0 s", "0秒"),
        (59.4, "59 s", "59秒"),
        (60, "1 min 0 s", "1分0秒"),
        (3599, "59 min 59 s", "59分59秒"),
        (3600, "1 h 0 min", "1小时0分"),
        (8 * 3600 + 125, "8 h 2 min", "8小时2分"),
    ],
)
def test_format_duration(seconds: float | None, en: str, zh: str) -> None:
    assert format_duration(seconds, "en") == en
    assert format_duration(seconds, "zh") == zh


def test_day_periods_run_from_close_to_close() -> None:
    late = ServiceHours(8 * 60, 22 * 60, TZ)
    day = at(D, "00:00").date()
    assert day_period(late, day) == (at(PREV, "22:00"), at(D, "22:00"))
    assert service_day(late, at(D, "21:59")) == day
    assert service_day(late, at(D, "22:00")) == day + timedelta(days=1)
    assert day_of_close(late, at(D, "22:00")) == day
    full = ServiceHours(8 * 60, 24 * 60, TZ)
    assert day_period(full, day) == (at(D, "00:00"), at(NEXT, "00:00"))
    assert service_day(full, at(D, "00:00")) == day
    assert service_day(full, at(D, "23:59")) == day
    assert day_of_close(full, at(NEXT, "00:00")) == day


@pytest.mark.parametrize(
    ("now", "end"),
    [
        (ts(D, "10:31"), ts(D, "10:31")),  # running: up to now, as /stats
        (ts(D, "00:00"), ts(D, "00:00")),  # just begun
        (ts(NEXT, "00:00"), ts(NEXT, "00:00")),  # closed: the whole day
        (ts(NEXT, "09:00"), ts(NEXT, "00:00")),  # past: the whole day
        (ts(PREV, "12:00"), ts(NEXT, "00:00")),  # not begun: the whole (empty) day
    ],
)
def test_a_running_day_is_reported_up_to_now(now: datetime, end: datetime) -> None:
    full = ServiceHours(8 * 60, 24 * 60, TZ)
    assert period_so_far(full, at(D, "00:00").date(), now) == (ts(D, "00:00"), end)


async def test_naive_instants_are_refused(db: Database, database_url: str) -> None:
    settings = make_settings(database_url, "http://127.0.0.1:9/hook")
    naive = datetime(2026, 11, 25)  # noqa: DTZ001
    async with db.read() as s:
        with pytest.raises(ValueError, match="timezone-aware"):
            await build_report(s, settings, "g1", naive, at(D, "10:00"))
