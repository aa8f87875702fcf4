"""`carebot demo` as a new user runs it: one line on how to begin, the page at the printed URL, a
message assigned, the shift change at 10:00, the console for the same day, and a prompt exit on
Ctrl-C even with a live stream open."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.fake_web import SSEReader

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_demo_prints_one_line_and_the_page_works(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "demo",
        "--listen",
        f"127.0.0.1:{port}",
        "--database",
        str(tmp_path / "demo.db"),
        "--start-at",
        "2026-11-25T09:59:57",
        "--language",
        "en",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        url = f"http://127.0.0.1:{port}/"
        assert line.startswith(f"carebot demo: open {url} and send a message as Doctor 1")
        assert f"{url}console/login?link=" in line
        link = line.split("link=")[1].split()[0]
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            page = await (await http.get(url)).text()
            assert "carebot · local chat" in page
            events = await http.get(f"{url}local/api/demo/events?viewer=staff-1")
            sse = SSEReader(events)
            await sse.next()
            body = {
                "msg_id": "d1",
                "sender": {"id": "staff-1", "name": "Doctor 1"},
                "text": "I have not slept for two days",
            }
            async with http.post(f"{url}webhooks/local/demo", json=body) as r:
                assert r.status == 200
            got = await sse.posts_until(lambda p: p["kind"] == "assignment", within_s=15)
            assert "@Li Hua" in got[-1]["text"] or "@李华" in got[-1]["text"]
            change = await sse.posts_until(lambda p: p["kind"] == "shift_change", within_s=20)
            assert "10:00" in change[-1]["text"]
            async with http.post(f"{url}console/login", data={"link": link}) as r:
                html = await r.text()
                assert r.status == 200 and 'class="day today" data-day="2026-11-25"' in html
                assert 'data-member="lihua"' in html
            # Ctrl-C with a live stream still open: the process ends promptly.
            proc.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(proc.wait(), 15) == 0
            events.close()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
