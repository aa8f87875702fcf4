"""DingTalk (钉钉): the outgoing robot posts messages here; the custom robot webhook posts out.

Both directions sign the same way: sign = base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" +
secret)), timestamp in milliseconds. Inbound carries them in the `timestamp` and `sign` headers
(refused when more than an hour from now); outbound adds them, URL-encoded, to the webhook's query.
The custom robot answers JSON: errcode 0 is success; 130101 ("send too fast, exceed 20 times per
minute") means the robot is throttled for ten minutes, so the post is retried after that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus

import aiohttp
from yarl import URL

from bot.config import GroupConfig
from bot.errors import BadRequest, PlatformError, Retry, SignatureError
from bot.platforms.base import (
    InboundMessage,
    OutboundMessage,
    RawRequest,
    Reply,
    load_json_object,
    raise_for_status,
)
from bot.protocols import Clock

SIGN_WINDOW_MS = 3_600_000  # DingTalk: the timestamp must be within one hour of now
THROTTLED = 130101  # "send too fast, exceed 20 times per minute": throttled for 10 minutes
THROTTLE_DELAY_S = 600.0
KINDS = {"picture": "image", "audio": "voice", "video": "video", "file": "file"}
_LEADING_MENTION = re.compile(r"^@\S+\s*")


def sign(secret: str, timestamp_ms: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" + secret)), not URL-encoded."""
    mac = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def timestamp_ms(now: datetime) -> str:
    return str(int(now.timestamp() * 1000))


def verify(secret: str, headers: Any, now: datetime) -> None:
    """Raise SignatureError unless the `timestamp` and `sign` headers are DingTalk's, recent."""
    ts = headers.get("timestamp")
    given = headers.get("sign")
    if not ts or not given:
        raise SignatureError("missing timestamp or sign header (the outgoing robot sends both)")
    if not ts.isascii() or not ts.isdigit() or len(ts) > 16:
        raise SignatureError("timestamp header must be unix milliseconds")
    if abs(now.timestamp() * 1000 - int(ts)) > SIGN_WINDOW_MS:
        raise SignatureError("timestamp header is more than one hour from now; check the clock")
    if not hmac.compare_digest(sign(secret, ts).encode(), given.encode("utf-8", "replace")):
        raise SignatureError("sign header does not match; check the group's secret")


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _strip_robot_mention(data: dict[str, Any], text: str) -> str:
    """The text without the @robot that addressed it, when DingTalk left it in."""
    text = text.strip()
    at_users = data.get("atUsers")
    mentioned = len(at_users) if isinstance(at_users, list) else 0
    # DingTalk usually removes the robot's own @name; strip it only if every @ is still there.
    if mentioned and len(re.findall(r"@\S+", text)) >= mentioned:
        text = _LEADING_MENTION.sub("", text, count=1)
    return text.strip()


def parse_body(group_id: str, body: bytes) -> InboundMessage:
    """The outgoing robot's JSON as an InboundMessage; BadRequest names the field at fault."""
    data = load_json_object(body)
    msg_id = _str(data, "msgId")
    if not msg_id or len(msg_id) > 128:
        raise BadRequest("msgId must be a non-empty string of at most 128 characters")
    sender_id = _str(data, "senderStaffId") or _str(data, "senderId")
    if not sender_id or len(sender_id) > 128:
        raise BadRequest("senderStaffId or senderId must be a non-empty string")
    name = _str(data, "senderNick")[:200]
    msg_type = _str(data, "msgtype") or "text"
    if msg_type == "text":
        content = data.get("text")
        text = content.get("content") if isinstance(content, dict) else None
        if not isinstance(text, str) or len(text) > 20_000:
            raise BadRequest("text.content must be a string of at most 20000 characters")
        text = _strip_robot_mention(data, text)
    else:
        # Stored with our own name of its kind and no text; the handler answers it politely.
        text, msg_type = "", KINDS.get(msg_type, "other")
    sent_at = None
    created = data.get("createAt")
    if isinstance(created, int) and created > 0:
        sent_at = datetime.fromtimestamp(created / 1000, UTC)
    return InboundMessage("dingtalk", group_id, msg_id, sender_id, name, text, sent_at,
                          msg_type[:16])  # fmt: skip


def signed_url(webhook_url: str, secret: str, now: datetime) -> URL:
    """The custom robot's webhook with `timestamp` and URL-encoded `sign` added to its query."""
    ts = timestamp_ms(now)
    joiner = "&" if "?" in webhook_url else "?"
    return URL(f"{webhook_url}{joiner}timestamp={ts}&sign={quote_plus(sign(secret, ts))}",
               encoded=True)  # fmt: skip


def content_with_mentions(text: str, mentions: tuple[str, ...]) -> str:
    """DingTalk shows an @ only for user ids written in the content too, so add the missing."""
    missing = [m for m in mentions if f"@{m}" not in text]
    return text + "".join(f" @{m}" for m in missing) if missing else text


def check_answer(status: int, body: bytes, retry_after: str | None = None) -> None:
    """Map the robot's answer to nothing (errcode 0), Retry, or PlatformError."""
    raise_for_status("dingtalk", status, retry_after)
    try:
        answer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Retry("dingtalk answered HTTP 200 without JSON") from None
    code = answer.get("errcode") if isinstance(answer, dict) else None
    if code == 0:
        return
    message = str(answer.get("errmsg", ""))[:120] if isinstance(answer, dict) else ""
    if code == THROTTLED:
        raise Retry(f"dingtalk throttled the robot (errcode {code}: {message})", THROTTLE_DELAY_S)
    raise PlatformError(f"dingtalk refused the post (errcode {code}: {message})")


class DingTalkPlatform:
    """Outgoing robot in, custom robot webhook out."""

    name = "dingtalk"

    def __init__(
        self,
        http: aiohttp.ClientSession,
        clock: Clock,
        timeout_s: float = 10,
    ) -> None:
        self._http = http
        self._clock = clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: datetime
    ) -> list[InboundMessage] | Reply:
        if request.method != "POST":
            raise BadRequest("the DingTalk outgoing robot posts; GET is not used")
        verify(group.inbound_secret or group.secret, request.headers, now)
        return [parse_body(group.id, request.body)]

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        if message.private_to:
            raise PlatformError("a dingtalk custom robot posts only in the group, not privately")
        payload = {
            "msgtype": "text",
            "text": {"content": content_with_mentions(message.text, message.mentions)},
            "at": {"atUserIds": list(message.mentions), "isAtAll": False},
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        url = signed_url(group.webhook_url, group.secret, self._clock.now())
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._http.post(
                url, data=body, headers=headers, timeout=self._timeout
            ) as resp:
                answer = await resp.read()
                check_answer(resp.status, answer, resp.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as e:
            raise Retry(f"dingtalk webhook unreachable: {type(e).__name__}") from None
