"""What every platform module turns requests into, and what it is handed to send."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.errors import BadRequest, PlatformError, Retry

MAX_BODY_BYTES = 256 * 1024  # a chat message webhook is a few KiB; anything near this is refused

_SURROGATE = re.compile(r"[\ud800-\udfff]")  # in a str, a surrogate is always half a pair

OutboundKind = str  # assignment | shift_change | reminder | open | close | off_hours | crisis | ...


@dataclass(frozen=True, slots=True)
class RawRequest:
    """An HTTP request reduced to plain data, so parsing stays synchronous and testable."""

    method: str
    headers: Mapping[str, str]  # case-insensitive mapping from aiohttp, or a plain dict in tests
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message somebody posted in a group, as every platform delivers it."""

    platform: str
    group_id: str
    msg_id: str
    sender_id: str
    sender_name: str
    text: str
    sent_at: datetime | None = None
    msg_type: str = "text"
    # A counsellor's message on a 1:1 channel answers one person (a servicer's reply in
    # 微信客服): it is the first response of that person's conversation alone.
    answers: str = ""


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A post the bot makes in a group (or privately to `private_to`)."""

    group_id: str
    text: str
    kind: OutboundKind
    mentions: tuple[str, ...] = ()
    private_to: tuple[str, ...] = ()
    outbox_id: int | None = None


SessionEvent = Literal["taken", "transferred", "ended", "reopened"]


@dataclass(frozen=True, slots=True)
class SessionChange:
    """A 1:1 channel's session changed in the platform's own client: a servicer took it (from
    the queue, or back after it ended), transferred it to `servicer`, or ended it."""

    group_id: str
    staff_id: str
    event: SessionEvent
    servicer: str = ""  # who holds it now ("" when it ended)
    previous: str = ""  # who held it before, when the platform says


@dataclass(frozen=True, slots=True)
class Reply:
    """An immediate HTTP answer instead of messages (URL verification, challenges)."""

    body: str
    status: int = 200
    content_type: str = "text/plain"
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SignedOnce:
    """A verified signature that covers no body (DingTalk's covers only its timestamp), so it may
    carry one message: its pair, and the wall-clock instant it leaves the window (bot/replay.py).
    """

    timestamp_ms: int
    sign: str
    expires_at: datetime


def raise_for_status(platform: str, status: int, retry_after: str | None = None) -> None:
    """Map an HTTP status from a platform to nothing (2xx), Retry, or PlatformError."""
    if 200 <= status < 300:
        return
    if status == 429 or status >= 500 or status in (408, 425):
        delay = 0.0
        if retry_after and retry_after.strip().isdigit():
            delay = float(retry_after.strip())
        raise Retry(f"{platform} answered HTTP {status}", delay_s=delay)
    raise PlatformError(f"{platform} refused the post with HTTP {status}")


def load_json(raw: bytes | str, what: str = "body") -> Any:
    """Inbound JSON as Python values, or BadRequest for whatever does not decode: bad syntax or
    encoding, a number of more than 4300 digits (ValueError), nesting deeper than the
    interpreter recurses (RecursionError). Every platform parses what arrives with this, so
    none answers a sender's bytes with a 500."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise BadRequest(f"{what} is JSON nested too deeply") from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise BadRequest(f"{what} is not valid JSON") from None


def load_json_object(raw: bytes | str, what: str = "body") -> dict[str, Any]:
    """load_json, insisting on an object at the top."""
    data = load_json(raw, what)
    if not isinstance(data, dict):
        raise BadRequest(f"{what} must be a JSON object")
    return data


def refuse_nul(messages: list[InboundMessage]) -> None:
    """BadRequest if a message carries what is not text: U+0000 (PostgreSQL cannot store it) or
    a lone UTF-16 surrogate (half an emoji, as JSON "\\ud83d" alone decodes; no database can
    encode it). One rule for every platform and backend, instead of a 500 on one of them."""
    for m in messages:
        for name in ("msg_id", "sender_id", "sender_name", "text"):
            value = getattr(m, name)
            if "\x00" in value:
                raise BadRequest(f"{name} contains U+0000 (a NUL character), which is not text")
            if (found := _SURROGATE.search(value)) is not None:
                raise BadRequest(
                    f"{name} contains a lone UTF-16 surrogate (U+{ord(found.group()):04X}, half "
                    "of an emoji), which is not text; send both halves of the pair, or UTF-8"
                )
