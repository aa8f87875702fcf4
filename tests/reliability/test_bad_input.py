"""Bad input on every inbound route: hypothesis-generated bodies, headers, query strings and
signatures. Never a 5xx; a refused request writes no row; /healthz answers afterwards.

The routes are read from the running app (its router and its platform registry), so a platform
or route that lands later is fuzzed without editing this file. The app is the real one from
create_app, driven in-process through aiohttp's test client for speed. Per run: 10,000+ cases on
SQLite, and a shorter run of the same tests on PostgreSQL when it is configured.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from bot import models
from bot.clock import FrozenClock
from bot.keys import DB
from bot.platforms import generic, spec_of
from tests.conftest import PG_URL, Bot, at, make_settings
from tests.reliability.harness import (
    AUTHENTICATE,
    BACKGROUND_TABLES,
    MESSAGE,
    SECRET,
    UNSIGNED,
    InboundRoute,
    Request,
    authenticated,
    implemented_platforms,
    inbound_routes,
    one_group_per_platform,
)

pytestmark = pytest.mark.slow  # about a minute in all on 2 cores

D = "2026-11-25"
SQLITE = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
POSTGRES = pytest.mark.parametrize("database_url", ["postgres"] if PG_URL else [], indirect=True)
HYPOTHESIS = {
    "deadline": None,
    "database": None,  # each run explores afresh; a failure prints its reproduction
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}

# --- strategies -------------------------------------------------------------------------------

PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)
HEADER_NAMES = [
    generic.TS_HEADER,
    generic.SIG_HEADER,
    "X-Carebot-Delivery",
    "Content-Type",
    "timestamp",
    "sign",
    "X-Lark-Signature",
    "X-Lark-Request-Timestamp",
    "X-Lark-Request-Nonce",
    "Authorization",
    "Cookie",
    "Accept",
]
headers_st = st.dictionaries(
    st.sampled_from(HEADER_NAMES) | st.from_regex(r"\AX-[A-Za-z0-9-]{1,20}\Z"),
    st.text(PRINTABLE, max_size=120).map(str.strip),
    max_size=6,
)
query_st = st.dictionaries(
    st.sampled_from(
        [
            "msg_signature",
            "timestamp",
            "nonce",
            "echostr",
            "signature",
            "challenge",
            "token",
            "encrypt",
        ]
    )
    | st.text(PRINTABLE, min_size=1, max_size=12),
    st.text(max_size=60),
    max_size=5,
)
json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=60)
)
json_st = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
text_or_json = st.text(max_size=300) | json_st
message_like = st.fixed_dictionaries(
    {},
    optional={
        "msg_id": text_or_json,
        "sender": st.fixed_dictionaries({}, optional={"id": text_or_json, "name": text_or_json})
        | json_st,
        "text": text_or_json,
        "sent_at": st.datetimes().map(lambda d: d.isoformat()) | text_or_json,
        "encrypt": text_or_json,
        "challenge": text_or_json,
        "type": st.sampled_from(["url_verification", "event_callback"]) | json_st,
    },
)
bodies_st = st.one_of(
    st.just(b""),
    st.binary(max_size=1024),
    json_st.map(lambda v: json.dumps(v).encode()),
    message_like.map(lambda v: json.dumps(v, ensure_ascii=False).encode()),
    st.text(max_size=200).map(lambda t: f"<xml><Encrypt>{t}</Encrypt></xml>".encode()),
)
segment_st = st.text(max_size=20).map(lambda t: quote(t, safe=""))


# --- the app under fuzz -----------------------------------------------------------------------


class Target:
    """The real app with one group per platform, and a one-query count of every table."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        assert bot.client is not None
        self.client = bot.client
        self.routes = inbound_routes(bot.app, lambda p: f"p-{p}")
        assert any(r.platform == "generic" for r in self.routes), self.routes
        self.platforms = implemented_platforms(bot.app)
        tables = models.Base.metadata.sorted_tables
        # Bot posts on the local page are written by the outbox worker after a request was
        # answered; every other row can only come from a request (or a notice: the clock is
        # frozen where none is due).
        counts = []
        for table in tables:
            if table.name in BACKGROUND_TABLES:
                continue  # the outbox worker's delivery log, written in the background
            q = select(func.count()).select_from(table)
            if table.name == models.LocalPost.__tablename__:
                q = q.where(models.LocalPost.is_bot.is_(False))
            counts.append(q.scalar_subquery().label(table.name))
        self.count_query: Select[Any] = select(*counts)
        self.counts: dict[str, int] = {}
        self.cases = 0
        self.by_status: dict[int, int] = {}

    async def count(self) -> dict[str, int]:
        async with self.bot.app[DB].read() as s:
            row = (await s.execute(self.count_query)).one()
        return dict(row._mapping)

    async def send(
        self, method: str, path: str, headers: dict[str, str], query: dict[str, str], body: bytes
    ) -> int:
        """Send one request; check it answered below 500 and, if refused, wrote nothing."""
        if not self.counts:
            self.counts = await self.count()
        async with self.client.request(
            method, path, headers=headers, params=query, data=body if method != "GET" else None
        ) as resp:
            await resp.read()
            status = resp.status
        self.cases += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1
        assert status < 500, f"{method} {path} -> {status}"
        after = await self.count()
        if not 200 <= status < 300:
            assert after == self.counts, f"refused {method} {path} ({status}) wrote rows"
        self.counts = after
        return status

    async def send_request(self, req: Request) -> int:
        path, _, query = req.path.partition("?")
        params = dict(p.split("=", 1) for p in query.split("&")) if query else {}
        return await self.send(req.method, path, req.headers, params, req.body)

    async def healthy(self) -> None:
        resp = await self.client.get("/healthz")
        assert resp.status == 200 and (await resp.json())["ok"] is True


