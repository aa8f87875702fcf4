"""The aiohttp application: one factory, each resource opened and closed in its own context."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select, text

from bot import deadlines, models, replay
from bot.clock import SystemWallClock
from bot.config import Settings
from bot.context import Context
from bot.db import Database
from bot.errors import BadRequest, Overloaded, SignatureError
from bot.keys import (
    CLOCK,
    CONTEXT,
    DB,
    HTTP,
    INBOX,
    JOBS,
    METRICS,
    OUTBOX,
    PLATFORMS,
    SETTINGS,
    WALL,
    Metrics,
)
from bot.outbox import OutboxWorker
from bot.platforms import PLATFORMS as SPECS
from bot.platforms import spec_of
from bot.platforms.base import MAX_BODY_BYTES, RawRequest, Reply, refuse_nul
from bot.platforms.spec import PlatformDeps
from bot.protocols import Clock, Platform, Runs, SignsOnce, WallClock
from bot.web import access, console, ical, local_page
from bot.web.live import LIVE
from handlers.commands import load_commands
from handlers.inbox import Inbox, failure
from handlers.inbox import ids as inbox_ids
from handlers.messages import handle_in_session
from schedules.group_jobs import GroupJobs

log = logging.getLogger(__name__)
SYNC_BATCH_ROWS = 5000  # members upserted per statement by sync_config


def create_app(settings: Settings, clock: Clock, wall: WallClock | None = None) -> web.Application:
    """Build the application; nothing is opened until it starts. `clock` is the service clock
    (rota, hours, notices); `wall` the real time platforms sign and count with (default: system)."""
    load_commands()
    app = web.Application(
        client_max_size=MAX_BODY_BYTES * 4,
        middlewares=[deadlines.body_deadline, json_errors, local_page.guard, console.guard],
        handler_args=deadlines.HANDLER_ARGS,
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[WALL] = wall or SystemWallClock()
    app[METRICS] = Metrics()
    app.cleanup_ctx.extend([_database, _inbox, _http_client, _outbox_worker, _scheduler])
    app.router.add_route("POST", "/webhooks/{platform}/{group_id}", webhook)
    app.router.add_route("GET", "/webhooks/{platform}/{group_id}", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    local_page.add_routes(app)
    console.add_routes(app)
    ical.add_routes(app)
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    db = Database(settings.bot.database_url)
    try:
        await db.upgrade()
        await sync_config(db, settings, app[CLOCK])
    except BaseException:
        await db.dispose()
        raise
    app[DB] = db
    app[CONTEXT] = Context(settings, app[CLOCK], db)
    yield
    await db.dispose()


async def _inbox(app: web.Application) -> AsyncIterator[None]:
    inbox = Inbox(app[CONTEXT])
    app[INBOX] = inbox
    yield
    await inbox.close()  # what was submitted is written before the database closes


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=app[SETTINGS].outbox.send_timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        app[HTTP] = http
        yield


async def _outbox_worker(app: web.Application) -> AsyncIterator[None]:
    ctx, wall = app[CONTEXT], app[WALL]
    timeout_s, lang = app[SETTINGS].outbox.send_timeout_s, ctx.language
    deps = PlatformDeps(
        app[HTTP], wall, ctx.clock, timeout_s, lang, ctx.db, app[LIVE].notify, ctx.settings,
        store=partial(handle_in_session, ctx), wake=lambda: ctx.wake_outbox(),
    )  # fmt: skip
    platforms: dict[str, Platform] = {spec.name: spec.build(deps) for spec in SPECS}
    app[PLATFORMS] = platforms
    worker = OutboxWorker(ctx.db, ctx.clock, ctx.settings, platforms, wall=wall)
    app[OUTBOX] = worker
    ctx.wake_outbox = worker.wake
    task = asyncio.create_task(worker.run(), name="outbox-worker")
    running = [p for p in platforms.values() if isinstance(p, Runs)]
    for p in running:
        await p.start()
    yield
    for p in running:
        await p.stop()
    # A post the platform is answering right now must be recorded as sent, or the next start
    # sends it again: let the pass under way finish (bounded by the send timeout), then stop.
    worker.stop()
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout_s + 2)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _scheduler(app: web.Application) -> AsyncIterator[None]:
    ctx = app[CONTEXT]
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = GroupJobs(ctx, scheduler)
    app[JOBS] = jobs
    ctx.rota_changed = jobs.reschedule
    ctx.deadline_at = jobs.aim
    await jobs.prime()
    scheduler.start()
    jobs.start()
    yield
    scheduler.pause()
    await jobs.stop()  # the database closes next: no run may be left mid-transaction
    scheduler.shutdown(wait=False)


async def sync_config(db: Database, settings: Settings, clock: Clock) -> None:
    """Mirror the configured groups and members into the database (config wins on conflicts)."""
    now = clock.now()
    groups = [{"id": g.id, "name": g.name, "platform": g.platform} for g in settings.groups]
    members = [
        {
            "group_id": m.group,
            "id": m.id,
            "name": m.display_name,
            "role": m.role,
            "first_seen_at": now,
        }
        for m in settings.members
    ]
    # One statement per table, executed for many rows at once, and only for rows that differ
    # from what is stored: a config of thousands of members must not cost thousands of round
    # trips, or rewrite every row, at every start.
    async with db.write() as s:
        stored_groups = {
            r.id: (r.name, r.platform)
            for r in await s.execute(
                select(models.Group.id, models.Group.name, models.Group.platform)
            )
        }
        groups = [g for g in groups if stored_groups.get(g["id"]) != (g["name"], g["platform"])]
        if groups:
            g_stmt = db.insert(models.Group)
            g_set = {"name": g_stmt.excluded.name, "platform": g_stmt.excluded.platform}
            await s.execute(g_stmt.on_conflict_do_update(index_elements=["id"], set_=g_set), groups)
        m = models.Member
        stored = {
            (r.group_id, r.id): (r.name, r.role)
            for r in await s.execute(
                select(m.group_id, m.id, m.name, m.role).where(m.role != "staff")
            )
        }
        members = [
            x for x in members if stored.get((x["group_id"], x["id"])) != (x["name"], x["role"])
        ]
        if members:
            m_stmt = db.insert(models.Member)
            m_set = {"name": m_stmt.excluded.name, "role": m_stmt.excluded.role}
            upsert = m_stmt.on_conflict_do_update(index_elements=["group_id", "id"], set_=m_set)
            for i in range(0, len(members), SYNC_BATCH_ROWS):
                await s.execute(upsert, members[i : i + SYNC_BATCH_ROWS])


def error_response(status: int, message: str) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """HTTP errors as JSON bodies, so a caller always learns what was wrong."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException as e:
        if e.status < 400 or e.content_type == "application/json":
            raise
        return error_response(e.status, e.reason)


