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
- `POST /cgi-bin/kf/service_state/get` {"open_kfid", "external_userid"} -> {"service_state",
  "servicer_userid"} and `POST /cgi-bin/kf/service_state/trans` {"open_kfid", "external_userid",
  "service_state", "servicer_userid"} -> {"msg_code"} (分配客服会话, doc 94698): the states are
  0 未处理, 1 由智能助手接待, 2 待接入池排队中, 3 由人工接待, 4 已结束/未开始, and a trans may
  only go 0 -> 1/2/3, 1 -> 2/3, 2 -> 3, 3 -> 3 (another servicer) or 4; nothing leaves 4 by
  the API (the user's next message makes it 0; a servicer writing in the client makes it 3,
  with a session_status_change of change_type 4). The target servicer must be one of the
  account's servicers, activated and 正在接待, else 95014 (documented for an inactive one).
  Replying through send_msg in state 0 is the table's "1. 直接用API自动回复消息": the session is
  the bot's (1) afterwards (read from the table's options, which name the states they lead to).
- The driver's `servicer_takes` / `servicer_transfers` / `servicer_ends` play a servicer in the
  WeCom client (读取消息, event session_status_change: change_type 1 从接待池接入会话,
  2 转接会话, 3 结束会话, 4 重新接入已结束/已转接会话; old_servicer_userid for 2 and 3,
  new_servicer_userid for 1 and 2).
- `calls` logs, in order, each accepted send_msg ("send", user, text) and trans ("trans",
  user, state, servicer), so a test can check what went out before a hand-over; `accepted`
  keeps the state, the time since the user's last message and the sends before, of each send.
