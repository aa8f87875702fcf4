"""DingTalk (钉钉): the outgoing robot posts messages here; the custom robot webhook posts out.

Both directions sign the same way: sign = base64(HMAC-SHA256(key=secret, msg=timestamp + "\\n" +
secret)), timestamp in milliseconds. Inbound carries them in the `timestamp` and `sign` headers;
outbound adds them, URL-encoded, to the webhook's query. DingTalk's own rule refuses a timestamp an
hour from now, but the sign covers no body: carebot allows five minutes, lets each pair carry one
message (bot/replay.py), and, with `conversation_id` set, takes only that conversation's messages.
The custom robot answers JSON: errcode 0 is success; 130101 ("send too fast, exceed 20 times per
minute") means the robot is throttled for ten minutes, so the post is retried after that; -1
(system busy) is retried; any other errcode is a refusal, final.

Private posts (`private_to`) go through the app robot's 1:1 message API when the group has the
app's `app_key` and `app_secret`: POST {api_base}/v1.0/robot/oToMessages/batchSend with the header
x-acs-dingtalk-access-token and {"robotCode", "userIds" (at most 20), "msgKey": "sampleText",
"msgParam": "{\"content\": ...}"}. The token comes from POST {api_base}/v1.0/oauth2/accessToken
{"appKey", "appSecret"} -> {"accessToken", "expireIn"} and is cached until shortly before it
expires. The answer names the users it could not reach: invalidStaffIdList (not in the
organisation: logged) and flowControlledStaffIdList (throttled: retried for them alone). A 4xx
answer carries {"code", "message"}: a QpsLimit code is retried, a token DingTalk calls invalid is
fetched again once, anything else is a refusal. Without the app, private posts become a mention
in the group without the text (bot/platforms/private.py).
"""

from __future__ import annotations

import base64
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
from urllib.parse import quote_plus

import aiohttp
from yarl import URL

from bot.errors import BadRequest, PlatformError, Retry, SignatureError
from bot.platforms import private
from bot.platforms.base import (
    InboundMessage,
    OutboundMessage,
    RawRequest,
    Reply,
    SignedOnce,
    load_json_object,
    raise_for_status,
)
from bot.platforms.spec import PlatformSpec, keys_of
from bot.protocols import WallClock, WallTime

if TYPE_CHECKING:
    from bot.config import GroupConfig

# DingTalk refuses a timestamp more than an hour from now; the timestamp is when it sent the
# request, so five minutes is ample for clock skew and narrows what a captured pair can do.
SIGN_WINDOW_MS = 300_000
GROUP_CHAT = "2"  # conversationType: "1" a one-to-one chat with the robot, "2" a group chat
log = logging.getLogger(__name__)
THROTTLED = 130101  # "send too fast, exceed 20 times per minute": throttled for 10 minutes
THROTTLE_DELAY_S = 600.0
BUSY = -1
BUSY_DELAY_S = 5.0
BATCH_USERS = 20  # batchSend takes at most 20 userIds a call
FLOW_CONTROLLED_DELAY_S = 60.0
QPS_LIMIT_DELAY_S = 2.0  # "the QPS limit lasts one second: wait a second and go on"
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
        raise SignatureError("timestamp header is more than 5 minutes from now; check the clock")
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


def check_conversation(data: dict[str, Any], conversation_id: str) -> None:
    """SignatureError unless the message was posted in the group's own conversation: a one-to-one
    chat with the robot, or (with `conversation_id` set) another group, is not this group."""
    if data.get("conversationType") not in (None, GROUP_CHAT):
        raise SignatureError("a one-to-one chat with the robot is not the group; not stored")
    given = data.get("conversationId")
    if conversation_id and not (
        isinstance(given, str) and hmac.compare_digest(given, conversation_id)
    ):
        raise SignatureError(
            "conversationId is not this group's conversation_id; the robot is in another "
            "conversation too, or conversation_id is wrong (carebot logs the one it receives)"
        )


