"""The team leads' console at /console: pages and JSON, every one behind the lead's session.

`guard` (an app middleware) stands in front of every path under /console, registered or not:
without a valid session the JSON API answers 401 JSON and pages answer a 401 page, and a POST
without the session's CSRF token answers 403. Handlers then only check that the group in the path
is one of the lead's groups. Only the sign-in form at /console/login answers without a session
(how sessions are made and checked: bot/web/console_auth.py).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta
from typing import Any

from aiohttp import web

from bot import rota, rota_changes, store
from bot.config import GroupConfig, parse_hhmm
from bot.errors import PlatformError, RotaError
from bot.i18n import t
from bot.keys import CLOCK, CONTEXT, DB, PLATFORMS, SETTINGS, WALL
from bot.names import Names
from bot.platforms import wecom_kf_link
from bot.platforms.spec import redact
from bot.protocols import Links
from bot.report import Report, build_report
from bot.report_csv import conversations_csv
from bot.supervision import read_queue_health
from bot.web import access, console_auth, console_data, console_page, params

SESSION = web.RequestKey("console_session", console_auth.Session)
THROTTLE = web.AppKey("console_login_throttle", console_auth.LoginThrottle)
PREFIX = "/console"
API = "/console/api/"
CSRF_HEADER = "X-CSRF-Token"
SAFE = ("GET", "HEAD", "OPTIONS")


LOGIN = "/console/login"
PUBLIC = (LOGIN,)  # answers without a session: the sign-in form and its POST


def add_routes(app: web.Application) -> None:
    app[THROTTLE] = console_auth.LoginThrottle()
    r = app.router
    r.add_get("/console", home)
    r.add_get(LOGIN, login_form)
    r.add_post(LOGIN, login)
    r.add_get("/console/groups/{group_id}", group_page)
    r.add_post("/console/logout", logout)
    r.add_get("/console/api/me", me)
    r.add_get("/console/api/groups/{group_id}/rota", rota_json)
    r.add_get("/console/api/groups/{group_id}/duty", duty_json)
    r.add_get("/console/api/groups/{group_id}/conversations", conversations_json)
    r.add_get("/console/api/groups/{group_id}/conversations/{conversation_id}", conversation_json)
    r.add_get("/console/api/groups/{group_id}/report", report_json)
    r.add_get("/console/api/groups/{group_id}/conversations.csv", conversations_csv_export)
    r.add_get("/console/api/groups/{group_id}/charts/{chart}.svg", chart_svg)
    r.add_get("/console/api/groups/{group_id}/audit", audit_json)
    r.add_get("/console/api/groups/{group_id}/kf-link.png", kf_link_png)
    r.add_post("/console/api/groups/{group_id}/rota/{action}", rota_edit)


def _is_console(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _refuse(request: web.Request, status: int, key: str, **fields: object) -> web.Response:
    lang = request.app[SETTINGS].bot.language
    if request.path.startswith(API):
        return web.json_response({"ok": False, "error": t(lang, key, **fields)}, status=status)
    return web.Response(
        text=console_page.message_page(lang, t(lang, key, **fields)),
        status=status,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _no_store(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@web.middleware
async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
    """No console path answers without a lead's session (and a CSRF token on a POST), except
    the sign-in form."""
    if not _is_console(request.path):
        return await handler(request)  # type: ignore[no-any-return]
    if request.path in PUBLIC:
        return _no_store(await handler(request))
    if "token" in request.query:
        # The old permanent link: it must not sign in (the token would sit in histories and
        # logs), and it must not look like a valid one either.
        return _refuse(request, 401, "console_token_in_url")
    app = request.app
    session = await console_auth.read_session(
        app[DB], app[SETTINGS], request.cookies.get(console_auth.COOKIE, ""), app[WALL].wall_now()
    )
    if session is None:
        return _refuse(request, 401, "console_login_required")
    if request.method not in SAFE:
        given = request.headers.get(CSRF_HEADER, "")
        if not given and request.content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            given = str(form.get("csrf", ""))
        if not session.check_csrf(given):
            return _refuse(request, 403, "console_csrf_bad")
    request[SESSION] = session
    return _no_store(await handler(request))


def _client(request: web.Request) -> str:
    trusted = request.app[SETTINGS].bot.trusted_proxies
    return access.client_address(request.remote, request.headers, trusted) or "?"


async def login_form(request: web.Request) -> web.Response:
    """The sign-in page: a button that spends a one-time link (`?link=`), else a token field.
    A GET never spends a link: chat apps fetch a posted link to preview it."""
    lang = request.app[SETTINGS].bot.language
    link = request.query.get("link", "")[:100]
    # same-origin, not no-referrer: under no-referrer a browser posts the form with
    # "Origin: null", which the sign-in must refuse (it cannot tell it from another site's).
    return web.Response(
        text=console_page.login_page(lang, link),
        content_type="text/html",
        headers={"Referrer-Policy": "same-origin"},
    )


async def login(request: web.Request) -> web.StreamResponse:
    """Spend a link or check a token (form fields `link` or `token`), then open a session."""
    app = request.app
    settings = app[SETTINGS]
    origin = request.headers.get("Origin")
    if origin is not None and not access.origin_allowed(origin, _this_host(request)):
        return _refuse(request, 403, "console_login_cross_site")
    now = app[WALL].wall_now()
    throttle = app[THROTTLE]
    client = _client(request)
    wait_s = throttle.retry_after_s(client, now)
    if wait_s is not None:
        response = _refuse(request, 429, "console_login_throttled", seconds=wait_s)
        response.headers["Retry-After"] = str(wait_s)
        return response
    form = await request.post() if request.content_type.endswith("form-urlencoded") else {}
    link = str(form.get("link", "")).strip()
    token = str(form.get("token", "")).strip()
    if link:
        session = await console_auth.sign_in_with_link(app[DB], settings, link, now)
    else:
        session = await console_auth.sign_in_with_token(app[DB], settings, token, now)
    if session is None:
        throttle.failed(client, now)
        return _refuse(request, 401, "console_login_bad")
    response = web.Response(status=303, headers={"Location": PREFIX})
    response.set_cookie(
        console_auth.COOKIE,
        session.secret,
        max_age=console_auth.SESSION_REAL_HOURS * 3600,
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=access.is_https(
            request.scheme, request.remote, request.headers, settings.bot.trusted_proxies
        ),
    )
    return response


def _this_host(request: web.Request) -> set[tuple[str, int]]:
    """The (host, port) the browser used to reach us, from its Host header."""
    trusted = request.app[SETTINGS].bot.trusted_proxies
    https = access.is_https(request.scheme, request.remote, request.headers, trusted)
    parsed = access.split_host(request.headers.get("Host", ""))
    if parsed is None:
        return set()
    host, port = parsed
    return {(host, port if port is not None else 443 if https else 80)}


def _json_error(status: int, message: str) -> web.HTTPException:
    cls = {400: web.HTTPBadRequest, 404: web.HTTPNotFound, 403: web.HTTPForbidden}.get(
        status, web.HTTPServiceUnavailable
    )
    return cls(
        text=json.dumps({"ok": False, "error": message}, ensure_ascii=False),
        content_type="application/json",
    )


def _group(request: web.Request) -> str:
    """The group in the path, if the signed-in lead leads it (else 404, for pages too)."""
    gid = request.match_info["group_id"]
    if gid not in request[SESSION].lead.memberships or request.app[SETTINGS].group(gid) is None:
        raise _json_error(404, f"no group {gid!r} in your console")
    return gid


def _today(request: web.Request) -> date:
    return request.app[CLOCK].now().astimezone(request.app[SETTINGS].bot.tz).date()


async def home(request: web.Request) -> web.Response:
    """The console of the lead's first group (a tab per group when there are several)."""
    groups = list(request[SESSION].lead.memberships)
    if not groups:
        return _refuse(request, 404, "console_no_groups")
    return await _render_group(request, groups[0])


