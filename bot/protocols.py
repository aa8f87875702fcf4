"""Shared call shapes: the clock, a chat platform, a scheduled job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.config import GroupConfig
    from bot.platforms.base import InboundMessage, OutboundMessage, RawRequest, Reply


class Clock(Protocol):
    """Where every instant comes from; injected, never read from the system directly."""

    speed: float

    def now(self) -> datetime: ...

    def real_seconds_until(self, at: datetime) -> float: ...


class Platform(Protocol):
    """One chat platform: parse and verify what comes in, format, sign and send what goes out."""

    name: str

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: datetime
    ) -> list[InboundMessage] | Reply: ...

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None: ...


Job = Callable[[], Awaitable[None]]
