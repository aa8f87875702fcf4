"""What arrives on the wire: bodies split across writes, slow clients, live-update streams.

Driven through raw sockets against the real app from create_app on a loopback port, so what is
tested is what a network delivers, not what aiohttp's client happens to send in one write.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock
from bot.deadlines import BODY_TIMEOUT_S, HEADER_TIMEOUT_S
from bot.keys import DB
from bot.platforms import generic
from tests.conftest import SECRET, Bot, at, make_settings

D = "2026-11-25"


async def start(database_url: str, make_bot: Any) -> Bot:
    s = make_settings(database_url, "http://127.0.0.1:9/unreachable")
    bot: Bot = await make_bot(s, FrozenClock(at(D, "10:00")))
    return bot


def port(bot: Bot) -> int:
    assert bot.client is not None and bot.client.server.port is not None
    return bot.client.server.port


def request_head(path: str, headers: dict[str, str], length: int) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def test_a_body_split_across_two_writes_is_read_whole(
    database_url: str, make_bot: Any
) -> None:
    bot = await start(database_url, make_bot)
    body = json.dumps(
        {
            "msg_id": "split-1",
            "sender": {"id": "doc1", "name": "Doc"},
            "text": "a message the network delivered in two pieces",
        }
    ).encode()
    headers = generic.signed_headers(SECRET, body, bot.clock.now())
    reader, writer = await asyncio.open_connection("127.0.0.1", port(bot))
    try:
        writer.write(request_head("/webhooks/generic/g1", headers, len(body)))
        writer.write(body[: len(body) // 2])
        await writer.drain()
        await asyncio.sleep(0.3)  # the first half is read alone by the server
        writer.write(body[len(body) // 2 :])
        await writer.drain()
        status, answer = await asyncio.wait_for(read_response(reader), 10)
    finally:
        writer.close()
    assert status == 200, answer
    assert json.loads(answer) == {"ok": True, "duplicate": False}
    async with bot.app[DB].read() as s:
        texts = list(await s.scalars(select(models.Message.text)))
    assert texts == ["a message the network delivered in two pieces"]


async def test_a_chunked_body_past_the_limit_is_refused_413(
    database_url: str, make_bot: Any
) -> None:
    bot = await start(database_url, make_bot)
    reader, writer = await asyncio.open_connection("127.0.0.1", port(bot))
    head = (
        b"POST /webhooks/generic/g1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    try:
        writer.write(head)
        piece = b"x" * 65536
        for _ in range(5):  # 320 KiB in five chunks, no Content-Length to refuse it up front
            writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        status, answer = await asyncio.wait_for(read_response(reader), 10)
    finally:
        writer.close()
    assert status == 413, answer
    assert b"larger than" in answer


async def closed_within(reader: asyncio.StreamReader, within_s: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it sent before."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    got = b""
    async with asyncio.timeout(within_s):
        while True:
            try:
                chunk = await reader.read(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
    return loop.time() - started, got


async def test_headers_sent_one_byte_a_second_are_cut_off(database_url: str, make_bot: Any) -> None:
    bot = await start(database_url, make_bot)
    reader, writer = await asyncio.open_connection("127.0.0.1", port(bot))
    head = request_head("/webhooks/generic/g1", {"X-Padding": "p" * 200}, 2)

    async def trickle() -> None:
        for byte in head:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(1)

    sender = asyncio.create_task(trickle())
    try:
        elapsed, _ = await closed_within(reader, HEADER_TIMEOUT_S + 3)
    finally:
        sender.cancel()
        writer.close()
    assert elapsed <= HEADER_TIMEOUT_S + 1.5, elapsed


async def test_a_body_that_never_comes_is_answered_408_and_closed(
    database_url: str, make_bot: Any
) -> None:
    bot = await start(database_url, make_bot)
    reader, writer = await asyncio.open_connection("127.0.0.1", port(bot))
    headers = generic.signed_headers(SECRET, b"{}", bot.clock.now())
    try:
        writer.write(request_head("/webhooks/generic/g1", headers, 1000) + b'{"msg_id"')
        await writer.drain()
        elapsed, got = await closed_within(reader, BODY_TIMEOUT_S + 3)
    finally:
        writer.close()
    assert got.startswith(b"HTTP/1.1 408"), got
    assert elapsed <= BODY_TIMEOUT_S + 1.5, elapsed
