"""The local chat over HTTP: the page, the member list, posts and the live event stream
(visibility of private posts, many tabs, posts from another process, clean shutdown)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest

from bot import models
from bot.clock import FrozenClock
from bot.keys import DB
from bot.web.live import LIVE, MAX_STREAMS_PER_ADDRESS
from tests.conftest import Bot, at
from tests.fake_web import SSEReader, local_message, network_address, web_settings

D = "2026-11-25"


@pytest.fixture
async def bot(database_url: str, make_bot: Any) -> Bot:
    b: Bot = await make_bot(web_settings(database_url), FrozenClock(at(D, "09:30")))
    await b.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="w1")
    await b.add_shift("c9", at(D, "08:00"), at(D, "12:00"), group="w2")
    return b


async def say(bot: Bot, group: str, msg_id: str, sender: str, text: str) -> None:
    assert bot.client is not None
    resp = await bot.client.post(
        f"/webhooks/local/{group}", json=local_message(msg_id, sender, text)
    )
    assert resp.status == 200, await resp.text()


async def test_page_is_served_with_its_texts_inline(bot: Bot) -> None:
    assert bot.client is not None
    resp = await bot.client.get("/")
    assert resp.status == 200 and resp.content_type == "text/html"
    html = await resp.text()
    assert "carebot · local chat" in html  # the title, from the catalogue, in English
    assert '"send":"Send"' in html.replace(" ", "")
    assert "/*__TEXTS__*/" not in html and "__LANG__" not in html
    assert "http://" not in html and "https://" not in html  # nothing loaded from elsewhere


async def test_groups_lists_local_groups_members_and_the_clock(bot: Bot) -> None:
    assert bot.client is not None
    await say(bot, "w1", "m1", "doc1", "hello")
    data = await (await bot.client.get("/local/api/groups")).json()
    w1 = next(g for g in data["groups"] if g["id"] == "w1")
    roles = {m["id"]: m["role"] for m in w1["members"]}
    assert roles == {
        "doc1": "staff",
        "c1": "counsellor",
        "c2": "counsellor",
        "c3": "counsellor",
        "l1": "lead",
    }
    assert w1["members"][0]["id"] == "doc1"  # staff first, for the picker
    assert next(g for g in data["groups"] if g["id"] == "w2")["privacy"] is True
    assert datetime.fromisoformat(data["clock"]["now"]) == at(D, "09:30")
    assert data["clock"]["utc_offset_s"] == 8 * 3600


async def test_posts_show_people_and_bot_and_hide_private_posts(bot: Bot) -> None:
    assert bot.client is not None
    await say(bot, "w2", "p1", "doc1", "I keep seeing the patients I lost")

    async def posts(viewer: str) -> list[dict[str, Any]]:
        for _ in range(50):
            data = await (
                await bot.client.get("/local/api/w2/posts", params={"viewer": viewer})  # type: ignore[union-attr]
            ).json()
            if any(p["is_bot"] for p in data["posts"]):
                return data["posts"]  # type: ignore[no-any-return]
            await asyncio.sleep(0.1)
        raise AssertionError("the bot never posted")

    # privacy mode: the group sees who takes it, the text goes privately to c9 only
    await asyncio.sleep(0.5)
    for_staff = await posts("doc1")
    for_c9 = await posts("c9")
    assert [p["text"] for p in for_staff if not p["is_bot"]] == [
        "I keep seeing the patients I lost"
    ]  # the person's own post in the group
    assert not any(p["private"] for p in for_staff)
    private = [p for p in for_c9 if p["private"]]
    assert private and all("patients I lost" in p["text"] for p in private)
    assert {p["id"] for p in for_c9} > {p["id"] for p in for_staff}
    nobody = await (await bot.client.get("/local/api/w2/posts")).json()
    assert not any(p["private"] for p in nobody["posts"])
    bot_post = next(p for p in for_staff if p["is_bot"])
    assert bot_post["kind"] == "assignment" and bot_post["time"] == "09:30"
    assert "c9" in bot_post["mentions"] and "Zhao" in bot_post["mention_names"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/local/api/nope/posts", 404),
        ("/local/api/w1/posts?after=x", 400),
        ("/local/api/w1/posts?after=-1", 400),
        ("/local/api/nope/events", 404),
        ("/local/api/w1/events?after=abc", 400),
    ],
)
async def test_bad_requests_are_refused(bot: Bot, path: str, status: int) -> None:
    assert bot.client is not None
    resp = await bot.client.get(path)
    assert resp.status == status
    assert (await resp.json())["ok"] is False


async def test_event_stream_sends_backlog_then_live_posts(bot: Bot) -> None:
    assert bot.client is not None
    await say(bot, "w1", "e1", "doc1", "first")
    resp = await bot.client.get("/local/api/w1/events", params={"viewer": "doc1"})
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    sse = SSEReader(resp)
    hello = await sse.next()
    assert hello.event == "hello" and hello.data == {"group": "w1", "viewer": "doc1"}
    got = await sse.posts_until(lambda p: p["kind"] == "assignment")
    assert got[0]["text"] == "first"
    # Live: a new post arrives without asking again, in order, each once.
    await say(bot, "w1", "e2", "doc2", "second")
    live = await sse.posts_until(lambda p: p["kind"] == "assignment" and "doc2" in p["mentions"])
    assert live[0]["text"] == "second"
    ids = [p["id"] for p in got + live]
    assert ids == sorted(set(ids))
    resp.close()


async def test_event_stream_resumes_after_last_event_id(bot: Bot) -> None:
    assert bot.client is not None
    await say(bot, "w1", "r1", "doc1", "one")
    await say(bot, "w1", "r2", "doc1", "two")
    async with bot.app[DB].read() as s:
        from sqlalchemy import select

        first = (await s.scalars(select(models.LocalPost.id).order_by(models.LocalPost.id))).first()
    resp = await bot.client.get("/local/api/w1/events", headers={"Last-Event-ID": str(first)})
    sse = SSEReader(resp)
    p = await sse.next_post()
    assert p["id"] > first and p["text"] != "one"
    resp.close()


async def test_many_tabs_all_get_the_post_and_streams_are_counted(bot: Bot) -> None:
    assert bot.client is not None
    tabs = []
    for i in range(20):
        resp = await bot.client.get("/local/api/w1/events", params={"viewer": f"v{i}"})
        sse = SSEReader(resp)
        assert (await sse.next()).event == "hello"
        tabs.append((resp, sse))
    assert bot.app[LIVE].streams == 20
    await say(bot, "w1", "t1", "doc1", "to everyone")
    for _, sse in tabs:
        assert (await sse.next_post())["text"] == "to everyone"
    for resp, _ in tabs:
        resp.close()
    for _ in range(100):  # a closed tab is noticed at its next write (the next post or ping)
        if bot.app[LIVE].streams == 0:
            break
        await say(bot, "w1", f"t-{_}", "doc1", "anyone there?")
        await asyncio.sleep(0.05)
    assert bot.app[LIVE].streams == 0


async def test_streams_past_the_limit_from_one_address_get_429(bot: Bot) -> None:
    assert bot.client is not None
    tabs = []
    for i in range(MAX_STREAMS_PER_ADDRESS):
        resp = await bot.client.get("/local/api/w1/events", params={"viewer": f"v{i}"})
        assert resp.status == 200
        tabs.append(resp)
    assert bot.app[LIVE].by_address == {"127.0.0.1": MAX_STREAMS_PER_ADDRESS}
    refused = await bot.client.get("/local/api/w1/events", params={"viewer": "one more"})
    assert refused.status == 429 and refused.headers["Retry-After"]
    assert "live streams are open from this address" in (await refused.json())["error"]
    assert bot.app[LIVE].streams == MAX_STREAMS_PER_ADDRESS
    for resp in tabs:
        resp.close()
    for n in range(100):  # a closed tab is noticed at its next write
        if bot.app[LIVE].streams == 0:
            break
        await say(bot, "w1", f"t-{n}", "doc1", "anyone there?")
        await asyncio.sleep(0.05)
    assert bot.app[LIVE].by_address == {}
    again = await bot.client.get("/local/api/w1/events", params={"viewer": "v0"})
    assert again.status == 200
    again.close()


async def test_post_written_by_another_process_arrives_by_the_poll(bot: Bot) -> None:
    assert bot.client is not None
    resp = await bot.client.get("/local/api/w1/events")
    sse = SSEReader(resp)
    await sse.next()
    # Written straight to the database, as another instance would: nobody here is notified.
    async with bot.app[DB].write() as s:
        s.add(
            models.LocalPost(
                group_id="w1",
                sender_id="carebot",
                sender_name="carebot",
                text="from elsewhere",
                mentions=[],
                kind="reminder",
                private_to=[],
                is_bot=True,
                posted_at=bot.clock.now(),
            )
        )
    p = await sse.next_post(within_s=6.0)
    assert p["text"] == "from elsewhere"
    resp.close()


async def test_private_posts_never_reach_other_viewers_live(bot: Bot) -> None:
    assert bot.client is not None
    streams = {}
    for viewer in ("c9", "doc1", ""):
        resp = await bot.client.get("/local/api/w2/events", params={"viewer": viewer})
        sse = SSEReader(resp)
        await sse.next()
        streams[viewer] = (resp, sse)
    await say(bot, "w2", "x1", "doc1", "a secret worry")
    c9 = await streams["c9"][1].posts_until(lambda p: p["private"])
    assert "a secret worry" in c9[-1]["text"]
    for viewer in ("doc1", ""):
        sse = streams[viewer][1]
        seen = await sse.posts_until(lambda p: p["is_bot"])
        # nothing further for them: the next thing is a timeout, not the private post
        with pytest.raises((AssertionError, TimeoutError)):
            await sse.next_post(within_s=0.8)
        assert not any(p["private"] for p in seen)
    for resp, _ in streams.values():
        resp.close()


async def test_shutdown_does_not_wait_for_open_streams(bot: Bot) -> None:
    assert bot.client is not None
    resp = await bot.client.get("/local/api/w1/events")
    await SSEReader(resp).next()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await bot.stop()  # aiohttp would wait up to 60 s for a handler that never returns
    assert loop.time() - started < 10
    resp.close()


# --- the doors: loopback, Host, Origin, JSON (issue 13 item 10) ----------------------------------


async def _local_posts(bot: Bot) -> int:
    from sqlalchemy import func, select

    async with bot.app[DB].read() as s:
        return int(await s.scalar(select(func.count()).select_from(models.LocalPost)) or 0)


def _port(bot: Bot) -> int:
    assert bot.client is not None
    port = bot.client.server.port
    assert port is not None
    return port


async def test_a_host_that_is_not_this_server_is_refused(bot: Bot) -> None:
    """DNS rebinding: the attacker's name resolves to 127.0.0.1, and its Host header says so."""
    assert bot.client is not None
    port = _port(bot)
    for host in (
        f"evil.example:{port}",
        "evil.example",
        f"127.0.0.1.nip.io:{port}",
        f"127.0.0.1:{port + 1}",
    ):
        for path in ("/", "/local/api/groups", "/local/api/w1/posts", "/local/api/w1/events"):
            resp = await bot.client.get(path, headers={"Host": host})
            assert resp.status == 403, (host, path, resp.status)
            assert "does not name this carebot server" in (await resp.json())["error"]
        resp = await bot.client.post(
            "/webhooks/local/w1", headers={"Host": host}, json=local_message("h1", "doc1", "hello")
        )
        assert resp.status == 403
    assert await _local_posts(bot) == 0
    for host in (f"localhost:{port}", f"127.0.0.1:{port}"):
        assert (await bot.client.get("/", headers={"Host": host})).status == 200


