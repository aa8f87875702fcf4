"""bot/ical.py: the link (public_url or listen), tokens made once and replaced on reset, the feed
of one member only, and no feed for a token whose member left the config."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from bot import ical, models
from bot.clock import FrozenClock
from bot.db import Database
from bot.rota import Shift
from tests.conftest import MakeCtx, at, make_settings

NOW = at("2026-11-24", "20:00")


def test_feed_url_prefers_public_url() -> None:
    settings = make_settings("sqlite+aiosqlite:///x.db", "http://127.0.0.1:1/hook")
    assert ical.feed_url(settings, "tok") == "http://127.0.0.1:8080/ical/tok.ics"
    public = make_settings(
        "sqlite+aiosqlite:///x.db",
        "http://127.0.0.1:1/hook",
        bot={"public_url": "https://care.example.org/bot/"},
    )
    assert ical.feed_url(public, "tok") == "https://care.example.org/bot/ical/tok.ics"


def test_calendar_in_chinese_with_stable_uids() -> None:
    shifts = [Shift("c1", at("2026-11-25", "08:00"), at("2026-11-25", "10:00"), "g1")]
    body = ical.build_calendar("zh", "Asia/Shanghai", "一组", "陈", shifts, NOW)
    cal = Calendar.from_ical(body)
    [ev] = cal.walk("VEVENT")
    assert str(ev["summary"]) == "值班：一组"
    assert str(cal["x-wr-calname"]) == "陈 的值班（一组）"
    assert ev.decoded("dtstart") == at("2026-11-25", "08:00")
    assert str(ev["uid"]) == ical.shift_uid(shifts[0])
    later_at = at("2026-11-25", "07:00")
    later = ical.build_calendar("zh", "Asia/Shanghai", "一组", "陈", shifts, later_at)
    assert str(Calendar.from_ical(later).walk("VEVENT")[0]["uid"]) == str(ev["uid"])


@pytest.fixture
async def db(make_ctx: MakeCtx) -> Database:
    return (await make_ctx(FrozenClock(NOW))).db


async def test_tokens_and_feeds(db: Database, database_url: str) -> None:
    settings = make_settings(database_url, "http://127.0.0.1:1/hook")
    async with db.write() as s:
        first = await ical.member_token(s, "g1", "c1", "Chen", NOW)
        again = await ical.member_token(s, "g1", "c1", "Chen", NOW)
        other = await ical.member_token(s, "g1", "c2", "Li", NOW)
        for member, start, end in (
            ("c1", "08:00", "10:00"),
            ("c2", "10:00", "12:00"),
            ("c1", "12:00", "14:00"),
        ):
            s.add(
                models.Shift(
                    group_id="g1",
                    member_id=member,
                    start_at=at("2026-11-25", start),
                    end_at=at("2026-11-25", end),
                    created_at=NOW,
                )
            )
    assert first == again and first != other and len(first) >= 32
    async with db.read() as s:
        body = await ical.feed_for_token(s, settings, first, NOW)
        assert await ical.feed_for_token(s, settings, "nope", NOW) is None
        assert await ical.feed_for_token(s, settings, "", NOW) is None
    assert body is not None
    starts = sorted(e.decoded("dtstart") for e in Calendar.from_ical(body).walk("VEVENT"))
    assert starts == [at("2026-11-25", "08:00"), at("2026-11-25", "12:00")]  # Chen's only
    async with db.write() as s:
        fresh = await ical.member_token(s, "g1", "c1", "Chen", NOW, reset=True)
    assert fresh != first
    gone = make_settings(
        database_url,
        "http://127.0.0.1:1/hook",
        members=[{"group": "g1", "id": "c2", "name": "Li", "role": "counsellor"}],
    )
    async with db.read() as s:
        assert await ical.feed_for_token(s, settings, first, NOW) is None  # retired
        assert await ical.feed_for_token(s, settings, fresh, NOW) is not None
        assert await ical.feed_for_token(s, gone, fresh, NOW) is None  # c1 left the config
