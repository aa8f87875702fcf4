"""Feishu / Lark (飞书): event subscription in, the group's custom bot webhook out.

Inbound (schema 2.0 events): the `url_verification` handshake is answered with its challenge; an
`im.message.receive_v1` event becomes an InboundMessage. With an Encrypt Key the body is
{"encrypt": base64(iv + AES-256-CBC(key=SHA256(encrypt_key), PKCS#7))} and the request is signed:
X-Lark-Signature = hex(SHA256(timestamp + nonce + encrypt_key + raw body)) with the
X-Lark-Request-Timestamp and X-Lark-Request-Nonce headers. Without one, the body's token must equal
the Verification Token. A replayed event is harmless: its message id is stored once.

Outbound: POST webhook_url {"msg_type": "text", "content": {"text": ...}}, signed when the bot has a
secret: "timestamp" (seconds) and "sign" = base64(HMAC-SHA256(key=timestamp + "\\n" + secret,
msg=b"")). The answer's code 0 is success; 11232 (frequency limit) and 9499 (which Feishu also
returns when over the limit) are retried after a minute.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any

import aiohttp

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

TS_HEADER = "X-Lark-Request-Timestamp"
NONCE_HEADER = "X-Lark-Request-Nonce"
SIG_HEADER = "X-Lark-Signature"
MESSAGE_EVENT = "im.message.receive_v1"
RATE_LIMITED = (11232, 9499)
RATE_LIMIT_DELAY_S = 60.0
MAX_BODY_BYTES = 20 * 1024  # Feishu: "the request body may not exceed 20 KB"
KINDS = {"image": "image", "audio": "voice", "media": "video", "file": "file"}
_MENTION_KEY = re.compile(r"@_user_\d+\s?")


def bot_sign(secret: str, timestamp_s: str) -> str:
    """base64(HMAC-SHA256(key=timestamp + "\\n" + secret, msg=b"")): Feishu's custom bot sign."""
    mac = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


def event_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """hex(SHA256(timestamp + nonce + encrypt_key + raw body)): X-Lark-Signature."""
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()