async def group_page(request: web.Request) -> web.Response:
    return await _render_group(request, _group(request))


async def _render_group(request: web.Request, gid: str) -> web.Response:
    app = request.app
    ctx = app[CONTEXT]
    now = app[CLOCK].now()
    today = _today(request)
    week_of = params.day_query(request, "week", today)
    report_day = params.day_query(request, "day", today)
    async with app[DB].read() as s:
        view = await console_data.overview(ctx, s, gid, week_of, now)
        convs = await console_data.active_conversations(s, gid, view.names)
        health = await read_queue_health(ctx, s, gid, convs, now)
        audit = await console_data.audit_rows(s, ctx.hours, gid, view.names)
        report = await _report(request, s, gid, report_day)
    html = console_page.group_page(
        contact=await _contact_card(request, gid),
        settings=app[SETTINGS],
        session=request[SESSION],
        group_id=gid,
        view=view,
        conversations=convs,
        health=health,
        audit=audit,
        report=report,
        report_day=report_day,
        today=today,
        now=now,
    )
    return web.Response(text=html, content_type="text/html")


def _linker(request: web.Request, gid: str) -> tuple[GroupConfig, Links] | None:
    group = request.app[SETTINGS].group(gid)
    platform = request.app[PLATFORMS].get(group.platform) if group is not None else None
    if group is None or not isinstance(platform, Links):
        return None
    return group, platform


