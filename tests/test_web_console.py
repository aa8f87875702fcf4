"""The lead console over HTTP: no route answers without a session (every route under /console
is enumerated from the router), sessions and CSRF, leads see only their groups, and every JSON
endpoint (message text only when opened, never in privacy mode)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from bot import models
from bot.clock import FrozenClock, FrozenWallClock, ScaledClock
from bot.keys import DB, JOBS
from bot.web import console_auth
from tests.conftest import Bot, FakePlatform, at, make_settings
from tests.fake_web import LEAD_TOKEN, OTHER_TOKEN, local_message, web_settings

D = "2026-11-25"  # a Wednesday: the week shown runs 11-23 to 11-29
SECRET_TEXT = "my hands shake before every shift"
FILL = {"group_id": "w1", "conversation_id": "1", "chart": "messages", "action": "add"}


def console_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path with its placeholders filled) of every route under /console."""
    out = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter") or ""
        if path == "/console" or path.startswith("/console/"):
            out.append((route.method, re.sub(r"\{(\w+)\}", lambda m: FILL[m.group(1)], path)))
    return out


@pytest.fixture
async def bot(database_url: str, make_bot: Any) -> Bot:
    b: Bot = await make_bot(web_settings(database_url), FrozenClock(at(D, "09:30")))
    await b.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="w1")
    await b.add_shift("c2", at(D, "14:00"), at(D, "18:00"), group="w1")
    await b.add_shift("c9", at(D, "08:00"), at(D, "12:00"), group="w2")
    return b


async def login(bot: Bot, token: str = LEAD_TOKEN) -> str:
    """Sign in through the form with the console token; return the CSRF token of the session."""
    assert bot.client is not None
    resp = await bot.client.post("/console/login", data={"token": token})
    assert resp.status == 200, await resp.text()  # after the 303 to /console
    me = await (await bot.client.get("/console/api/me")).json()
    return str(me["csrf"])


async def staff_says(bot: Bot, group: str, msg_id: str, sender: str, text: str) -> None:
    assert bot.client is not None
    body = local_message(msg_id, sender, text)
    resp = await bot.client.post(f"/webhooks/local/{group}", json=body)
    assert resp.status == 200


async def wait_for_conversation(bot: Bot, group: str) -> int:
    from sqlalchemy import select

    for _ in range(100):
        async with bot.app[DB].read() as s:
            cid = await s.scalar(
                select(models.Conversation.id).where(models.Conversation.group_id == group)
            )
        if cid is not None:
            return int(cid)
        await asyncio.sleep(0.05)
    raise AssertionError("no conversation")


async def test_every_console_route_refuses_without_a_session(bot: Bot) -> None:
    assert bot.client is not None
    routes = console_routes(bot.app)
    # The list is read from the router, so a route added later is checked too; these must be in it.
    paths = {p for _, p in routes}
    assert {
        "/console",
        "/console/api/me",
        "/console/api/groups/w1/rota",
        "/console/api/groups/w1/rota/add",
        "/console/logout",
    } <= paths
    assert len(routes) >= 12
    routes += [
        ("GET", "/console/no-such-page"),
        ("GET", "/console/api/no-such-thing"),
        ("POST", "/console/api/groups/w1/rota/undo"),
    ]
    for method, path in routes:
        if path == "/console/login":
            continue  # the sign-in form, the one public path (its refusals: the tests below)
        for cookie in (None, "v1.x.9999999999.n.bad", "garbage"):
            bot.client.session.cookie_jar.clear()
            headers = {"Cookie": f"{console_auth.COOKIE}={cookie}"} if cookie else {}
            resp = await bot.client.request(method, path, headers=headers, json={})
            assert resp.status == 401, (method, path, cookie, resp.status)
            if method == "HEAD":
                pass
            elif path.startswith("/console/api/"):
                body = await resp.json()
                assert body["ok"] is False and "/console/login" in body["error"]
            else:
                assert resp.content_type == "text/html"
                assert "/console/login" in await resp.text()
            assert "set-cookie" not in resp.headers


