"""How long a client may take to send a request: slow clients must not hold connections open.

aiohttp has no header-read timeout of its own, but its keep-alive timer does the work: it runs
from the moment a connection opens (and again after each response) and closes the connection if
no complete request head has arrived by then. So a client that trickles its headers (slowloris)
is closed HEADER_TIMEOUT_S after it connected. The body is bounded by `body_deadline`: a body
still incomplete BODY_TIMEOUT_S after its headers is answered 408 and the connection is closed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

HEADER_TIMEOUT_S = 10.0  # connect (or the previous response) to a complete request head
BODY_TIMEOUT_S = 10.0  # a complete request head to the end of its body

# For web.Application(handler_args=...): they reach the server whichever way it is started
# (`carebot serve`, `carebot demo`, the tests' TestServer), and override run_app's defaults.
HANDLER_ARGS: dict[str, Any] = {"keepalive_timeout": HEADER_TIMEOUT_S}


def _expire(request: web.BaseRequest, expired: list[bool]) -> None:
    if request.content.is_eof():
        return
    expired.append(True)
    # The handler's pending read raises this, answered 408 by the JSON error middleware.
    request.content.set_exception(
        web.HTTPRequestTimeout(reason=f"the request body took longer than {BODY_TIMEOUT_S:g} s")
    )


@web.middleware
async def body_deadline(request: web.Request, handler: Any) -> web.StreamResponse:
    """Bound the time the handler may wait for the request body, on every route."""
    if not request.body_exists or request.content.is_eof():
        response: web.StreamResponse = await handler(request)
        return response
    expired: list[bool] = []
    timer = asyncio.get_running_loop().call_later(BODY_TIMEOUT_S, _expire, request, expired)
    try:
        response = await handler(request)
    finally:
        timer.cancel()
    if expired and request.transport is not None:
        # Send the answer now and close, rather than let aiohttp wait (lingering_time) for
        # the rest of a body that is not coming.
        transport = request.transport
        await response.prepare(request)
        await response.write_eof()
        request.protocol.force_close()
        transport.close()
    return response
