"""Helpers for the web tests: settings with local groups and leads, a server-sent-event reader,
and Debian's Chromium for the browser tests."""

from __future__ import annotations

import asyncio
import json
import shutil
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from bot.config import Settings, load_settings

LEAD_TOKEN = "lead-one-Qm7xV2pLk9sRt4wYz8NcBd"  # strong enough for check-config (128 bits)
OTHER_TOKEN = "lead-two-Hj3kW5nP8rT2vY6zB9cDfG"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def web_settings(database_url: str, **service: Any) -> Settings:
    """Two local groups: `w1` (lead l1, counsellors c1-c3) and `w2` in privacy mode (lead l2,
    counsellor c9). Each lead has a console token; l1 leads only w1, l2 only w2."""
    return load_settings(
        None,
        bot={"database_url": database_url, "timezone": "Asia/Shanghai", "language": "en"},
        service={"reminder_minutes": 0, **service},
        groups=[
            {"id": "w1", "name": "Ward one", "platform": "local"},
            {"id": "w2", "name": "Ward two", "platform": "local", "privacy": True},
        ],
        members=[
            {"group": "w1", "id": "c1", "name": "Chen", "role": "counsellor"},
            {"group": "w1", "id": "c2", "name": "Li", "role": "counsellor"},
            {"group": "w1", "id": "c3", "name": "Wang", "role": "counsellor"},
            {
                "group": "w1",
                "id": "l1",
                "name": "Lead Liu",
                "role": "lead",
                "console_token": LEAD_TOKEN,
            },
            {"group": "w2", "id": "c9", "name": "Zhao", "role": "counsellor"},
            {
                "group": "w2",
                "id": "l2",
                "name": "Lead Sun",
                "role": "lead",
                "console_token": OTHER_TOKEN,
            },
        ],
    )


def local_message(msg_id: str, sender: str, text: str, name: str = "") -> dict[str, Any]:
    return {
        "msg_id": msg_id,
        "sender": {"id": sender, "name": name or sender.title()},
        "text": text,
    }


@dataclass
class Event:
    event: str
    data: Any
    id: str | None


class SSEReader:
    """Reads server-sent events from an open aiohttp response."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, within_s: float = 5.0) -> Event:
        """The next event (comments skipped); fails the test after `within_s` seconds."""
        fields: dict[str, str] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within_s
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError("no server-sent event in time")
            line = (await asyncio.wait_for(self.response.content.readline(), remaining)).decode()
            if line == "":
                raise AssertionError("the event stream ended")
            line = line.rstrip("\n")
            if not line:
                if "event" in fields or "data" in fields:
                    data = json.loads(fields["data"]) if "data" in fields else None
                    return Event(fields.get("event", "message"), data, fields.get("id"))
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            fields[key] = value.removeprefix(" ")

    async def next_post(self, within_s: float = 5.0) -> dict[str, Any]:
        while True:
            ev = await self.next(within_s)
            if ev.event == "post":
                assert ev.id == str(ev.data["id"])
                return ev.data  # type: ignore[no-any-return]

    async def posts_until(self, predicate: Any, within_s: float = 5.0) -> list[dict[str, Any]]:
        """Posts read until one satisfies `predicate` (included)."""
        got = []
        while True:
            p = await self.next_post(within_s)
            got.append(p)
            if predicate(p):
                return got


def network_address() -> str | None:
    """This machine's non-loopback IPv4 address (a server bound there sees a non-loopback
    request.remote), or None when it has none."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.254", 9))  # no packet is sent: this picks the outgoing address
            address = str(s.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def chromium_or_skip() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip(
            "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        )
    return path
