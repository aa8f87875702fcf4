"""Fake far sides of DingTalk's custom robot and Feishu's custom bot, as real aiohttp servers on
loopback. Each checks the signature the way its platform documents it (written out here again, not
borrowed from bot/platforms, so a wrong implementation there cannot agree with itself), enforces
the platform's own rate limit, and records what it accepted and when. Like the real platform it
lives on the wall clock (real time), not on the bot's service clock."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from bot.protocols import WallClock


@dataclass
class Post:
    payload: dict[str, Any]
    at: datetime  # on the wall clock

    @property
    def text(self) -> str:
        if "text" in self.payload and isinstance(self.payload["text"], dict):
            return str(self.payload["text"]["content"])  # dingtalk
        return str(self.payload["content"]["text"])  # feishu


@dataclass
class FakeRobot:
    """A custom robot webhook: `kind` is "dingtalk" or "feishu"."""

    kind: str
    secret: str
    token: str
    wall: WallClock
    per_minute: int = 20
    per_second: int | None = None
    posts: list[Post] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # why each refused request was refused
    throttled: int = 0  # requests answered with the rate-limit code
    throttle_next: int = 0  # answer the rate-limit code to this many requests, then accept
    refuse_next: int = 0  # answer a non-retryable refusal (bad keyword) to this many
    echo_secret: bool = False  # put the secret and token in error messages (a careless platform)
    url: str = ""
    port: int = 0
    _server: TestServer | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    # -- the wire ---------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        problem = (
            self._check_dingtalk(request) if self.kind == "dingtalk"
            else self._check_feishu(request, body)
        )  # fmt: skip
        if problem is not None:
            self.rejected.append(problem)
            return self._error(problem)
        payload = json.loads(body)
        now = self.wall.wall_now()
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return self._error("keywords not in content")
        if self.throttle_next > 0 or self._over_limit(now):
            self.throttle_next = max(0, self.throttle_next - 1)
            self.throttled += 1
            return self._throttle()
        self.posts.append(Post(payload, now))
        self._changed.set()
        if self.kind == "dingtalk":
            return web.json_response({"errcode": 0, "errmsg": "ok"})
        return web.json_response({"code": 0, "msg": "success", "data": {}})

    def _check_dingtalk(self, request: web.Request) -> str | None:
        if request.query.get("access_token") != self.token:
            return "token is not exist"
        ts, given = request.query.get("timestamp", ""), request.query.get("sign", "")
        if not ts.isdigit() or abs(int(ts) - self.wall.wall_now().timestamp() * 1000) > 3_600_000:
            return "timestamp is not within one hour"
        mac = hmac.new(self.secret.encode(), (ts + "\n" + self.secret).encode(), hashlib.sha256)
        if given != base64.b64encode(mac.digest()).decode():
            return "sign not match"
        return None

    def _check_feishu(self, request: web.Request, body: bytes) -> str | None:
        if request.match_info.get("token") != self.token:
            return "webhook not found"
        payload = json.loads(body)
        ts, given = str(payload.get("timestamp", "")), payload.get("sign", "")
        if not ts.isdigit() or abs(int(ts) - self.wall.wall_now().timestamp()) > 3600:
            return "sign match fail or timestamp is not within one hour from current time"
        key = (ts + "\n" + self.secret).encode()
        if given != base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode():
            return "sign match fail or timestamp is not within one hour from current time"
        if len(body) > 20 * 1024:
            return "Bad Request"
        return None

    def _over_limit(self, now: datetime) -> bool:
        last_minute = [p for p in self.posts if p.at > now - timedelta(seconds=60)]
        if len(last_minute) >= self.per_minute:
            return True
        if self.per_second is not None:
            return len([p for p in last_minute if p.at > now - timedelta(seconds=1)]) >= (
                self.per_second
            )
        return False

    def _error(self, problem: str) -> web.Response:
        if self.echo_secret:
            problem += f" (secret {self.secret}, token {self.token})"
        if self.kind == "dingtalk":
            return web.json_response({"errcode": 310000, "errmsg": problem})
        return web.json_response({"code": 19021, "msg": problem, "data": {}})

    def _throttle(self) -> web.Response:
        if self.kind == "dingtalk":
            return web.json_response(
                {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
            )
        return web.json_response({"code": 11232, "msg": "frequency limited psm", "data": {}})

    # -- the test's side ----------------------------------------------------------------------
    async def start(self) -> FakeRobot:
        app = web.Application()
        if self.kind == "dingtalk":
            app.router.add_post("/robot/send", self.handle)
        else:
            app.router.add_post("/open-apis/bot/v2/hook/{token}", self.handle)
        self._server = TestServer(app, host="127.0.0.1", port=self.port)
        await self._server.start_server()
        self.port = self._server.port or 0
        if self.kind == "dingtalk":
            self.url = f"http://127.0.0.1:{self.port}/robot/send?access_token={self.token}"
        else:
            self.url = f"http://127.0.0.1:{self.port}/open-apis/bot/v2/hook/{self.token}"
        return self

    async def stop(self) -> None:
        """Go down: connections to the port are refused until `start` again."""
        if self._server is not None:
            await self._server.close()
            self._server = None

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.posts]

    async def wait_for(self, predicate: Callable[[FakeRobot], bool], within_s: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not predicate(self):
            remaining = deadline - loop.time()
            if remaining <= 0:
                got = [t[:60] for t in self.texts]
                raise AssertionError(f"fake {self.kind} never saw it; got {len(got)}: {got}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))


@contextlib.asynccontextmanager
async def running(robot: FakeRobot) -> AsyncIterator[FakeRobot]:
    await robot.start()
    try:
        yield robot
    finally:
        await robot.stop()


# -- Feishu's event side, written from the documentation ---------------------------------------


def feishu_encrypt(encrypt_key: str, plaintext: bytes, iv: bytes | None = None) -> str:
    """base64(iv + AES-256-CBC(key=SHA256(encrypt_key), PKCS#7)) as Feishu sends events."""
    iv = iv or os.urandom(16)
    key = hashlib.sha256(encrypt_key.encode()).digest()
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + encryptor.update(padded) + encryptor.finalize()).decode()


def feishu_headers(encrypt_key: str, body: bytes, timestamp: str = "1764032400",
                   nonce: str = "n0nce") -> dict[str, str]:  # fmt: skip
    """The X-Lark-* headers of an event request signed with `encrypt_key`."""
    sig = hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Lark-Request-Timestamp": timestamp,
        "X-Lark-Request-Nonce": nonce,
        "X-Lark-Signature": sig,
    }