def decrypt(encrypt_key: str, encrypted: str) -> bytes:
    """The plaintext of an {"encrypt": ...} body; SignatureError if it does not decrypt."""
    try:
        raw = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("encrypt is not base64") from None
    if len(raw) < 32 or len(raw) % 16:
        raise SignatureError("encrypt is not an AES-CBC ciphertext (IV plus whole blocks)")
    # Imported here: a bot without an encrypted platform need not carry it (about 7 MiB).
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = hashlib.sha256(encrypt_key.encode()).digest()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
    padded = decryptor.update(raw[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise SignatureError("encrypt does not decrypt with encrypt_key (bad padding)") from None


def _verify_signature(encrypt_key: str, headers: Any, body: bytes) -> None:
    ts, nonce, given = headers.get(TS_HEADER), headers.get(NONCE_HEADER), headers.get(SIG_HEADER)
    if not ts or not nonce or not given:
        raise SignatureError(f"missing {TS_HEADER}, {NONCE_HEADER} or {SIG_HEADER} header")
    expected = event_signature(ts, nonce, encrypt_key, body)
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise SignatureError(f"{SIG_HEADER} does not match; check the group's encrypt_key")


def _verify_token(group: GroupConfig, token: Any) -> None:
    if group.verification_token and not (
        isinstance(token, str) and hmac.compare_digest(token, group.verification_token)
    ):
        raise SignatureError("token does not match the group's verification_token")


def _post_text(content: dict[str, Any]) -> str:
    """The words of a rich-text (post) message, paragraphs on their own lines."""
    body = content.get("content")
    if not isinstance(body, list):  # a localised post: {"zh_cn": {"title", "content"}}
        body = next((v.get("content") for v in content.values() if isinstance(v, dict)), [])
    lines = []
    for para in body if isinstance(body, list) else []:
        words = [e.get("text", "") for e in para if isinstance(e, dict) and e.get("tag") == "text"]
        lines.append("".join(w for w in words if isinstance(w, str)))
    return "\n".join(line for line in lines if line)


def parse_message_event(group_id: str, event: Any, fallback_id: str) -> InboundMessage:
    """An im.message.receive_v1 event as an InboundMessage; BadRequest names the field at fault."""
    if not isinstance(event, dict):
        raise BadRequest("event must be an object")
    message, sender = event.get("message"), event.get("sender")
    if not isinstance(message, dict) or not isinstance(sender, dict):
        raise BadRequest("event.message and event.sender must be objects")
    ids = sender.get("sender_id")
    ids = ids if isinstance(ids, dict) else {}
    sender_id = next((ids[k] for k in ("user_id", "open_id", "union_id")
                      if isinstance(ids.get(k), str) and ids[k]), "")  # fmt: skip
    if not sender_id or len(sender_id) > 128:
        raise BadRequest("event.sender.sender_id needs a user_id or open_id")
    msg_id = message.get("message_id") or fallback_id
    if not isinstance(msg_id, str) or not msg_id or len(msg_id) > 128:
        raise BadRequest("event.message.message_id must be a non-empty string")
    msg_type = message.get("message_type")
    msg_type = msg_type if isinstance(msg_type, str) and msg_type else "text"
    raw_content = message.get("content", "{}")
    if not isinstance(raw_content, str):
        raise BadRequest("event.message.content must be a JSON object in a string")
    content = load_json_object(raw_content, "event.message.content")
    if msg_type in ("text", "post"):
        text = content.get("text", "") if msg_type == "text" else _post_text(content)
        if not isinstance(text, str) or len(text) > 20_000:
            raise BadRequest("event.message.content text must be at most 20000 characters")
        text = _MENTION_KEY.sub("", text).strip()
    else:
        # Stored with our own name of its kind and no text; the handler answers it politely.
        text, msg_type = "", KINDS.get(msg_type, "other")
    sent_at = None
    created = message.get("create_time")
    if isinstance(created, str) and created.isdigit():
        sent_at = datetime.fromtimestamp(int(created) / 1000, UTC)
    return InboundMessage("feishu", group_id, msg_id, sender_id, "", text, sent_at, msg_type[:16])


def parse_event(group: GroupConfig, request: RawRequest) -> InboundMessage | Reply:
    """Verify and parse one event request: a challenge Reply, a message, or an ignored event."""
    outer = load_json_object(request.body, "body")
    encrypted = "encrypt" in outer
    if encrypted:
        if not group.encrypt_key:
            raise SignatureError(
                f"an encrypted event arrived but group {group.id!r} has no encrypt_key; copy it "
                "from the app's Events and Callbacks page"
            )
        if not isinstance(outer["encrypt"], str):
            raise BadRequest("encrypt must be a string")
        data = load_json_object(decrypt(group.encrypt_key, outer["encrypt"]), "the decrypted event")
    else:
        data = outer
    if data.get("type") == "url_verification":
        # Feishu does not sign the handshake: the token (or the decryption itself) vouches for it.
        if not group.verification_token and not encrypted:
            raise SignatureError("a plain url_verification needs the group's verification_token")
        _verify_token(group, data.get("token"))
        challenge = data.get("challenge")
        if not isinstance(challenge, str) or len(challenge) > 512:
            raise BadRequest("challenge must be a string")
        return Reply(json.dumps({"challenge": challenge}), content_type="application/json")
    if group.encrypt_key:
        _verify_signature(group.encrypt_key, request.headers, request.body)
    header = data.get("header")
    if data.get("schema") != "2.0" or not isinstance(header, dict):
        raise BadRequest("only schema 2.0 events are understood; set the app to the 2.0 schema")
    _verify_token(group, header.get("token"))
    event_type = header.get("event_type")
    if event_type != MESSAGE_EVENT:
        # Answered 200 so Feishu does not retry it; nothing to store.
        return Reply(json.dumps({"ok": True, "ignored": str(event_type)[:64]}),
                     content_type="application/json")  # fmt: skip
    event_id = header.get("event_id")
    return parse_message_event(
        group.id, data.get("event"), event_id if isinstance(event_id, str) else ""
    )


def text_with_mentions(text: str, mentions: tuple[str, ...]) -> str:
    """The text with an <at> tag for each mentioned user id (open_id or user_id)."""
    tags = "".join(f' <at user_id="{m}"></at>' for m in mentions if f'user_id="{m}"' not in text)
    return text + tags


def check_answer(status: int, body: bytes, retry_after: str | None = None) -> None:
    """Map the custom bot's answer to nothing (code 0), Retry, or PlatformError."""
    raise_for_status("feishu", status, retry_after)
    try:
        answer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Retry("feishu answered HTTP 200 without JSON") from None
    if not isinstance(answer, dict):
        raise Retry("feishu answered HTTP 200 with something other than a JSON object")
    code = answer.get("code", answer.get("StatusCode"))
    if code == 0:
        return
    message = str(answer.get("msg", answer.get("StatusMessage", "")))[:120]
    if code in RATE_LIMITED:
        raise Retry(f"feishu rate-limited the bot (code {code}: {message})", RATE_LIMIT_DELAY_S)
    raise PlatformError(f"feishu refused the post (code {code}: {message})")


class FeishuPlatform:
    """Event subscription in, custom bot webhook out."""

    name = "feishu"

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
            raise BadRequest("Feishu posts events (the url_verification challenge too); not GET")
        parsed = parse_event(group, request)
        return parsed if isinstance(parsed, Reply) else [parsed]

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        if message.private_to:
            raise PlatformError("a feishu custom bot posts only in the group, not privately")
        payload: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": text_with_mentions(message.text, message.mentions)},
        }
        if group.secret:
            ts = str(int(self._clock.now().timestamp()))
            payload = {"timestamp": ts, "sign": bot_sign(group.secret, ts), **payload}
        body = json.dumps(payload, ensure_ascii=False).encode()
        if len(body) > MAX_BODY_BYTES:
            raise PlatformError(f"feishu post of {len(body)} bytes is over its 20 KB limit")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._http.post(
                group.webhook_url, data=body, headers=headers, timeout=self._timeout
            ) as resp:
                answer = await resp.read()
                check_answer(resp.status, answer, resp.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as e:
            raise Retry(f"feishu webhook unreachable: {type(e).__name__}") from None
