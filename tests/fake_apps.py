"""Fake far sides of the platforms' 1:1 message APIs, as real aiohttp servers on loopback, written
from the platforms' documentation (not from bot/platforms):

- DingTalk: POST /v1.0/oauth2/accessToken {"appKey", "appSecret"} -> {"accessToken", "expireIn"};
  POST /v1.0/robot/oToMessages/batchSend with header x-acs-dingtalk-access-token and
  {"robotCode", "userIds" (at most 20), "msgKey", "msgParam" (a JSON string)} ->
  {"processQueryKey", "invalidStaffIdList", "flowControlledStaffIdList"}; errors are HTTP 4xx
  with {"code", "message"}.
- Feishu: POST /open-apis/auth/v3/tenant_access_token/internal {"app_id", "app_secret"} ->
  {"code": 0, "msg", "tenant_access_token", "expire"}; POST
  /open-apis/im/v1/messages?receive_id_type=open_id (user_id for other ids) with
  "Authorization: Bearer <token>" and {"receive_id", "msg_type", "content" (a JSON string)}
  -> {"code": 0, "data": {...}}; errors are HTTP 4xx with {"code", "msg"} (99991663: bad token).

Each records what it delivered to whom, counts token fetches, and can be slow, down, or refuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Delivered:
    to: str
    text: str


@dataclass
class FakeApp:
    """`kind` is "dingtalk" or "feishu"; `app_id` is the appKey or app_id."""

    kind: str
    app_id: str
    app_secret: str
    robot_code: str = ""
    delivered: list[Delivered] = field(default_factory=list)
    token_fetches: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    rejected: list[str] = field(default_factory=list)
    delay_s: float = 0.0  # answer every message call this late (a slow API)
    revoke_next: bool = False  # treat the next message call's token as expired
    flow_control: set[str] = field(default_factory=set)  # dingtalk: users throttled once
    url: str = ""
    port: int = 0
    _server: TestServer | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    # -- DingTalk ---------------------------------------------------------------------------
    async def dingtalk_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("appKey") != self.app_id or body.get("appSecret") != self.app_secret:
            return web.json_response(
                {"code": "invalidClientIdOrSecret", "message": "无效的clientId或clientSecret"},
                status=400,
            )
        return web.json_response({"accessToken": self._issue(), "expireIn": 7200})

    async def dingtalk_send(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay_s)
        token = request.headers.get("x-acs-dingtalk-access-token", "")
        if token not in self.valid_tokens or self._revoked(token):
            self.rejected.append("token")
            return web.json_response(
                {"code": "InvalidAuthentication", "message": "不合法的access_token"}, status=401
            )
        body = await request.json()
        users, param = body.get("userIds"), body.get("msgParam")
        problem = None
        if body.get("robotCode") != (self.robot_code or self.app_id):
            problem = "robot 不存在"
        elif body.get("msgKey") != "sampleText" or not isinstance(param, str):
            problem = "msgKey or msgParam"
        elif not isinstance(users, list) or not 1 <= len(users) <= 20:
            problem = "userIds"
        if problem is not None:
            self.rejected.append(problem)
            return web.json_response({"code": "invalidParameter", "message": problem}, status=400)
        text = json.loads(param)["content"]
        throttled = [u for u in users if u in self.flow_control]
        self.flow_control -= set(throttled)
        for user in users:
            if user not in throttled:
                self.delivered.append(Delivered(user, text))
        self._changed.set()
        return web.json_response(
            {"processQueryKey": f"pqk-{len(self.delivered)}", "invalidStaffIdList": [],
             "flowControlledStaffIdList": throttled}
        )  # fmt: skip

    # -- Feishu -----------------------------------------------------------------------------
    async def feishu_token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("app_id") != self.app_id or body.get("app_secret") != self.app_secret:
            return web.json_response({"code": 10014, "msg": "app secret invalid"}, status=400)
        return web.json_response(
            {"code": 0, "msg": "ok", "tenant_access_token": self._issue(), "expire": 7200}
        )

    async def feishu_send(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay_s)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.valid_tokens or self._revoked(token):
            self.rejected.append("token")
            return web.json_response(
                {"code": 99991663, "msg": "Invalid access token for authorization."}, status=400
            )
        body = await request.json()
        id_type, receiver = request.query.get("receive_id_type"), str(body.get("receive_id"))
        if id_type != ("open_id" if receiver.startswith("ou_") else "user_id"):
            self.rejected.append(f"{receiver} is not a {id_type}")
            return web.json_response({"code": 99992402, "msg": "field validation failed"},
                                     status=400)  # fmt: skip
        if body.get("msg_type") != "text":
            self.rejected.append("params")
            return web.json_response({"code": 230001, "msg": "invalid request parameter"},
                                     status=400)  # fmt: skip
        text = json.loads(body["content"])["text"]
        self.delivered.append(Delivered(body["receive_id"], text))
        self._changed.set()
        return web.json_response(
            {"code": 0, "msg": "success", "data": {"message_id": f"om_{len(self.delivered)}"}}
        )

    # -- shared -------------------------------------------------------------------------------
    def _issue(self) -> str:
        self.token_fetches += 1
        token = f"{self.kind}-token-{self.token_fetches}"
        self.valid_tokens.add(token)
        return token

    def _revoked(self, token: str) -> bool:
        if self.revoke_next:
            self.revoke_next = False
            self.valid_tokens.discard(token)
            return True
        return False

    def to(self, user: str) -> list[str]:
        return [d.text for d in self.delivered if d.to == user]

    async def start(self) -> FakeApp:
        app = web.Application()
        if self.kind == "dingtalk":
            app.router.add_post("/v1.0/oauth2/accessToken", self.dingtalk_token)
            app.router.add_post("/v1.0/robot/oToMessages/batchSend", self.dingtalk_send)
        else:
            app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal",
                                self.feishu_token)  # fmt: skip
            app.router.add_post("/open-apis/im/v1/messages", self.feishu_send)
        self._server = TestServer(app, host="127.0.0.1", port=self.port)
        await self._server.start_server()
        self.port = self._server.port or 0
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()
            self._server = None

    async def wait_for(self, predicate: Callable[[FakeApp], bool], within_s: float = 5.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not predicate(self):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"fake {self.kind} app never saw it; got {self.delivered}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))


@contextlib.asynccontextmanager
async def running_app(fake: FakeApp) -> AsyncIterator[FakeApp]:
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
