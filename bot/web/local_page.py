"""The local chat: a WeChat-style page at / where one person can post as any member of a `local`
group and watch the bot answer, live.

Posting goes through the real inbound path (POST /webhooks/local/{group}); this module only reads.
What a viewer sees: every post without `private_to` in the group view, and in the inbox tab the
posts whose `private_to` names the viewer. Nobody else's private posts are ever sent to a page.

The chat has no accounts (`?viewer=` is believed), so `guard` keeps it to this machine: the
client must be loopback (unless `bot.allow_local_on_network`), the Host must name this server
(a DNS-rebinding page's Host names the attacker's domain), an Origin must be this server, and a
post must be JSON (a form another site submits is a "simple request" the browser sends blindly).
"""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from bot import models, store
from bot.i18n import t
from bot.keys import CLOCK, DB, SETTINGS
from bot.names import Names
from bot.web import access, live, strings

BACKLOG = 300  # posts a newly opened page starts with
BATCH = 500


LOCAL_PATHS = ("/local/", "/webhooks/local/")


def _is_local_chat(path: str) -> bool:
    return path == "/" or path.startswith(LOCAL_PATHS)


def _refused(request: web.Request, status: int, key: str, **fields: object) -> web.Response:
    lang = request.app[SETTINGS].bot.language
    return web.json_response({"ok": False, "error": t(lang, key, **fields)}, status=status)


def _served_port(request: web.Request) -> int:
    sockname = request.transport.get_extra_info("sockname") if request.transport else None
    if isinstance(sockname, tuple) and len(sockname) >= 2 and isinstance(sockname[1], int):
        return sockname[1]
    return request.app[SETTINGS].bot.port


@web.middleware
async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
    """The local chat's doors: loopback client, this server's Host and Origin, JSON posts."""
    if not _is_local_chat(request.path):
        return await handler(request)  # type: ignore[no-any-return]
    bot = request.app[SETTINGS].bot
    if not bot.allow_local_on_network and not access.is_local_client(
        request.remote, request.headers, bot.trusted_proxies
    ):
        return _refused(request, 403, "local_refused_remote")
    port = _served_port(request)
    allowed = access.allowed_hosts(bot.listen, port, bot.public_url)
    host = request.headers.get("Host", "")
    if not access.host_allowed(host, allowed):
        return _refused(request, 403, "local_refused_host", host=host[:100] or "?", port=port)
    origin = request.headers.get("Origin")
    if not access.origin_allowed(origin, allowed):
        return _refused(request, 403, "local_refused_origin", origin=(origin or "")[:100])
    if request.method == "POST" and request.content_type != "application/json":
        return _refused(request, 415, "local_refused_content_type")
    return await handler(request)  # type: ignore[no-any-return]


def add_routes(app: web.Application) -> None:
    signal = live.PostSignal()
    app[live.LIVE] = signal
    app.on_shutdown.append(signal.close)
    app.router.add_get("/", page)
    app.router.add_get("/local/api/groups", groups)
    app.router.add_get("/local/api/{group_id}/posts", posts)
    app.router.add_get("/local/api/{group_id}/events", events)