async def test_a_cross_origin_post_is_refused(bot: Bot) -> None:
    assert bot.client is not None
    port = _port(bot)
    for origin in (
        "http://evil.example",
        f"http://evil.example:{port}",
        "null",
        f"https://127.0.0.1:{port + 1}",
    ):
        resp = await bot.client.post(
            "/webhooks/local/w1",
            headers={"Origin": origin},
            json=local_message("o1", "l1", "/rota remove c1"),
        )
        assert resp.status == 403, (origin, resp.status)
        assert "another site" in (await resp.json())["error"]
        read = await bot.client.get(
            "/local/api/w2/posts", params={"viewer": "c9"}, headers={"Origin": origin}
        )
        assert read.status == 403
    assert await _local_posts(bot) == 0
    same = await bot.client.post(
        "/webhooks/local/w1",
        headers={"Origin": f"http://localhost:{port}"},
        json=local_message("o2", "doc1", "hello"),
    )
    assert same.status == 200, await same.text()


async def test_a_form_or_text_post_is_refused(bot: Bot) -> None:
    """A page elsewhere can submit a form (or text/plain) without asking: only JSON is taken."""
    assert bot.client is not None
    import json as _json

    body = _json.dumps(local_message("f1", "l1", "/rota remove c1"))
    for data, ctype in (
        (body, "text/plain"),
        ({"msg_id": "f2"}, None),
        (body, "multipart/form-data; boundary=x"),
        (body, None),
    ):
        headers = {"Content-Type": ctype} if ctype else {}
        resp = await bot.client.post("/webhooks/local/w1", data=data, headers=headers)
        assert resp.status == 415, (ctype, resp.status)
        assert "JSON" in (await resp.json())["error"]
    assert await _local_posts(bot) == 0


