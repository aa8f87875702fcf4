"""Access: every webhook without a valid signature is refused; every command that needs a role
is refused for callers below it (rota edits change nothing); every console route is refused
without the right lead's credentials.

Commands and console routes are read from the registry and the router at run time, so a
command or route added later is covered without editing this file.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock
from bot.config import PLATFORMS
from bot.i18n import t
from bot.keys import DB
from bot.keys import PLATFORMS as PLATFORMS_KEY
from bot.platforms import generic
from handlers.commands import Command, may_use
from handlers.registry import bot_commands
from tests.conftest import Bot, at, make_settings
from tests.reliability.harness import (
    SECRET,
    UNSIGNED,
    VALID_REQUEST,
    Receiver,
    group_config,
    row_counts,
    serve_receiver,
    valid_request,
)

D = "2026-11-25"
OTHER_SECRET = "another-groups-secret"
# Console paths that may answer without credentials: the sign-in form (its POST refuses a wrong
# token or link with 401, which the walk below checks).
PUBLIC_CONSOLE_ROUTES: set[tuple[str, str]] = {("GET", "/console/login")}

RESTRICTED: list[Command] = [c for c in bot_commands().commands() if c.role != "everyone"]
CALLERS = {"staff": "doc1", "counsellor": "c1", "supervisor": "s1", "lead": "l1"}


def _members(group: str) -> list[dict[str, Any]]:
    return [
        {"group": group, "id": "c1", "name": "Chen", "role": "counsellor"},
        {"group": group, "id": "s1", "name": "Song", "role": "supervisor"},
        {
            "group": group,
            "id": "l1",
            "name": "Liu",
            "role": "lead",
            "console_token": f"lead-token-{group}-Qm7xV2pLk9sRt4wYz8NcBd",
        },
    ]


@pytest.fixture
async def bot(database_url: str, make_bot: Any) -> Any:
    async with serve_receiver(Receiver()) as rx:
        groups = [group_config(p, f"p-{p}", rx.url) for p in PLATFORMS]
        groups.append(group_config("generic", "other", rx.url, secret=OTHER_SECRET))
        members = [m for g in groups for m in _members(g["id"])]
        settings = make_settings(
            database_url, rx.url, groups=groups, members=members, bot={"language": "en"}
        )
        b: Bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
        await b.add_shift("c1", at(D, "08:00"), at(D, "24:00"), group="p-generic")
        b.rx = rx  # type: ignore[attr-defined]
        yield b


# --- webhooks ------------------------------------------------------------------------------------


def _unsigned_variants(
    platform: str, group: str, now: Any
) -> list[tuple[str, dict[str, str], bytes]]:
    """Requests for `group` that carry no valid signature, in every form we can think of."""
    body = json.dumps(
        {"msg_id": "a1", "sender": {"id": "doc1", "name": "Doc"}, "text": "let me in"}
    ).encode()
    path = f"/webhooks/{platform}/{group}"
    ts = str(int(now.timestamp()))
    garbage = {
        generic.TS_HEADER: ts,
        generic.SIG_HEADER: "sha256=" + "0" * 64,
        "timestamp": str(int(now.timestamp() * 1000)),
        "sign": "AAAA",
        "X-Lark-Signature": "00",
        "X-Lark-Request-Timestamp": ts,
        "X-Lark-Request-Nonce": "n",
    }
    out = [
        (path, {}, body),
        (path, garbage, body),
        (path + "?msg_signature=00&timestamp=" + ts + "&nonce=1", {}, b"<xml></xml>"),
    ]
    if platform in VALID_REQUEST:
        good = valid_request(platform, group, "a2", "doc1", "let me in", now)
        wrong = valid_request(
            platform, group, "a3", "doc1", "let me in", now, secret="not-the-secret"
        )
        out.append((path, wrong.headers, wrong.body))
        out.append((f"/webhooks/{platform}/other", good.headers, good.body))  # other group's
    return out


@pytest.mark.parametrize("platform", PLATFORMS)
async def test_webhook_without_valid_signature_is_refused(bot: Bot, platform: str) -> None:
    assert platform in bot.app[PLATFORMS_KEY]  # every platform the config accepts is served
    if platform in UNSIGNED:
        pytest.skip(f"{platform!r} takes unsigned posts by design (the page on loopback)")
    assert bot.client is not None
    for path, headers, body in _unsigned_variants(platform, f"p-{platform}", bot.wall.wall_now()):
        before = await row_counts(bot.app[DB])
        for method in ("POST", "GET"):
            resp = await bot.client.request(method, path, headers=headers, data=body)
            assert 400 <= resp.status < 500, (method, path, headers, resp.status)
        assert await row_counts(bot.app[DB]) == before, path


# --- commands ------------------------------------------------------------------------------------


def _wrong_callers(cmd: Command) -> list[str]:
    return [role for role in CALLERS if not may_use(role, cmd)]


CASES = [(c, role) for c in RESTRICTED for role in _wrong_callers(c)]


def test_some_commands_need_a_role() -> None:
    assert CASES, "no command needs a role: the test below would check nothing"


@pytest.mark.parametrize(("cmd", "caller"), CASES, ids=[f"{c.name}-by-{r}" for c, r in CASES])
async def test_command_refused_for_callers_below_its_role(
    bot: Bot, cmd: Command, caller: str
) -> None:
    rx: Receiver = bot.rx  # type: ignore[attr-defined]
    before = await row_counts(bot.app[DB])
    for n, text in enumerate((t("en", cmd.example), f"/{cmd.name}", f"/{cmd.alias}")):
        who = CALLERS[caller]
        resp = await bot.post_signed(
            {
                "msg_id": f"acl-{cmd.name}-{caller}-{n}",
                "sender": {"id": who, "name": who},
                "text": text,
            },
            group="p-generic",
            secret=SECRET,
        )
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["duplicate"] is False
    await rx.wait_for(lambda r: len(r.received) >= 3, within_s=10)
    await asyncio.sleep(0.3)
    needed = t("en", "role_" + cmd.role)
    replies = [p.body for p in rx.received]
    assert [r["kind"] for r in replies] == ["command_reply"] * 3
    for r in replies:
        assert r["text"] == t(
            "en", "not_allowed", command=f"/{cmd.name}", who=needed, leads="Liu"
        ), r["text"]
        assert r["mentions"] == [CALLERS[caller]]
    after = await row_counts(bot.app[DB])
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {"messages", "outbox", "members"}, changed  # nothing else, no shift
    assert after["messages"] == before["messages"] + 3
    assert after["outbox"] == before["outbox"] + 3


# --- console -------------------------------------------------------------------------------------


def _console_routes(bot: Bot) -> list[tuple[str, str]]:
    out = []
    for route in bot.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        pattern = str(info.get("formatter") or info.get("path") or "")
        if pattern.startswith(("/console", "/api/console")) and route.method != "HEAD":
            out.append((route.method, pattern))
    return sorted(set(out))


def _fill(pattern: str, group: str) -> str:
    path = pattern
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end].split(":")[0]
        value = group if "group" in name else "1"
        path = path[:start] + value + path[end + 1 :]
    return path


async def test_console_refuses_the_wrong_caller(bot: Bot) -> None:
    routes = _console_routes(bot)
    assert routes, "the app serves no /console route"
    assert bot.client is not None
    wrong = [
        {},
        {"params": {"token": "wrong"}},
        {"headers": {"Authorization": "Bearer wrong"}},
        {"cookies": {"carebot_console": "wrong", "session": "wrong"}},
        {"params": {"token": "lead-token-p-local-Qm7xV2pLk9sRt4wYz8NcBd"}},  # another group's
        {"data": {"token": "wrong"}},
        {"data": {"link": "wrong"}},
    ]
    for method, pattern in routes:
        if (method, pattern) in PUBLIC_CONSOLE_ROUTES:
            continue
        path = _fill(pattern, "p-generic")
        for how in wrong:
            # A session a valid link set on an earlier case must not vouch for this one.
            bot.client.session.cookie_jar.clear()
            before = await row_counts(bot.app[DB])
            how = dict(how)
            data = how.pop("data", b"{}" if method != "GET" else None)
            resp = await bot.client.request(
                method, path, allow_redirects=False, data=data if method != "GET" else None, **how
            )
            refused = resp.status in (401, 403, 404) or (
                resp.status in (302, 303, 307) and resp.headers.get("Location", "") != path
            )
            if pattern == "/console/login":
                refused = resp.status in (401, 403, 429)  # a redirect there means signed in
            assert refused, (method, path, how, resp.status)
            assert "set-cookie" not in resp.headers, (method, path, how)
            assert await row_counts(bot.app[DB]) == before, (method, path, how)


async def test_ical_unknown_token_is_refused(bot: Bot) -> None:
    patterns = [p for _, p in _console_routes(bot)]
    ical = [
        r
        for r in bot.app.router.routes()
        if str((r.resource.get_info() if r.resource else {}).get("formatter", "")).startswith(
            "/ical/"
        )
    ]
    assert ical, "the app serves no /ical route"
    assert bot.client is not None
    async with bot.app[DB].read() as s:
        tokens = set(await s.scalars(select(models.Member.ical_token)))
    for token in ("nope", "0" * 32, "", "..%2F..%2Fetc"):
        if token in tokens:
            continue
        resp = await bot.client.get(f"/ical/{token}.ics")
        assert resp.status in (400, 404), (token, resp.status)
    assert patterns is not None


# --- /metrics (issue 13 item 17) -----------------------------------------------------------------

METRICS_TOKEN = "m3tr1cs-Tok3n-for-the-scraper-0123456789"


async def test_metrics_with_a_token_needs_the_bearer(database_url: str, make_bot: Any) -> None:
    async with serve_receiver(Receiver()) as rx:
        settings = make_settings(database_url, rx.url, bot={"metrics_token": METRICS_TOKEN})
        b: Bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
        assert b.client is not None
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": METRICS_TOKEN},
            {"Authorization": f"Basic {METRICS_TOKEN}"},
            {"Authorization": f"Bearer {METRICS_TOKEN}x"},
        ):
            resp = await b.client.get("/metrics", headers=headers)
            assert resp.status == 401, (headers, resp.status)
            assert resp.headers["WWW-Authenticate"].startswith("Bearer")
            assert "carebot_" not in await resp.text()
        ok = await b.client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert ok.status == 200 and "carebot_outbox_rows" in await ok.text()
        # With a token, a proxied scraper is fine: the token is the credential.
        via = await b.client.get(
            "/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}", "X-Forwarded-For": "203.0.113.9"},
        )
        assert via.status == 200


async def test_metrics_without_a_token_answer_this_machine_only(bot: Bot) -> None:
    assert bot.client is not None
    assert (await bot.client.get("/metrics")).status == 200  # loopback, not forwarded
    # Through a reverse proxy on this machine nobody told us about: not this machine.
    resp = await bot.client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.status == 403 and "metrics_token" in (await resp.json())["error"]


async def test_metrics_refuse_a_client_on_the_network(database_url: str) -> None:
    from aiohttp import ClientSession
    from aiohttp.test_utils import TestServer

    from bot.app import create_app
    from tests.fake_web import network_address

    address = network_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to test from")
    settings = make_settings(database_url, "http://127.0.0.1:9/hook")
    server = TestServer(create_app(settings, FrozenClock(at(D, "10:00"))), host=address)
    await server.start_server()
    try:
        async with ClientSession() as http:
            async with http.get(f"http://{address}:{server.port}/metrics") as r:
                assert r.status == 403
            async with http.get(f"http://{address}:{server.port}/healthz") as r:
                assert r.status == 200  # what monitors poll stays open
    finally:
        await server.close()