async def _contact_card(request: web.Request, gid: str) -> str:
    """The card with the contact link, for a group people join by one (微信客服)."""
    found = _linker(request, gid)
    if found is None:
        return ""
    group, platform = found
    lang = request.app[SETTINGS].language_of(gid)
    try:
        url = await platform.contact_link(group)
    except PlatformError as e:
        return console_page.kf_link_card(lang, gid, None, redact(str(e), group)[:200])
    return console_page.kf_link_card(lang, gid, url)


async def kf_link_png(request: web.Request) -> web.Response:
    """The QR code of the group's contact link, as a PNG."""
    found = _linker(request, _group(request))
    if found is None:
        raise _json_error(404, "this group has no contact link (only a wecom_kf group has one)")
    group, platform = found
    try:
        url = await platform.contact_link(group)
    except PlatformError as e:
        raise _json_error(502, redact(str(e), group)[:200]) from None
    response = web.Response(body=wecom_kf_link.qr_png(url), content_type="image/png")
    return response


async def logout(request: web.Request) -> web.Response:
    """End the session: its row goes, so no instance accepts the cookie any more."""
    lang = request.app[SETTINGS].bot.language
    await console_auth.end_session(request.app[DB], request[SESSION].secret)
    response = web.Response(
        text=console_page.message_page(lang, t(lang, "console_logged_out")),
        content_type="text/html",
    )
    response.del_cookie(console_auth.COOKIE, path=PREFIX)
    return response


async def me(request: web.Request) -> web.Response:
    session = request[SESSION]
    settings = request.app[SETTINGS]
    groups = []
    for gid, member_id in session.lead.memberships.items():
        g = settings.group(gid)
        groups.append({"id": gid, "name": g.name if g else gid, "member_id": member_id})
    return web.json_response({"name": session.lead.name, "groups": groups, "csrf": session.csrf})


def _iso(request: web.Request, value: datetime) -> str:
    """An instant as ISO 8601 in the service timezone (with its offset), like every time the
    console shows: what a lead reads does not depend on where their browser is."""
    return value.astimezone(request.app[SETTINGS].bot.tz).isoformat()


def _duty_json(request: web.Request, duties: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "member_id": d.member_id,
            "name": d.name,
            "start_at": _iso(request, d.start_at),
            "until": _iso(request, d.until),
        }
        for d in duties
    ]


async def rota_json(request: web.Request) -> web.Response:
    """The week's grid: per day, the shifts as blocks and each hour's fewest on duty."""
    gid = _group(request)
    app = request.app
    now = app[CLOCK].now()
    week_of = params.day_query(request, "week", _today(request))
    async with app[DB].read() as s:
        view = await console_data.overview(app[CONTEXT], s, gid, week_of, now)
    g = view.week
    return web.json_response(
        {
            "group": gid,
            "start_day": g.start_day.isoformat(),
            "opens_minute": g.opens_minute,
            "closes_minute": g.closes_minute,
            "min_on_duty": g.min_on_duty,
            "gaps": g.gap_count,
            "days": [
                {
                    "day": d.day.isoformat(),
                    "is_today": d.is_today,
                    "now_minute": d.now_minute,
                    "shifts": [dataclasses.asdict(b) for b in d.blocks],
                    "hours": [dataclasses.asdict(h) for h in d.hours],
                }
                for d in g.days
            ],
        }
    )


