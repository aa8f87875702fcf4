"""Feishu / Lark (飞书): event subscription in, the group's custom bot webhook out.

Inbound (schema 2.0 events): the `url_verification` handshake is answered with its challenge; an
`im.message.receive_v1` event becomes an InboundMessage. With an Encrypt Key the body is
{"encrypt": base64(iv + AES-256-CBC(key=SHA256(encrypt_key), PKCS#7))} and the request is signed:
X-Lark-Signature = hex(SHA256(timestamp + nonce + encrypt_key + raw body)) with the
X-Lark-Request-Timestamp and X-Lark-Request-Nonce headers. Without one, the body's token must equal
the Verification Token. A replayed event is harmless: its message id is stored once. An event
whose header.create_time (unix ms) is older than Feishu's retry schedule (15 s, 5 min, 1 h and
6 h after a failed push, about 7.1 h in all) or ahead of the real time is refused, and so is a
message from a one-to-one chat (chat_type "p2p") or, with the group's `chat_id` set, from any
other chat.

Outbound: POST webhook_url {"msg_type": "text", "content": {"text": ...}}, signed when the bot has a
secret: "timestamp" (seconds) and "sign" = base64(HMAC-SHA256(key=timestamp + "\\n" + secret,
msg=b"")). The answer's code 0 is success; 11232 (frequency limit) and 9499 (which Feishu also
returns when over the limit) are retried after a minute; any other code is a refusal, final.

Private posts (`private_to`, open_ids) go through the app's message API when the group has the
app's `app_id` and `app_secret`: POST {api_base}/open-apis/im/v1/messages?receive_id_type=open_id
(user_id for a member id that is not an open_id, "ou_...") with "Authorization: Bearer
<tenant_access_token>" and {"receive_id", "msg_type": "text", "content": "{\"text\": ...}"},
one call per recipient. The token comes from POST
{api_base}/open-apis/auth/v3/tenant_access_token/internal {"app_id", "app_secret"} -> {"code": 0,
"tenant_access_token", "expire"} and is cached until shortly before it expires; a token Feishu
calls invalid is fetched again once. Frequency limits are retried, for the recipients not yet
reached only. Without the app, private posts become a mention in the group without the text
(bot/platforms/private.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import aiohttp

from bot.errors import BadRequest, PlatformError, Retry, SignatureError
from bot.platforms import private
from bot.platforms.base import (
    InboundMessage,
    OutboundMessage,
    RawRequest,
    Reply,
    load_json_object,
    raise_for_status,
)
from bot.platforms.spec import PlatformSpec, keys_of
from bot.protocols import WallClock, WallTime

if TYPE_CHECKING:
    from bot.config import GroupConfig

log = logging.getLogger(__name__)
TS_HEADER = "X-Lark-Request-Timestamp"
NONCE_HEADER = "X-Lark-Request-Nonce"
SIG_HEADER = "X-Lark-Signature"
MESSAGE_EVENT = "im.message.receive_v1"
RATE_LIMITED = (11232, 9499)
RATE_LIMIT_DELAY_S = 60.0
# The app API's codes: 99991400 (request frequency limit), 230020 (too many messages to one user
# or chat); 99991661 (no access token), 99991663 and 99991668 (token invalid or expired).
API_RATE_LIMITED = (99991400, 230020)
API_RATE_LIMIT_DELAY_S = 2.0
TOKEN_INVALID = (99991661, 99991663, 99991668)
MAX_BODY_BYTES = 20 * 1024  # Feishu: "the request body may not exceed 20 KB"
KINDS = {"image": "image", "audio": "voice", "media": "video", "file": "file"}
# Feishu pushes an event again 15 s, 5 min, 1 h and 6 h after a failed try (about 7.1 h), with
# the create_time of the event: a genuine retry is at most that old. Ahead: clock skew only.
EVENT_MAX_AGE_MS = 8 * 3_600_000
EVENT_MAX_AHEAD_MS = 300_000
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
    k = _keys(group)
    if k.verification_token and not (
        isinstance(token, str) and hmac.compare_digest(token, k.verification_token)
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


def check_create_time(header: dict[str, Any], now: datetime) -> None:
    """SignatureError unless header.create_time (unix ms, a string) is within Feishu's retry
    schedule of the real time `now`: a signed event from long ago is not news."""
    created = header.get("create_time")
    if not isinstance(created, str) or not created.isascii() or not created.isdigit():
        raise SignatureError("header.create_time must be unix milliseconds")
    if len(created) > 16:
        raise SignatureError("header.create_time is not within 8 hours of now; not stored")
    age_ms = now.timestamp() * 1000 - int(created)
    if age_ms > EVENT_MAX_AGE_MS or age_ms < -EVENT_MAX_AHEAD_MS:
        raise SignatureError("header.create_time is not within 8 hours of now; not stored")


def check_chat(group: GroupConfig, message: dict[str, Any]) -> None:
    """SignatureError unless the message was posted in the group's own chat: a one-to-one chat
    with the bot, or (with `chat_id` set) another chat the app is in, is not this group."""
    k = _keys(group)
    if message.get("chat_type") == "p2p":
        raise SignatureError("a one-to-one chat with the bot is not the group; not stored")
    chat_id = message.get("chat_id")
    if not k.chat_id:
        if isinstance(chat_id, str):
            log.info("feishu group %s: a message from chat_id %r; set the group's chat_id to it "
                     "to refuse every other chat", group.id, chat_id[:128])  # fmt: skip
        return
    if not (isinstance(chat_id, str) and hmac.compare_digest(chat_id, k.chat_id)):
        raise SignatureError(
            "event.message.chat_id is not this group's chat_id; the app is in another chat "
            "too, or chat_id is wrong (carebot logs the one it receives)"
        )


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


def parse_event(group: GroupConfig, request: RawRequest, now: datetime) -> InboundMessage | Reply:
    """Verify and parse one event request: a challenge Reply, a message, or an ignored event.
    `now` is the real time, against which the event's create_time is checked."""
    k = _keys(group)
    outer = load_json_object(request.body, "body")
    encrypted = "encrypt" in outer
    if encrypted:
        if not k.encrypt_key:
            raise SignatureError(
                f"an encrypted event arrived but group {group.id!r} has no encrypt_key; copy it "
                "from the app's Events and Callbacks page"
            )
        if not isinstance(outer["encrypt"], str):
            raise BadRequest("encrypt must be a string")
        data = load_json_object(decrypt(k.encrypt_key, outer["encrypt"]), "the decrypted event")
    else:
        data = outer
    if data.get("type") == "url_verification":
        # Feishu does not sign the handshake: the token (or the decryption itself) vouches for it.
        if not k.verification_token and not encrypted:
            raise SignatureError("a plain url_verification needs the group's verification_token")
        _verify_token(group, data.get("token"))
        challenge = data.get("challenge")
        if not isinstance(challenge, str) or len(challenge) > 512:
            raise BadRequest("challenge must be a string")
        return Reply(json.dumps({"challenge": challenge}), content_type="application/json")
    if k.encrypt_key:
        _verify_signature(k.encrypt_key, request.headers, request.body)
    header = data.get("header")
    if data.get("schema") != "2.0" or not isinstance(header, dict):
        raise BadRequest("only schema 2.0 events are understood; set the app to the 2.0 schema")
    _verify_token(group, header.get("token"))
    check_create_time(header, now)
    event_type = header.get("event_type")
    if event_type != MESSAGE_EVENT:
        # Answered 200 so Feishu does not retry it; nothing to store.
        return Reply(json.dumps({"ok": True, "ignored": str(event_type)[:64]}),
                     content_type="application/json")  # fmt: skip
    event_id = header.get("event_id")
    event = data.get("event")
    message = event.get("message") if isinstance(event, dict) else None
    if isinstance(message, dict):
        check_chat(group, message)
    return parse_message_event(group.id, event, event_id if isinstance(event_id, str) else "")


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