async def test_a_bad_token_is_refused_and_sets_no_cookie(bot: Bot) -> None:
    assert bot.client is not None
    for data in ({"token": LEAD_TOKEN + "x"}, {"token": ""}, {"link": "nope"}, {}):
        resp = await bot.client.post("/console/login", data=data, allow_redirects=False)
        assert resp.status == 401 and resp.content_type == "text/html"
        assert "not valid" in await resp.text()
        assert "set-cookie" not in resp.headers
    assert (await bot.client.get("/console/api/me")).status == 401


async def test_a_token_in_the_url_no_longer_signs_in(bot: Bot) -> None:
    """The old permanent link /console?token=... would sit in histories and proxies' logs."""
    assert bot.client is not None
    resp = await bot.client.get("/console", params={"token": LEAD_TOKEN})
    assert resp.status == 401 and "/console/login" in await resp.text()
    assert "set-cookie" not in resp.headers
    assert (await bot.client.get("/console/api/me")).status == 401


async def test_login_sets_a_random_strict_httponly_cookie_and_it_works(bot: Bot) -> None:
    assert bot.client is not None
    form = await bot.client.get("/console/login")
    assert form.status == 200 and 'name="token"' in await form.text()
    values = []
    for _ in range(2):
        resp = await bot.client.post(
            "/console/login", data={"token": LEAD_TOKEN}, allow_redirects=False
        )
        assert resp.status == 303 and resp.headers["Location"] == "/console"
        cookie = resp.headers["Set-Cookie"]
        assert cookie.startswith(console_auth.COOKIE + "=")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
        assert "Secure" not in cookie  # plain HTTP, no trusted proxy saying otherwise
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        values.append(resp.cookies[console_auth.COOKIE].value)
    # A random session id: nothing derived from the token, different at each sign-in.
    assert values[0] != values[1] and len(values[0]) >= 43
    assert LEAD_TOKEN not in values[0]
    assert console_auth.token_fingerprint(LEAD_TOKEN) not in values[0]
    me = await (await bot.client.get("/console/api/me")).json()
    assert me["name"] == "Lead Liu"
    assert me["groups"] == [{"id": "w1", "name": "Ward one", "member_id": "l1"}]


async def test_session_expires_and_a_changed_token_ends_it(database_url: str) -> None:
    wall = FrozenWallClock(at(D, "09:30"))
    b = await Bot(web_settings(database_url), FrozenClock(at(D, "09:30")), wall).start()
    try:
        assert b.client is not None
        await login(b)
        wall.advance(timedelta(hours=console_auth.SESSION_REAL_HOURS, seconds=-1))
        assert (await b.client.get("/console/api/me")).status == 200
        wall.advance(timedelta(seconds=2))
        assert (await b.client.get("/console/api/me")).status == 401
        await login(b)
        cookie = next(c.value for c in b.client.session.cookie_jar if c.key == console_auth.COOKIE)
        await b.stop()
        # The same database, the lead's token changed in the config: the session is over.
        data = b.settings.model_dump()
        for m in data["members"]:
            if m["id"] == "l1":
                m["console_token"] = OTHER_TOKEN + "new"
        settings = type(b.settings)(**data)
        b2 = await Bot(settings, b.clock, wall).start()
        assert b2.client is not None
        b2.client.session.cookie_jar.update_cookies({console_auth.COOKIE: cookie})
        assert (await b2.client.get("/console/api/me")).status == 401
        b2.client.session.cookie_jar.clear()
        resp = await b2.client.post(
            "/console/login", data={"token": LEAD_TOKEN}, allow_redirects=False
        )
        assert resp.status == 401  # the old token no longer signs in either
        await b2.stop()
    finally:
        await b.stop()


async def test_posts_need_the_session_csrf_token(bot: Bot) -> None:
    assert bot.client is not None
    csrf = await login(bot)
    for headers in ({}, {"X-CSRF-Token": "nope"}, {"X-CSRF-Token": csrf[:-1]}):
        resp = await bot.client.post("/console/api/groups/w1/rota/undo", json={}, headers=headers)
        assert resp.status == 403
        assert "security token" in (await resp.json())["error"]
    resp = await bot.client.post("/console/logout", data={"csrf": "wrong"})
    assert resp.status == 403
    assert (await bot.client.get("/console/api/me")).status == 200  # still signed in
    resp = await bot.client.post("/console/logout", data={"csrf": csrf})
    assert resp.status == 200
    assert (await bot.client.get("/console/api/me")).status == 401