@pytest.fixture
async def target(database_url: str, make_bot: Any) -> AsyncIterator[Target]:
    webhook = "http://127.0.0.1:9/unreachable"
    groups = one_group_per_platform(webhook)
    members = []
    for g in groups:
        members += [
            {"group": g["id"], "id": "c1", "name": "Chen", "role": "counsellor"},
            {"group": g["id"], "id": "l1", "name": "Liu", "role": "lead"},
        ]
    s = make_settings(database_url, webhook, groups=groups, members=members)
    bot: Bot = await make_bot(s, FrozenClock(at(D, "10:00")))
    for g in groups:
        await bot.add_shift("c1", at(D, "08:00"), at(D, "24:00"), group=g["id"])
    t = Target(bot)
    yield t
    await t.healthy()  # after every fuzz run, the server still answers
    assert t.cases == 0 or t.by_status, "no request was sent"


def _signed(route: InboundRoute) -> bool:
    return route.platform != "" and route.platform not in UNSIGNED


# --- 1. anything at all, to every inbound route ------------------------------------------------


async def _anything(target: Target, data: st.DataObject) -> None:
    route = data.draw(st.sampled_from(target.routes), label="route")
    method = route.method
    if route.platform:
        method = data.draw(st.sampled_from(["POST", "GET"]), label="method")
    path = route.path
    if data.draw(st.integers(0, 9), label="mangle path") == 0:  # unknown platform or group
        path = f"/webhooks/{data.draw(segment_st)}/{data.draw(segment_st)}"
    before = dict(target.counts) if target.counts else await target.count()
    status = await target.send(
        method,
        path,
        data.draw(headers_st, label="headers"),
        data.draw(query_st, label="query"),
        data.draw(bodies_st, label="body"),
    )
    if _signed(route) and path == route.path:
        # Without the secret nothing may be stored, whatever the platform answered.
        assert target.counts == before, f"unsigned request to {path} ({status}) wrote rows"


@SQLITE
@settings(max_examples=4000, **HYPOTHESIS)
@given(data=st.data())
async def test_anything_to_any_inbound_route(target: Target, data: st.DataObject) -> None:
    await _anything(target, data)


@POSTGRES
@settings(max_examples=400, **HYPOTHESIS)
@given(data=st.data())
async def test_anything_to_any_inbound_route_postgres(target: Target, data: st.DataObject) -> None:
    await _anything(target, data)


# --- 2. generic webhooks that are nearly right: each one must be refused -----------------------

GOOD = {"msg_id": "ok-1", "sender": {"id": "doc1", "name": "Doc"}, "text": "hello"}
SIG_FAULTS = [
    "none",
    "wrong secret",
    "body changed",
    "stale",
    "future",
    "ts not digits",
    "signature mangled",
    "ts only",
    "signature only",
    "empty signature",
]


