"""A fake 微信客服 (WeCom customer service) server, written from WeCom's documentation, not from
bot/platforms/wecom_kf.py: real HTTP on loopback, and a driver that plays the WeChat users, the
servicers in the WeCom client and WeCom's callbacks.

What it follows (the kf API pages "读取消息", "发送消息", "发送欢迎语等事件响应消息",
"获取客户基本信息"; the same fields in wechatpy's WeChatKF/WeChatKFMessage and silenceper/wechat
work/kf):
- `GET /cgi-bin/gettoken?corpid&corpsecret` -> {"access_token", "expires_in": 7200}; a revoked or
  unknown token on any call answers errcode 40014, an expired one 42001.
- `POST /cgi-bin/kf/sync_msg` {"cursor", "token", "limit", "open_kfid"} -> {"next_cursor",
  "has_more": 0|1, "msg_list"}; without `cursor` from the oldest message. Items: origin 3 (the
  WeChat user: external_userid, msgtype, text.content), 4 (events, ids inside `event`), 5 (a
  servicer in the WeCom client: servicer_userid). Messages sent through send_msg are not in it.
  `page_size` makes pages smaller than `limit`, `repeat_across_pages` starts each page with the
  last item of the one before (a message returned twice), and an empty page with has_more = 1
  can be asked for. A callback token is valid 10 minutes; without a token the call is counted
  (the documentation: strictly rate-limited). Every call is logged (`sync_log`: the cursor it
  came with, the next_cursor and msgids it got); `sync_delay_s` makes each answer that slow,
  and `before_sync_answer` is awaited with the call's log entry before it is answered (a test
  stops the world there, e.g. to kill the process that is about to get that page).
- `POST /cgi-bin/kf/send_msg` {"touser", "open_kfid", "msgid", "msgtype": "text", "text"}:
  only while the user's session is 0 (new) or 1 (the bot), within 48 h of the user's last
  message, at most 5 messages in that window; `msgid` (at most 32 bytes of [0-9a-zA-Z_-]) is
  echoed. Repeating a msgid that was accepted delivers nothing twice (assumed: the
  documentation says only that a given msgid is returned as given).
- `POST /cgi-bin/kf/send_msg_on_event` {"code", "msgtype", "text"}: a welcome code works once,
  within 20 s of its enter_session event.
- `POST /cgi-bin/kf/customer/batchget` {"external_userid_list"} -> {"customer_list":
  [{"external_userid", "nickname", ...}], "invalid_external_userid"}.
- `fail_next` answers the next calls with HTTP 500 (WeCom's occasional 5xx).

The errcodes this fake gives for the send rules are marked ASSUMED: WeCom's global errcode page
was not found in the references; carebot treats any refusal as final and never relies on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.platforms.wecom_crypto import WeComCipher

CORP_ID = "wwkfcorp0001"
CORP_SECRET = "kf-app-secret-value"
OPEN_KFID = "wkFakeAccount0001"
KF_TOKEN = "kfCallbackToken"
KF_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
WINDOW_S = 48 * 3600
MAX_SENDS = 5
WELCOME_S = 20
CALLBACK_TOKEN_S = 600
ERR_TOKEN_INVALID, ERR_TOKEN_EXPIRED = 40014, 42001
ERR_STATE = 95018  # ASSUMED: the session's state does not allow send_msg
ERR_WINDOW = 95001  # ASSUMED: more than 48 h since the user's last message
ERR_QUOTA = 95002  # ASSUMED: the 5 messages of the window are used
ERR_CODE = 95003  # ASSUMED: a welcome code used, unknown or too old
ERR_MSG_TOKEN = 95007  # ASSUMED: a sync_msg token that is not a live callback's
_MSGID = re.compile(r"^[0-9a-zA-Z_-]{1,32}$")


@dataclass
class Session:
    state: int = 0  # 0 new, 1 the bot, 2 queue, 3 a servicer, 4 ended
    servicer: str = ""
    last_user_at: float = 0.0
    sends: int = 0


@dataclass(frozen=True)
class SyncCall:
    """One kf/sync_msg call as the fake answered it."""

    cursor: str  # as sent ("" for none: from the oldest message)
    next_cursor: str
    msgids: tuple[str, ...]
    has_more: bool
    tokened: bool


@dataclass
class FakeWeComKf:
    """The server's state and the driver's handles."""

    now: Callable[[], float] = time.time  # real seconds, as WeCom counts them
    page_size: int = 1000
    repeat_across_pages: bool = False
    nicknames: dict[str, str] = field(default_factory=dict)
    url: str = ""
    fail_next: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)
    delivered: dict[str, list[str]] = field(default_factory=dict)  # user -> texts, in order
    welcomed: dict[str, str] = field(default_factory=dict)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (user, errcode)
    sync_calls: int = 0
    sync_log: list[SyncCall] = field(default_factory=list)
    sync_delay_s: float = 0.0
    before_sync_answer: Callable[[SyncCall], Awaitable[None]] | None = None
    untokened_sync_calls: int = 0
    batchget_calls: int = 0
    token_fetches: int = 0
    _tokens: dict[str, float] = field(default_factory=dict)  # access token -> expires at
    _callback_tokens: dict[str, float] = field(default_factory=dict)
    _welcome_codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    _msgids: dict[str, str] = field(default_factory=dict)
    _seq: int = 0
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    # ---- the driver ---------------------------------------------------------------------

    def _add(self, item: dict[str, Any]) -> dict[str, Any]:
        self._seq += 1
        item = {
            "msgid": f"msg{self._seq:06d}{secrets.token_hex(3)}",
            "open_kfid": OPEN_KFID,
            "send_time": int(self.now()),
            **item,
        }
        self.items.append(item)
        return item

    def user_says(self, user: str, text: str, msgtype: str = "text") -> dict[str, Any]:
        """A WeChat user writes to the account (their session is new again if it had ended)."""
        session = self.sessions.setdefault(user, Session())
        if session.state == 4:
            session.state, session.servicer = 0, ""
        session.last_user_at, session.sends = self.now(), 0
        body: dict[str, Any] = (
            {"text": {"content": text, "menu_id": ""}}
            if msgtype == "text"
            else {msgtype: {"media_id": "m" + secrets.token_hex(4)}}
        )
        return self._add({"external_userid": user, "origin": 3, "msgtype": msgtype, **body})

    def servicer_says(self, servicer: str, user: str, text: str) -> dict[str, Any]:
        """A servicer answers in the WeCom client (origin 5); the user sees it in WeChat."""
        self.delivered.setdefault(user, []).append(f"[{servicer}] {text}")
        return self._add(
            {
                "external_userid": user,
                "origin": 5,
                "servicer_userid": servicer,
                "msgtype": "text",
                "text": {"content": text},
            }
        )

    def user_enters(self, user: str, scene: str = "") -> str:
        """The user opens the chat from the link: enter_session with a welcome code."""
        code = "WELCOME" + secrets.token_hex(6)
        self._welcome_codes[code] = (user, self.now())
        self.sessions.setdefault(user, Session())
        self._add(
            {
                "origin": 4,
                "msgtype": "event",
                "event": {
                    "event_type": "enter_session",
                    "open_kfid": OPEN_KFID,
                    "external_userid": user,
                    "scene": scene,
                    "scene_param": "",
                    "welcome_code": code,
                },
            }
        )
        return code

    def callback_token(self) -> str:
        token = "ENC" + secrets.token_hex(16)
        self._callback_tokens[token] = self.now()
        return token

    def callback_xml(self, token: str) -> bytes:
        return (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<CreateTime>{int(self.now())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[kf_msg_or_event]]></Event><Token><![CDATA[{token}]]></Token>"
            f"<OpenKfId><![CDATA[{OPEN_KFID}]]></OpenKfId></xml>"
        ).encode()

    def sealed_callback(self, token: str | None = None) -> tuple[str, bytes]:
        """(query, body) of an encrypted kf_msg_or_event callback, as WeCom posts it."""
        cipher = WeComCipher.from_config(KF_TOKEN, KF_AES_KEY)
        ts, nonce = str(int(self.now())), secrets.token_hex(5)
        plain = self.callback_xml(token or self.callback_token())
        encrypt, signature = cipher.seal(plain, CORP_ID, ts, nonce)
        query = f"msg_signature={signature}&timestamp={ts}&nonce={nonce}"
        body = (
            f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        ).encode()
        return query, body

    def expire_tokens(self) -> None:
        for token in self._tokens:
            self._tokens[token] = 0.0

    async def wait_for(self, predicate: Callable[[], bool], within_s: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"the fake 微信客服 never saw it: {self.delivered!r}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))

    # ---- the server ---------------------------------------------------------------------

    def _answer(self, data: dict[str, Any], errcode: int = 0, errmsg: str = "ok") -> web.Response:
        self._changed.set()
        return web.json_response({"errcode": errcode, "errmsg": errmsg, **data})

    def _auth(self, request: web.Request) -> web.Response | None:
        expires = self._tokens.get(request.query.get("access_token", ""))
        if expires is None:
            return self._answer({}, ERR_TOKEN_INVALID, "invalid access_token")
        if expires <= self.now():
            return self._answer({}, ERR_TOKEN_EXPIRED, "access_token expired")
        return None

    @web.middleware
    async def _faults(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if self.fail_next > 0:
            self.fail_next -= 1
            return web.Response(status=500, text="busy")
        return await handler(request)  # type: ignore[no-any-return]

    async def gettoken(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("corpid") != CORP_ID or q.get("corpsecret") != CORP_SECRET:
            return self._answer({}, 40001, "invalid secret")
        self.token_fetches += 1
        token = f"kf-access-{self.token_fetches}-{secrets.token_hex(4)}"
        self._tokens[token] = self.now() + 7200
        return self._answer({"access_token": token, "expires_in": 7200})

    async def sync_msg(self, request: web.Request) -> web.Response:
        if (refusal := self._auth(request)) is not None:
            return refusal
        body = await request.json()
        self.sync_calls += 1
        token = body.get("token", "")
        if token:
            issued = self._callback_tokens.get(token)
            if issued is None or self.now() - issued > CALLBACK_TOKEN_S:
                return self._answer({}, ERR_MSG_TOKEN, "invalid msg token")
        else:
            self.untokened_sync_calls += 1
        if body.get("open_kfid") not in (None, "", OPEN_KFID):
            return self._answer({}, 95000, "invalid open_kfid")
        cursor = body.get("cursor") or "c0"
        start = int(cursor[1:]) if re.fullmatch(r"c\d+", cursor) else 0
        limit = min(int(body.get("limit") or 1000), 1000, self.page_size)
        if self.repeat_across_pages and start > 0 and limit > 1:
            start -= 1  # the previous page's last message again
        page = self.items[start : start + limit]
        end = start + len(page)
        has_more = end < len(self.items)
        msgids = tuple(i["msgid"] for i in page)
        call = SyncCall(body.get("cursor") or "", f"c{end}", msgids, has_more, bool(token))
        self.sync_log.append(call)
        if self.sync_delay_s:
            await asyncio.sleep(self.sync_delay_s)
        if self.before_sync_answer is not None:
            await self.before_sync_answer(call)
        return self._answer(
            {"next_cursor": call.next_cursor, "has_more": 1 if has_more else 0, "msg_list": page}
        )

    async def send_msg(self, request: web.Request) -> web.Response:
        if (refusal := self._auth(request)) is not None:
            return refusal
        body = await request.json()
        user, msgid = body.get("touser", ""), body.get("msgid", "")
        if body.get("open_kfid") != OPEN_KFID or body.get("msgtype") != "text":
            return self._answer({}, 40008, "invalid open_kfid or msgtype")
        if msgid and not _MSGID.match(msgid):
            return self._answer({}, 40058, "invalid msgid")
        if msgid and msgid in self._msgids:
            return self._answer({"msgid": msgid})  # already delivered: not again
        session = self.sessions.get(user)
        text = body.get("text", {}).get("content", "")
        if len(text.encode()) > 2048:
            return self._answer({}, 44004, "text content too long")
        code = 0
        if session is None or session.state not in (0, 1):
            code = ERR_STATE
        elif self.now() - session.last_user_at > WINDOW_S:
            code = ERR_WINDOW
        elif session.sends >= MAX_SENDS:
            code = ERR_QUOTA
        if code:
            self.refused.append((user, code))
            return self._answer({}, code, "not allowed now")
        assert session is not None
        session.sends += 1
        msgid = msgid or "auto" + secrets.token_hex(8)
        self._msgids[msgid] = user
        self.delivered.setdefault(user, []).append(text)
        return self._answer({"msgid": msgid})

    async def send_msg_on_event(self, request: web.Request) -> web.Response:
        if (refusal := self._auth(request)) is not None:
            return refusal
        body = await request.json()
        found = self._welcome_codes.pop(body.get("code", ""), None)
        if found is None or self.now() - found[1] > WELCOME_S:
            return self._answer({}, ERR_CODE, "invalid welcome code")
        self.welcomed[found[0]] = body.get("text", {}).get("content", "")
        return self._answer({"msgid": "welcome" + secrets.token_hex(4)})

    async def batchget(self, request: web.Request) -> web.Response:
        if (refusal := self._auth(request)) is not None:
            return refusal
        self.batchget_calls += 1
        users = (await request.json()).get("external_userid_list", [])
        known = [u for u in users if u in self.nicknames]
        return self._answer(
            {
                "customer_list": [
                    {
                        "external_userid": u,
                        "nickname": self.nicknames[u],
                        "avatar": "",
                        "gender": 0,
                        "unionid": "",
                    }
                    for u in known
                ],
                "invalid_external_userid": [u for u in users if u not in self.nicknames],
            }
        )


@contextlib.asynccontextmanager
async def serve_fake_kf(fake: FakeWeComKf) -> AsyncIterator[FakeWeComKf]:
    app = web.Application(middlewares=[fake._faults])
    app.router.add_get("/cgi-bin/gettoken", fake.gettoken)
    app.router.add_post("/cgi-bin/kf/sync_msg", fake.sync_msg)
    app.router.add_post("/cgi-bin/kf/send_msg", fake.send_msg)
    app.router.add_post("/cgi-bin/kf/send_msg_on_event", fake.send_msg_on_event)
    app.router.add_post("/cgi-bin/kf/customer/batchget", fake.batchget)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()
