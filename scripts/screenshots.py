"""Write docs/local-chat.png, docs/console.png and docs/console-phone.png (390x844 at scale 3, a
browser on UTC): the demo group on a frozen clock, a few posts, a shift change, a week of rota with
a thin evening, driven in Debian's Chromium; the console is signed in to by a one-time link.

    .venv/bin/python scripts/screenshots.py      # needs `apt-get install chromium fonts-noto-cjk`
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from aiohttp import ClientSession, web
from playwright.async_api import async_playwright
from sqlalchemy import delete

from bot import models
from bot.app import create_app
from bot.clock import FrozenClock
from bot.config import Settings
from bot.demo import demo_settings, seed_rota
from bot.keys import DB, JOBS

ROOT = Path(__file__).resolve().parent.parent
DAY = datetime(2026, 11, 25).date()  # a Wednesday
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--lang=zh-CN"]


async def wait_for(predicate: object, what: str, within_s: float = 10.0) -> None:
    for _ in range(int(within_s * 20)):
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise SystemExit(f"screenshots: gave up waiting for {what}")


@dataclass
class Scene:
    base: str
    settings: Settings
    runner: web.AppRunner
    tmp: Path


async def demo_scene() -> Scene:
    """The demo app on a loopback port, on a frozen clock: a week of rota with one thin evening,
    a conversation, a help reply and the 10:00 shift change."""
    tmp = Path(tempfile.mkdtemp(prefix="carebot-shots-"))
    settings = demo_settings(f"sqlite+aiosqlite:///{tmp}/demo.db", "127.0.0.1:8080")  # not listened on
    settings = settings.model_copy(
        update={"service": settings.service.model_copy(update={"min_on_duty": 2})}
    )
    tz = settings.bot.tz
    clock = FrozenClock(datetime.combine(DAY, time(9, 52), tz))
    app = create_app(settings, clock)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    base = f"http://127.0.0.1:{port}"
    db = app[DB]
    monday = DAY - timedelta(days=DAY.weekday())
    for offset in (0, 2, 4, 6):  # a rota for the whole week (seed_rota adds a day and the next)
        await seed_rota(db, settings, monday + timedelta(days=offset), clock.now())
    async with db.write() as s:  # one evening left thin: Friday 19:00-22:00 loses 赵磊
        friday = monday + timedelta(days=4)
        await s.execute(
            delete(models.Shift).where(
                models.Shift.member_id == "zhaolei",
                models.Shift.start_at == datetime.combine(friday, time(18), tz),
            )
        )
    app[JOBS].reschedule("demo")

    async with ClientSession() as http:

        async def say(msg_id: str, sender: str, name: str, text: str) -> None:
            body = {"msg_id": msg_id, "sender": {"id": sender, "name": name}, "text": text}
            async with http.post(f"{base}/webhooks/local/demo", json=body) as r:
                assert r.status == 200, await r.text()

        async def posts() -> list[dict[str, object]]:
            async with http.get(f"{base}/local/api/demo/posts?viewer=x&after=0") as r:
                return list((await r.json())["posts"])

        await say("s1", "doc-wang", "王医生", "连续上了三个夜班，今天交班后一直睡不着，心里很乱。")
        await wait_for(lambda: _has(posts, "assignment"), "the first assignment")
        clock.advance(timedelta(minutes=2))
        await say("s2", "lihua", "李华", "@王医生 您好，我是值班的李华。辛苦了，愿意和我说说现在最让您难受的是什么吗？")
        clock.advance(timedelta(minutes=3))
        await say("s3", "doc-zhou", "周护士", "/帮助")
        await wait_for(lambda: _has(posts, "command_reply"), "the help reply")
        clock.set(datetime.combine(DAY, time(10), tz) + timedelta(seconds=5))
        app[JOBS].reschedule("demo")
        await wait_for(lambda: _has(posts, "shift_change"), "the 10:00 shift change")
        clock.advance(timedelta(minutes=3))

    return Scene(base, settings, runner, tmp)


async def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("screenshots: install Debian's chromium (apt-get install chromium)")
    scene = await demo_scene()
    base, settings = scene.base, scene.settings
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=ARGS)
        page = await browser.new_page(viewport={"width": 860, "height": 900},
                                      device_scale_factor=1)
        await page.goto(f"{base}/")
        await page.wait_for_function("document.body.dataset.live")
        await page.select_option("#sender", "doc-wang")
        await page.wait_for_function("document.body.dataset.live === 'demo:doc-wang'")
        await page.locator(".post.bot[data-kind=shift_change]").wait_for()
        await page.fill("#text", "谢谢，我想先说说那天抢救的事……")
        await page.screenshot(path=str(ROOT / "docs" / "local-chat.png"))
        console = await browser.new_page(viewport={"width": 1280, "height": 1000})
        await sign_in(console, base, settings)
        await console.locator("#grid").wait_for()
        await console.screenshot(path=str(ROOT / "docs" / "console.png"), full_page=True)
        phone = await browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=3, is_mobile=True,
            has_touch=True, timezone_id="UTC",
        )
        mobile = await phone.new_page()
        await sign_in(mobile, base, settings)
        await mobile.locator("#grid").wait_for()
        await mobile.screenshot(path=str(ROOT / "docs" / "console-phone.png"))  # the first screen
        await browser.close()
    await scene.runner.cleanup()
    shutil.rmtree(scene.tmp, ignore_errors=True)
    print("wrote docs/local-chat.png, docs/console.png and docs/console-phone.png")


async def sign_in(page: object, base: str, settings: object) -> None:
    """Spend a one-time console link in `page` (the sign-in button, as a lead would)."""
    from bot.cli import _console_link
    from bot.demo import DEMO_LEAD

    link = await _console_link(settings, DEMO_LEAD, None)  # type: ignore[arg-type]
    await page.goto(f"{base}/console/login?link=" + link.split("link=")[1])  # type: ignore[attr-defined]
    async with page.expect_navigation():  # type: ignore[attr-defined]
        await page.click("#login-submit")  # type: ignore[attr-defined]


async def _has(posts: object, kind: str) -> bool:
    return any(p["kind"] == kind for p in await posts())  # type: ignore[operator]


if __name__ == "__main__":
    (ROOT / "docs").mkdir(exist_ok=True)
    sys.exit(asyncio.run(main()))