def parse_body(group_id: str, body: bytes, conversation_id: str = "") -> InboundMessage:
    """The outgoing robot's JSON as an InboundMessage; BadRequest names the field at fault."""
    data = load_json_object(body)
    check_conversation(data, conversation_id)
    if not conversation_id and isinstance(data.get("conversationId"), str):
        log.info("dingtalk group %s: a message from conversationId %r; set the group's "
                 "conversation_id to it to refuse every other conversation",
                 group_id, data["conversationId"][:128])  # fmt: skip
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
    if code == BUSY:
        raise Retry(f"dingtalk is busy (errcode {code}: {message})", BUSY_DELAY_S)
    raise PlatformError(f"dingtalk refused the post (errcode {code}: {message})")


def check_api_answer(
    what: str, status: int, body: bytes, retry_after: str | None = None
) -> dict[str, Any]:
    """The JSON object of a 2xx answer of the new API; else Retry, TokenRejected, PlatformError."""
    try:
        answer = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        answer = None
    if 200 <= status < 300:
        if not isinstance(answer, dict):
            raise Retry(f"dingtalk {what} answered HTTP {status} without a JSON object")
        return answer
    code = str(answer.get("code", "")) if isinstance(answer, dict) else ""
    message = str(answer.get("message", ""))[:120] if isinstance(answer, dict) else ""
    if "QpsLimit" in code:
        raise Retry(f"dingtalk {what}: QPS limit ({code})", QPS_LIMIT_DELAY_S)
    if status == 401 or code in ("InvalidAuthentication", "Unauthorized"):
        raise private.TokenRejected(
            f"dingtalk {what}: access token refused (HTTP {status}, {code})"
        )
    raise_for_status(f"dingtalk {what}", status, retry_after)
    raise PlatformError(f"dingtalk {what} refused the request (HTTP {status}, {code}: {message})")