async def test_a_lead_sees_only_their_groups(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot, OTHER_TOKEN)  # l2 leads w2 only
    for method, path in console_routes(bot.app):
        if "/groups/w1" not in path:
            continue
        headers = {"X-CSRF-Token": (await (await bot.client.get("/console/api/me")).json())["csrf"]}
        resp = await bot.client.request(method, path, json={}, headers=headers)
        assert resp.status == 404, (method, path, resp.status)
    assert (await bot.client.get("/console/api/groups/w2/rota")).status == 200
    page = await (await bot.client.get("/console")).text()
    assert "Ward two" in page and "Ward one" not in page


async def test_rota_json_has_blocks_gaps_and_the_now_marker(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot)
    data = await (await bot.client.get("/console/api/groups/w1/rota")).json()
    assert data["start_day"] == "2026-11-23" and len(data["days"]) == 7
    wed = data["days"][2]
    assert wed["day"] == D and wed["is_today"] and wed["now_minute"] == 9 * 60 + 30
    assert [(s["member_id"], s["start_minute"], s["end_minute"]) for s in wed["shifts"]] == [
        ("c1", 480, 720),
        ("c2", 840, 1080),
    ]
    gaps = [h["hour"] for h in wed["hours"] if h["is_gap"]]
    assert gaps == [12, 13, *range(18, 24)]
    assert data["gaps"] == 8 + 6 * 16  # every hour of the six empty days
    other = await (await bot.client.get("/console/api/groups/w1/rota?week=2026-12-01")).json()
    assert other["start_day"] == "2026-11-30" and other["days"][2]["now_minute"] is None
    bad = await bot.client.get("/console/api/groups/w1/rota?week=tomorrow")
    assert bad.status == 400 and "YYYY-MM-DD" in (await bad.json())["error"]


async def test_duty_now_and_next(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot)
    data = await (await bot.client.get("/console/api/groups/w1/duty")).json()
    assert [(d["member_id"], datetime.fromisoformat(d["until"])) for d in data["on_duty"]] == [
        ("c1", at(D, "12:00"))
    ]
    assert [(d["member_id"], datetime.fromisoformat(d["start_at"])) for d in data["next"]] == [
        ("c2", at(D, "14:00"))
    ]


async def test_conversations_list_ages_and_flags_but_never_text(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot)
    await staff_says(bot, "w1", "m1", "doc1", SECRET_TEXT)
    cid = await wait_for_conversation(bot, "w1")
    bot.clock.advance(timedelta(minutes=7))
    resp = await bot.client.get("/console/api/groups/w1/conversations")
    raw = await resp.text()
    assert SECRET_TEXT not in raw
    [conv] = (await resp.json())["conversations"]
    assert conv["id"] == cid and conv["status"] == "open" and conv["counsellor_id"] == "c1"
    assert conv["staff_name"] == "Doc1" and conv["age_s"] == 7 * 60
    assert conv["first_response_at"] is None and conv["is_crisis"] is False
    for path in (
        "/console",
        "/console/api/groups/w1/rota",
        "/console/api/groups/w1/duty",
        "/console/api/groups/w1/audit",
    ):
        assert SECRET_TEXT not in await (await bot.client.get(path)).text(), path
    # Opened on purpose by the lead, in a group not in privacy mode: the text is shown.
    opened = await (await bot.client.get(f"/console/api/groups/w1/conversations/{cid}")).json()
    assert [m["text"] for m in opened["messages"]] == [SECRET_TEXT]
    missing = await bot.client.get("/console/api/groups/w1/conversations/99999")
    assert missing.status == 404
    assert (await bot.client.get("/console/api/groups/w1/conversations/x")).status == 400


