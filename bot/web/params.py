"""Query and body parameters of the web pages, parsed once: bad input answers 400 JSON."""

from __future__ import annotations

import json
from datetime import date

from aiohttp import web

# Dates the console can show: a week view or a day's report reaches a few days either side, and
# date.max (9999-12-31) plus a week overflows. Outside this range a date is a typo, not a rota.
MIN_DAY = date(1970, 1, 1)
MAX_DAY = date(2999, 12, 31)


def bad_request(message: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"ok": False, "error": message}, ensure_ascii=False),
        content_type="application/json",
    )


def parse_day(raw: str, name: str) -> date:
    """`raw` as a calendar day YYYY-MM-DD between MIN_DAY and MAX_DAY, else a 400 naming `name`."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise bad_request(f"{name} must be a date, YYYY-MM-DD, e.g. 2026-11-25") from None
    if not MIN_DAY <= day <= MAX_DAY:
        raise bad_request(f"{name} must be a date between {MIN_DAY} and {MAX_DAY}")
    return day


def day_query(request: web.Request, name: str, default: date) -> date:
    """The query parameter `name` as a day (see parse_day), or `default` when it is absent."""
    raw = request.query.get(name, "")
    return parse_day(raw, name) if raw else default