async def test_a_proxy_we_were_not_told_about_is_refused(bot: Bot) -> None:
    """A reverse proxy on this machine makes everyone look like 127.0.0.1."""
    assert bot.client is not None
    resp = await bot.client.get("/local/api/groups", headers={"X-Forwarded-For": "203.0.113.9"})
    assert resp.status == 403 and "this machine only" in (await resp.json())["error"]


async def test_a_client_that_is_not_loopback_is_refused(database_url: str) -> None:
    """The real app on this machine's network address: request.remote is not loopback."""
    import aiohttp
    from aiohttp.test_utils import TestServer

    from bot.app import create_app

    address = network_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to test from")
    for opted_in in (False, True):
        bot_section = (
            {"allow_local_on_network": True, "listen": f"{address}:8080"} if opted_in else {}
        )
        settings = web_settings(database_url).model_copy(deep=True)
        settings = type(settings)(
            **{**settings.model_dump(), "bot": {**settings.bot.model_dump(), **bot_section}}
        )
        server = TestServer(create_app(settings, FrozenClock(at(D, "09:30"))), host=address)
        await server.start_server()
        try:
            async with aiohttp.ClientSession() as http:
                base = f"http://{address}:{server.port}"
                async with http.get(base + "/local/api/groups") as r:
                    assert r.status == (200 if opted_in else 403), (opted_in, r.status)
                async with http.post(
                    base + "/webhooks/local/w1", json=local_message(f"n{opted_in}", "doc1", "hi")
                ) as r:
                    assert r.status == (200 if opted_in else 403), (opted_in, r.status)
                async with http.get(base + "/") as r:
                    assert r.status == (200 if opted_in else 403)
                    if not opted_in:
                        assert "this machine only" in (await r.json())["error"]
        finally:
            await server.close()