async def test_privacy_mode_never_shows_message_text(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot, OTHER_TOKEN)
    await staff_says(bot, "w2", "p1", "doc1", SECRET_TEXT)
    cid = await wait_for_conversation(bot, "w2")
    resp = await bot.client.get(f"/console/api/groups/w2/conversations/{cid}")
    assert resp.status == 403
    assert SECRET_TEXT not in await resp.text()
    page = await (await bot.client.get("/console")).text()
    assert SECRET_TEXT not in page and 'class="link open-conv"' not in page
    assert "Privacy mode" in page


async def test_audit_rows_are_listed_with_names(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot)
    async with bot.app[DB].write() as s:
        s.add(
            models.AuditEntry(
                at=at(D, "09:00"),
                group_id="w1",
                actor_id="l1",
                action="add",
                before={},
                after={
                    "shifts": [
                        {
                            "member_id": "c3",
                            "start_at": at(D, "12:00").isoformat(),
                            "end_at": at(D, "14:00").isoformat(),
                        }
                    ]
                },
                undone=False,
            )
        )
    data = await (await bot.client.get("/console/api/groups/w1/audit")).json()
    [row] = data["audit"]
    assert row["actor_name"] == "Lead Liu" and row["action"] == "add"
    assert row["change"] == "– → Wang 11-25 12:00-14:00"
    page = await (await bot.client.get("/console")).text()
    assert "Wang 11-25 12:00-14:00" in page


async def test_console_page_draws_the_grid_duty_and_queue(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot)
    html = await (await bot.client.get("/console")).text()
    assert 'data-day="2026-11-25"' in html and 'class="day today"' in html
    assert html.count('class="hour gap"') == 8 + 6 * 16
    assert 'data-member="c1"' in html and "08:00-12:00" in html
    assert 'class="now-line"' in html
    assert "Lead Liu" in html and "No conversation is waiting or open." in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    same = await (await bot.client.get("/console/groups/w1")).text()
    assert 'class="now-line"' in same
    assert (await bot.client.get("/console/groups/w1?week=bad")).status == 400


# --- the daily report ----------------------------------------------------------------------------


async def test_report_json_and_charts(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot)
    await staff_says(bot, "w1", "m1", "doc1", SECRET_TEXT)
    await wait_for_conversation(bot, "w1")
    resp = await bot.client.get("/console/api/groups/w1/report", params={"day": D})
    assert resp.status == 200
    raw = await resp.text()
    assert SECRET_TEXT not in raw
    report = (await resp.json())["report"]
    assert report["messages"] == 1 and report["messages_per_hour"][9] == 1
    for chart in ("messages", "first-response", "load"):
        svg = await bot.client.get(f"/console/api/groups/w1/charts/{chart}.svg", params={"day": D})
        assert svg.status == 200 and svg.content_type == "image/svg+xml"
        assert (await svg.text()).startswith("<svg")
    messages = await (await bot.client.get("/console/api/groups/w1/charts/messages.svg")).text()
    assert messages.count('class="bar"') == 1
    assert (await bot.client.get("/console/api/groups/w1/charts/pie.svg")).status == 404


# --- rota edits ----------------------------------------------------------------------------------


