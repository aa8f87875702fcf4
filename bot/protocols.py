"""Shared call shapes: the service clock, the wall clock, a chat platform, a scheduled job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, NewType, Protocol, runtime_checkable

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import GroupConfig
    from bot.errors import PlatformError
    from bot.models import OutboxRow
    from bot.platforms.base import InboundMessage, OutboundMessage, RawRequest, Reply, SignedOnce


class Clock(Protocol):
    """Where every instant comes from; injected, never read from the system directly."""

    speed: float

    def now(self) -> datetime: ...

    def real_seconds_until(self, at: datetime) -> float: ...


WallTime = NewType("WallTime", datetime)
"""An instant read from the wall clock. Only a WallClock makes one, so a service-clock instant
(a demo's, two days ahead) cannot be passed where a remote party's time is checked."""


class WallClock(Protocol):
    """The real time, for everything a remote party checks or sets: signature timestamps, replay
    windows, access-token expiry, platform rate windows. Distinct from the service `Clock` (its
    own method, its own instant type), so mypy refuses one where the other is needed."""

    def wall_now(self) -> WallTime: ...


class Platform(Protocol):
    """One chat platform: parse and verify what comes in, format, sign and send what goes out."""

    name: str

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: WallTime
    ) -> list[InboundMessage] | Reply: ...

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None: ...


@runtime_checkable
class SignsOnce(Protocol):
    """A platform whose inbound signature does not cover the body (DingTalk): each verified
    signature may carry one message, which the app checks in bot/replay.py before storing it."""

    def signed_once(self, request: RawRequest) -> SignedOnce: ...


@runtime_checkable
class Runs(Protocol):
    """A platform with work of its own while the app runs (a periodic pull): started after the
    platforms are built, stopped before the database closes."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class Gates(Protocol):
    """A platform with send rules of its own that carebot keeps (微信客服: 5 messages in the 48 h
    after the person's last one): asked before `row` goes out in `parts` more sends, at
    wall-clock `now`, in the outbox's transaction; the refusal instead of an attempt, or None."""

    async def forbids(
        self, s: AsyncSession, group: GroupConfig, row: OutboxRow, parts: int, now: WallTime
    ) -> PlatformError | None: ...


@runtime_checkable
class Links(Protocol):
    """A 1:1 channel that people join by a link (微信客服): the link of a group's account."""

    async def contact_link(self, group: GroupConfig) -> str: ...


Job = Callable[[], Awaitable[None]]