async def read_body(request: web.Request) -> bytes:
    """The raw body, refused with 413 past MAX_BODY_BYTES without reading it all."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise BadRequest(f"body larger than {MAX_BODY_BYTES} bytes")
    # read(n) answers what has arrived so far, which may be part of the body: read to the end.
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(MAX_BODY_BYTES + 1 - size):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BadRequest(f"body larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def webhook(request: web.Request) -> web.StreamResponse:
    """Inbound from a chat platform: verify, parse, store once, act."""
    app = request.app
    metrics = app[METRICS]
    platform_name = request.match_info["platform"]
    group = app[SETTINGS].group(request.match_info["group_id"])
    platform = app[PLATFORMS].get(platform_name)
    if group is None or platform is None or group.platform != platform_name:
        metrics.inc("inbound_rejected_total")
        return error_response(404, "no such group on this platform; check the webhook URL")
    wall_now = app[WALL].wall_now()
    try:
        body = await read_body(request)
        raw = RawRequest(request.method, request.headers, request.query, body)
        parsed = platform.parse_inbound(group, raw, wall_now)
        if not isinstance(parsed, Reply):
            refuse_nul(parsed)
    except BadRequest as e:
        metrics.inc("inbound_rejected_total")
        status = 413 if "larger than" in str(e) else 400
        return error_response(status, str(e))
    except SignatureError as e:
        metrics.inc("inbound_rejected_total")
        return error_response(401, str(e))
    if isinstance(parsed, Reply):
        return web.Response(
            text=parsed.body,
            status=parsed.status,
            content_type=parsed.content_type,
            headers=dict(parsed.headers),
        )
    if isinstance(platform, SignsOnce) and parsed:  # a replayed signature writes nothing
        use = platform.signed_once(raw)
        if not await replay.claim(app[DB], group.id, use, parsed[0].msg_id, wall_now):
            metrics.inc("inbound_rejected_total")
            return error_response(401, "this timestamp and sign already carried another message")
    try:
        duplicates = await app[INBOX].submit(parsed)
    except Overloaded as e:
        metrics.inc("inbound_overloaded_total")
        response = error_response(503, str(e))
        response.headers["Retry-After"] = "1"
        return response
    except Exception as e:  # not accepted, so the platform resends; logged without the words
        metrics.inc("inbound_failed_total")
        log.error("storing messages %s failed: %s", inbox_ids(parsed), failure(e))
        return error_response(500, "the message could not be stored; send it again")
    spec = spec_of(platform_name)
    if spec.wakes_live:
        app[LIVE].notify(group.id)  # committed: wake the local chat's live streams
    metrics.inc("inbound_messages_total", len(parsed))
    metrics.inc("inbound_duplicates_total", sum(duplicates))
    if (ack := spec.inbound_ack) is not None:  # WeCom reads any answer as a reply: "" = none
        return web.Response(text=ack.body, status=ack.status, content_type=ack.content_type)
    return web.json_response({"ok": True, "duplicate": bool(duplicates) and all(duplicates)})


async def healthz(request: web.Request) -> web.Response:
    db = request.app[DB]
    try:
        async with db.read() as s:
            await s.execute(text("SELECT 1"))
    except Exception as e:  # report, do not crash: this is what monitors poll
        return web.json_response({"ok": False, "database": type(e).__name__}, status=503)
    return web.json_response({"ok": True})


async def metrics(request: web.Request) -> web.Response:
    """Prometheus counters. With bot.metrics_token, for `Authorization: Bearer <token>` only;
    without it, for this machine only (a loopback client that no untrusted proxy forwarded)."""
    app = request.app
    bot = app[SETTINGS].bot
    if bot.metrics_token:
        if not access.bearer_matches(request.headers.get("Authorization", ""), bot.metrics_token):
            response = error_response(401, "send Authorization: Bearer <bot.metrics_token>")
            response.headers["WWW-Authenticate"] = 'Bearer realm="carebot metrics"'
            return response
    elif not access.is_local_client(request.remote, request.headers, bot.trusted_proxies):
        return error_response(
            403, "/metrics answers this machine only; set bot.metrics_token to scrape it remotely"
        )
    lines = []
    for name, value in sorted(app[METRICS].counts.items()):
        lines += [f"# TYPE carebot_{name} counter", f"carebot_{name} {value}"]
    async with app[DB].read() as s:
        rows = await s.execute(
            select(models.OutboxRow.status, func.count()).group_by(models.OutboxRow.status)
        )
        lines.append("# TYPE carebot_outbox_rows gauge")
        for status, count in rows:
            lines.append(f'carebot_outbox_rows{{status="{status}"}} {count}')
    lines.append(f"carebot_outbox_sent_total {app[OUTBOX].sent_count}")
    lines += ["# TYPE carebot_inbox_batches_total counter"]
    lines.append(f"carebot_inbox_batches_total {app[INBOX].batches}")
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)