async def _near_miss(target: Target, data: st.DataObject) -> None:
    now = target.bot.wall.wall_now()
    payload = data.draw(message_like | st.just(GOOD), label="payload")
    body = json.dumps(payload, ensure_ascii=False).encode()
    fault = data.draw(st.sampled_from(SIG_FAULTS), label="fault")
    ts = str(int(now.timestamp()))
    sig = generic.sign(SECRET, ts, body)
    headers: dict[str, str] = {generic.TS_HEADER: ts, generic.SIG_HEADER: sig}
    if fault == "none":
        headers = {}
    elif fault == "wrong secret":
        other = data.draw(st.text(PRINTABLE, min_size=1, max_size=30).filter(lambda k: k != SECRET))
        headers[generic.SIG_HEADER] = generic.sign(other, ts, body)
    elif fault == "body changed":
        extra = data.draw(st.binary(min_size=1, max_size=8))
        body = body + extra if data.draw(st.booleans()) else extra + body
    elif fault in ("stale", "future"):
        skew = data.draw(st.integers(301, 10**9))
        t = str(int((now + timedelta(seconds=skew if fault == "future" else -skew)).timestamp()))
        headers = {generic.TS_HEADER: t, generic.SIG_HEADER: generic.sign(SECRET, t, body)}
    elif fault == "ts not digits":
        t = data.draw(
            st.text(PRINTABLE, min_size=1, max_size=14).filter(
                lambda x: not (x.isascii() and x.isdigit())
            )
        )
        headers = {generic.TS_HEADER: t, generic.SIG_HEADER: generic.sign(SECRET, t, body)}
    elif fault == "signature mangled":
        mangled = data.draw(
            st.sampled_from(
                [
                    sig.upper(),
                    sig[:-1],
                    sig + "0",
                    sig.replace("sha256=", ""),
                    sig.replace("sha256=", "sha1="),
                    sig[:-1] + ("0" if sig[-1] != "0" else "1"),
                ]
            )
        )
        headers[generic.SIG_HEADER] = mangled.strip() or "x"
    elif fault == "ts only":
        del headers[generic.SIG_HEADER]
    elif fault == "signature only":
        del headers[generic.TS_HEADER]
    else:
        headers[generic.SIG_HEADER] = "sha256="
    status = await target.send("POST", "/webhooks/generic/p-generic", headers, {}, body)
    assert status in (400, 401, 413), (fault, status)


@SQLITE
@settings(max_examples=3000, **HYPOTHESIS)
@given(data=st.data())
async def test_generic_near_misses_are_refused(target: Target, data: st.DataObject) -> None:
    await _near_miss(target, data)


# --- 3. correctly signed (or unsigned-by-design) bodies of every shape, on every platform -------


async def _shapes(target: Target, data: st.DataObject) -> None:
    platform = data.draw(st.sampled_from(target.platforms), label="platform")
    body = data.draw(bodies_st, label="body")
    req = authenticated(platform, f"p-{platform}", body, target.bot.wall.wall_now())
    before = dict(target.counts) if target.counts else await target.count()
    status = await target.send_request(req)
    if 200 <= status < 300:
        # Accepted only if it really was a message (or an event the platform answers without
        # one): then it is stored at most once.
        if platform in ("generic", "local"):
            parsed = json.loads(body)
            assert isinstance(parsed, dict) and isinstance(parsed.get("msg_id"), str)
        assert target.counts["messages"] in (before["messages"], before["messages"] + 1)
    else:
        # Feishu's content carries its own token too (checked after decryption): 401 if wrong.
        assert status in ((400, 401, 413) if platform == "feishu" else (400, 413)), (
            platform,
            status,
        )


@SQLITE
@settings(max_examples=3000, **HYPOTHESIS)
@given(data=st.data())
async def test_signed_bodies_of_every_shape(target: Target, data: st.DataObject) -> None:
    await _shapes(target, data)


@POSTGRES
@settings(max_examples=300, **HYPOTHESIS)
@given(data=st.data())
async def test_signed_bodies_of_every_shape_postgres(target: Target, data: st.DataObject) -> None:
    await _shapes(target, data)


# --- 4. what is not text or nests without end: 400 on every platform, signed or not ------------

DEEP_XML = "<xml>" + "<a>" * 20_000 + "x" + "</a>" * 20_000 + "</xml>"
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">'
    + "".join(
        f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    + "]><xml><Content>&i;</Content></xml>"
)
BAD_CONTENT = [
    "surrogate in text",
    "surrogate in sender",
    "deep text",
    "deep body",
    "number too long",
    "deep xml",
    "billion laughs",
    "not utf-8",
]


@dataclass(frozen=True)
class Bad:
    """One bad case and its knobs (drawn by hypothesis, or fixed)."""

    case: str
    surrogate: int = 0xD83D  # the first half of most emoji
    depth: int = 20_000
    nesting: str = "array"
    digits: int = 5_000


bad_st = st.builds(
    Bad,
    case=st.sampled_from(BAD_CONTENT),
    surrogate=st.integers(0xD800, 0xDFFF),
    depth=st.integers(2_000, 20_000),  # past any recursion limit, whatever the stack's depth
    nesting=st.sampled_from(["array", "object"]),
    digits=st.integers(4_301, 20_000),  # int() refuses more than 4300 digits: a ValueError
)


