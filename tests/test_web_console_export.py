"""The console's figures by category and its CSV export (issue 19 item 5), over HTTP: one row a
conversation with times in the service timezone, waits, the counsellor, the category and
flags; never message text or who the staff member was; only for a lead of the group."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from bot.clock import FrozenClock
from bot.report_csv import HEADER
from tests.conftest import Bot, at
from tests.fake_web import OTHER_TOKEN, web_settings
from tests.test_web_console import SECRET_TEXT, login, staff_says, wait_for_conversation

D = "2026-11-25"
URL = "/console/api/groups/w1/conversations.csv"


async def a_day(database_url: str, make_bot: Any) -> Bot:
    """doc1 writes at 09:30, Chen answers two minutes later and closes it as counselling;
    doc2 writes at 09:40 and is still open."""
    bot: Bot = await make_bot(web_settings(database_url), FrozenClock(at(D, "09:30")))
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="w1")
    await staff_says(bot, "w1", "m1", "doc1", SECRET_TEXT)
    await wait_for_conversation(bot, "w1")
    bot.advance(timedelta(minutes=2))
    await staff_says(bot, "w1", "m2", "c1", "I am here")
    await staff_says(bot, "w1", "m3", "c1", "/done 心理疏导")
    bot.advance(timedelta(minutes=8))
    await staff_says(bot, "w1", "m4", "doc2", SECRET_TEXT)
    return bot


async def test_the_export_is_one_row_a_conversation_without_text_or_staff(
    database_url: str, make_bot: Any
) -> None:
    bot = await a_day(database_url, make_bot)
    assert bot.client is not None
    await login(bot)
    resp = await bot.client.get(URL, params={"day": D})
    assert resp.status == 200
    assert resp.content_type == "text/csv" and resp.charset == "utf-8"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="carebot-w1-2026-11-25.csv"'
    assert resp.headers["Cache-Control"] == "no-store"
    raw = await resp.text()
    assert raw.startswith("\ufeff")  # Excel and WPS read it as UTF-8
    for secret in (SECRET_TEXT, "doc1", "Doc1", "doc2", "I am here"):
        assert secret not in raw
    rows = list(csv.DictReader(io.StringIO(raw.removeprefix("\ufeff"))))
    assert (
        tuple(rows[0])
        == HEADER
        == (
            "id",
            "opened_at",
            "assigned_at",
            "first_response_at",
            "closed_at",
            "waited",
            "wait_s",
            "first_response_s",
            "counsellor_id",
            "category",
            "category_label",
            "status",
            "close_reason",
            "crisis",
            "level",
            "reassigned",
        )
    )
    done, still_open = rows
    assert {k: done[k] for k in HEADER if k != "id"} == {
        "opened_at": "2026-11-25T09:30:00+08:00",
        "assigned_at": "2026-11-25T09:30:00+08:00",
        "first_response_at": "2026-11-25T09:32:00+08:00",
        "closed_at": "2026-11-25T09:32:00+08:00",
        "waited": "0",
        "wait_s": "",
        "first_response_s": "120",
        "counsellor_id": "c1",
        "category": "counselling",
        "category_label": "psychological counselling",
        "status": "closed",
        "close_reason": "done",
        "crisis": "0",
        "level": "0",
        "reassigned": "0",
    }
    assert (still_open["status"], still_open["category"], still_open["closed_at"]) == (
        "open",
        "",
        "",
    )
    assert still_open["opened_at"] == "2026-11-25T09:40:00+08:00"
    # Another day has none of them; a week holds both.
    other = await (await bot.client.get(URL, params={"day": "2026-11-24"})).text()
    assert other.removeprefix("\ufeff").splitlines() == [",".join(HEADER)]
    week = await bot.client.get(URL, params={"from": "2026-11-23", "to": "2026-11-29"})
    assert week.headers["Content-Disposition"].endswith('-2026-11-23-2026-11-29.csv"')
    assert len((await week.text()).splitlines()) == 3


async def test_the_export_is_for_the_groups_leads_and_checks_its_period(
    database_url: str, make_bot: Any
) -> None:
    bot = await a_day(database_url, make_bot)
    assert bot.client is not None
    assert (await bot.client.get(URL)).status == 401  # no session
    await login(bot, OTHER_TOKEN)  # leads w2 only
    assert (await bot.client.get(URL)).status == 404
    assert (await bot.client.get("/console/api/groups/w2/conversations.csv")).status == 200
    bot.client.session.cookie_jar.clear()
    await login(bot)
    for query, fault in [
        ({"from": "2026-11-25", "to": "2026-11-24"}, "to must be on or after from"),
        ({"from": "2025-01-01", "to": "2026-11-25"}, "at most 366 days"),
        ({"day": "2026-13-01"}, "day must be a date"),
    ]:
        resp = await bot.client.get(URL, params=query)
        assert resp.status == 400
        assert fault in (await resp.json())["error"]


async def test_the_console_shows_the_day_by_category_and_links_the_export(
    database_url: str, make_bot: Any
) -> None:
    bot = await a_day(database_url, make_bot)
    assert bot.client is not None
    await login(bot)
    html = await (await bot.client.get("/console/groups/w1", params={"day": D})).text()
    assert '<table id="report-categories">' in html
    assert (
        '<tr data-category="counselling"><td>psychological counselling</td>'
        '<td class="num">1</td></tr>'
    ) in html
    assert '<tr data-category=""><td>untagged</td><td class="num">0</td></tr>' in html
    assert '<table id="report-levels">' in html  # and by risk level
    assert '<tr data-level="0"><td>level 0 (ordinary)</td><td class="num">1</td></tr>' in html
    assert f'id="export-day" href="{URL}?day={D}"' in html
    assert f'id="export-week" href="{URL}?from=2026-11-23&amp;to=2026-11-29"' in html
    report = (await (await bot.client.get("/console/api/groups/w1/report")).json())["report"]
    counts = {c["category"]: c["count"] for c in report["by_category"]}
    assert report["by_level"] == [1, 0, 0, 0]
    assert counts == {
        "prevention": 0,
        "counselling": 1,
        "emotional": 0,
        "practical": 0,
        "followup": 0,
        None: 0,
    }