def receive_id_type(member_id: str) -> str:
    """open_id for an open_id (they start with "ou_"), else user_id: inbound events name the
    sender by user_id when the app may read it, so members may be listed by either."""
    return "open_id" if member_id.startswith("ou_") else "user_id"


def check_api_answer(
    what: str, status: int, body: bytes, retry_after: str | None = None
) -> dict[str, Any]:
    """The JSON object of a successful app API answer (code 0), else Retry, TokenRejected or
    PlatformError. Feishu answers errors with HTTP 4xx and the code in the body."""
    try:
        answer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = None
    if not isinstance(answer, dict):
        raise_for_status(f"feishu {what}", status, retry_after)
        raise Retry(f"feishu {what} answered HTTP {status} without a JSON object")
    code = answer.get("code")
    if code == 0 and 200 <= status < 300:
        return answer
    message = str(answer.get("msg", ""))[:120]
    if code in API_RATE_LIMITED:
        raise Retry(f"feishu {what}: frequency limit (code {code})", API_RATE_LIMIT_DELAY_S)
    if code in TOKEN_INVALID:
        raise private.TokenRejected(f"feishu {what}: access token refused (code {code})")
    raise_for_status(f"feishu {what}", status, retry_after)
    raise PlatformError(f"feishu {what} refused the request (code {code}: {message})")