- `fail_next` answers the next calls with HTTP 500 (WeCom's occasional 5xx).

- A service_state/get for a user the account never saw is 40096 (invalid external_userid).
- `POST /cgi-bin/kf/add_contact_way` {"open_kfid", "scene"} -> {"url"}: the account's link;
  `scene` at most 32 bytes of [0-9a-zA-Z_-] (else 40058), and the link carries it as
  enc_scene (the documentation: "若scene非空，返回的客服链接开发者可拼接scene_param").

The errcodes of the send rules are those of WeCom's global errcode page (document 90313):
95001 the 5 messages after the user's last are used, 95002 more than 48 h since it, 95018 the
session state does not allow send_msg, 95007 an invalid msg token. One is still ASSUMED (the
page has no code for a spent welcome code).
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
ERR_STATE = 95018  # 发送客服消息时当前会话状态不允许发送
ERR_WINDOW = 95002  # 发送客服消息时间限制: more than 48 h since the user's last message
ERR_QUOTA = 95001  # 发送客服消息次数限制: the 5 messages after the user's last are used
ERR_CODE = 95003  # ASSUMED: a welcome code used, unknown or too old
ERR_MSG_TOKEN = 95007  # 不合法的msgtoken
ERR_USER = 40096  # invalid external_userid
ERR_SERVICER = 95014  # documented: the servicer is not activated (or not 正在接待)
ERR_NOT_SERVICER = 95014  # errcode page: 95014 also covers "not a servicer of the account"
ERR_TRANSITION = 95016  # ASSUMED: the session's state may not change to the one asked
# 分配客服会话's table: the states a trans may lead to from each state.
TRANSITIONS: dict[int, frozenset[int]] = {
    0: frozenset({1, 2, 3}),
    1: frozenset({2, 3}),
    2: frozenset({3}),
    3: frozenset({3, 4}),
    4: frozenset(),
}
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
    lose_answers: int = 0  # send_msg calls that deliver and then answer 502
    refuse_sends_with: int = 0  # an errcode every send_msg answers (a set-up problem in WeCom)
    items: list[dict[str, Any]] = field(default_factory=list)
    sessions: dict[str, Session] = field(default_factory=dict)
    delivered: dict[str, list[str]] = field(default_factory=dict)  # user -> texts, in order
    welcomed: dict[str, str] = field(default_factory=dict)
    refused: list[tuple[str, int]] = field(default_factory=list)  # (user, errcode)
    # The account's servicers: userid -> whether they are 正在接待 (activated and on duty).
    servicers: dict[str, bool] = field(default_factory=dict)
    calls: list[tuple[Any, ...]] = field(default_factory=list)  # accepted sends and trans
    # Each accepted send_msg as the rules saw it: (user, state, seconds since the user's last
    # message, sends in that window before it).
    accepted: list[tuple[str, int, float, int]] = field(default_factory=list)
    trans_refused: list[tuple[str, int]] = field(default_factory=list)  # (user, errcode)
    sync_calls: int = 0
    sync_log: list[SyncCall] = field(default_factory=list)
    sync_delay_s: float = 0.0
    before_sync_answer: Callable[[SyncCall], Awaitable[None]] | None = None
    untokened_sync_calls: int = 0
    batchget_calls: int = 0
    state_calls: int = 0
    contact_ways: list[str] = field(default_factory=list)  # the scenes links were asked for
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
        """A servicer answers in the WeCom client (origin 5); the user sees it in WeChat. In an
        ended session that takes it back (state 3, change_type 4)."""
        self.delivered.setdefault(user, []).append(f"[{servicer}] {text}")
        session = self.sessions.setdefault(user, Session())
        if session.state == 4:
            self._session_event(user, 4, "", servicer)
            session.state, session.servicer = 3, servicer
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

    def _session_event(self, user: str, change_type: int, old: str, new: str) -> None:
        event: dict[str, Any] = {
            "event_type": "session_status_change",
            "open_kfid": OPEN_KFID,
            "external_userid": user,
            "change_type": change_type,
        }
        if old:
            event["old_servicer_userid"] = old
        if new:
            event["new_servicer_userid"] = new
        if change_type in (1, 3):
            event["msg_code"] = "MSGCODE" + secrets.token_hex(6)
        self._add({"origin": 4, "msgtype": "event", "event": event})

    def servicer_takes(self, user: str, servicer: str) -> None:
        """A servicer takes the user's session in the WeCom client (change_type 1)."""
        session = self.sessions.setdefault(user, Session())
        session.state, session.servicer = 3, servicer
        self._session_event(user, 1, "", servicer)

    def servicer_transfers(self, user: str, to: str) -> None:
        """The servicer holding the session transfers it to another in the client (2)."""
        session = self.sessions[user]
        assert session.state == 3, f"the session is in state {session.state}, not 3"
        old, session.servicer = session.servicer, to
        self._session_event(user, 2, old, to)

    def servicer_ends(self, user: str) -> None:
        """The servicer ends the session in the WeCom client (change_type 3)."""
        session = self.sessions[user]
        old, session.state, session.servicer = session.servicer, 4, ""
        self._session_event(user, 3, old, "")

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
        if self.refuse_sends_with:
            self.refused.append((user, self.refuse_sends_with))
            return self._answer({}, self.refuse_sends_with, "refused")
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
        since = self.now() - session.last_user_at
        self.accepted.append((user, session.state, since, session.sends))
        session.sends += 1
        if session.state == 0:
            session.state = 1  # replied by the API: the bot's (1. 直接用API自动回复消息)
        msgid = msgid or "auto" + secrets.token_hex(8)
        self._msgids[msgid] = user
        self.delivered.setdefault(user, []).append(text)
        self.calls.append(("send", user, text))
        if self.lose_answers > 0:  # delivered, but the answer never reaches the caller
            self.lose_answers -= 1
            return web.Response(status=502, text="bad gateway")
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

    async def service_state_get(self, request: web.Request) -> web.Response:
        if (refusal := self._auth(request)) is not None:
            return refusal
        self.state_calls += 1
        body = await request.json()
        if body.get("open_kfid") != OPEN_KFID:
            return self._answer({}, 95000, "invalid open_kfid")
        session = self.sessions.get(body.get("external_userid", ""))
        if session is None:
            return self._answer({}, ERR_USER, "invalid external_userid")
        servicer = session.servicer if session.state == 3 else ""
        return self._answer({"service_state": session.state, "servicer_userid": servicer})

    async def add_contact_way(self, request: web.Request) -> web.Response:
        if (refusal := self._auth(request)) is not None:
            return refusal
        body = await request.json()
        scene = body.get("scene", "")
        if body.get("open_kfid") != OPEN_KFID:
            return self._answer({}, 95000, "invalid open_kfid")
        if scene and not _MSGID.match(scene):
            return self._answer({}, 40058, "invalid scene")
        self.contact_ways.append(scene)
        url = "https://work.weixin.qq.com/kf/kfc" + OPEN_KFID[-8:].lower()
        return self._answer({"url": url + (f"?enc_scene=ENC{scene}" if scene else "")})

    async def service_state_trans(self, request: web.Request) -> web.Response:
        if (refusal := self._auth(request)) is not None:
            return refusal
        body = await request.json()
        if body.get("open_kfid") != OPEN_KFID:
            return self._answer({}, 95000, "invalid open_kfid")
        user = body.get("external_userid", "")
        target, servicer = body.get("service_state"), body.get("servicer_userid", "")
        session = self.sessions.get(user)
        code, errmsg = 0, "ok"
        if session is None or target not in TRANSITIONS.get(session.state, frozenset()):
            code, errmsg = ERR_TRANSITION, "invalid service_state transition"
        elif target == 3 and servicer not in self.servicers:
            code, errmsg = ERR_NOT_SERVICER, "not a servicer of the account"
        elif target == 3 and not self.servicers[servicer]:
            code, errmsg = ERR_SERVICER, "servicer not activated or not on duty"
        elif target == 3 and session.state == 3 and servicer == session.servicer:
            code, errmsg = ERR_TRANSITION, "already with this servicer"
        if code:
            self.trans_refused.append((user, code))
            return self._answer({}, code, errmsg)
        assert session is not None
        first = target in (2, 3) and session.state in (0, 1)
        session.state, session.servicer = target, servicer if target == 3 else ""
        self.calls.append(("trans", user, target, session.servicer))
        # A code for the reply or closing words: when first moved to 2 or 3, and to 4.
        code_out = "MSGCODE" + secrets.token_hex(6) if first or target == 4 else ""
        return self._answer({"msg_code": code_out} if code_out else {})

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
    app.router.add_post("/cgi-bin/kf/service_state/get", fake.service_state_get)
    app.router.add_post("/cgi-bin/kf/add_contact_way", fake.add_contact_way)
    app.router.add_post("/cgi-bin/kf/service_state/trans", fake.service_state_trans)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    try:
        yield fake
    finally:
        await server.close()
