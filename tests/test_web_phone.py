"""The console and the local chat as a lead meets them: on a phone (390x844 CSS px, device scale 3,
touch), at 1,000 and 1,280 px, and in a browser whose timezone is not the service's.

Each page is measured in Debian's Chromium: nothing reaches past the screen's edges except inside
a container made to scroll sideways (the week), every action is tapped and does what it says
(sign in by link, add a shift from the button and from an empty slot, swap one, undo, open a
conversation, sign out), names and day heads are whole, and chart labels are at least 11 CSS px.
Times are the service timezone's (Asia/Shanghai) whatever the browser's: a message received at
10:00 there shows 10:00 in a browser set to UTC (where it is 02:00)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import cli
from bot.clock import FrozenClock
from bot.config import Settings, load_settings
from tests.conftest import Bot, at
from tests.fake_web import CHROMIUM_ARGS, LEAD_TOKEN, chromium_or_skip, local_message

pytestmark = [pytest.mark.browser, pytest.mark.slow]
D = "2026-11-25"  # a Wednesday: the week shown runs 11-23 to 11-29
WAIT_MS = 15_000
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}
# Long enough to have been cut to "陈…" in a shift block before.
NAMES = {"c1": "陈静怡", "c2": "欧阳晓明", "c3": "Alexandra Li"}

# Every element that reaches past the left or right edge of the screen, except those inside a
# container made to scroll sideways (.scroll-x: their overflow is scrolled, not lost).
OVERFLOWING = """() => {
  const W = document.documentElement.clientWidth;
  const out = [];
  const page = document.documentElement.scrollWidth;
  if (page > W) out.push('page ' + page);
  for (const el of document.querySelectorAll('body *')) {
    if (el.parentElement && el.parentElement.closest('.scroll-x')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < -0.5 || r.right > W + 0.5)
      out.push(`${el.tagName}#${el.id}.${el.className} ${r.left | 0}..${r.right | 0}`);
  }
  return out;
}"""

# Text cut short: wider than its box (an ellipsis), lower than its shift block's bottom, or a word
# (a whole Chinese name is one) broken across two lines.
CUT_TEXT = """(selector) => [...document.querySelectorAll(selector)].filter((el) => {
  if (el.scrollWidth > el.clientWidth + 0.5) return true;
  const block = el.closest('.shift');
  const bottom = el.getBoundingClientRect().bottom;
  if (block && bottom > block.getBoundingClientRect().bottom + 0.5) return true;
  const node = el.firstChild;
  if (!node || node.nodeType !== Node.TEXT_NODE) return false;
  let at = 0;
  for (const word of node.data.split(' ')) {
    const r = document.createRange(); r.setStart(node, at); r.setEnd(node, at + word.length);
    const rects = [...r.getClientRects()].filter((q) => q.width > 0);
    const lines = new Set(rects.map((q) => Math.round(q.top)));
    if (lines.size > 1) return true;
    at += word.length + 1;
  }
  return false;
}).map((el) => el.textContent)"""

# The size each chart label is drawn at on screen: its font size times the drawing's scale.
CHART_LABEL_PX = """() => [...document.querySelectorAll('.chart svg')].flatMap((svg) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(
    (t) => [t.textContent, parseFloat(getComputedStyle(t).fontSize) * scale]);
})"""


def phone_settings(database_url: str, language: str) -> Settings:
    """One local group `w1` with lead l1 and three counsellors with long names."""
    return load_settings(
        None,
        bot={"database_url": database_url, "timezone": "Asia/Shanghai", "language": language},
        service={"reminder_minutes": 0},
        groups=[{"id": "w1", "name": "医护人员心理支持群", "platform": "local"}],
        members=[
            *({"group": "w1", "id": m, "name": n, "role": "counsellor"} for m, n in NAMES.items()),
            {"group": "w1", "id": "l1", "name": "组长刘", "role": "lead",
             "console_token": LEAD_TOKEN},
        ],
    )


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    path = chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        await b.close()


async def start(tmp_path: Path, make_bot: Any, language: str) -> Bot:
    """A week of rota (c1 08-16 and c2 16-24 every day), Wednesday with three overlapping
    shifts and a thin 14:00-16:00, and a staff member's message received at 10:00."""
    settings = phone_settings(f"sqlite+aiosqlite:///{tmp_path}/phone.db", language)
    b: Bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
    for i in range(7):
        day = f"2026-11-{23 + i}"
        if day == D:
            await b.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="w1")
            await b.add_shift("c2", at(D, "10:00"), at(D, "14:00"), group="w1")
            await b.add_shift("c3", at(D, "11:00"), at(D, "13:00"), group="w1")
            await b.add_shift("c2", at(D, "16:00"), at(D, "00:00") + timedelta(days=1), group="w1")
        else:
            await b.add_shift("c1", at(day, "08:00"), at(day, "16:00"), group="w1")
            await b.add_shift("c2", at(day, "16:00"), at(day, "00:00") + timedelta(days=1),
                              group="w1")
    assert b.client is not None
    resp = await b.client.post("/webhooks/local/w1",
                               json=local_message("m1", "doc1", "夜班后一直睡不着", "王医生"))
    assert resp.status == 200, await resp.text()
    b.clock.set(at(D, "10:05"))
    return b


