"""The local chat: a page at / where one person can post as any member and read the group."""

from __future__ import annotations

from importlib import resources

from aiohttp import web
from sqlalchemy import select

from bot import models
from bot.keys import DB, SETTINGS


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", page)
    app.router.add_get("/local/api/groups", groups)
    app.router.add_get("/local/api/{group_id}/posts", posts)


async def page(request: web.Request) -> web.Response:
    html = resources.files("bot.web").joinpath("local.html").read_text(encoding="utf-8")
    return web.Response(text=html, content_type="text/html")


def _local_groups(request: web.Request) -> list[str]:
    return [g.id for g in request.app[SETTINGS].groups if g.platform == "local"]


async def groups(request: web.Request) -> web.Response:
    """The local groups with their members (and staff seen so far), for the member picker."""
    settings = request.app[SETTINGS]
    out = []
    async with request.app[DB].read() as s:
        for gid in _local_groups(request):
            g = settings.group(gid)
            assert g is not None
            rows = await s.scalars(select(models.Member).where(models.Member.group_id == gid))
            members = [{"id": m.id, "name": m.name or m.id, "role": m.role} for m in rows]
            out.append({"id": gid, "name": g.name or gid, "privacy": g.privacy, "members": members})
    return web.json_response({"groups": out})


async def posts(request: web.Request) -> web.Response:
    """Posts of a local group after `after` (an id), oldest first, at most 200."""
    gid = request.match_info["group_id"]
    if gid not in _local_groups(request):
        return web.json_response({"ok": False, "error": "no such local group"}, status=404)
    try:
        after = int(request.query.get("after", "0"))
    except ValueError:
        return web.json_response({"ok": False, "error": "after must be a post id"}, status=400)
    p = models.LocalPost
    async with request.app[DB].read() as s:
        rows = await s.scalars(
            select(p).where(p.group_id == gid, p.id > after).order_by(p.id).limit(200)
        )
        items = [
            {
                "id": r.id,
                "sender_id": r.sender_id,
                "sender_name": r.sender_name,
                "text": r.text,
                "mentions": r.mentions,
                "kind": r.kind,
                "private_to": r.private_to,
                "is_bot": r.is_bot,
                "posted_at": r.posted_at.isoformat(),
            }
            for r in rows
        ]
    return web.json_response({"posts": items})
