"""Private posts through a platform's application: the pieces every such platform shares.

A group robot posts only in the group. A post meant for a few people (`private_to`: a crisis
alert, an escalation, /ical, /stats) goes through the platform's own 1:1 API when the group has
its application (WeCom application messages, DingTalk robot 1:1 messages, Feishu messages to an
open_id). Without one, `fallback` turns it into a mention of the recipients in the group with a
sentence that a private message could not be delivered, never the text, and a warning names the
missing keys: never silence, never a refusal that holds up the group.

`TokenCache` keeps an application's access token until shortly before it expires (on a
monotonic clock: the token's life is real seconds, whatever the speed of the service clock), and
`Recipients` remembers, for a post that reached some recipients before a Retry, who still waits,
so the retry reaches only them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import aiohttp
from pydantic import Field, field_validator

from bot.errors import PlatformError, Retry
from bot.i18n import t
from bot.platforms.base import OutboundMessage
from bot.platforms.spec import PlatformKeys

if TYPE_CHECKING:
    from bot.config import GroupConfig

log = logging.getLogger(__name__)

T = TypeVar("T")
TOKEN_EARLY_S = 300.0  # fetch a new token this long before the platform says it expires
_KEEP = 1024


class AppKeys(PlatformKeys):
    """The keys of a platform whose application has an HTTP API: `api_base`, its host (the
    platform's own by default, API_BASE; tests point it at a fake)."""

    API_BASE: ClassVar[str] = ""
    api_base: str = Field("", validate_default=True)

    @field_validator("api_base")
    @classmethod
    def _api_base(cls, v: str) -> str:
        v = v or cls.API_BASE
        if not v.startswith(("https://", "http://")):
            raise ValueError(f"api_base must be a URL, e.g. {cls.API_BASE!r}")
        return v


def check_app(g: GroupConfig, keys: tuple[str, ...]) -> None:
    """A half-configured application is a mistake, not a choice: say so at start. And a group
    with privacy = true needs the application, since its custom robot posts only in the group.
    `keys` are the platform's private keys."""
    given = [k for k in keys if getattr(g.keys, k)]
    if given and len(given) != len(keys):
        raise ValueError(
            f"group {g.id!r}: set {' and '.join(keys)} together (the {g.platform} app that sends "
            "private messages), or neither"
        )
    if g.privacy and g.missing_private_keys:
        raise ValueError(
            f"group {g.id!r}: privacy = true needs a private channel to the counsellor, and "
            f"a {g.platform} custom robot posts only in the group; set "
            + ", ".join(g.missing_private_keys)
            + " (the app that sends 1:1 messages) or privacy = false"
        )


def fallback(group: GroupConfig, message: OutboundMessage, language: str) -> OutboundMessage:
    """The group post that stands in for a private one the group cannot deliver privately:
    the recipients mentioned, a sentence naming the missing keys, and never the text. The
    sentence is in the group's language (`language` is the bot's, for a group that sets none)."""
    keys = ", ".join(group.missing_private_keys)
    log.warning(
        "group %s: outbox row %s is private to %s but the group has no %s app (%s); mentioning "
        "them in the group without the text",
        group.id,
        message.outbox_id,
        ",".join(message.private_to),
        group.platform,
        keys,
    )
    return OutboundMessage(
        message.group_id,
        t(group.language or language, "private_unavailable", keys=keys),
        message.kind,
        mentions=message.private_to,
        outbox_id=message.outbox_id,
    )


class TokenRejected(PlatformError):
    """The platform called the application's access token invalid or expired."""


def token_lifetime(value: object, expires_in_s: object, what: str) -> tuple[str, float]:
    """(token, seconds it lives) from a token answer; Retry if it carries no token, and the
    platforms' documented two hours if it names no usable lifetime."""
    if not isinstance(value, str) or not value:
        raise Retry(f"{what} answered without a token")
    if not isinstance(expires_in_s, int) or isinstance(expires_in_s, bool) or expires_in_s <= 0:
        expires_in_s = 7200
    return value, float(expires_in_s)


def app_key(api_base: str, app_id: str, secret: str) -> tuple[str, str, str]:
    """The cache key of one application's token; the secret only as a digest."""
    return (api_base.rstrip("/"), app_id, hashlib.sha256(secret.encode()).hexdigest())


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float  # monotonic seconds


class TokenCache:
    """Access tokens per application, fetched once and reused until shortly before expiry."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self.fetches = 0

    async def get(
        self, key: tuple[str, str, str], fetch: Callable[[], Awaitable[tuple[str, float]]]
    ) -> str:
        """The cached token, or the one `fetch` returns as (token, seconds it lives)."""
        async with self._locks.setdefault(key, asyncio.Lock()):
            cached = self._tokens.get(key)
            if cached is not None and self._monotonic() < cached.refresh_at:
                return cached.value
            value, expires_in_s = await fetch()
            self.fetches += 1
            early = min(TOKEN_EARLY_S, expires_in_s / 2)
            self._tokens[key] = _Token(value, self._monotonic() + expires_in_s - early)
            return value

    def forget(self, key: tuple[str, str, str]) -> None:
        """Drop a token the platform called invalid, so the next call fetches a new one."""
        self._tokens.pop(key, None)

    async def retrying(self, key: tuple[str, str, str], call: Callable[[], Awaitable[T]]) -> T:
        """`call()`, and once more with a fresh token if the platform refuses the cached one; a
        fresh token refused too is a Retry (a hiccup at the platform, not a refusal)."""
        try:
            return await call()
        except TokenRejected:
            self.forget(key)
        try:
            return await call()
        except TokenRejected as e:
            raise Retry(str(e)) from None


class Recipients:
    """Who still waits for a private post that reached some of its recipients before a Retry."""

    def __init__(self) -> None:
        self._left: OrderedDict[str, tuple[str, ...]] = OrderedDict()

    @staticmethod
    def key(message: OutboundMessage) -> str:
        if message.outbox_id is None:
            return ""
        digest = hashlib.sha256(message.text.encode("utf-8")).hexdigest()[:16]
        return f"{message.outbox_id}:{digest}"

    def waiting(self, message: OutboundMessage) -> tuple[str, ...]:
        key = self.key(message)
        return self._left.get(key, message.private_to) if key else message.private_to

    def still_waiting(self, message: OutboundMessage, left: Sequence[str]) -> None:
        """Remember `left` as the recipients the retry of `message` must still reach."""
        key = self.key(message)
        if not key:
            return
        self._left[key] = tuple(left)
        self._left.move_to_end(key)
        while len(self._left) > _KEEP:
            self._left.popitem(last=False)

    def done(self, message: OutboundMessage) -> None:
        self._left.pop(self.key(message), None)


async def post_json(
    http: aiohttp.ClientSession,
    url: str,
    payload: dict[str, Any],
    headers: dict[str, str],
    client_timeout: aiohttp.ClientTimeout,
    what: str,
    check: Callable[[int, bytes, str | None], dict[str, Any]],
) -> dict[str, Any]:
    """POST `payload` as JSON to an application API; `check(status, body, Retry-After)` turns
    the answer into its JSON object or raises. Unreachable is a Retry naming `what` only."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    try:
        async with http.post(url, data=body, headers=headers, timeout=client_timeout) as resp:
            raw = await resp.read()
            return check(resp.status, raw, resp.headers.get("Retry-After"))
    except (aiohttp.ClientError, TimeoutError) as e:
        raise Retry(f"{what} unreachable: {type(e).__name__}") from None