async def test_rota_edits_go_through_rota_changes_with_audit(bot: Bot) -> None:
    assert bot.client is not None
    csrf = await login(bot)
    h = {"X-CSRF-Token": csrf}
    add = await bot.client.post(
        "/console/api/groups/w1/rota/add",
        headers=h,
        json={"date": D, "start": "12:00", "end": "14:00", "member_id": "c3"},
    )
    assert add.status == 200, await add.text()
    change = (await add.json())["change"]
    assert change["action"] == "add" and change["affected"] == ["c3"]
    data = await (await bot.client.get("/console/api/groups/w1/rota")).json()
    assert [h["hour"] for h in data["days"][2]["hours"] if h["is_gap"]] == list(range(18, 24))
    audit = (await (await bot.client.get("/console/api/groups/w1/audit")).json())["audit"]
    assert audit[0]["id"] == change["audit_id"] and audit[0]["actor_id"] == "l1"
    # A broken rule: 400 with the rule's message, nothing written.
    bad = await bot.client.post(
        "/console/api/groups/w1/rota/add",
        headers=h,
        json={"date": D, "start": "13:00", "end": "15:00", "member_id": "c3"},
    )
    assert bad.status == 400 and (await bad.json())["ok"] is False
    after = (await (await bot.client.get("/console/api/groups/w1/audit")).json())["audit"]
    assert len(after) == len(audit)
    swap = await bot.client.post(
        "/console/api/groups/w1/rota/swap",
        headers=h,
        json={"date": D, "start": "12:00", "end": "14:00", "member_a": "c3", "member_b": "c2"},
    )
    assert swap.status == 200, await swap.text()
    remove = await bot.client.post(
        "/console/api/groups/w1/rota/remove",
        headers=h,
        json={"date": D, "start": "12:00", "end": "14:00", "member_id": "c2"},
    )
    assert remove.status == 200, await remove.text()
    undo = await bot.client.post("/console/api/groups/w1/rota/undo", headers=h, json={})
    assert undo.status == 200 and (await undo.json())["change"]["action"] == "undo"
    for body, error in (
        ({"date": "x", "start": "12:00", "end": "14:00", "member_id": "c3"}, "YYYY-MM-DD"),
        ({"date": D, "start": "25:00", "end": "14:00", "member_id": "c3"}, "start/end"),
        ({"date": D, "start": "12:00", "end": "14:00"}, "member_id"),
    ):
        resp = await bot.client.post("/console/api/groups/w1/rota/add", headers=h, json=body)
        assert resp.status == 400 and error in (await resp.json())["error"]
    nope = await bot.client.post("/console/api/groups/w1/rota/explode", headers=h, json={})
    assert nope.status == 404


async def test_out_of_range_dates_answer_400_not_500(bot: Bot) -> None:
    """Every date the console takes goes through one parser: far dates are a 400 that says why."""
    assert bot.client is not None
    csrf = await login(bot)
    for far in ("9999-12-31", "0001-01-01", "3000-01-01"):
        for path, name in (
            ("/console", "week"),
            ("/console", "day"),
            ("/console/groups/w1", "week"),
            ("/console/api/groups/w1/rota", "week"),
            ("/console/api/groups/w1/report", "day"),
            ("/console/api/groups/w1/charts/load.svg", "day"),
        ):
            resp = await bot.client.get(path, params={name: far})
            assert resp.status == 400, (path, name, far, resp.status)
            assert name in (await resp.json())["error"]
        resp = await bot.client.post(
            "/console/api/groups/w1/rota/add",
            headers={"X-CSRF-Token": csrf},
            json={"date": far, "start": "12:00", "end": "24:00", "member_id": "c3"},
        )
        assert resp.status == 400, (far, resp.status, await resp.text())
    assert (await bot.client.get("/console", params={"week": "2999-12-31"})).status == 200


async def test_every_time_in_the_json_is_in_the_service_timezone(bot: Bot) -> None:
    """Asia/Shanghai, +08:00: a message received at 10:00 there says 10:00 (not 02:00, its UTC
    time), so a page shows the time the server wrote whatever its browser's timezone."""
    assert bot.client is not None
    await login(bot)
    bot.clock.set(at(D, "10:00"))
    await staff_says(bot, "w1", "m1", "doc1", "hello")
    cid = await wait_for_conversation(bot, "w1")
    opened = await (await bot.client.get(f"/console/api/groups/w1/conversations/{cid}")).json()
    [m] = opened["messages"]
    assert (m["day"], m["time"]) == (D, "10:00")
    assert m["received_at"] == "2026-11-25T10:00:00+08:00"
    [conv] = (await (await bot.client.get("/console/api/groups/w1/conversations")).json())[
        "conversations"]
    assert conv["opened_at"] == "2026-11-25T10:00:00+08:00"
    assert conv["assigned_at"].endswith("+08:00") and conv["response_due_at"].endswith("+08:00")
    duty = await (await bot.client.get("/console/api/groups/w1/duty")).json()
    assert duty["now"] == "2026-11-25T10:00:00+08:00"
    assert duty["on_duty"][0]["until"] == "2026-11-25T12:00:00+08:00"
    csrf = await login(bot)
    resp = await bot.client.post("/console/api/groups/w1/rota/add", headers={"X-CSRF-Token": csrf},
                                 json={"date": D, "start": "12:00", "end": "14:00",
                                       "member_id": "c3"})
    assert resp.status == 200, await resp.text()
    [row] = (await (await bot.client.get("/console/api/groups/w1/audit")).json())["audit"]
    assert row["at"] == "2026-11-25T10:00:00+08:00"
    report = await (await bot.client.get("/console/api/groups/w1/report")).json()
    assert report["report"]["start_at"] == "2026-11-25T00:00:00+08:00"
    posts = await (await bot.client.get("/local/api/w1/posts?viewer=doc1&after=0")).json()
    assert {p["posted_at"][-6:] for p in posts["posts"]} == {"+08:00"}
    assert {p["time"] for p in posts["posts"]} == {"10:00"}


