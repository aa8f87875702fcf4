"""WeCom's far side for tests: the robot webhook, gettoken and message/send on loopback, plus
helpers that build encrypted callbacks the way WeCom sends them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.platforms.wecom_crypto import WeComCipher

TOKEN = "QDG6eK-test-token"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "ww1436e0e65a779aee"
CORP_SECRET = "corp-secret-never-printed"
WEBHOOK_KEY = "693a91f6-7xxx-4bc4-97a0-webhookkey"
AGENT_ID = "1000002"
CIPHER = WeComCipher.from_config(TOKEN, AES_KEY)


@dataclass
class FakeWeCom:
    """Records robot posts and application messages; answers like WeCom, errcodes on demand."""

    url: str = ""
    robot_posts: list[dict[str, Any]] = field(default_factory=list)
    app_messages: list[dict[str, Any]] = field(default_factory=list)
    robot_attempts: int = 0
    token_fetches: int = 0
    robot_errcodes: list[int] = field(default_factory=list)  # one per attempt; 0 accepts
    app_errcodes: list[int] = field(default_factory=list)
    robot_delay_s: float = 0.0
    valid_tokens: set[str] = field(default_factory=set)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def webhook_url(self) -> str:
        return f"{self.url}/cgi-bin/webhook/send?key={WEBHOOK_KEY}"

    async def robot(self, request: web.Request) -> web.Response:
        if request.query.get("key") != WEBHOOK_KEY:
            return web.json_response({"errcode": 93000, "errmsg": "invalid webhook url"})
        self.robot_attempts += 1
        if self.robot_delay_s:
            await asyncio.sleep(self.robot_delay_s)
        payload = json.loads(await request.read())
        code = self.robot_errcodes.pop(0) if self.robot_errcodes else 0
        if code:
            return web.json_response({"errcode": code, "errmsg": f"fake error {code}"})
        content = payload.get("text", {}).get("content", "")
        if payload.get("msgtype") != "text" or not isinstance(content, str):
            return web.json_response({"errcode": 40008, "errmsg": "invalid message type"})
        if len(content.encode("utf-8")) > 2048:
            return web.json_response({"errcode": 40058, "errmsg": "content exceed max length"})
        self.robot_posts.append(payload)
        self._changed.set()
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def gettoken(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("corpid") != CORP_ID or q.get("corpsecret") != CORP_SECRET:
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
        self.token_fetches += 1
        token = f"access-token-{self.token_fetches}-{secrets.token_hex(4)}"
        self.valid_tokens.add(token)
        return web.json_response(
            {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
        )

    def invalidate_tokens(self) -> None:
        """As when WeCom revokes tokens early: the next message/send answers 40014."""
        self.valid_tokens.clear()

    async def message_send(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") not in self.valid_tokens:
            return web.json_response({"errcode": 40014, "errmsg": "invalid access_token"})
        payload = json.loads(await request.read())
        if self.app_errcodes:
            code = self.app_errcodes.pop(0)
            return web.json_response({"errcode": code, "errmsg": f"fake error {code}"})
        if payload.get("agentid") != int(AGENT_ID) or payload.get("msgtype") != "text":
            return web.json_response({"errcode": 40056, "errmsg": "invalid agentid"})
        self.app_messages.append(payload)
        self._changed.set()
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": ""})

    async def wait_for(self, predicate: Callable[[], bool], within_s: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"fake WeCom never saw it; robot {self.robot_posts!r}, "
                    f"app {self.app_messages!r}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))

    def contents(self) -> list[str]:
        return [p["text"]["content"] for p in self.robot_posts]


@pytest.fixture(name="fake_wecom")
async def fake_wecom_fixture() -> AsyncIterator[FakeWeCom]:
    """Import this into a test module to use the `fake_wecom` fixture."""
    fake = FakeWeCom()
    app = web.Application()
    app.router.add_post("/cgi-bin/webhook/send", fake.robot)
    app.router.add_get("/cgi-bin/gettoken", fake.gettoken)
    app.router.add_post("/cgi-bin/message/send", fake.message_send)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


def wecom_group(fake: FakeWeCom, **extra: Any) -> dict[str, Any]:
    """A [[groups]] table for group g1 on WeCom, pointed at the fake server."""
    return {
        "id": "g1",
        "name": "Group one",
        "platform": "wecom",
        "token": TOKEN,
        "encoding_aes_key": AES_KEY,
        "corp_id": CORP_ID,
        "webhook_url": fake.webhook_url,
        "api_base": fake.url,
        **extra,
    }


def signed_query(encrypt: str, now: datetime, **extra: str) -> str:
    ts = str(int(now.timestamp()))
    nonce = secrets.token_hex(5)
    query = {"msg_signature": CIPHER.signature(ts, nonce, encrypt), "timestamp": ts, "nonce": nonce}
    return urlencode({**query, **extra})


def xml_callback(plaintext: str, now: datetime, receive_id: str = CORP_ID) -> tuple[str, bytes]:
    """(query string, body) of an encrypted XML callback POST."""
    encrypt = CIPHER.encrypt(plaintext.encode("utf-8"), receive_id)
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    return signed_query(encrypt, now), body.encode()


def json_callback(
    plaintext: dict[str, Any], now: datetime, receive_id: str = ""
) -> tuple[str, bytes]:
    """(query string, body) of an intelligent robot callback POST: {"encrypt": ...}."""
    raw = json.dumps(plaintext, ensure_ascii=False).encode("utf-8")
    encrypt = CIPHER.encrypt(raw, receive_id)
    return signed_query(encrypt, now), json.dumps({"encrypt": encrypt}).encode()


def robot_xml(msg_id: str, user: str, name: str, text: str, msg_type: str = "text") -> str:
    """A group robot callback, shaped as WeCom documents it (robot named CareBot)."""
    inner = f"<Text><Content><![CDATA[{text}]]></Content></Text>"
    if msg_type == "image":
        inner = "<Image><ImageUrl><![CDATA[https://example.invalid/pic.jpg]]></ImageUrl></Image>"
    if msg_type == "event":
        inner = "<Event><EventType><![CDATA[add_to_chat]]></EventType></Event>"
    mid = f"<MsgId><![CDATA[{msg_id}]]></MsgId>" if msg_id else ""
    return (
        "<xml><WebhookUrl><![CDATA[https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x]]>"
        "</WebhookUrl><ChatId><![CDATA[wrkSFfCgAALFgnrSsWU38puiv4yvExuw]]></ChatId>"
        "<ChatType>group</ChatType>"
        f"<From><UserId>{user}</UserId><Name><![CDATA[{name}]]></Name>"
        f"<Alias><![CDATA[{user}-alias]]></Alias></From>"
        f"<MsgType>{msg_type}</MsgType>{inner}{mid}</xml>"
    )


def app_xml(msg_id: str, user: str, text: str, created: int) -> str:
    """An application callback, as in WeCom's sample code."""
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<FromUserName><![CDATA[{user}]]></FromUserName><CreateTime>{created}</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text}]]></Content>"
        f"<MsgId>{msg_id}</MsgId><AgentID>1000002</AgentID></xml>"
    )


def aibot_json(msg_id: str, user: str, text: str, chattype: str = "group") -> dict[str, Any]:
    """An intelligent robot callback, shaped as WeCom documents it."""
    return {
        "msgid": msg_id,
        "aibotid": "AIBOTID",
        "chatid": "CHATID",
        "chattype": chattype,
        "from": {"userid": user},
        "response_url": "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=x",
        "msgtype": "text",
        "text": {"content": text},
    }
