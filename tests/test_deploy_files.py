"""The deployment files say what carebot does: the systemd unit's ExecStart parses with carebot's
own argument parser and its environment file sets only real keys, the nginx site proxies only
paths carebot serves (and passes the headers it reads), and the README keeps its readers' order."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import create_app
from bot.cli import _parser
from bot.clock import FrozenClock
from bot.config import env_warnings, load_settings
from bot.dburl import sqlite_path
from tests.conftest import TZ, Bot, at
from tests.fake_web import LEAD_TOKEN, web_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def unit_settings() -> dict[str, list[str]]:
    """The unit's `Key=value` lines (a key may repeat)."""
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "carebot.service").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, _, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def env_example() -> dict[str, str]:
    """Every variable of deploy/carebot.env.example (commented-out ones too), first value."""
    found = {}
    for line in (DEPLOY / "carebot.env.example").read_text(encoding="utf-8").splitlines():
        if m := re.fullmatch(r"#? ?(CAREBOT_[A-Z_]+)=(.*)", line.strip()):
            found.setdefault(m[1], m[2])  # the first: the one in force
    return found


def test_the_unit_runs_carebot_serve_with_options_that_exist() -> None:
    keys = unit_settings()
    (exec_start,) = keys["ExecStart"]
    program, *argv = shlex.split(exec_start)
    assert program == keys["WorkingDirectory"][0] + "/.venv/bin/carebot"
    args = _parser().parse_args(argv)  # SystemExit (exit 2) if an option did not exist
    assert args.command == "serve" and args.config == "/etc/carebot/carebot.toml"
    assert keys["Restart"] == ["on-failure"] and keys["User"] == ["carebot"]
    assert keys["NoNewPrivileges"] == ["yes"] and keys["ProtectSystem"] == ["strict"]
    assert keys["EnvironmentFile"] == ["/etc/carebot/carebot.env"]
    # The SQLite file of the example environment is in the one folder the unit may write.
    url = env_example()["CAREBOT_BOT__DATABASE_URL"]
    path = sqlite_path(url)
    assert path is not None and path.startswith("/")
    assert str(Path(path).parent) in keys["ReadWritePaths"]
    assert keys["StateDirectory"] == [Path(path).parent.name]