async def test_a_console_edit_re_aims_the_groups_job_and_is_announced(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    """The console handler does nothing after a change: the change itself re-aims the group's
    job and wakes the outbox once it commits. On a running clock (one minute = 1 s) with the
    sweep removed, only that can make the 10:00 boundary of a shift added at 09:50 post (the
    job stays aimed at 12:00 otherwise, and 10:00 is then past the 30-minute catch-up)."""
    members = [
        {"group": "g1", "id": "c1", "name": "Chen", "role": "counsellor"},
        {"group": "g1", "id": "c2", "name": "Li", "role": "counsellor"},
        {
            "group": "g1",
            "id": "l1",
            "name": "Lead Liu",
            "role": "lead",
            "console_token": LEAD_TOKEN,
        },
    ]
    settings = make_settings(database_url, fake_platform.url, members=members)
    clock = ScaledClock(at(D, "09:50"), 60)
    bot: Bot = await make_bot(settings, clock)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"))
    scheduler = bot.app[JOBS]._scheduler
    scheduler.remove_job("boundary-sweep")  # no net under the jobs: the change must aim them
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    while (job := scheduler.get_job("boundary:g1")) is None or (
        job.next_run_time < datetime.now(UTC) + timedelta(seconds=60)  # 12:00: 130 s away
    ):
        assert loop.time() < deadline, "the group's job was never aimed at 12:00"
        await asyncio.sleep(0.01)
    csrf = await login(bot)
    assert bot.client is not None
    add = await bot.client.post(
        "/console/api/groups/g1/rota/add",
        headers={"X-CSRF-Token": csrf},
        json={"date": D, "start": "10:00", "end": "12:00", "member_id": "c2"},
    )
    assert add.status == 200, await add.text()
    assert clock.now() < at(D, "10:00"), "too slow to test the boundary"

    def posted(start: str) -> list[str]:
        return [m["text"] for m in fake_platform.received if m["text"].startswith(start)]

    await fake_platform.wait_for(lambda r: bool(posted("[Rota change]")), 5.0)
    await fake_platform.wait_for(lambda r: bool(posted("[Shift change 10:00]")), 20.0)
    [boundary] = posted("[Shift change 10:00]")
    assert "late" not in boundary and clock.now() < at(D, "10:30")


async def test_the_console_lists_by_triage_level_and_marks_it(bot: Bot) -> None:
    assert bot.client is not None
    await login(bot)
    await staff_says(bot, "w1", "m1", "doc1", "hello")
    await staff_says(bot, "w1", "m2", "doc2", "I can't sleep")
    await staff_says(bot, "w1", "m3", "doc3", "I want to kill myself tonight")
    for _ in range(100):
        resp = await bot.client.get("/console/api/groups/w1/conversations")
        convs = (await resp.json())["conversations"]
        if len(convs) == 3:
            break
        await asyncio.sleep(0.05)
    assert [(c["staff_name"], c["level"]) for c in convs] == [
        ("Doc3", 3),
        ("Doc2", 1),
        ("Doc1", 0),
    ]
    html = await (await bot.client.get("/console")).text()
    assert 'data-level="3"' in html and "(level 3)" in html
    assert 'data-level="1"' in html and 'title="level 1 (distress)"' in html
    assert 'data-level="0"' not in html
