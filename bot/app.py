"""The aiohttp application: one factory, each resource opened and closed in its own context."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot import deadlines, models, replay
from bot.clock import SystemWallClock
from bot.config import Settings
from bot.context import Context
from bot.conversations import session_changed
from bot.db import Database
from bot.errors import BadRequest, Overloaded, SignatureError
from bot.keys import (
    CLOCK,
    COMMANDS,
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
)
from bot.logs import ids
from bot.metrics import CONTENT_TYPE, Metrics
from bot.outbox import OutboxWorker
from bot.platforms import NAMES as SPEC_NAMES
from bot.platforms import PLATFORMS as SPECS
from bot.platforms import spec_of
from bot.platforms.base import (
    MAX_BODY_BYTES,
    InboundMessage,
    RawRequest,
    Reply,
    SessionChange,
    refuse_nul,
)
from bot.platforms.spec import PlatformDeps
from bot.protocols import Clock, Platform, Runs, SignsOnce, WallClock
from bot.sync import sync_config
from bot.web import access, console, ical, local_page
from bot.web.live import LIVE
from handlers.commands import Router
from handlers.inbox import Inbox, failure
from handlers.inbox import ids as inbox_ids
from handlers.messages import handle_in_session
from handlers.registry import bot_commands
from schedules.group_jobs import GroupJobs

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    clock: Clock,
    wall: WallClock | None = None,
    commands: Router | None = None,
) -> web.Application:
    """Build the application; nothing is opened until it starts. `clock` is the service clock
    (rota, hours, notices); `wall` the real time platforms sign and count with (default: system);
    `commands` the chat commands it answers (default: all of handlers/registry.py)."""
    app = web.Application(
        client_max_size=MAX_BODY_BYTES * 4,
        middlewares=[deadlines.body_deadline, json_errors, local_page.guard, console.guard],
        handler_args=deadlines.HANDLER_ARGS,
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[WALL] = wall or SystemWallClock()
    app[METRICS] = Metrics()
    app[COMMANDS] = commands or bot_commands()
    # In this order: the context is built once the outbox worker and the group jobs exist (its
    # callbacks are theirs), and the inbox, made last, writes what it holds first at shutdown.
    app.cleanup_ctx.extend([_database, _http_client, _outbox_worker, _scheduler, _inbox])
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
    yield
    await db.dispose()


async def _inbox(app: web.Application) -> AsyncIterator[None]:
    inbox = Inbox(app[CONTEXT], app[COMMANDS])
    app[INBOX] = inbox
    yield
    await inbox.close()  # what was submitted is written first, while jobs and outbox still run


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=app[SETTINGS].outbox.send_timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        app[HTTP] = http
        yield


async def _outbox_worker(app: web.Application) -> AsyncIterator[None]:
    settings, clock, db, wall = app[SETTINGS], app[CLOCK], app[DB], app[WALL]
    timeout_s, lang = settings.outbox.send_timeout_s, settings.bot.language

    def store(s: AsyncSession, messages: list[InboundMessage]) -> Awaitable[list[bool]]:
        # A platform that pulls (wecom_kf) stores what it fetched as a webhook's messages are:
        # the context and the commands are the app's, built by the time anything is pulled.
        return handle_in_session(app[CONTEXT], app[COMMANDS], s, messages)

    def sessions(s: AsyncSession, changes: list[SessionChange]) -> Awaitable[None]:
        return session_changed(app[CONTEXT], s, changes)

    deps = PlatformDeps(
        app[HTTP], wall, clock, timeout_s, lang, db, app[LIVE].notify, settings,
        store=store, wake=lambda: app[CONTEXT].wake_outbox(), sessions=sessions,
    )  # fmt: skip
    platforms: dict[str, Platform] = {spec.name: spec.build(deps) for spec in SPECS}
    app[PLATFORMS] = platforms
    worker = OutboxWorker(db, clock, settings, platforms, wall=wall, metrics=app[METRICS])
    app[OUTBOX] = worker
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
    base = Context(
        app[SETTINGS], app[CLOCK], app[DB], wake_outbox=app[OUTBOX].wake, metrics=app[METRICS]
    )
    scheduler = AsyncIOScheduler(timezone="UTC")
    jobs = GroupJobs(base, scheduler)
    app[JOBS] = jobs
    app[CONTEXT] = jobs.ctx  # what handlers get: rota changes and deadlines re-aim the jobs
    await jobs.prime()
    scheduler.start()
    jobs.start()
    yield
    scheduler.pause()
    await jobs.stop()  # the database closes next: no run may be left mid-transaction
    scheduler.shutdown(wait=False)


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
    """Inbound from a chat platform, timed for /metrics (by platform, whatever the answer)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        return await _webhook(request)
    finally:
        platform = request.match_info["platform"]
        if platform in SPEC_NAMES:  # an unknown name in the URL gets no label of its own
            request.app[METRICS].webhook_seconds.labels(platform).observe(loop.time() - started)


async def _webhook(request: web.Request) -> web.StreamResponse:
    """Inbound from a chat platform: verify, parse, store once, act."""
    app = request.app
    metrics = app[METRICS]
    platform_name = request.match_info["platform"]
    group = app[SETTINGS].group(request.match_info["group_id"])
    platform = app[PLATFORMS].get(platform_name)
    if group is None or platform is None or group.platform != platform_name:
        metrics.inbound("rejected")
        return error_response(404, "no such group on this platform; check the webhook URL")
    wall_now = app[WALL].wall_now()
    try:
        body = await read_body(request)
        raw = RawRequest(request.method, request.headers, request.query, body)
        parsed = platform.parse_inbound(group, raw, wall_now)
        if not isinstance(parsed, Reply):
            refuse_nul(parsed)
    except BadRequest as e:
        metrics.inbound("rejected")
        status = 413 if "larger than" in str(e) else 400
        return error_response(status, str(e))
    except SignatureError as e:
        metrics.inbound("rejected")
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
            metrics.inbound("rejected")
            return error_response(401, "this timestamp and sign already carried another message")
    try:
        duplicates = await app[INBOX].submit(parsed)
    except Overloaded as e:
        metrics.inbound("overloaded")
        response = error_response(503, str(e))
        response.headers["Retry-After"] = "1"
        return response
    except Exception as e:  # not accepted, so the platform resends; logged without the words
        metrics.inbound("failed")
        where = ids(group=group.id, message=[m.msg_id[:64] for m in parsed[:20]])
        log.error("storing messages %s failed: %s", inbox_ids(parsed), failure(e), extra=where)
        return error_response(500, "the message could not be stored; send it again")
    spec = spec_of(platform_name)
    if spec.wakes_live:
        app[LIVE].notify(group.id)  # committed: wake the local chat's live streams
    metrics.inbound("messages", len(parsed))
    metrics.inbound("duplicates", sum(duplicates))
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
    metrics, settings = app[METRICS], app[SETTINGS]
    c, o = models.Conversation, models.OutboxRow
    async with app[DB].read() as s:
        open_now = await s.execute(
            select(c.group_id, c.status, func.count())
            .where(c.status != "closed")
            .group_by(c.group_id, c.status)
        )
        by_status = await s.execute(select(o.status, func.count()).group_by(o.status))
        conversations: dict[tuple[str, str], int] = {(g, st): n for g, st, n in open_now}
        outbox: dict[str, int] = {st: n for st, n in by_status}
    metrics.set_conversations((g.id for g in settings.groups), conversations)
    metrics.set_outbox(outbox)
    return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})