async def duty_json(request: web.Request) -> web.Response:
    gid = _group(request)
    app = request.app
    now = app[CLOCK].now()
    async with app[DB].read() as s:
        view = await console_data.overview(app[CONTEXT], s, gid, _today(request), now)
    return web.json_response(
        {
            "now": _iso(request, now),
            "on_duty": _duty_json(request, view.now_on),
            "next": _duty_json(request, view.next_on),
        }
    )


async def conversations_json(request: web.Request) -> web.Response:
    """Waiting and open conversations: ages, assignee, crisis flags, and the queue's health at a
    glance (counts, and the supervisors on duty); never message text."""
    gid = _group(request)
    app = request.app
    now = app[CLOCK].now()
    async with app[DB].read() as s:
        names = await store.member_names(s, gid)
        rows = await console_data.active_conversations(s, gid, names)
        health = await read_queue_health(app[CONTEXT], s, gid, rows, now)
    tz = app[SETTINGS].bot.tz
    lang = app[SETTINGS].language_of(gid)
    return web.json_response(
        {
            "conversations": [r.as_json(now, tz) for r in rows],
            "health": console_data.health_json(health, names, now, tz, lang),
        }
    )


async def conversation_json(request: web.Request) -> web.Response:
    """One conversation's messages, when the lead opens it; never in a privacy-mode group."""
    gid = _group(request)
    group = request.app[SETTINGS].group(gid)
    lang = request.app[SETTINGS].language_of(gid)
    if group is not None and group.privacy:
        raise _json_error(403, t(lang, "console_privacy_hidden"))
    try:
        cid = int(request.match_info["conversation_id"])
    except ValueError:
        raise _json_error(400, "conversation id must be a number") from None
    async with request.app[DB].read() as s:
        messages = await console_data.conversation_messages(
            s, gid, cid, request.app[SETTINGS].bot.tz
        )
    if messages is None:
        raise _json_error(404, f"no conversation {cid} in group {gid!r}")
    return web.json_response({"id": cid, "messages": messages})


async def audit_json(request: web.Request) -> web.Response:
    gid = _group(request)
    app = request.app
    async with app[DB].read() as s:
        names = await store.member_names(s, gid)
        rows = await console_data.audit_rows(s, app[CONTEXT].hours, gid, names, limit=100)
    return web.json_response(
        {"audit": [{**dataclasses.asdict(r), "at": _iso(request, r.at)} for r in rows]}
    )


async def _report(request: web.Request, s: Any, gid: str, day: date) -> Report:
    """The report of the local day `day` (00:00-24:00)."""
    hours: rota.ServiceHours = request.app[CONTEXT].hours
    start_at = hours.at_minute(day, 0)
    end_at = hours.at_minute(day + timedelta(days=1), 0)
    return await build_report(s, request.app[SETTINGS], gid, start_at, end_at)


async def _report_for(request: web.Request) -> tuple[str, date, Report, Names]:
    gid = _group(request)
    day = params.day_query(request, "day", _today(request))
    async with request.app[DB].read() as s:
        report = await _report(request, s, gid, day)
        names = await store.member_names(s, gid)
    return gid, day, report, names


async def report_json(request: web.Request) -> web.Response:
    """The daily report of `day` (default today) as JSON: counts and times, never message text."""
    gid, day, report, names = await _report_for(request)
    tz = request.app[SETTINGS].bot.tz

    def as_text(value: object) -> str:
        if isinstance(value, datetime):
            return value.astimezone(tz).isoformat()
        return str(value)

    data = dataclasses.asdict(report)
    for c in data.get("per_counsellor", []):
        c["name"] = names[c["member_id"]]
    return web.json_response(
        {"group": gid, "day": day.isoformat(), "report": data},
        dumps=lambda o: json.dumps(o, ensure_ascii=False, default=as_text),
    )


EXPORT_MAX_DAYS = 366


