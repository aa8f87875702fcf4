"""Group commit for inbound messages: requests that arrive while one transaction is being written
are written together in the next.

A webhook is answered 2xx only once its messages are stored and acted on (the platform may then
forget them). One transaction per request made that path cost a commit and a full round of
routing reads per message; under load the requests now share both. An idle server writes a lone
request at once, so waiting for company never adds latency.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections import deque
from pathlib import Path

from bot.context import Context
from bot.errors import Overloaded
from bot.platforms.base import InboundMessage
from handlers.messages import handle_inbound

log = logging.getLogger(__name__)
MAX_BATCH_MESSAGES = 200  # bounds how long one transaction holds SQLite's single writer
# Past this many messages waiting, a request is refused with 503 at once rather than queued for
# seconds (or held until memory runs out): the platform keeps it and sends it again.
MAX_WAITING_MESSAGES = 5000

_Item = tuple[list[InboundMessage], "asyncio.Future[list[bool]]"]


class Inbox:
    """Writes waiting requests' messages in shared transactions, one transaction at a time."""

    def __init__(
        self,
        ctx: Context,
        max_messages: int = MAX_BATCH_MESSAGES,
        max_waiting: int = MAX_WAITING_MESSAGES,
    ) -> None:
        self.ctx = ctx
        self.max_messages = max_messages
        self.max_waiting = max_waiting
        self._waiting: deque[_Item] = deque()
        self._waiting_count = 0
        self._task: asyncio.Task[None] | None = None
        self.batches = 0  # transactions written, for /metrics and the bench

    async def submit(self, messages: list[InboundMessage]) -> list[bool]:
        """Store and act on `messages`; per message, whether it was a duplicate."""
        if not messages:
            return []
        if self._waiting_count + len(messages) > self.max_waiting:
            raise Overloaded(f"{self._waiting_count} messages are waiting to be stored; retry")
        self._waiting_count += len(messages)
        future: asyncio.Future[list[bool]] = asyncio.get_running_loop().create_future()
        self._waiting.append((messages, future))
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="inbox")
        return await future

    async def close(self) -> None:
        """Finish what was submitted (the database closes next)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        try:
            while self._waiting:
                take = [self._waiting.popleft()]
                count = len(take[0][0])
                while self._waiting and count + len(self._waiting[0][0]) <= self.max_messages:
                    take.append(self._waiting.popleft())
                    count += len(take[-1][0])
                try:
                    await self._write(take)
                finally:
                    self._waiting_count -= count
        finally:
            self._task = None

    async def _write(self, take: list[_Item]) -> None:
        messages = [m for msgs, _ in take for m in msgs]
        try:
            duplicates = await handle_inbound(self.ctx, messages)
        except Exception as e:
            if len(take) == 1:
                _settle(take[0][1], exc=e)
                return
            # One request's message may be what fails: write each alone, so only it fails.
            log.warning("a batch of %d requests (messages %s) failed (%s); writing them one by one",
                        len(take), ids(messages), failure(e))  # fmt: skip
            for item in take:
                await self._write([item])
            return
        except BaseException:  # cancelled at shutdown: nothing was committed
            for _, future in take:
                future.cancel()
            raise
        self.batches += 1
        self.ctx.metrics.inbox_batches.inc()
        i = 0
        for msgs, future in take:
            _settle(future, duplicates[i : i + len(msgs)])
            i += len(msgs)


def failure(e: BaseException) -> str:
    """An exception for the log: its type and its causes' types and where it was raised, never
    its text, which for a database error carries the message's words and SQL parameters."""
    names: list[str] = []
    seen: BaseException | None = e
    while seen is not None and len(names) < 4:
        names.append(type(seen).__qualname__)
        seen = seen.__cause__ or seen.__context__
    frames = traceback.extract_tb(e.__traceback__) if e.__traceback__ else []
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return " from ".join(names) + where


def ids(messages: list[InboundMessage]) -> str:
    """The messages' group and platform ids, for the log (never their text)."""
    return ", ".join(f"{m.group_id}/{m.msg_id[:64]!r}" for m in messages[:20]) + (
        f" and {len(messages) - 20} more" if len(messages) > 20 else ""
    )


def _settle(
    future: asyncio.Future[list[bool]],
    result: list[bool] | None = None,
    exc: BaseException | None = None,
) -> None:
    if future.done():  # the request went away; what it sent is written all the same
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result or [])