def feishu_message_event(
    message_id: str, user_id: str, text: str, *, token: str = "", msg_type: str = "text",
    content: dict[str, Any] | None = None, event_id: str = "", created_at: datetime | None = None,
    chat_id: str = "oc_group", chat_type: str = "group",
) -> dict[str, Any]:  # fmt: skip
    """An im.message.receive_v1 event (schema 2.0) as Feishu documents it; header.create_time
    and message.create_time are unix milliseconds as strings."""
    created = str(int(created_at.timestamp() * 1000)) if created_at else "1764032400000"
    return {
        "schema": "2.0",
        "header": {
            "event_id": event_id or "ev-" + message_id,
            "event_type": "im.message.receive_v1",
            "create_time": created,
            "token": token,
            "app_id": "cli_test",
            "tenant_key": "tenant",
        },
        "event": {
            "sender": {
                "sender_id": {"union_id": "on_" + user_id, "user_id": user_id,
                              "open_id": "ou_" + user_id},
                "sender_type": "user",
                "tenant_key": "tenant",
            },
            "message": {
                "message_id": message_id,
                "create_time": created,
                "chat_id": chat_id,
                "chat_type": chat_type,
                "message_type": msg_type,
                "content": json.dumps(content if content is not None else {"text": text},
                                      ensure_ascii=False),
                "mentions": [{"key": "@_user_1", "id": {"open_id": "ou_bot"}, "name": "carebot"}],
            },
        },
    }  # fmt: skip


def dingtalk_headers(secret: str, now: datetime) -> dict[str, str]:
    """The timestamp and sign headers of a DingTalk outgoing-robot request at `now`."""
    ts = str(int(now.timestamp() * 1000))
    mac = hmac.new(secret.encode(), (ts + "\n" + secret).encode(), hashlib.sha256)
    return {"Content-Type": "application/json", "timestamp": ts,
            "sign": base64.b64encode(mac.digest()).decode()}  # fmt: skip


def dingtalk_message(msg_id: str, staff_id: str, text: str, **extra: Any) -> dict[str, Any]:
    """An outgoing-robot message as DingTalk posts it."""
    return {
        "conversationId": "cid-group",
        "atUsers": [{"dingtalkId": "$:LWCP_v1:$robot"}],
        "chatbotUserId": "$:LWCP_v1:$robot",
        "msgId": msg_id,
        "senderNick": staff_id.title(),
        "isAdmin": False,
        "senderStaffId": staff_id,
        "sessionWebhookExpiredTime": 1764036000000,
        "createAt": 1764032400000,
        "conversationType": "2",
        "senderId": "$:LWCP_v1:$" + staff_id,
        "conversationTitle": "support group",
        "isInAtList": True,
        "sessionWebhook": "https://oapi.dingtalk.com/robot/sendBySession?session=x",
        "text": {"content": " " + text},
        "msgtype": "text",
        **extra,
    }
