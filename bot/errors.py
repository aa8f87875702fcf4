"""The errors carebot raises on purpose: each names the input or key at fault and the fix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.platforms.base import OutboundMessage


class CarebotError(Exception):
    """Base of every error carebot raises on purpose."""


class ConfigError(CarebotError):
    """Configuration that cannot work; the message names the key and how to fix it."""


class DatabaseUnreachable(ConfigError):
    """bot.database_url names a database that cannot be reached; the message is one line: the
    URL (without its password), what failed, and what to check."""


class SignatureError(CarebotError):
    """A request whose signature, timestamp or encryption does not verify."""


class BadRequest(CarebotError):
    """Malformed input: names the field at fault."""


class Overloaded(CarebotError):
    """More inbound messages wait to be written than the server takes on: not accepted, so the
    platform keeps the message and sends it again."""


class PlatformError(CarebotError):
    """A chat platform refused or failed a request."""


class RotaError(CarebotError):
    """A rota change that breaks a rule; the message says which and how to fix it."""


class Retry(PlatformError):
    """A send that failed in a way worth retrying, after at least `delay_s` seconds."""

    def __init__(self, message: str, delay_s: float = 0.0) -> None:
        super().__init__(message)
        self.delay_s = delay_s


Report = Callable[["AsyncSession", "datetime"], Awaitable[Sequence["OutboundMessage"]]]


class Refused(PlatformError):
    """A post the platform's rules forbid (not attempted) or that it refused for good, with
    what the team must hear instead of the outbox's generic report: `report` makes those
    posts in the outbox's transaction (bot/outbox.py sends each once a day at most)."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report
