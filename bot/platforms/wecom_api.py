"""WeCom outbound: the group robot webhook, and application messages for private posts.

Group posts go to the robot's `webhook_url` as `{"msgtype": "text", "text": {"content",
"mentioned_list"}}`; text is always used (not markdown) because every client shows it and its
`mentioned_list` really notifies people. A post longer than the text limit (2048 bytes, the
spec's) is split at line breaks (never mid-character) and sent in order, the mentions on the
first piece; pieces already accepted are not sent again when the row is retried by this process.

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

import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import aiohttp

from bot.chunks import split_text
from bot.errors import PlatformError, Retry
from bot.platforms import private
from bot.platforms.base import OutboundMessage, raise_for_status
from bot.platforms.spec import keys_of, redact

if TYPE_CHECKING:
    from bot.config import GroupConfig

log = logging.getLogger(__name__)

FREQUENCY_LIMIT = 45009
FREQUENCY_LIMIT_DELAY_S = 60.0
BUSY = -1
BUSY_DELAY_S = 5.0
TOKEN_INVALID = frozenset({40014, 42001})  # invalid access_token, access_token expired
_PROGRESS_KEEP = 1024
TokenRejected = private.TokenRejected


class WeComError(PlatformError):
    """WeCom refused a request with `errcode` (final; the outbox retries it with backoff)."""

    def __init__(self, message: str, errcode: int) -> None:
        super().__init__(message)
        self.errcode = errcode


class WeComAppKeys(private.AppKeys):
    """The keys of a WeCom self-built application: the corp and the application's secret
    (the access token of every WeCom API call comes from them)."""

    API_BASE: ClassVar[str] = "https://qyapi.weixin.qq.com"
    corp_id: str = ""
    corp_secret: str = ""


class WeComKeys(WeComAppKeys):
    """A WeCom group's keys (bot/platforms/wecom.py checks them)."""

    platform: Literal["wecom"] = "wecom"
    # the callback: Token and EncodingAESKey of the robot's or application's receive settings
    token: str = ""
    encoding_aes_key: str = ""
    webhook_url: str = ""  # the group robot's webhook: every group post goes there
    agent_id: str = ""  # with corp_secret: the application that sends private messages
    wecom_mode: Literal["robot", "aibot", "app", "auto"] = "auto"
    robot_name: str = ""  # the robot's name, to strip its @mention exactly (else the first @word)

    def receiver_url(self) -> str:
        return self.webhook_url


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
    raise WeComError(f"wecom {what} refused the request: errcode {code} ({errmsg})", code)


class WeComClient:
    """The HTTP side of a WeCom application: one shared client session, the access token
    cached per application (any keys model built on WeComAppKeys)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        timeout_s: float = 10,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.tokens = private.TokenCache(monotonic)

    def token_key(self, group: GroupConfig) -> tuple[str, str, str]:
        k = keys_of(group, WeComAppKeys)
        return private.app_key(k.api_base, k.corp_id, k.corp_secret)

    async def access_token(self, group: GroupConfig) -> str:
        """The application's access token, fetched from gettoken only when missing or due."""
        k = keys_of(group, WeComAppKeys)

        async def fetch() -> tuple[str, float]:
            url = k.api_base.rstrip("/") + "/cgi-bin/gettoken"
            params = {"corpid": k.corp_id, "corpsecret": k.corp_secret}
            data = await self.request("GET", url, "gettoken", group, None, params=params)
            check_errcode("gettoken", data, group)
            return private.token_lifetime(
                data.get("access_token"), data.get("expires_in"), "wecom gettoken"
            )

        return await self.tokens.get(self.token_key(group), fetch)

    async def call(self, group: GroupConfig, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST `payload` to the API's `path` (e.g. "/cgi-bin/kf/send_msg") with the access token;
        the answer when its errcode is 0, fetching a new token once if WeCom refuses the cached
        one; else Retry or PlatformError (its `code` the errcode)."""
        what = path.removeprefix("/cgi-bin/")

        async def once() -> dict[str, Any]:
            token = await self.access_token(group)
            url = keys_of(group, WeComAppKeys).api_base.rstrip("/") + path
            params = {"access_token": token}
            data = await self.request("POST", url, what, group, payload, params=params)
            check_errcode(what, data, group, [token])
            return data

        return await self.tokens.retrying(self.token_key(group), once)

    # ---- HTTP -------------------------------------------------------------------------------

    async def request(
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


class WeComApi:
    """WeCom's outbound for a group: the robot webhook, and application messages."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        language: str = "zh",
        timeout_s: float = 10,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        text_limit_bytes: int,
    ) -> None:
        self.client = WeComClient(http, timeout_s, monotonic)
        self._language = language
        self._text_limit_bytes = text_limit_bytes
        self._progress: OrderedDict[str, int] = OrderedDict()

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        """Deliver one outbox row: group post, private message, or the honest fallback."""
        if not message.private_to:
            await self._pieces(group, message, message.text, self._robot_piece(group, message))
            return
        if group.has_private_app:
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
        """Send `text` in pieces of at most the text limit, in order, skipping pieces this
        process already delivered for the same outbox row and text."""
        pieces = split_text(text, self._text_limit_bytes)
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
        url = keys_of(group, WeComKeys).webhook_url

        async def send_piece(i: int, piece: str) -> None:
            text: dict[str, Any] = {"content": piece}
            if i == 0 and message.mentions:
                text["mentioned_list"] = list(message.mentions)
            payload = {"msgtype": "text", "text": text}
            data = await self.client.request("POST", url, "robot webhook", group, payload)
            check_errcode("robot webhook", data, group)

        return send_piece

    def _app_piece(self, group: GroupConfig, message: OutboundMessage) -> Callable[[int, str], Any]:
        payload_base = {
            "touser": "|".join(message.private_to),
            "msgtype": "text",
            "agentid": int(keys_of(group, WeComKeys).agent_id),
            "safe": 0,
        }

        async def send_piece(i: int, piece: str) -> None:
            payload = {**payload_base, "text": {"content": piece}}
            data = await self.client.call(group, "/cgi-bin/message/send", payload)
            fields = ("invaliduser", "invalidparty", "invalidtag")
            invalid = [str(data.get(k) or "") for k in fields]
            if any(invalid):
                log.warning(
                    "group %s: WeCom did not deliver a private message to: %s",
                    group.id,
                    " ".join(v for v in invalid if v),
                )

        return send_piece
