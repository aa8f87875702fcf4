"""The generic signed JSON webhook: HMAC-SHA256 over "timestamp.body", 300 s replay window."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import aiohttp

from bot.errors import BadRequest, Retry, SignatureError
from bot.platforms.base import (
    InboundMessage,
    OutboundMessage,
    RawRequest,
    Reply,
    load_json_object,
    raise_for_status,
)
from bot.platforms.spec import PlatformKeys, PlatformSpec, keys_of
from bot.protocols import WallClock, WallTime

if TYPE_CHECKING:
    from bot.config import GroupConfig

REPLAY_WINDOW_S = 300
TS_HEADER = "X-Carebot-Timestamp"
SIG_HEADER = "X-Carebot-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The value of X-Carebot-Signature for this timestamp and raw body."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: datetime) -> dict[str, str]:
    """Headers that make `body` a valid generic webhook at `now`."""
    ts = str(int(now.timestamp()))
    return {
        "Content-Type": "application/json",
        TS_HEADER: ts,
        SIG_HEADER: sign(secret, ts, body),
    }


def verify(secret: str, headers: Any, body: bytes, now: datetime) -> None:
    """Raise SignatureError unless the headers sign `body` within the replay window."""
    ts = headers.get(TS_HEADER)
    given = headers.get(SIG_HEADER)
    if not ts or not given:
        raise SignatureError(f"missing {TS_HEADER} or {SIG_HEADER} header")
    if not ts.isascii() or not ts.isdigit() or len(ts) > 12:
        raise SignatureError(f"{TS_HEADER} must be unix seconds")
    if abs(now.timestamp() - int(ts)) > REPLAY_WINDOW_S:
        raise SignatureError(f"{TS_HEADER} is more than {REPLAY_WINDOW_S} s from now; resend")
    if not hmac.compare_digest(sign(secret, ts, body).encode(), given.encode("utf-8", "replace")):
        raise SignatureError(f"{SIG_HEADER} does not match the body")


def _text_field(obj: dict[str, Any], key: str, *, where: str, limit: int) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{where}{key} must be a non-empty string")
    if len(value) > limit:
        raise BadRequest(f"{where}{key} is longer than {limit} characters")
    return value


def parse_body(group_id: str, body: bytes) -> InboundMessage:
    """The generic JSON body as an InboundMessage; BadRequest names the field at fault."""
    data = load_json_object(body)
    msg_id = _text_field(data, "msg_id", where="", limit=128)
    sender = data.get("sender")
    if not isinstance(sender, dict):
        raise BadRequest("sender must be an object with id and name")
    sender_id = _text_field(sender, "id", where="sender.", limit=128)
    name = sender.get("name", "")
    if not isinstance(name, str) or len(name) > 200:
        raise BadRequest("sender.name must be a string of at most 200 characters")
    text = data.get("text")
    if not isinstance(text, str) or len(text) > 20_000:
        raise BadRequest("text must be a string of at most 20000 characters")
    sent_at = None
    raw_sent = data.get("sent_at")
    if raw_sent is not None:
        try:
            if not isinstance(raw_sent, str):
                raise ValueError
            sent_at = datetime.fromisoformat(raw_sent)
        except ValueError:
            raise BadRequest("sent_at must be an ISO 8601 instant with an offset") from None
        if sent_at.tzinfo is None:
            raise BadRequest("sent_at must carry a UTC offset, e.g. 2026-11-25T08:00:00+08:00")
    return InboundMessage("generic", group_id, msg_id, sender_id, name, text, sent_at)


class GenericPlatform:
    """Signed JSON in, signed JSON out."""

    name = "generic"

    def __init__(self, http: aiohttp.ClientSession, wall: WallClock, timeout_s: float = 10) -> None:
        self._http = http
        self._wall = wall  # signatures are dated in real time, whatever the service clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: WallTime
    ) -> list[InboundMessage] | Reply:
        if request.method != "POST":
            raise BadRequest("the generic webhook takes POST only")
        verify(_keys(group).secret, request.headers, request.body, now)
        return [parse_body(group.id, request.body)]

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        k = _keys(group)
        payload: dict[str, Any] = {
            "group": group.id,
            "text": message.text,
            "mentions": list(message.mentions),
            "kind": message.kind,
        }
        if message.private_to:
            payload["private_to"] = list(message.private_to)
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = signed_headers(k.secret, body, self._wall.wall_now())
        if message.outbox_id is not None:
            headers["X-Carebot-Delivery"] = str(message.outbox_id)
        try:
            async with self._http.post(
                k.webhook_url, data=body, headers=headers, timeout=self._timeout
            ) as resp:
                await resp.read()
                raise_for_status("generic", resp.status, resp.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as e:
            raise Retry(f"generic webhook unreachable: {type(e).__name__}") from None


class GenericKeys(PlatformKeys):
    """A generic webhook group's keys."""

    platform: Literal["generic"] = "generic"
    webhook_url: str = ""  # where posts go
    secret: str = ""  # HMAC-SHA256 key of both directions

    def receiver_url(self) -> str:
        return self.webhook_url


def _keys(group: GroupConfig) -> GenericKeys:
    return keys_of(group, GenericKeys)


SPEC = PlatformSpec(
    name="generic",
    build=lambda d: GenericPlatform(d.http, d.wall, d.timeout_s),
    keys=GenericKeys,
    required_keys=("secret", "webhook_url"),
    secret_fields=("secret", "webhook_url"),
    rate_limit="when_set",  # our own protocol: the receiver says how fast it takes posts
)
