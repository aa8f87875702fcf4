"""Console sign-in (issue 13 item 13): random server-side sessions that logout ends on every
instance, one-time links spent once, a brake on guessing (429), Secure behind a trusted proxy."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.clock import FrozenClock, FrozenWallClock
from bot.config import Settings
from bot.web import console_auth
from tests.conftest import Bot, at
from tests.fake_web import LEAD_TOKEN, web_settings

D = "2026-11-25"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def wall() -> FrozenWallClock:
    return FrozenWallClock(at(D, "09:30"))


@pytest.fixture
async def bots(database_url: str, wall: FrozenWallClock) -> Any:
    """A factory of bots on one database and one frozen wall clock, stopped at the end."""
    made: list[Bot] = []

    async def make(settings: Settings | None = None) -> Bot:
        b = Bot(settings or web_settings(database_url), FrozenClock(at(D, "09:30")), wall)
        made.append(b)
        return await b.start()

    yield make
    for b in made:
        await b.stop()


async def sign_in(bot: Bot, **form: str) -> Any:
    assert bot.client is not None
    return await bot.client.post("/console/login", data=form, allow_redirects=False)


async def test_logout_ends_the_session_on_every_instance(bots: Any) -> None:
    a, b = await bots(), await bots()
    resp = await sign_in(a, token=LEAD_TOKEN)
    assert resp.status == 303
    cookie = resp.cookies[console_auth.COOKIE].value
    assert a.client is not None and b.client is not None
    b.client.session.cookie_jar.update_cookies({console_auth.COOKIE: cookie})
    me = await b.client.get("/console/api/me")
    assert me.status == 200  # the other instance knows the session: it is in the database
    csrf = (await me.json())["csrf"]
    assert (await a.client.post("/console/logout", data={"csrf": csrf})).status == 200
    assert (await a.client.get("/console/api/me")).status == 401
    b.client.session.cookie_jar.update_cookies({console_auth.COOKIE: cookie})
    assert (await b.client.get("/console/api/me")).status == 401


async def test_a_one_time_link_works_once(bots: Any, wall: FrozenWallClock) -> None:
    a = await bots()
    url = await cli._console_link(a.settings, "l1", None, wall.wall_now())
    assert url.startswith("http://127.0.0.1:8080/console/login?link=")
    path = url.removeprefix("http://127.0.0.1:8080")
    link = path.split("link=")[1]
    assert a.client is not None
    for _ in range(2):  # a GET (a chat app's link preview) does not spend it
        page = await a.client.get(path)
        assert page.status == 200 and f'value="{link}"' in await page.text()
        assert "set-cookie" not in page.headers
    first = await sign_in(a, link=link)
    assert first.status == 303 and console_auth.COOKIE in first.cookies
    me = await (await a.client.get("/console/api/me")).json()
    assert me["name"] == "Lead Liu" and [g["id"] for g in me["groups"]] == ["w1"]
    a.client.session.cookie_jar.clear()
    again = await sign_in(a, link=link)
    assert again.status == 401 and "set-cookie" not in again.headers


async def test_two_instances_cannot_both_spend_a_link(bots: Any, wall: FrozenWallClock) -> None:
    a, b = await bots(), await bots()
    for n in range(3):
        url = await cli._console_link(a.settings, "l1", None, wall.wall_now())
        link = url.split("link=")[1]
        results = await asyncio.gather(sign_in(a, link=link), sign_in(b, link=link))
        assert sorted(r.status for r in results) == [303, 401], n


async def test_a_link_expires_and_names_its_group(
    database_url: str, bots: Any, wall: FrozenWallClock
) -> None:
    data = web_settings(database_url).model_dump()
    # l1 leads w1 and w2 here; a link for --group w2 opens w2 only.
    data["members"].append({**data["members"][3], "group": "w2"})
    settings = Settings(**data)
    a = await bots(settings)
    assert a.client is not None
    old = (await cli._console_link(settings, "l1", None, wall.wall_now())).split("link=")[1]
    wall.advance(timedelta(minutes=settings.bot.console_link_minutes, seconds=1))
    assert (await sign_in(a, link=old)).status == 401
    only_w2 = (await cli._console_link(settings, "l1", "w2", wall.wall_now())).split("link=")[1]
    assert (await sign_in(a, link=only_w2)).status == 303
    me = await (await a.client.get("/console/api/me")).json()
    assert [g["id"] for g in me["groups"]] == ["w2"]
    everywhere = (await cli._console_link(settings, "l1", None, wall.wall_now())).split("link=")[1]
    assert (await sign_in(a, link=everywhere)).status == 303
    me = await (await a.client.get("/console/api/me")).json()
    assert [g["id"] for g in me["groups"]] == ["w1", "w2"]


async def test_failed_sign_ins_are_answered_429_per_address(
    bots: Any, wall: FrozenWallClock
) -> None:
    a = await bots()
    for n in range(console_auth.MAX_FAILURES_PER_ADDRESS):
        assert (await sign_in(a, token=f"guess-{n}")).status == 401
        wall.advance(timedelta(seconds=1))
    blocked = await sign_in(a, token=LEAD_TOKEN)  # even the right one: no more guesses to test
    assert blocked.status == 429
    retry = int(blocked.headers["Retry-After"])
    assert 0 < retry <= console_auth.FAILURE_WINDOW_S
    assert str(retry) in await blocked.text()
    assert (await sign_in(a, link="x")).status == 429
    wall.advance(timedelta(seconds=retry))
    assert (await sign_in(a, token=LEAD_TOKEN)).status == 303


async def test_failed_sign_ins_are_limited_overall_and_xff_only_from_a_trusted_proxy(
    database_url: str, bots: Any
) -> None:
    plain = await bots()
    # Without a trusted proxy, X-Forwarded-For is the client's claim: every guess is 127.0.0.1.
    assert plain.client is not None
    for n in range(console_auth.MAX_FAILURES_PER_ADDRESS):
        resp = await plain.client.post(
            "/console/login",
            data={"token": f"g{n}"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        assert resp.status == 401
    assert (await sign_in(plain, token="g")).status == 429
    settings = web_settings(database_url).model_copy(deep=True)
    settings = type(settings)(
        **{
            **settings.model_dump(),
            "bot": {**settings.bot.model_dump(), "trusted_proxies": ["127.0.0.1"]},
        }
    )
    proxied = await bots(settings)
    assert proxied.client is not None
    for n in range(console_auth.MAX_FAILURES_OVERALL):
        resp = await proxied.client.post(
            "/console/login",
            data={"token": f"g{n}"},
            headers={"X-Forwarded-For": f"10.1.{n // 250}.{n % 250}"},
        )
        assert resp.status == 401, n  # each address stays under its own limit
    fresh = await proxied.client.post(
        "/console/login", data={"token": LEAD_TOKEN}, headers={"X-Forwarded-For": "203.0.113.77"}
    )
    assert fresh.status == 429 and int(fresh.headers["Retry-After"]) > 0


async def test_the_cookie_is_secure_behind_a_trusted_https_proxy(
    database_url: str, bots: Any
) -> None:
    plain = await bots()
    resp = await plain.client.post(  # type: ignore[union-attr]
        "/console/login",
        data={"token": LEAD_TOKEN},
        allow_redirects=False,
        headers={"X-Forwarded-Proto": "https"},
    )
    assert resp.status == 303 and "Secure" not in resp.headers["Set-Cookie"]  # not believed
    settings = web_settings(database_url).model_copy(deep=True)
    settings = type(settings)(
        **{
            **settings.model_dump(),
            "bot": {**settings.bot.model_dump(), "trusted_proxies": ["127.0.0.1/32"]},
        }
    )
    proxied = await bots(settings)
    resp = await proxied.client.post(  # type: ignore[union-attr]
        "/console/login",
        data={"token": LEAD_TOKEN},
        allow_redirects=False,
        headers={"X-Forwarded-Proto": "https"},
    )
    assert resp.status == 303 and "Secure" in resp.headers["Set-Cookie"]


async def test_a_sign_in_posted_from_another_site_is_refused(bots: Any) -> None:
    a = await bots()
    assert a.client is not None
    resp = await a.client.post(
        "/console/login",
        data={"token": LEAD_TOKEN},
        headers={"Origin": "http://evil.example"},
        allow_redirects=False,
    )
    assert resp.status == 403 and "set-cookie" not in resp.headers
    port = a.client.server.port
    ok = await a.client.post(
        "/console/login",
        data={"token": LEAD_TOKEN},
        headers={"Origin": f"http://127.0.0.1:{port}"},
        allow_redirects=False,
    )
    assert ok.status == 303


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_console_link_cli(tmp_path: Path) -> None:
    cfg = tmp_path / "carebot.toml"
    cfg.write_text(
        f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path}/c.db"\n'
        'public_url = "https://care.example.org/"\n'
        '[[groups]]\nid = "g1"\nplatform = "local"\n'
        '[[members]]\ngroup = "g1"\nid = "boss"\nrole = "lead"\n'
        '[[members]]\ngroup = "g1"\nid = "c1"\nrole = "counsellor"\n',
        encoding="utf-8",
    )
    ok = run_cli("--config", str(cfg), "console", "link", "boss", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    url = ok.stdout.splitlines()[0]
    assert url.startswith("https://care.example.org/console/login?link=")
    assert len(url.split("link=")[1]) >= 43 and "15 minutes" in ok.stdout
    for who, extra in (("c1", []), ("nobody", []), ("boss", ["--group", "g9"])):
        bad = run_cli("--config", str(cfg), "console", "link", who, *extra, cwd=tmp_path)
        assert bad.returncode == 2 and ("not a lead" in bad.stderr or "--group" in bad.stderr)
