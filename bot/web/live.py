"""Live updates for the local chat: a wake-up signal, and the server-sent-event stream it drives.

The database stays the only source of posts. The signal carries no data: it only wakes every open
stream, which then reads the posts after the last id it sent. So a tab can never receive a post
twice or miss one, a slow tab holds no queue in memory, and a thousand tabs cost one Event. Posts
written by another process (several instances on one PostgreSQL) wake nobody here, so each
stream also re-reads every POLL_S seconds: a cheap indexed query on (group_id, id).
On shutdown the signal is closed and every stream returns, so aiohttp does not wait for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

POLL_S = 2.0  # fallback re-read, for posts from other processes
HEARTBEAT_S = 15.0  # a comment line, so a dead connection is noticed and proxies keep it open
# Open streams allowed at once, from one remote address and in all: each holds a connection and
# a database read every POLL_S, so past these a new one is refused with 429.
MAX_STREAMS_PER_ADDRESS = 32  # the local chat is on loopback: every tab has one address
MAX_STREAMS = 256


class PostSignal:
    """Wakes every waiting stream when a local post has been committed."""

    def __init__(
        self, max_per_address: int = MAX_STREAMS_PER_ADDRESS, max_streams: int = MAX_STREAMS
    ) -> None:
        self._event = asyncio.Event()
        self.closed = False
        self.streams = 0
        self.max_per_address = max_per_address
        self.max_streams = max_streams
        self.by_address: dict[str, int] = {}

    def open_stream(self, address: str) -> None:
        """Count a new stream from `address`, or refuse it with 429 past the limits."""
        if self.by_address.get(address, 0) >= self.max_per_address:
            raise _too_many(f"{self.max_per_address} live streams are open from this address")
        if self.streams >= self.max_streams:
            raise _too_many(f"{self.max_streams} live streams are open on this server")
        self.streams += 1
        self.by_address[address] = self.by_address.get(address, 0) + 1

    def close_stream(self, address: str) -> None:
        self.streams -= 1
        left = self.by_address.get(address, 0) - 1
        if left > 0:
            self.by_address[address] = left
        else:
            self.by_address.pop(address, None)

    def token(self) -> asyncio.Event:
        """Take before reading the database; `wait(token)` then returns at once if a post came
        in between, so no wake-up is lost."""
        return self._event

    def notify(self, _group_id: str = "") -> None:
        """A post was committed (in any group): wake every stream."""
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, token: asyncio.Event, timeout_s: float) -> None:
        """Until the next post after `token`, `timeout_s` seconds, or close."""
        if self.closed:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(token.wait(), timeout_s)

    async def close(self, _app: web.Application | None = None) -> None:
        """Stop every stream (on_shutdown: before aiohttp waits for open handlers)."""
        self.closed = True
        self.notify()


def _too_many(why: str) -> web.HTTPTooManyRequests:
    return web.HTTPTooManyRequests(
        text=json.dumps({"ok": False, "error": f"{why}; close one and retry"}),
        content_type="application/json",
        headers={"Retry-After": "10"},
    )


LIVE = web.AppKey("live_posts", PostSignal)

Fetch = Callable[[int], Awaitable[tuple[list[dict[str, Any]], int]]]


def sse_event(event: str, data: Any, event_id: int | None = None) -> bytes:
    """One server-sent event; JSON data on one line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"{head}event: {event}\ndata: {body}\n\n".encode()


async def stream(
    request: web.Request,
    signal: PostSignal,
    fetch: Fetch,
    after: int,
    hello: dict[str, Any],
    *,
    poll_s: float = POLL_S,
    heartbeat_s: float = HEARTBEAT_S,
) -> web.StreamResponse:
    """Serve `fetch(after) -> (items, new_after)` as `post` events until the client goes away or
    the app shuts down. Each item's "id" becomes the event id, so EventSource resumes with
    Last-Event-ID after a dropped connection."""
    address = request.remote or ""
    signal.open_stream(address)  # 429 past the limits
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache, no-store",
            "X-Accel-Buffering": "no",
        }
    )
    loop = asyncio.get_running_loop()
    try:
        await response.prepare(request)
        await response.write(b"retry: 2000\n" + sse_event("hello", hello))
        last_write = loop.time()
        while not signal.closed:
            token = signal.token()
            items, after = await fetch(after)
            for item in items:
                await response.write(sse_event("post", item, item["id"]))
            if items:
                last_write = loop.time()
            elif loop.time() - last_write >= heartbeat_s:
                await response.write(b": ping\n\n")
                last_write = loop.time()
            await signal.wait(token, poll_s)
    except ConnectionResetError:
        pass  # the tab was closed; nothing to clean up but the count
    finally:
        signal.close_stream(address)
    return response
