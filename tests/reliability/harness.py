"""What the reliability suite shares: a fake receiver that can go down, the inbound routes the
app has (found by asking the app, so platforms that land later are covered), row counts.

Nothing here fakes carebot itself: the app is always the real one from create_app.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot import models
from bot.config import PLATFORMS, GroupConfig
from bot.db import Database
from bot.keys import PLATFORMS as PLATFORMS_KEY
from bot.platforms import generic, spec_of
from bot.platforms.wecom_crypto import WeComCipher
from tests.fake_chat import dingtalk_headers, feishu_encrypt, feishu_headers, feishu_message_event
from tests.fake_wecom import aibot_json

SECRET = "reliability-secret"
# A 43-character EncodingAESKey (base64 of 32 bytes, "=" dropped), as WeCom issues them.
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")
WECOM_TOKEN = "reliability-token"
CORP_ID = "wwreliability"
ENCRYPT_KEY = "reliability-encrypt-key"
VERIFICATION_TOKEN = "reliability-verification"


def group_config(platform: str, group_id: str, webhook_url: str, **extra: Any) -> dict[str, Any]:
    """A [[groups]] table for `platform` with every key it needs filled in: of the keys any
    platform needs (and `extra`), those every group or this platform has."""
    keys: dict[str, Any] = {
        "webhook_url": webhook_url,
        "secret": SECRET,
        "token": WECOM_TOKEN,
        "encoding_aes_key": AES_KEY,
        "corp_id": CORP_ID,
        "encrypt_key": ENCRYPT_KEY,
        "verification_token": VERIFICATION_TOKEN,
        "name": f"{platform} group",
        **extra,
    }
    if spec_of(platform).team_key:  # a 1:1 channel: its API on loopback, its team p-generic
        keys = {"open_kfid": "wkreliability", "corp_secret": "reliability-corp-secret",
                "api_base": webhook_url.rsplit("/", 1)[0], "team_group": "p-generic", **keys}
    own = {*spec_of(platform).keys.model_fields, *GroupConfig.model_fields}
    return {"id": group_id, "platform": platform, **{k: v for k, v in keys.items() if k in own}}


def one_group_per_platform(webhook_url: str) -> list[dict[str, Any]]:
    """A group `p-<platform>` for every platform the config accepts (built or not yet)."""
    return [group_config(p, f"p-{p}", webhook_url) for p in PLATFORMS]


@dataclass(frozen=True)
class InboundRoute:
    """A path that takes requests from outside, with the method(s) it answers."""

    platform: str  # "" for a route that is not a chat platform's webhook
    method: str
    path: str


def implemented_platforms(app: web.Application) -> list[str]:
    """Platforms the running app can receive from (its platform registry)."""
    return sorted(app[PLATFORMS_KEY])


def inbound_routes(app: web.Application, group_of: Callable[[str], str]) -> list[InboundRoute]:
    """Every route of the running app that accepts a request body or answers a platform.

    The webhook pattern `/webhooks/{platform}/{group_id}` is expanded once per platform the app
    has built, with `group_of(platform)`; every other POST/PUT/PATCH/DELETE route is listed as
    it is (placeholders filled with "x"), so routes added later are fuzzed without edits here.
    """
    out: list[InboundRoute] = []
    platforms = implemented_platforms(app)
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        pattern = str(info.get("formatter") or info.get("path") or "")
        method = route.method.upper()
        if pattern == "/webhooks/{platform}/{group_id}":
            if method in ("POST", "GET"):
                out += [InboundRoute(p, method, f"/webhooks/{p}/{group_of(p)}") for p in platforms]
            continue
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            path = pattern
            while "{" in path:
                start, end = path.index("{"), path.index("}")
                path = path[:start] + "x" + path[end + 1 :]
            out.append(InboundRoute("", method, path))
    return sorted(set(out), key=lambda r: (r.platform, r.path, r.method))


# Written by the outbox worker in the background as it delivers posts accepted earlier, never
# by the request in hand: left out of "this request wrote nothing".
BACKGROUND_TABLES = frozenset({"outbox_sends"})


async def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table of the schema (tables added later are counted too), except the
    delivery log the outbox worker writes in the background."""
    out = {}
    async with db.read() as s:
        for table in models.Base.metadata.sorted_tables:
            if table.name in BACKGROUND_TABLES:
                continue
            out[table.name] = int(await s.scalar(select(func.count()).select_from(table)) or 0)
    return out


