"""WeCom outbound: the group robot webhook, and application messages for private posts.

Group posts go to the robot's `webhook_url` as `{"msgtype": "text", "text": {"content",
"mentioned_list"}}`; text is always used (not markdown) because every client shows it and its
`mentioned_list` really notifies people. A post longer than 2048 bytes is split at line breaks
(never mid-character) and sent in order, the mentions on the first piece; pieces already accepted
are not sent again when the row is retried by this process.

Private posts (`private_to`) go through the application message API (`message/send`) when the
group has `corp_secret` and `agent_id`: the access token from `gettoken` is cached until shortly
before it expires and fetched again once if WeCom calls it invalid or expired (40014, 42001).
Without an application, the recipients are mentioned in the group with a sentence saying a
private message could not be delivered; the private text itself never goes to the group.

WeCom answers HTTP 200 with `errcode`: 0 is success, 45009 (frequency limit) is retried after a
minute, -1 (busy) after a few seconds, anything else is a PlatformError (retried by the outbox
with backoff). No URL, key, token or secret ever goes into a log line or an error message.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from bot.chunks import split_text
from bot.errors import PlatformError, Retry
from bot.platforms import private
from bot.platforms.base import OutboundMessage, raise_for_status
from bot.platforms.spec import redact

if TYPE_CHECKING:
    from bot.config import GroupConfig

log = logging.getLogger(__name__)

TEXT_LIMIT_BYTES = 2048
FREQUENCY_LIMIT = 45009
FREQUENCY_LIMIT_DELAY_S = 60.0
BUSY = -1
BUSY_DELAY_S = 5.0
TOKEN_INVALID = frozenset({40014, 42001})  # invalid access_token, access_token expired
TOKEN_EARLY_S = 300.0  # refresh this long before WeCom says the token expires
_PROGRESS_KEEP = 1024


class TokenRejected(PlatformError):
    """WeCom called the access token invalid or expired."""


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    refresh_at: float  # monotonic seconds


def check_errcode(
    what: str, data: dict[str, Any], group: GroupConfig, also: Iterable[str] = ()
) -> None:
    """Map WeCom's JSON answer to nothing (errcode 0), Retry, TokenRejected or PlatformError;
    the errmsg quoted without the group's secrets (nor `also`, e.g. an access token)."""
    code = data.get("errcode")
    if code == 0:
        return
    if not isinstance(code, int) or isinstance(code, bool):
        raise PlatformError(f"wecom {what} answered without an errcode")
    errmsg = redact(str(data.get("errmsg", ""))[:160], group, also)
    if code == FREQUENCY_LIMIT:
        raise Retry(
            f"wecom {what}: frequency limit (errcode {code}); waiting a minute",
            delay_s=FREQUENCY_LIMIT_DELAY_S,
        )
    if code == BUSY:
        raise Retry(f"wecom {what}: system busy (errcode {code})", delay_s=BUSY_DELAY_S)
    if code in TOKEN_INVALID:
        raise TokenRejected(f"wecom {what}: access token refused (errcode {code})")
    raise PlatformError(f"wecom {what} refused the request: errcode {code} ({errmsg})")


