"""The two pages in a real browser (Debian's Chromium through Playwright), against the real app
on a loopback port: a staff member's post is assigned and shown live, notices arrive without a
reload, the private inbox, and the console (sign-in, the grid with a gap, adding a shift)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.clock import FrozenClock
from bot.keys import JOBS
from tests.conftest import Bot, at
from tests.fake_web import CHROMIUM_ARGS, chromium_or_skip, web_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]
D = "2026-11-25"
WAIT_MS = 15_000


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    path = chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture
async def bot(tmp_path: Path, make_bot: Any) -> Bot:
    settings = web_settings(f"sqlite+aiosqlite:///{tmp_path}/web.db")
    b: Bot = await make_bot(settings, FrozenClock(at(D, "09:30")))
    await b.add_shift("c1", at(D, "08:00"), at(D, "10:00"), group="w1")
    await b.add_shift("c2", at(D, "10:00"), at(D, "12:00"), group="w1")
    await b.add_shift("c9", at(D, "08:00"), at(D, "12:00"), group="w2")
    return b


def url(bot: Bot, path: str) -> str:
    assert bot.client is not None
    return str(bot.client.make_url(path))


async def test_staff_post_is_assigned_and_notices_arrive_live(bot: Bot, browser: Any) -> None:
    page = await browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(url(bot, "/?group=w1"))
    # With no staff known yet, the picker starts on a new staff member.
    await page.wait_for_function(
        "document.body.dataset.live === 'w1:' + document.getElementById('sender').value"
    )
    me = await page.eval_on_selector("#sender", "e => e.selectedOptions[0].textContent")
    assert me == "Doctor 1"
    await page.evaluate("window.notReloaded = true")
    await page.fill("#text", "I cannot sleep after the night shift")
    await page.click("#send")
    mine = page.locator(".post.me .bubble")
    await mine.wait_for(timeout=WAIT_MS)
    assert await mine.inner_text() == "I cannot sleep after the night shift"
    assignment = page.locator(".post.bot[data-kind=assignment] .bubble")
    await assignment.wait_for(timeout=WAIT_MS)
    text = await assignment.inner_text()
    # It names who takes whom and the message's time, never the words the group just read.
    assert "@Chen" in text and "@Doctor 1" in text and "09:30" in text
    assert "cannot sleep" not in text
    # the mention of the viewer is highlighted
    assert await page.locator(".post.bot.at-me .at.mine").count() >= 1
    # Nobody touches the page: the clock passes 10:00 and the shift change shows up by itself.
    bot.clock.set(at(D, "10:00") + timedelta(seconds=1))
    bot.app[JOBS].reschedule("w1")
    change = page.locator(".post.bot[data-kind=shift_change] .bubble")
    await change.wait_for(timeout=WAIT_MS)
    assert "10:00" in await change.inner_text() and "@Chen" in await change.inner_text()
    assert await page.evaluate("window.notReloaded") is True
    # A command works as in a real group.
    await page.fill("#text", "/help")
    await page.click("#send")
    await page.locator(".post.bot[data-kind=command_reply]").wait_for(timeout=WAIT_MS)
    assert errors == []


async def test_private_inbox_is_a_tab_and_never_in_the_group_view(bot: Bot, browser: Any) -> None:
    page = await browser.new_page()
    await page.goto(url(bot, "/?group=w2"))
    await page.wait_for_function(
        "document.body.dataset.live && document.body.dataset.live.startsWith('w2:')"
    )
    await page.fill("#text", "a worry I only want the counsellor to read")
    await page.click("#send")
    await page.locator(".post.bot[data-kind=assignment]").wait_for(timeout=WAIT_MS)
    assert await page.locator("#view-group .post.private").count() == 0
    assert "only want the counsellor" not in await page.inner_text("#view-group .post.bot")
    # Post as the counsellor: the private post is in the inbox tab, not the group view.
    await page.select_option("#sender", "c9")
    await page.wait_for_function("document.body.dataset.live === 'w2:c9'")
    await page.click("#tab-inbox")
    private = page.locator("#view-inbox .post.private .bubble")
    await private.wait_for(timeout=WAIT_MS)
    assert "only want the counsellor" in await private.inner_text()
    await page.click("#tab-group")
    assert await page.locator("#view-group .post.private").count() == 0


async def test_console_without_login_answers_401(bot: Bot, browser: Any) -> None:
    page = await browser.new_page()
    resp = await page.goto(url(bot, "/console"))
    assert resp is not None and resp.status == 401
    assert "/console/login" in await page.inner_text("#message")
    api = await page.request.get(url(bot, "/console/api/groups/w1/rota"))
    assert api.status == 401
    resp = await page.goto(url(bot, "/console/login?link=wrong"))
    assert resp is not None and resp.status == 200  # the form; spending the link fails
    async with page.expect_navigation():
        await page.click("#login-submit")
    assert "not valid" in await page.inner_text("#message")
    assert (await page.request.get(url(bot, "/console/api/me"))).status == 401


async def test_console_grid_gap_closes_when_a_shift_is_added(bot: Bot, browser: Any) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    link = await cli._console_link(bot.settings, "l1", None)
    resp = await page.goto(url(bot, "/console/login?link=" + link.split("link=")[1]))
    assert resp is not None and resp.status == 200
    async with page.expect_navigation():
        await page.click("#login-submit")
    assert page.url.endswith("/console")  # the link is gone from the address bar
    gap = page.locator(f'.col-body[data-day="{D}"] .hour.gap[data-hour="12"]')
    await gap.wait_for(timeout=WAIT_MS)
    assert await page.locator(".now-line").count() == 1
    await gap.click()
    dialog = page.locator("#add-dialog")
    await dialog.wait_for(timeout=WAIT_MS)
    assert await page.input_value("#add-form [name=start]") == "12:00"
    assert await page.input_value("#add-form [name=end]") == "14:00"
    await page.select_option("#add-form [name=member_id]", "c3")
    await page.click("#add-submit")
    await page.locator('.shift[data-member="c3"]').wait_for(timeout=WAIT_MS)
    assert await gap.count() == 0
    assert await page.locator(f'.col-body[data-day="{D}"] .hour.gap[data-hour="13"]').count() == 0
    row = page.locator("tr.audit").first
    await row.wait_for(timeout=WAIT_MS)
    assert "Lead Liu" in await row.inner_text()
    assert "Wang" in await page.inner_text("#toast")