def _nested(depth: int, nesting: str) -> str:
    if nesting == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def bad_content(platform: str, bad: Bad, now: datetime) -> bytes:
    """Content that is a message in form but not in substance (or not parseable at all)."""

    def message(msg_id: str, sender: str, text_json: str) -> bytes:
        return MESSAGE[platform](msg_id, sender, text_json, now)

    if bad.case == "surrogate in text":
        return message("bad-1", "doc1", json.dumps("broken " + chr(bad.surrogate) + " emoji"))
    if bad.case == "surrogate in sender":
        return message("bad-2", "doc" + chr(bad.surrogate), json.dumps("hello"))
    if bad.case == "deep text":
        return message("bad-3", "doc1", _nested(bad.depth, bad.nesting))
    if bad.case == "deep body":
        return _nested(max(bad.depth, 1_000), bad.nesting).encode()
    if bad.case == "number too long":
        return message("bad-4", "doc1", "9" * bad.digits)
    if bad.case == "deep xml":
        return DEEP_XML.encode()
    if bad.case == "billion laughs":
        return BILLION_LAUGHS.encode()
    return message("bad-5", "doc1", json.dumps("hello")).replace(b"hello", b"\xff\xfe")


def _unsigned(platform: str, content: bytes, now: Any) -> Request:
    """`content` as the body itself, without the platform's signature (WeCom: a signature that
    does not match, so that its envelope is read before the refusal)."""
    path = f"/webhooks/{platform}/p-{platform}"
    if platform == "wecom":
        path += f"?msg_signature={'0' * 40}&timestamp={int(now.timestamp())}&nonce=n"
    return Request("POST", path, {"Content-Type": "application/json"}, content)


async def _bad(target: Target, platform: str, bad: Bad, signed: bool) -> int:
    now = target.bot.wall.wall_now()
    content = bad_content(platform, bad, now)
    if signed:
        req = authenticated(platform, f"p-{platform}", content, now)
    else:
        req = _unsigned(platform, content, now)
    before = dict(target.counts) if target.counts else await target.count()
    status = await target.send_request(req)
    if signed and spec_of(platform).pulls and status == 200:
        # 微信客服's callback carries no message, only "pull": what it holds is never stored
        assert target.counts["messages"] == before["messages"], (platform, bad)
    elif signed or platform in UNSIGNED:
        assert status == 400, (platform, bad, signed, status)
    else:
        assert status in (400, 401), (platform, bad, signed, status)
    return status


@SQLITE
@settings(max_examples=300, **HYPOTHESIS)
@given(data=st.data())
async def test_bad_content_is_refused_on_every_platform(
    target: Target, data: st.DataObject
) -> None:
    platform = data.draw(st.sampled_from(target.platforms), label="platform")
    await _bad(
        target, platform, data.draw(bad_st, label="bad"), data.draw(st.booleans(), label="signed")
    )


@POSTGRES
@settings(max_examples=100, **HYPOTHESIS)
@given(data=st.data())
async def test_bad_content_is_refused_on_every_platform_postgres(
    target: Target, data: st.DataObject
) -> None:
    platform = data.draw(st.sampled_from(target.platforms), label="platform")
    await _bad(
        target, platform, data.draw(bad_st, label="bad"), data.draw(st.booleans(), label="signed")
    )


@SQLITE
async def test_every_platform_has_request_builders(target: Target) -> None:
    """Each platform of the app is reachable by the fuzz: a message the harness builds and
    authenticates is accepted (so the builders are right), and every bad case, validly signed
    or not, is refused. A platform added without builders fails here; it is never skipped."""
    missing = [p for p in target.platforms if p not in AUTHENTICATE or p not in MESSAGE]
    assert not missing, f"add request builders for {missing} to tests/reliability/harness.py"
    now = target.bot.wall.wall_now()
    for platform in target.platforms:
        good = MESSAGE[platform](f"good-{platform}", "doc1", json.dumps("hello"), now)
        before = await target.count()
        status = await target.send_request(authenticated(platform, f"p-{platform}", good, now))
        assert status == 200, (platform, status)
        # A platform whose callback only says "pull" (微信客服) stores nothing from it.
        stored = 0 if spec_of(platform).pulls else 1
        assert (await target.count())["messages"] == before["messages"] + stored, platform
        for case in BAD_CONTENT:
            for signed in (True, False):
                await _bad(target, platform, Bad(case), signed)


# --- afterwards ----------------------------------------------------------------------------------


async def test_routes_found_and_server_healthy_after_a_storm_of_garbage(target: Target) -> None:
    """The route list is what the app has (generic and local today), and a burst of refused
    requests leaves the server answering /healthz."""
    platforms = {r.platform for r in target.routes if r.platform}
    assert {"generic", "local"} <= platforms
    for i in range(200):
        await target.send("POST", "/webhooks/generic/p-generic", {}, {}, b"{" * (i % 7))
    await target.healthy()
    assert target.by_status == {401: 200}