class WeComApi:
    """The HTTP side of WeCom: one shared client session, tokens cached per application."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        language: str = "zh",
        timeout_s: float = 10,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._language = language
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._monotonic = monotonic
        self._tokens: dict[tuple[str, str, str], _Token] = {}
        self._token_locks: dict[tuple[str, str, str], asyncio.Lock] = {}
        self._progress: OrderedDict[str, int] = OrderedDict()

    # ---- sending ----------------------------------------------------------------------------

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        """Deliver one outbox row: group post, private message, or the honest fallback."""
        if not message.private_to:
            await self._pieces(group, message, message.text, self._robot_piece(group, message))
            return
        if group.corp_secret and group.agent_id:
            await self._pieces(group, message, message.text, self._app_piece(group, message))
            return
        notice = private.fallback(group, message, self._language)
        await self._pieces(group, notice, notice.text, self._robot_piece(group, notice))

    async def _pieces(
        self,
        group: GroupConfig,
        message: OutboundMessage,
        text: str,
        send_piece: Callable[[int, str], Any],
    ) -> None:
        """Send `text` in pieces of at most 2048 bytes, in order, skipping pieces this process
        already delivered for the same outbox row and text."""
        pieces = split_text(text, TEXT_LIMIT_BYTES)
        key = ""
        if message.outbox_id is not None:
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
            key = f"{message.outbox_id}:{digest}"
        done = self._progress.get(key, 0) if key else 0
        for i in range(done, len(pieces)):
            await send_piece(i, pieces[i])
            if key and i + 1 < len(pieces):
                self._progress[key] = i + 1
                self._progress.move_to_end(key)
                while len(self._progress) > _PROGRESS_KEEP:
                    self._progress.popitem(last=False)
        if key:
            self._progress.pop(key, None)

    def _robot_piece(
        self, group: GroupConfig, message: OutboundMessage
    ) -> Callable[[int, str], Any]:
        async def send_piece(i: int, piece: str) -> None:
            text: dict[str, Any] = {"content": piece}
            if i == 0 and message.mentions:
                text["mentioned_list"] = list(message.mentions)
            payload = {"msgtype": "text", "text": text}
            data = await self._request("POST", group.webhook_url, "robot webhook", group, payload)
            check_errcode("robot webhook", data, group)

        return send_piece

    def _app_piece(self, group: GroupConfig, message: OutboundMessage) -> Callable[[int, str], Any]:
        payload_base = {
            "touser": "|".join(message.private_to),
            "msgtype": "text",
            "agentid": int(group.agent_id),
            "safe": 0,
        }

        async def send_piece(i: int, piece: str) -> None:
            payload = {**payload_base, "text": {"content": piece}}
            try:
                await self._message_send(group, payload)
            except TokenRejected:
                self._forget_token(group)
                try:
                    await self._message_send(group, payload)  # once, with a fresh token
                except TokenRejected as e:  # a fresh token refused too: a hiccup, not a refusal
                    raise Retry(str(e)) from None

        return send_piece

    async def _message_send(self, group: GroupConfig, payload: dict[str, Any]) -> None:
        token = await self.access_token(group)
        url = group.api_base.rstrip("/") + "/cgi-bin/message/send"
        data = await self._request(
            "POST", url, "message/send", group, payload, params={"access_token": token}
        )
        check_errcode("message/send", data, group, [token])
        invalid = [str(data.get(k) or "") for k in ("invaliduser", "invalidparty", "invalidtag")]
        if any(invalid):
            log.warning(
                "group %s: WeCom did not deliver a private message to: %s",
                group.id,
                " ".join(v for v in invalid if v),
            )

    # ---- the access token -------------------------------------------------------------------

    def _token_key(self, group: GroupConfig) -> tuple[str, str, str]:
        digest = hashlib.sha256(group.corp_secret.encode()).hexdigest()
        return (group.api_base.rstrip("/"), group.corp_id, digest)

    def _forget_token(self, group: GroupConfig) -> None:
        self._tokens.pop(self._token_key(group), None)

    async def access_token(self, group: GroupConfig) -> str:
        """The application's access token, fetched from gettoken only when missing or due."""
        key = self._token_key(group)
        lock = self._token_locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(key)
            if cached is not None and self._monotonic() < cached.refresh_at:
                return cached.value
            url = group.api_base.rstrip("/") + "/cgi-bin/gettoken"
            params = {"corpid": group.corp_id, "corpsecret": group.corp_secret}
            data = await self._request("GET", url, "gettoken", group, None, params=params)
            check_errcode("gettoken", data, group)
            value = data.get("access_token")
            expires_in = data.get("expires_in", 7200)
            if not isinstance(value, str) or not value:
                raise PlatformError("wecom gettoken answered without an access_token")
            if not isinstance(expires_in, int) or expires_in <= 0:
                expires_in = 7200
            early = min(TOKEN_EARLY_S, expires_in / 2)
            self._tokens[key] = _Token(value, self._monotonic() + expires_in - early)
            return value

    # ---- HTTP -------------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        url: str,
        what: str,
        group: GroupConfig,
        payload: dict[str, Any] | None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One call; the JSON object WeCom answered, or Retry/PlatformError without the URL."""
        body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"} if body is not None else None
        try:
            async with self._http.request(
                method, url, params=params, data=body, headers=headers, timeout=self._timeout
            ) as resp:
                raw = await resp.read()
                raise_for_status(f"wecom {what}", resp.status, resp.headers.get("Retry-After"))
        except (aiohttp.ClientError, TimeoutError) as e:
            raise Retry(f"wecom {what} unreachable: {type(e).__name__}") from None
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise Retry(f"wecom {what} answered something other than JSON") from None
        if not isinstance(data, dict):
            raise Retry(f"wecom {what} answered something other than a JSON object")
        return data