@dataclass
class Post:
    at: float  # time.monotonic() on arrival
    delivery: str
    body: dict[str, Any]


@dataclass
class Receiver:
    """The far side of a chat platform: checks signatures, records posts, can be down.

    While `down` is set it answers 503 to everything (and records the refusal), as a platform
    in an outage does; `received` holds every accepted post in arrival order, duplicates
    included, so a test can tell a redelivery from a double post.
    """

    secret: str = SECRET
    down: bool = False
    received: list[Post] = field(default_factory=list)
    refused: int = 0
    bad_signatures: int = 0
    url: str = ""
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        ts = request.headers.get(generic.TS_HEADER, "")
        if request.headers.get(generic.SIG_HEADER) != generic.sign(self.secret, ts, body):
            self.bad_signatures += 1
            return web.json_response({"error": "bad signature"}, status=401)
        if self.down:
            self.refused += 1
            return web.json_response({"error": "down for maintenance"}, status=503)
        delivery = request.headers.get("X-Carebot-Delivery", "")
        self.received.append(Post(time.monotonic(), delivery, json.loads(body)))
        self._changed.set()
        return web.json_response({"ok": True})

    def deliveries(self) -> list[str]:
        return [p.delivery for p in self.received]

    async def wait_for(self, predicate: Callable[[Receiver], bool], within_s: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while not predicate(self):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"receiver never saw it within {within_s} s; it has {len(self.received)} "
                    f"posts, refused {self.refused}, bad signatures {self.bad_signatures}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.1))


@contextlib.asynccontextmanager
async def serve_receiver(receiver: Receiver) -> AsyncIterator[Receiver]:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiver.url = str(server.make_url("/hook"))
    try:
        yield receiver
    finally:
        await server.close()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


def _generic(
    group: str, msg_id: str, sender: str, text: str, now: datetime, secret: str
) -> Request:
    body = json.dumps(
        {"msg_id": msg_id, "sender": {"id": sender, "name": sender.title()}, "text": text}
    ).encode()
    return Request(
        "POST", f"/webhooks/generic/{group}", generic.signed_headers(secret, body, now), body
    )


def _local(group: str, msg_id: str, sender: str, text: str, now: datetime, secret: str) -> Request:
    body = json.dumps(
        {"msg_id": msg_id, "sender": {"id": sender, "name": sender.title()}, "text": text}
    ).encode()
    return Request("POST", f"/webhooks/local/{group}", {"Content-Type": "application/json"}, body)


# How to make a valid inbound message for each platform. A platform that lands without an
# entry here is still fuzzed and checked for refusals; add its builder to test it end to end.
VALID_REQUEST = {"generic": _generic, "local": _local}
# Platforms whose webhook needs no signature by design (local: the page on loopback).
UNSIGNED = {"local"}


def valid_request(
    platform: str,
    group: str,
    msg_id: str,
    sender: str,
    text: str,
    now: datetime,
    secret: str = SECRET,
) -> Request:
    return VALID_REQUEST[platform](group, msg_id, sender, text, now, secret)


# --- every platform: its authentication around any content, and its message shape ---------------
#
# `AUTHENTICATE[p](group, content, now)` is a request that platform p's verification accepts
# (signed, or sealed and signed) whose verified content is `content`, however wrong that content
# is; `MESSAGE[p](msg_id, sender, text_json, now)` is the content of one text message, sent at
# `now`, whose text is the raw JSON fragment `text_json` (a string literal for a real message;
# anything for bad input).
# Both follow the platforms' documentation (tests/fake_chat.py, tests/fake_wecom.py) for the
# groups of `group_config`. A platform of the app without an entry in both fails
# test_every_platform_has_request_builders in test_bad_input.py.

_TEXT = "@@TEXT@@"


def _authenticate_generic(group: str, content: bytes, now: datetime) -> Request:
    return Request(
        "POST", f"/webhooks/generic/{group}", generic.signed_headers(SECRET, content, now), content
    )


def _authenticate_local(group: str, content: bytes, now: datetime) -> Request:
    return Request(
        "POST", f"/webhooks/local/{group}", {"Content-Type": "application/json"}, content
    )


def _authenticate_dingtalk(group: str, content: bytes, now: datetime) -> Request:
    return Request("POST", f"/webhooks/dingtalk/{group}", dingtalk_headers(SECRET, now), content)


def _authenticate_feishu(group: str, content: bytes, now: datetime) -> Request:
    body = json.dumps({"encrypt": feishu_encrypt(ENCRYPT_KEY, content)}).encode()
    headers = feishu_headers(ENCRYPT_KEY, body, str(int(now.timestamp())), secrets.token_hex(8))
    return Request("POST", f"/webhooks/feishu/{group}", headers, body)


def _authenticate_wecom(group: str, content: bytes, now: datetime) -> Request:
    cipher = WeComCipher.from_config(WECOM_TOKEN, AES_KEY)
    encrypt = cipher.encrypt(content, CORP_ID)
    ts, nonce = str(int(now.timestamp())), secrets.token_hex(5)
    query = f"msg_signature={cipher.signature(ts, nonce, encrypt)}&timestamp={ts}&nonce={nonce}"
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    ).encode()
    return Request("POST", f"/webhooks/wecom/{group}?{query}", {"Content-Type": "text/xml"}, body)