def url(bot: Bot, path: str) -> str:
    assert bot.client is not None
    return str(bot.client.make_url(path))


async def sign_in(bot: Bot, page: Any, touch: bool) -> None:
    """Open a one-time link as a lead would and press the sign-in button."""
    link = await cli._console_link(bot.settings, "l1", None)
    resp = await page.goto(url(bot, "/console/login?link=" + link.split("link=")[1]))
    assert resp is not None and resp.status == 200
    assert await page.evaluate(OVERFLOWING) == []
    async with page.expect_navigation():
        await (page.tap if touch else page.click)("#login-submit")
    await page.locator("#grid").wait_for(timeout=WAIT_MS)


async def fits(page: Any, what: str) -> None:
    over = await page.evaluate(OVERFLOWING)
    assert over == [], f"{what}: past the screen's edge: {over}"


async def in_view(page: Any, selector: str) -> None:
    """`selector` is inside the screen (after scrolling the page to it) and on top: a tap there
    reaches it."""
    el = page.locator(selector).first
    await el.scroll_into_view_if_needed()
    box = await el.bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
    on_top = await page.evaluate(
        "([s, x, y]) => { const e = document.elementFromPoint(x, y);"
        " const t = document.querySelector(s);"
        " return !!e && (e === t || t.contains(e) || e.contains(t)); }",
        [selector, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert on_top, f"{selector} is covered"


async def toast(page: Any) -> str:
    el = page.locator("#toast")
    await el.wait_for(timeout=WAIT_MS)
    return str(await el.inner_text())


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_every_console_action_on_a_phone(
    tmp_path: Path, make_bot: Any, chromium: Any, language: str
) -> None:
    bot = await start(tmp_path, make_bot, language)
    context = await chromium.new_context(**PHONE, timezone_id="UTC")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await sign_in(bot, page, touch=True)
    await fits(page, "the console")
    assert await page.evaluate("window.innerWidth") == 390
    # The header: title, clock and sign-out on one line, nothing wrapped under it.
    h1 = await page.locator("header h1").bounding_box()
    clock = await page.locator("#clock").bounding_box()
    assert h1 is not None and clock is not None and h1["height"] < 30
    assert abs((h1["y"] + h1["height"] / 2) - (clock["y"] + clock["height"] / 2)) < 4
    # The week scrolls sideways inside its card, today first; the time column stays put.
    box = page.locator("#grid-scroll")
    assert await box.evaluate("e => e.scrollWidth > e.clientWidth")
    gutter_x = await page.locator(".gutter").evaluate("e => e.getBoundingClientRect().left")
    today = await page.locator(".day.today").bounding_box()
    assert today is not None and gutter_x + 40 <= today["x"] < 120
    await box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    await page.wait_for_function(
        "x => Math.abs(document.querySelector('.gutter').getBoundingClientRect().left - x) < 1",
        arg=gutter_x, timeout=WAIT_MS)
    await box.evaluate("e => { e.scrollLeft = 0; }")
    # Whole names and day heads, legible chart labels.
    assert await page.evaluate(CUT_TEXT, ".shift b") == []
    assert await page.evaluate(CUT_TEXT, ".day-head") == []
    assert await page.locator(".day-head").count() == 8
    labels = await page.evaluate(CHART_LABEL_PX)
    assert len(labels) > 20 and min(px for _, px in labels) >= 11, labels

    # Add a shift by tapping an empty slot: Wednesday's thin 14:00-16:00.
    gap = f'.col-body[data-day="{D}"] .hour.gap[data-hour="14"]'
    await in_view(page, gap)
    await page.tap(gap)
    await page.locator("#add-dialog[open]").wait_for(timeout=WAIT_MS)
    await fits(page, "the add dialog")
    assert await page.input_value("#add-form [name=date]") == D
    assert await page.input_value("#add-form [name=start]") == "14:00"
    assert await page.input_value("#add-form [name=end]") == "16:00"
    await page.select_option("#add-form [name=member_id]", "c3")
    await page.tap("#add-submit")
    await page.locator(f'.col-body[data-day="{D}"] .shift[data-member="c3"][data-start="14:00"]'
                       ).wait_for(timeout=WAIT_MS)
    assert await page.locator(gap).count() == 0
    assert "14:00" in await toast(page)
    # And from the button (every hour may be covered): today, from the next hour.
    await in_view(page, "#add-shift")
    await page.tap("#add-shift")
    await page.locator("#add-dialog[open]").wait_for(timeout=WAIT_MS)
    assert await page.input_value("#add-form [name=date]") == D
    assert await page.input_value("#add-form [name=start]") == "11:00"
    await page.select_option("#add-form [name=start]", "18:00")
    await page.select_option("#add-form [name=end]", "20:00")
    await page.select_option("#add-form [name=member_id]", "c1")
    await page.tap("#add-submit")
    await page.locator(f'.col-body[data-day="{D}"] .shift[data-member="c1"][data-start="18:00"]'
                       ).wait_for(timeout=WAIT_MS)
    await fits(page, "the console after two additions")
    assert await page.evaluate(CUT_TEXT, ".shift b") == []

    # Edit a shift: tap it, give it to another counsellor.
    shift = f'.col-body[data-day="{D}"] .shift[data-member="c2"][data-start="16:00"]'
    await in_view(page, shift)
    await page.tap(shift)
    await page.locator("#shift-dialog[open]").wait_for(timeout=WAIT_MS)
    await fits(page, "the shift dialog")
    await page.select_option("#shift-form [name=member_b]", "c3")
    await page.tap("#swap-submit")
    await page.locator(f'.col-body[data-day="{D}"] .shift[data-member="c3"][data-start="16:00"]'
                       ).wait_for(timeout=WAIT_MS)
    assert await page.locator(shift).count() == 0
    await toast(page)
    # Undo it.
    await in_view(page, "#undo")
    await page.tap("#undo")
    await page.locator(shift).wait_for(timeout=WAIT_MS)
    await toast(page)
    # The audit list, as cards on a phone: every change with its time.
    assert await page.locator("tr.audit").count() == 4
    await fits(page, "the console after the edits")

    # The conversation viewer: the message's time in Shanghai, though the phone is on UTC.
    await in_view(page, ".open-conv")
    await page.tap(".open-conv")
    dialog = page.locator("#conv-dialog[open]")
    await dialog.wait_for(timeout=WAIT_MS)
    await fits(page, "the conversation")
    text = await dialog.inner_text()
    assert "夜班后一直睡不着" in text and "10:00" in text and "02:00" not in text
    await page.tap("#conv-close")
    await page.locator("#conv-dialog[open]").wait_for(state="detached", timeout=WAIT_MS)

    # Other weeks and days are a tap away; sign out last.
    await in_view(page, "#rota .pager a:last-child")
    await in_view(page, "#report .pager a:last-child")
    await in_view(page, "header form button")
    await page.tap("header form button")
    await page.locator("#message").wait_for(timeout=WAIT_MS)
    await fits(page, "the signed-out page")
    assert errors == []


@pytest.mark.parametrize("width", [1000, 1280])
async def test_names_whole_and_labels_legible_on_a_desktop(
    tmp_path: Path, make_bot: Any, chromium: Any, width: int
) -> None:
    bot = await start(tmp_path, make_bot, "zh")
    page = await chromium.new_page(viewport={"width": width, "height": 900})
    await sign_in(bot, page, touch=False)
    await fits(page, f"the console at {width} px")
    # Three overlapping shifts on Wednesday, none of the names cut ("陈…" before).
    assert await page.locator(f'.col-body[data-day="{D}"] .shift').count() == 4
    names = await page.locator(".shift b").all_inner_texts()
    assert {"陈静怡", "欧阳晓明", "Alexandra Li"} <= {n.replace("\n", " ") for n in names}
    assert await page.evaluate(CUT_TEXT, ".shift b") == []
    assert await page.evaluate(CUT_TEXT, ".day-head") == []
    # The whole week fits: nothing to scroll at a desktop's width.
    assert await page.locator("#grid-scroll").evaluate("e => e.scrollWidth <= e.clientWidth")
    labels = await page.evaluate(CHART_LABEL_PX)
    assert len(labels) > 20 and min(px for _, px in labels) >= 11, labels


@pytest.mark.parametrize("browser_tz", ["UTC", "America/New_York"])
async def test_times_are_the_service_timezone_whatever_the_browser(
    tmp_path: Path, make_bot: Any, chromium: Any, browser_tz: str
) -> None:
    """The message came at 10:00 in Shanghai: 02:00 UTC, 21:00 the day before in New York."""
    bot = await start(tmp_path, make_bot, "en")
    context = await chromium.new_context(timezone_id=browser_tz)
    page = await context.new_page()
    assert await page.evaluate("new Date('2026-11-25T02:00:00Z').getHours()") != 10
    await sign_in(bot, page, touch=False)
    assert (await page.inner_text("#clock")).endswith("10:05")
    assert "10:00" in await page.inner_text("tr.conv")
    await page.click(".open-conv")
    dialog = page.locator("#conv-dialog[open]")
    await dialog.wait_for(timeout=WAIT_MS)
    shown = re.findall(r"\d\d:\d\d", await dialog.locator(".messages").inner_text())
    assert shown == ["10:00"]
    # The local chat: the post's time and the bot's clock.
    chat = await context.new_page()
    await chat.goto(url(bot, "/?group=w1"))
    post = chat.locator(".post .who").first
    await post.wait_for(timeout=WAIT_MS)
    assert "10:00" in await post.inner_text()
    await chat.wait_for_function("document.getElementById('clock').textContent.includes('10:05')",
                                 timeout=WAIT_MS)


async def test_the_local_chat_on_a_phone(tmp_path: Path, make_bot: Any, chromium: Any) -> None:
    bot = await start(tmp_path, make_bot, "zh")
    context = await chromium.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(url(bot, "/?group=w1"))
    await page.wait_for_function("document.body.dataset.live && "
                                 "document.body.dataset.live.startsWith('w1:')")
    await page.locator(".post.bot[data-kind=assignment]").wait_for(timeout=WAIT_MS)
    await fits(page, "the local chat")
    # The composer is on the screen and posts.
    send = await page.locator("#send").bounding_box()
    assert send is not None and send["y"] + send["height"] <= 844
    await page.tap("#text")
    await page.fill("#text", "/help")
    await page.tap("#send")
    await page.locator(".post.bot[data-kind=command_reply]").wait_for(timeout=WAIT_MS)
    await fits(page, "the local chat with a long reply")
    await page.tap("#tab-inbox")
    await fits(page, "the private tab")
