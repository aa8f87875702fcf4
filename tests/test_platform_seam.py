"""Adding a platform is one module and one entry in the list of bot/platforms/__init__.py.

The test copies the code to a temporary directory, writes a small platform module there (JSON in,
JSON out to a URL of its own key), adds it to the list, and nothing else: the copy's config
accepts a group on it, check-config names its missing key, and the real app, in a subprocess on
loopback, stores a message from its webhook once and delivers the bot's answer through it.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ECHO = '''\
"""A platform for one test: JSON in at /webhooks/echo/{group}, JSON out to its outbox_url."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import aiohttp

from bot.errors import Retry
from bot.platforms.base import InboundMessage, OutboundMessage, RawRequest, Reply, load_json_object
from bot.platforms.spec import PlatformKeys, PlatformSpec, keys_of
from bot.protocols import WallTime

if TYPE_CHECKING:
    from bot.config import GroupConfig


class EchoKeys(PlatformKeys):
    platform: Literal["echo"] = "echo"
    outbox_url: str = ""

    def receiver_url(self) -> str:
        return self.outbox_url


class EchoPlatform:
    name = "echo"

    def __init__(self, http: aiohttp.ClientSession) -> None:
        self._http = http

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: WallTime
    ) -> list[InboundMessage] | Reply:
        data = load_json_object(request.body)
        return [InboundMessage("echo", group.id, data["id"], data["from"], "", data["text"])]

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        post = {"text": message.text, "private_to": list(message.private_to)}
        async with self._http.post(keys_of(group, EchoKeys).outbox_url, json=post) as resp:
            if resp.status != 200:
                raise Retry(f"echo answered {resp.status}")


SPEC = PlatformSpec(
    name="echo",
    build=lambda d: EchoPlatform(d.http),
    keys=EchoKeys,
    required_keys=("outbox_url",),
    secret_fields=("outbox_url",),
    loopback_only=True,
)
'''

SCRIPT = """\
import asyncio, json, sys
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from bot.app import create_app
from datetime import UTC, datetime

from bot.clock import FrozenClock
from bot.config import load_settings

# A quiet service time (10:37 in Shanghai, no boundary near): the real time could fall in a close
# notice's catch-up window and add a post this test does not count.
QUIET = datetime(2026, 11, 25, 2, 37, tzinfo=UTC)


async def main(db_url: str) -> None:
    posts = []

    async def receive(request: web.Request) -> web.Response:
        posts.append(await request.json())
        return web.json_response({"ok": True})

    receiver = web.Application()
    receiver.router.add_post("/in", receive)
    async with TestServer(receiver, host="127.0.0.1") as rs:
        settings = load_settings(
            None,
            bot={"database_url": db_url, "language": "en"},
            groups=[{"id": "e1", "platform": "echo", "outbox_url": str(rs.make_url("/in"))}],
            members=[{"group": "e1", "id": "c1", "name": "Chen"}],
        )
        async with TestServer(create_app(settings, FrozenClock(QUIET)), host="127.0.0.1") as bot:
            async with ClientSession() as http:
                url = bot.make_url("/webhooks/echo/e1")
                msg = {"id": "m1", "from": "c1", "text": "/help"}
                answers = []
                for _ in range(2):
                    async with http.post(url, json=msg) as resp:
                        answers.append([resp.status, await resp.json()])
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 20
                while not posts and loop.time() < deadline:
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0.3)  # a second post, if one were wrongly made, shows here
    print(json.dumps({"answers": answers, "posts": posts}))


asyncio.run(main(sys.argv[1]))
"""


def _copy(tmp: Path) -> Path:
    code = tmp / "code"
    for part in ("bot", "handlers", "schedules", "migrations"):
        shutil.copytree(ROOT / part, code / part, ignore=shutil.ignore_patterns("__pycache__"))
    return code


def _add_echo(code: Path) -> list[str]:
    """The whole change: the module, and one entry (with its import) in the list."""
    (code / "bot/platforms/echo.py").write_text(ECHO, encoding="utf-8")
    init = code / "bot/platforms/__init__.py"
    before = init.read_text(encoding="utf-8")
    after = before.replace(
        "from bot.platforms import dingtalk,", "from bot.platforms import dingtalk, echo,"
    ).replace(",\n)\nNAMES", ",\n    echo.SPEC,\n)\nNAMES")
    assert after.count("echo") == 2, "the list in bot/platforms/__init__.py changed shape"
    init.write_text(after, encoding="utf-8")
    return list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))


def _run(code: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=code, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_a_platform_is_one_module_and_one_list_entry(tmp_path: Path) -> None:
    code = _copy(tmp_path)
    diff = _add_echo(code)
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert len(changed) == 3, diff  # the import line (- and +) and the entry
    # The copy without the change does not know the platform: the test can fail.
    cfg = code / "carebot.toml"
    cfg.write_text(
        textwrap.dedent("""\
        [[groups]]
        id = "e1"
        platform = "echo"
        """),
        encoding="utf-8",
    )
    missing = _run(code, "-m", "bot", "--config", str(cfg), "check-config")
    assert missing.returncode == 2, missing.stdout + missing.stderr
    assert "group 'e1' on platform 'echo' needs outbox_url" in missing.stderr
    cfg.write_text(cfg.read_text() + 'outbox_url = "http://127.0.0.1:9/in"\n', encoding="utf-8")
    ok = _run(code, "-m", "bot", "--config", str(cfg), "check-config")
    assert ok.returncode == 0, ok.stderr
    (code / "serve_echo.py").write_text(SCRIPT, encoding="utf-8")
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'echo.db'}"
    served = _run(code, "serve_echo.py", db_url)
    assert served.returncode == 0, served.stderr[-3000:]
    result = json.loads(served.stdout.strip().splitlines()[-1])
    assert result["answers"] == [
        [200, {"ok": True, "duplicate": False}],
        [200, {"ok": True, "duplicate": True}],  # stored once
    ]
    assert len(result["posts"]) == 1, result["posts"]  # /help answered once, through echo
    assert "/help" in result["posts"][0]["text"]


def test_without_the_list_entry_the_platform_is_unknown(tmp_path: Path) -> None:
    code = _copy(tmp_path)
    (code / "bot/platforms/echo.py").write_text(ECHO, encoding="utf-8")  # the module alone
    cfg = code / "carebot.toml"
    cfg.write_text('[[groups]]\nid = "e1"\nplatform = "echo"\noutbox_url = "http://x/"\n')
    res = _run(code, "-m", "bot", "--config", str(cfg), "check-config")
    assert res.returncode == 2 and "groups[0].platform" in res.stderr, res.stderr