def _authenticate_wecom_kf(group: str, content: bytes, now: datetime) -> Request:
    request = _authenticate_wecom(group, content, now)
    return Request(request.method, request.path.replace("/wecom/", "/wecom_kf/", 1),
                   request.headers, request.body)


AUTHENTICATE: dict[str, Callable[[str, bytes, datetime], Request]] = {
    "generic": _authenticate_generic,
    "local": _authenticate_local,
    "dingtalk": _authenticate_dingtalk,
    "feishu": _authenticate_feishu,
    "wecom": _authenticate_wecom,
    "wecom_kf": _authenticate_wecom_kf,
}


def _splice(template: dict[str, Any], text_json: str) -> bytes:
    return json.dumps(template).replace(json.dumps(_TEXT), text_json).encode()


def _message_generic(msg_id: str, sender: str, text_json: str, now: datetime) -> bytes:
    return _splice(
        {"msg_id": msg_id, "sender": {"id": sender, "name": "Doc"}, "text": _TEXT}, text_json
    )


def _message_dingtalk(msg_id: str, sender: str, text_json: str, now: datetime) -> bytes:
    return _splice(
        {
            "msgId": msg_id,
            "senderStaffId": sender,
            "senderNick": "Doc",
            "conversationType": "2",
            "msgtype": "text",
            "text": {"content": _TEXT},
        },
        text_json,
    )


def _message_feishu(msg_id: str, sender: str, text_json: str, now: datetime) -> bytes:
    event = feishu_message_event(msg_id, sender, "", token=VERIFICATION_TOKEN, created_at=now)
    event["event"]["message"]["content"] = _TEXT  # a JSON object in a string, per Feishu
    return _splice(event, json.dumps('{"text": ' + text_json + "}"))


def _message_wecom(msg_id: str, sender: str, text_json: str, now: datetime) -> bytes:
    return _splice(aibot_json(msg_id, sender, _TEXT, chattype="single"), text_json)


def _message_wecom_kf(msg_id: str, sender: str, text_json: str, now: datetime) -> bytes:
    # 微信客服's callback carries no message, only a token to pull with: the text goes there.
    return (f"<xml><ToUserName>{CORP_ID}</ToUserName><CreateTime>{int(now.timestamp())}"
            "</CreateTime><MsgType>event</MsgType><Event>kf_msg_or_event</Event>"
            f"<Token>{text_json[:100]}</Token><OpenKfId>wkreliability</OpenKfId></xml>"
            ).encode()


MESSAGE: dict[str, Callable[[str, str, str, datetime], bytes]] = {
    "generic": _message_generic,
    "local": _message_generic,
    "dingtalk": _message_dingtalk,
    "feishu": _message_feishu,
    "wecom": _message_wecom,
    "wecom_kf": _message_wecom_kf,
}


def authenticated(platform: str, group: str, content: bytes, now: datetime) -> Request:
    """A request platform `platform` authenticates, carrying `content` (KeyError: none yet)."""
    return AUTHENTICATE[platform](group, content, now)