def test_the_environment_example_sets_only_real_keys() -> None:
    variables = env_example()
    assert {"CAREBOT_BOT__DATABASE_URL", "CAREBOT_BOT__METRICS_TOKEN"} <= set(variables)
    assert env_warnings(dict.fromkeys(variables, "x")) == []


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="needs systemd-analyze")
def test_systemd_reads_the_unit_without_a_complaint(tmp_path: Path) -> None:
    # The program is not installed here; everything else is verified as written.
    text = (DEPLOY / "carebot.service").read_text(encoding="utf-8")
    unit = tmp_path / "carebot.service"
    unit.write_text(re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", text, flags=re.M))
    res = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0 and not res.stderr.strip(), res.stderr


def routes() -> list[str]:
    settings = load_settings(ROOT / "config.example.toml")
    app = create_app(settings, FrozenClock(datetime(2026, 12, 1, tzinfo=TZ)))
    return [r.canonical for r in app.router.resources()]


def test_nginx_proxies_only_what_carebot_serves_with_the_headers_it_reads() -> None:
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    body = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    served = routes()
    proxied = re.findall(r"location\s+(=\s+)?(\S+)\s*\{\s*proxy_pass\s+http://([^;/]+);", body)
    assert {p for _, p, _ in proxied} == {"/webhooks/", "/console", "/ical/", "/healthz"}
    listen = load_settings(ROOT / "config.example.toml").bot.listen
    for exact, prefix, target in proxied:
        assert target == listen, (prefix, target)
        if exact:
            assert prefix in served, prefix
        else:
            assert any(r.startswith(prefix) for r in served), (prefix, served)
    # The local chat (no accounts) is never proxied; everything else is 404 at the proxy.
    assert re.search(r"location\s+/\s*\{\s*return 404;", body)
    assert not any(p in ("/", "/local/") for _, p, _ in proxied)
    for header in (
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
    ):
        assert header in body
    assert 'trusted_proxies = ["127.0.0.1"]' in conf and 'public_url = "https://' in conf


def test_the_live_stream_is_a_local_chat_route_only() -> None:
    # The nginx site keeps buffering on because no proxied path streams: the one server-sent
    # event stream is the local chat's.
    streams = [r for r in routes() if r.endswith("/events")]
    assert streams == ["/local/api/{group_id}/events"]


def headings(level: int) -> list[str]:
    mark = "#" * level + " "
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    fenced = False
    out = []
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith(mark):
            out.append(line[len(mark) :])
    return out


def section(title: str) -> list[str]:
    """The ### headings under the ## heading `title`."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(f"## {title}")
    out = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("### "):
            out.append(line[4:])
    return out


def in_order(found: list[str], wanted: list[str]) -> bool:
    """Each wanted heading starts one of `found`, in this order."""
    at = [next(i for i, f in enumerate(found) if f.startswith(w)) for w in wanted]
    return at == sorted(at)


def test_the_readme_reads_in_its_readers_order() -> None:
    top = headings(2)
    wanted = ["Two commands", "A first tour", "For leads", "For counsellors", "For operators",
              "How it works", "Reliability", "Performance"]  # fmt: skip
    assert top == wanted, top
    assert in_order(section("For leads"), ["Rota commands", "The console", "Reports"])
    assert in_order(
        section("For counsellors"),
        ["What you receive", "/ack, /done, /category and /handover", "Follow-ups", "Care practice"],
    )
    assert in_order(
        section("For operators"),
        ["Platforms", "微信客服", "Deployment", "Several instances", "Backups", "Upgrades",
         "Retention"],
    )  # fmt: skip
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in ("deploy/carebot.service", "deploy/nginx.conf", "deploy/carebot.env.example"):
        assert path in text and (ROOT / path).exists()
    assert "carebot db backup" in text and "pg_dump" in text and "--language en" in text


def nginx_headers(host: str, client: str) -> dict[str, str]:
    """The headers deploy/nginx.conf sets, with nginx's variables as it fills them."""
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    values = {"$host": host, "$scheme": "https", "$proxy_add_x_forwarded_for": client}
    headers = {}
    for name, value in re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(\S+);", conf, flags=re.M):
        if name != "Connection":
            headers[name] = values[value]
    return headers


async def test_a_lead_signs_in_through_the_proxy_as_configured(database_url: str) -> None:
    # carebot behind deploy/nginx.conf: the sign-in form posted from https://care.example.org.
    base = web_settings(database_url)
    settings = type(base)(
        **{
            **base.model_dump(),
            "bot": {
                **base.bot.model_dump(),
                "trusted_proxies": ["127.0.0.1"],
                "public_url": "https://care.example.org",
            },
        }
    )
    bot = await Bot(settings, FrozenClock(at("2026-11-25", "09:30"))).start()
    try:
        assert bot.client is not None
        headers = nginx_headers("care.example.org", "203.0.113.9")
        origin = {"Origin": "https://care.example.org"}
        resp = await bot.client.post(
            "/console/login", data={"token": LEAD_TOKEN}, allow_redirects=False,
            headers={**headers, **origin},
        )  # fmt: skip
        assert resp.status == 303, await resp.text()
        assert "Secure" in resp.headers["Set-Cookie"]
        # Without `proxy_set_header Host $host` nginx sends its upstream as the Host, and the
        # sign-in cannot tell the browser's page from another site's: refused.
        upstream = {**headers, "Host": "127.0.0.1:8080"}
        refused = await bot.client.post(
            "/console/login", data={"token": LEAD_TOKEN}, allow_redirects=False,
            headers={**upstream, **origin},
        )  # fmt: skip
        assert refused.status == 403
    finally:
        await bot.stop()


def test_every_carebot_command_in_the_readmes_shell_blocks_parses() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    fenced, found = False, []  # inside a ```sh block (not the demo's or the bench's output)
    for line in lines:
        if line.startswith("```"):
            fenced = line == "```sh"
            continue
        m = re.match(r"(?:\.venv/bin/|/opt/carebot/\.venv/bin/)?carebot(?:-admin)? (.*)", line)
        if fenced and m:
            command = m[1].split("#")[0].replace("$(date +%F)", "today")
            found.append(command.split())
    assert len(found) >= 12
    for words in found:
        _parser().parse_args(words)  # SystemExit (exit 2) names the word that is not an option