async def page(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    lang = settings.bot.language
    html = resources.files("bot.web").joinpath("local.html").read_text(encoding="utf-8")
    texts = json.dumps(strings.local_chat(lang), ensure_ascii=False).replace("</", "<\\/")
    html = html.replace("__LANG__", "zh-CN" if lang == "zh" else "en")
    html = html.replace("__TITLE__", t(lang, "web_local_title"))
    html = html.replace("/*__TEXTS__*/{}", texts)
    return web.Response(
        text=html,
        content_type="text/html",
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def _local_group_ids(request: web.Request) -> list[str]:
    return [g.id for g in request.app[SETTINGS].groups if g.platform == "local"]


def _group_or_404(request: web.Request) -> str:
    gid = request.match_info["group_id"]
    if gid not in _local_group_ids(request):
        raise web.HTTPNotFound(
            text=json.dumps({"ok": False, "error": f"no local group {gid!r}"}),
            content_type="application/json",
        )
    return gid


async def groups(request: web.Request) -> web.Response:
    """The local groups with their members (staff seen so far too), and the bot's clock."""
    settings = request.app[SETTINGS]
    clock = request.app[CLOCK]
    out = []
    rank = {"staff": 0, "counsellor": 1, "supervisor": 1, "lead": 2}
    async with request.app[DB].read() as s:
        for gid in _local_group_ids(request):
            g = settings.group(gid)
            assert g is not None
            rows = await s.scalars(select(models.Member).where(models.Member.group_id == gid))
            members = sorted(
                ({"id": m.id, "name": m.name or m.id, "role": m.role} for m in rows),
                key=lambda m: (rank.get(m["role"], 0), m["name"]),
            )
            out.append({"id": gid, "name": g.name or gid, "privacy": g.privacy, "members": members})
    now = clock.now()
    offset = now.astimezone(settings.bot.tz).utcoffset() or timedelta(0)
    return web.json_response(
        {
            "groups": out,
            "clock": {
                "now": now.isoformat(),
                "speed": clock.speed,
                "utc_offset_s": int(offset.total_seconds()),
            },
        }
    )


def _viewer(request: web.Request) -> str:
    return request.query.get("viewer", "").strip()[:128]


def _int_query(request: web.Request, name: str) -> int:
    raw = request.query.get(name, "0")
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps({"ok": False, "error": f"{name} must be a post id (an integer)"}),
            content_type="application/json",
        ) from None
    if not 0 <= value < 2**63:
        raise web.HTTPBadRequest(
            text=json.dumps({"ok": False, "error": f"{name} must be a post id, 0 or more"}),
            content_type="application/json",
        )
    return value


def _as_json(request: web.Request, row: models.LocalPost, names: Names) -> dict[str, Any]:
    tz = request.app[SETTINGS].bot.tz
    local = row.posted_at.astimezone(tz)
    return {
        "id": row.id,
        "sender_id": row.sender_id,
        "sender_name": row.sender_name or row.sender_id,
        "text": row.text,
        "text_removed": row.text_removed_at is not None,
        "mentions": list(row.mentions),
        "mention_names": [names[m] for m in row.mentions],
        "kind": row.kind,
        "is_bot": row.is_bot,
        "private": bool(row.private_to),
        "posted_at": local.isoformat(),  # with the service timezone's offset, as day and time
        "day": f"{local:%Y-%m-%d}",
        "time": f"{local:%H:%M}",
    }


async def visible_posts(
    request: web.Request, gid: str, viewer: str, after: int, limit: int = BATCH
) -> tuple[list[dict[str, Any]], int]:
    """Posts after id `after` that `viewer` may see, and the id to continue after.

    Private posts for others are skipped but still advance the cursor, so they are never
    re-read and never sent.
    """
    p = models.LocalPost
    async with request.app[DB].read() as s:
        rows = list(
            await s.scalars(
                select(p).where(p.group_id == gid, p.id > after).order_by(p.id).limit(limit)
            )
        )
        if not rows:
            return [], after
        mentioned = {m for r in rows for m in r.mentions}
        names = await store.member_names(s, gid, mentioned) if mentioned else Names()
    out = [
        _as_json(request, r, names)
        for r in rows
        if not r.private_to or (viewer and viewer in r.private_to)
    ]
    return out, rows[-1].id


async def _start_after(request: web.Request, gid: str) -> int:
    """The id to start after so a new page opens on the last BACKLOG posts."""
    p = models.LocalPost
    async with request.app[DB].read() as s:
        ids = select(p.id).where(p.group_id == gid).order_by(p.id.desc()).limit(BACKLOG).subquery()
        first = await s.scalar(select(func.min(ids.c.id)))
    return int(first) - 1 if first is not None else 0


async def posts(request: web.Request) -> web.Response:
    """Posts after `after` (a post id) that `viewer` may see, oldest first (JSON)."""
    gid = _group_or_404(request)
    after = _int_query(request, "after")
    if "after" not in request.query:
        after = await _start_after(request, gid)
    items, last = await visible_posts(request, gid, _viewer(request), after)
    return web.json_response({"posts": items, "last_id": last})


async def events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: every post `viewer` may see, as it is written."""
    gid = _group_or_404(request)
    viewer = _viewer(request)
    resume = request.headers.get("Last-Event-ID", "").strip()
    if resume.isdigit():
        after = int(resume)
    elif "after" in request.query:
        after = _int_query(request, "after")
    else:
        after = await _start_after(request, gid)

    async def fetch(cursor: int) -> tuple[list[dict[str, Any]], int]:
        return await visible_posts(request, gid, viewer, cursor)

    signal = request.app[live.LIVE]
    return await live.stream(request, signal, fetch, after, {"group": gid, "viewer": viewer})