class FeishuPlatform:
    """Event subscription in, custom bot webhook out; private posts through the app."""

    name = "feishu"

    def __init__(
        self,
        http: aiohttp.ClientSession,
        wall: WallClock,
        timeout_s: float = 10,
        language: str = "zh",
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._wall = wall  # signatures are dated in real time, whatever the service clock
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._language = language
        self.tokens = private.TokenCache(monotonic)
        self._recipients = private.Recipients()

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: WallTime
    ) -> list[InboundMessage] | Reply:
        if request.method != "POST":
            raise BadRequest("Feishu posts events (the url_verification challenge too); not GET")
        parsed = parse_event(group, request, now)
        return parsed if isinstance(parsed, Reply) else [parsed]

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        if not message.private_to:
            await self._bot_post(group, message)
        elif group.has_private_app:
            await self._to_open_ids(group, message)
        else:
            await self._bot_post(group, private.fallback(group, message, self._language))

    async def _bot_post(self, group: GroupConfig, message: OutboundMessage) -> None:
        k = _keys(group)
        payload: dict[str, Any] = {
            "msg_type": "text",
            "content": {"text": text_with_mentions(message.text, message.mentions)},
        }
        if k.secret:
            ts = str(int(self._wall.wall_now().timestamp()))
            payload = {"timestamp": ts, "sign": bot_sign(k.secret, ts), **payload}
        body = json.dumps(payload, ensure_ascii=False).encode()
        if len(body) > MAX_BODY_BYTES:
            raise PlatformError(f"feishu post of {len(body)} bytes is over its 20 KB limit")
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._http.post(
                k.webhook_url, data=body, headers=headers, timeout=self._timeout
            ) as resp:
                answer = await resp.read()
                check_answer(resp.status, answer, resp.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as e:
            raise Retry(f"feishu webhook unreachable: {type(e).__name__}") from None

    # ---- private posts: the app's messages to open_ids ----------------------------------------

    async def _to_open_ids(self, group: GroupConfig, message: OutboundMessage) -> None:
        """One message per recipient still waiting; after a failure only the rest are retried."""
        waiting = list(self._recipients.waiting(message))
        content = json.dumps({"text": message.text}, ensure_ascii=False)
        base = _keys(group).api_base.rstrip("/") + "/open-apis/im/v1/messages?receive_id_type="
        for i, member_id in enumerate(waiting):
            url = base + receive_id_type(member_id)
            payload = {"receive_id": member_id, "msg_type": "text", "content": content}
            try:
                send = partial(self._api, group, url, "im/v1/messages", payload, token=True)
                await self.tokens.retrying(self._token_key(group), send)
            except PlatformError:
                self._recipients.still_waiting(message, waiting[i:])
                raise
        self._recipients.done(message)

    def _token_key(self, group: GroupConfig) -> tuple[str, str, str]:
        k = _keys(group)
        return private.app_key(k.api_base, k.app_id, k.app_secret)

    async def access_token(self, group: GroupConfig) -> str:
        """The app's tenant_access_token, fetched only when missing or about to expire."""
        k = _keys(group)

        async def fetch() -> tuple[str, float]:
            url = k.api_base.rstrip("/") + "/open-apis/auth/v3/tenant_access_token/internal"
            body = {"app_id": k.app_id, "app_secret": k.app_secret}
            answer = await self._api(group, url, "tenant_access_token", body, token=False)
            return private.token_lifetime(
                answer.get("tenant_access_token"),
                answer.get("expire"),
                "feishu tenant_access_token",
            )

        return await self.tokens.get(self._token_key(group), fetch)

    async def _api(
        self, group: GroupConfig, url: str, what: str, payload: dict[str, Any], *, token: bool
    ) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token:
            headers["Authorization"] = "Bearer " + await self.access_token(group)
        check = partial(check_api_answer, what)
        return await private.post_json(
            self._http, url, payload, headers, self._timeout, f"feishu {what}", check
        )


class FeishuKeys(private.AppKeys):
    """A Feishu group's keys."""

    API_BASE: ClassVar[str] = "https://open.feishu.cn"
    platform: Literal["feishu"] = "feishu"
    webhook_url: str = ""  # the custom bot's webhook
    secret: str = ""  # the custom bot's signing secret, if it has one
    encrypt_key: str = ""  # the app's Encrypt Key: events arrive encrypted and signed
    verification_token: str = ""  # the app's Verification Token
    chat_id: str = ""  # the group chat's chat_id (oc_...): events from other chats are refused
    app_id: str = ""  # private messages through the app: app_id + app_secret
    app_secret: str = ""

    def receiver_url(self) -> str:
        return self.webhook_url


def _keys(group: GroupConfig) -> FeishuKeys:
    return keys_of(group, FeishuKeys)


PRIVATE_KEYS = ("app_id", "app_secret")  # the app that sends 1:1 messages


def check_config(g: GroupConfig, missing: list[str]) -> list[str]:
    """The checks of a group whose required keys are all set (else those are reported first)."""
    k = _keys(g)
    if missing:
        return missing
    if not (k.encrypt_key or k.verification_token):
        raise ValueError(
            f"group {g.id!r} on platform 'feishu' needs encrypt_key or verification_token "
            "(from the app's Events and Callbacks page) so inbound events can be verified"
        )
    private.check_app(g, PRIVATE_KEYS)
    return missing


def config_warnings(g: GroupConfig) -> list[str]:
    """What check-config warns about a Feishu group."""
    if _keys(g).chat_id:
        return []
    return [
        f"group {g.id!r}: chat_id is not set, so an event from any chat the app is in "
        "is taken as this group's; set it to the group's chat_id (oc_..., logged with "
        "the first message carebot receives)"
    ]


SPEC = PlatformSpec(
    name="feishu",
    build=lambda d: FeishuPlatform(d.http, d.wall, d.timeout_s, d.language),
    keys=FeishuKeys,
    required_keys=("webhook_url",),
    private_keys=PRIVATE_KEYS,
    check=check_config,
    warnings=config_warnings,
    secret_fields=("encrypt_key", "verification_token", "app_secret", "secret", "webhook_url"),
    # the whole request body may not exceed 20 KB (room for <at> tags, JSON and signature)
    text_limit_bytes=15_000,
    private_text_limit_bytes=15_000,
    extra_windows=((1.0, 5),),  # the custom bot allows 100 a minute and 5 a second
)