class DingTalkPlatform:
    """Outgoing robot in, custom robot webhook out; private posts through the app's robot."""

    name = "dingtalk"

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
        k = _keys(group)
        if request.method != "POST":
            raise BadRequest("the DingTalk outgoing robot posts; GET is not used")
        verify(k.inbound_secret or k.secret, request.headers, now)
        return [parse_body(group.id, request.body, k.conversation_id)]

    def signed_once(self, request: RawRequest) -> SignedOnce:
        """The header pair parse_inbound verified: it may carry this one message only."""
        ts = int(request.headers["timestamp"])
        expires_at = datetime.fromtimestamp((ts + SIGN_WINDOW_MS) / 1000, UTC)
        return SignedOnce(ts, request.headers["sign"], expires_at)

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        if not message.private_to:
            await self._robot_post(group, message)
        elif group.has_private_app:
            await self._one_to_one(group, message)
        else:
            await self._robot_post(group, private.fallback(group, message, self._language))

    async def _robot_post(self, group: GroupConfig, message: OutboundMessage) -> None:
        k = _keys(group)
        payload = {
            "msgtype": "text",
            "text": {"content": content_with_mentions(message.text, message.mentions)},
            "at": {"atUserIds": list(message.mentions), "isAtAll": False},
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        url = signed_url(k.webhook_url, k.secret, self._wall.wall_now())
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            async with self._http.post(
                url, data=body, headers=headers, timeout=self._timeout
            ) as resp:
                answer = await resp.read()
                check_answer(resp.status, answer, resp.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as e:
            raise Retry(f"dingtalk webhook unreachable: {type(e).__name__}") from None

    # ---- private posts: the app robot's 1:1 messages -----------------------------------------

    async def _one_to_one(self, group: GroupConfig, message: OutboundMessage) -> None:
        """Send to every recipient still waiting; a Retry leaves only the throttled ones."""
        waiting = list(self._recipients.waiting(message))
        throttled: list[str] = []
        for i in range(0, len(waiting), BATCH_USERS):
            batch = waiting[i : i + BATCH_USERS]
            try:
                throttled += await self._batch_send(group, message.text, batch)
            except PlatformError:
                self._recipients.still_waiting(message, throttled + waiting[i:])
                raise
        if throttled:
            self._recipients.still_waiting(message, throttled)
            raise Retry(f"dingtalk throttled 1:1 messages to {len(throttled)} of the recipients",
                        FLOW_CONTROLLED_DELAY_S)  # fmt: skip
        self._recipients.done(message)

    async def _batch_send(self, group: GroupConfig, text: str, users: list[str]) -> list[str]:
        """One batchSend call; returns the users DingTalk throttled (to be tried again)."""
        k = _keys(group)
        payload = {
            "robotCode": k.robot_code or k.app_key,
            "userIds": users,
            "msgKey": "sampleText",
            "msgParam": json.dumps({"content": text}, ensure_ascii=False),
        }
        url = k.api_base.rstrip("/") + "/v1.0/robot/oToMessages/batchSend"
        send = partial(self._api, group, url, "batchSend", payload, token=True)
        answer = await self.tokens.retrying(self._token_key(group), send)
        invalid = _ids(answer.get("invalidStaffIdList"))
        if invalid:
            log.warning("group %s: DingTalk knows no user %s; a private message did not reach "
                        "them (check the member ids)", group.id, ",".join(invalid))  # fmt: skip
            if set(invalid) >= set(users):
                raise PlatformError("dingtalk batchSend: none of the recipients is a user of "
                                    "the app's organisation")  # fmt: skip
        return [u for u in _ids(answer.get("flowControlledStaffIdList")) if u in users]

    def _token_key(self, group: GroupConfig) -> tuple[str, str, str]:
        k = _keys(group)
        return private.app_key(k.api_base, k.app_key, k.app_secret)

    async def access_token(self, group: GroupConfig) -> str:
        """The app's access token, fetched only when missing or about to expire."""
        k = _keys(group)

        async def fetch() -> tuple[str, float]:
            url = k.api_base.rstrip("/") + "/v1.0/oauth2/accessToken"
            body = {"appKey": k.app_key, "appSecret": k.app_secret}
            answer = await self._api(group, url, "accessToken", body, token=False)
            return private.token_lifetime(
                answer.get("accessToken"), answer.get("expireIn"), "dingtalk accessToken"
            )

        return await self.tokens.get(self._token_key(group), fetch)

    async def _api(
        self, group: GroupConfig, url: str, what: str, payload: dict[str, Any], *, token: bool
    ) -> dict[str, Any]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["x-acs-dingtalk-access-token"] = await self.access_token(group)
        check = partial(check_api_answer, what)
        return await private.post_json(
            self._http, url, payload, headers, self._timeout, f"dingtalk {what}", check
        )


def _ids(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class DingTalkKeys(private.AppKeys):
    """A DingTalk group's keys."""

    API_BASE: ClassVar[str] = "https://api.dingtalk.com"
    platform: Literal["dingtalk"] = "dingtalk"
    webhook_url: str = ""  # the custom robot's webhook (access_token in its query)
    secret: str = ""  # the custom robot's signing key (SEC...)
    inbound_secret: str = ""  # the outgoing robot's signing key when it is not `secret`
    conversation_id: str = ""  # the group's conversationId: messages from others are refused
    # private messages through the app: app_key + app_secret (+ robot_code, default app_key)
    app_key: str = ""
    app_secret: str = ""
    robot_code: str = ""

    def receiver_url(self) -> str:
        return self.webhook_url


def _keys(group: GroupConfig) -> DingTalkKeys:
    return keys_of(group, DingTalkKeys)


PRIVATE_KEYS = ("app_key", "app_secret")  # the app that sends 1:1 messages


def check_config(g: GroupConfig, missing: list[str]) -> list[str]:
    """The checks of a group whose required keys are all set (else those are reported first)."""
    if missing:
        return missing
    private.check_app(g, PRIVATE_KEYS)
    return missing


def config_warnings(g: GroupConfig) -> list[str]:
    """What check-config warns about a DingTalk group."""
    if _keys(g).conversation_id:
        return []
    return [
        f"group {g.id!r}: conversation_id is not set, so a message the outgoing robot "
        "gets in any conversation is taken as this group's; set it to the group's "
        "conversationId (carebot logs it with the first message it receives)"
    ]


SPEC = PlatformSpec(
    name="dingtalk",
    build=lambda d: DingTalkPlatform(d.http, d.wall, d.timeout_s, d.language),
    keys=DingTalkKeys,
    required_keys=("secret", "webhook_url"),
    private_keys=PRIVATE_KEYS,
    check=check_config,
    warnings=config_warnings,
    secret_fields=("secret", "inbound_secret", "app_secret", "webhook_url"),
    # errcode 460101 "message too long, exceed 20000 bytes" (room is left for the @ids appended
    # to the content); the robot message parameters of the 1:1 API at most 15000 bytes (room is
    # left for the JSON around the text)
    text_limit_bytes=18_000,
    private_text_limit_bytes=12_000,
)
