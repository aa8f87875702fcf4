"""`GET /ical/{token}.ics`: one counsellor's shifts as an iCalendar feed (404 for other tokens)."""

from __future__ import annotations

from aiohttp import web

from bot.ical import feed_for_token
from bot.keys import CLOCK, DB, SETTINGS


def add_routes(app: web.Application) -> None:
    app.router.add_get("/ical/{token}.ics", feed)


async def feed(request: web.Request) -> web.Response:
    app = request.app
    async with app[DB].read() as s:
        body = await feed_for_token(s, app[SETTINGS], request.match_info["token"], app[CLOCK].now())
    if body is None:
        return web.json_response(
            {"ok": False, "error": "no such calendar; ask the bot for a new link with /ical"},
            status=404,
        )
    return web.Response(
        body=body,
        content_type="text/calendar",
        charset="utf-8",
        headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
    )