async def conversations_csv_export(request: web.Request) -> web.Response:
    """One CSV row per conversation opened from local day `from` to `to` (inclusive; default:
    `day`, else today): times, waits, counsellor, category, flags; no text, no staff member."""
    gid = _group(request)
    app = request.app
    day = params.day_query(request, "day", _today(request))
    first = params.day_query(request, "from", day)
    last = params.day_query(request, "to", first if "from" in request.query else day)
    if last < first:
        raise params.bad_request("to must be on or after from")
    if (last - first).days >= EXPORT_MAX_DAYS:
        raise params.bad_request(f"export at most {EXPORT_MAX_DAYS} days at a time")
    hours: rota.ServiceHours = app[CONTEXT].hours
    start_at = hours.at_minute(first, 0)
    end_at = hours.at_minute(last + timedelta(days=1), 0)
    async with app[DB].read() as s:
        text = await conversations_csv(s, app[SETTINGS], gid, start_at, end_at, app[CLOCK].now())
    name = f"carebot-{gid}-{first.isoformat()}" + (f"-{last.isoformat()}" if last != first else "")
    return web.Response(
        text=text,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


async def chart_svg(request: web.Request) -> web.Response:
    """One chart of the daily report as SVG: messages, first-response or load."""
    chart = request.match_info["chart"]
    if chart not in console_page.CHARTS:
        raise _json_error(404, f"no chart {chart!r}; use one of {', '.join(console_page.CHARTS)}")
    _, _, report, names = await _report_for(request)
    lang = request.app[SETTINGS].language_of(_group(request))
    svg = console_page.chart(chart, report, names, lang)
    return web.Response(text=svg, content_type="image/svg+xml")


def _field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _json_error(400, f"{name} must be a non-empty string")
    return value.strip()


def _span(request: web.Request, body: dict[str, Any]) -> tuple[datetime, datetime]:
    """[start_at, end_at) from {"date": "YYYY-MM-DD", "start": "HH:MM", "end": "HH:MM"} in
    service time ("24:00" is the midnight that ends the day)."""
    hours: rota.ServiceHours = request.app[CONTEXT].hours
    day = params.parse_day(_field(body, "date"), "date")
    try:
        start, end = parse_hhmm(_field(body, "start")), parse_hhmm(_field(body, "end"))
    except ValueError as e:
        raise _json_error(400, f"start/end: {e}") from None
    return hours.at_minute(day, start), hours.at_minute(day, end)


async def rota_edit(request: web.Request) -> web.Response:
    """Add, remove or swap a shift, or undo the last change, through bot.rota_changes: the same
    rules and audit as the chat commands. A broken rule answers 400 and changes nothing."""
    gid = _group(request)
    action = request.match_info["action"]
    app = request.app
    if action not in ("add", "remove", "swap", "undo"):
        raise _json_error(404, f"no rota action {action!r}; use add, remove, swap or undo")
    try:
        body = await request.json() if request.can_read_body else {}
    except json.JSONDecodeError:
        raise _json_error(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _json_error(400, "body must be a JSON object")
    ctx = app[CONTEXT]
    actor = request[SESSION].lead.memberships[gid]
    now = app[CLOCK].now()
    common: dict[str, Any] = {"group_id": gid, "actor_id": actor, "now": now}
    if action != "undo":
        common["start_at"], common["end_at"] = _span(request, body)
    try:
        async with ctx.db.write() as s:
            if action == "add":
                change = await rota_changes.add_shift(
                    ctx, s, member_id=_field(body, "member_id"), **common
                )
            elif action == "remove":
                change = await rota_changes.remove_shift(
                    ctx, s, member_id=_field(body, "member_id"), **common
                )
            elif action == "swap":
                change = await rota_changes.swap_shift(
                    ctx,
                    s,
                    member_a=_field(body, "member_a"),
                    member_b=_field(body, "member_b"),
                    **common,
                )
            else:
                change = await rota_changes.undo_last(ctx, s, **common)
    except RotaError as e:
        return web.json_response({"ok": False, "error": str(e)}, status=400)
    return web.json_response(
        {
            "ok": True,
            "change": {
                "audit_id": change.audit_id,
                "action": change.action,
                "group_id": change.group_id,
                "affected": list(change.affected),
                "summary": change.summary,
            },
        }
    )
