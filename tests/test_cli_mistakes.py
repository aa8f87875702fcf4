"""What an operator meets on the command line: each mistake the README lists ("When a command
fails") is one line on stderr and exit 2, from the real `carebot` process; a database
that cannot be reached is named with its key and the forms carebot runs on."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_URL, TZ

ROOT = Path(__file__).resolve().parent.parent
CONFIG = """
[bot]
database_url = "{url}"
listen = "127.0.0.1:{port}"
[[groups]]
id = "g1"
platform = "local"
[[members]]
group = "g1"
id = "zhangsan"
name = "张三"
[[members]]
group = "g1"
id = "lead"
role = "lead"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def carebot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **(env or {})},
    )


def write_config(folder: Path, url: str = "", port: int = 0) -> Path:
    path = folder / "carebot.toml"
    url = url or f"sqlite+aiosqlite:///{folder}/carebot.db"
    path.write_text(CONFIG.format(url=url, port=port or free_port()), encoding="utf-8")
    return path


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


def one_line(res: subprocess.CompletedProcess[str]) -> str:
    """The one line a mistake is told in (exit 2, nothing else on stderr, no traceback)."""
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr and "Error:" not in lines[0]
    return lines[0]


# (what the operator typed, a config to write or None for none, what the line must say)
MISTAKES: list[tuple[str, list[str], str | None, list[str]]] = [
    ("demo at speed 0", ["demo", "--speed", "0"], None, ["--speed", "above 0"]),
    ("demo on a bad address", ["demo", "--listen", "8080"], None, ["--listen", "HOST:PORT"]),
    (
        "demo database in a missing folder",
        ["demo", "--database", "no/such/folder/demo.db", "--listen", "127.0.0.1:{free}"],
        None,
        ["no/such/folder", "does not exist"],
    ),
    ("demo with a config", ["demo", "--config", "{cfg}"], "sqlite", ["demo", "--config"]),
    ("an unknown command", ["start"], "sqlite", ["invalid choice: 'start'", "serve"]),
    ("no config file", ["check-config"], None, ["no config file", "--config PATH"]),
    (
        "a config path that is not there",
        ["check-config", "--config", "nope.toml"],
        None,
        ["nope.toml not found"],
    ),
    (
        "a MySQL database",
        ["check-config"],
        "mysql://u:pw@db.example/carebot",
        ["bot.database_url", "sqlite+aiosqlite:///PATH", "postgresql+asyncpg://", "u:***@"],
    ),
    (
        "a psycopg URL",
        ["serve"],
        "postgresql+psycopg://u@127.0.0.1/carebot",
        ["bot.database_url", "postgresql+asyncpg://"],
    ),
    (
        "nothing listening on the database port",
        ["check-config"],
        "postgresql+asyncpg://postgres@127.0.0.1:{free}/carebot",
        ["bot.database_url", "connection refused", "is PostgreSQL running"],
    ),
    (
        "serve with nothing on the database port",
        ["serve"],
        "postgresql://postgres@127.0.0.1:{free}/carebot",
        ["bot.database_url", "connection refused"],
    ),
    (
        "db upgrade with an unknown database host",
        ["db", "upgrade"],
        "postgresql+asyncpg://postgres@no-such-host.invalid/carebot",
        ["bot.database_url", "no-such-host.invalid", "not known"],
    ),
    (
        "an SQLite file in a missing folder",
        ["check-config"],
        "sqlite+aiosqlite:///{tmp}/no/such/folder/carebot.db",
        ["bot.database_url", "no/such/folder does not exist"],
    ),
    (
        "serve on an SQLite file in a missing folder",
        ["serve"],
        "sqlite+aiosqlite:///{tmp}/missing/carebot.db",
        ["bot.database_url", "missing does not exist"],
    ),
    (
        "rota export on an SQLite file in a missing folder",
        ["rota", "export"],
        "sqlite+aiosqlite:///{tmp}/missing/carebot.db",
        ["missing does not exist"],
    ),
    (
        "an SQLite URL that is a text file",
        ["check-config"],
        "sqlite+aiosqlite:///{cfg}",
        ["bot.database_url", "not a database"],
    ),
    ("serve on a busy port", ["serve"], "sqlite on a busy port", ["already in use"]),
    ("demo on a busy port", ["demo", "--listen", "127.0.0.1:{busy}"], None, ["already in use"]),
    ("a start time that is not ISO", ["serve", "--start-at", "7am"], "sqlite", ["ISO 8601"]),
    ("a speed-up without a start", ["serve", "--speed", "60"], "sqlite", ["--start-at"]),
    (
        "a day that does not exist",
        ["report", "--day", "2026-02-30"],
        "sqlite",
        ["2026-02-30 is not a day"],
    ),
    (
        "an export that ends before it starts",
        ["rota", "export", "--from", "2026-12-02", "--to", "2026-12-01"],
        "sqlite",
        ["--to"],
    ),
    ("a CSV that is not there", ["rota", "import", "none.csv"], "sqlite", ["cannot read"]),
    (
        "a CSV that is not text",
        ["rota", "import", "{binary}"],
        "sqlite",
        ["not UTF-8, UTF-16 or GBK", "CSV UTF-8"],
    ),
    ("an unknown group", ["report", "--group", "g9"], "sqlite", ["g9", "g1"]),
    (
        "a console link for a non-lead",
        ["console", "link", "zhangsan"],
        "sqlite",
        ["not a lead", "lead"],
    ),
    ("a backup over a file", ["db", "backup", "{cfg}"], "sqlite", ["already exists"]),
    (
        "a backup of PostgreSQL",
        ["db", "backup", "copy.db"],
        "postgresql+asyncpg://u:pw@127.0.0.1:{free}/carebot",
        ["bot.database_url is PostgreSQL", "pg_dump", "-U u"],
    ),
    ("a backup with no database yet", ["db", "backup", "copy.db"], "sqlite", ["nothing to back"]),
    (
        "an outbox row that is not a number",
        ["outbox", "retry", "x"],
        "sqlite",
        ["not a whole number"],
    ),
]


@pytest.mark.parametrize(
    ("args", "config", "says"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES]
)
def test_each_cli_mistake_is_one_line_and_exit_2(
    tmp_path: Path, busy_port: int, args: list[str], config: str | None, says: list[str]
) -> None:
    binary = tmp_path / "rota.csv"
    binary.write_bytes(b"group,date,start,end,member\n\xff\xfa\x81")
    names = {"tmp": str(tmp_path), "free": str(free_port()), "busy": str(busy_port)}
    cfg = tmp_path / "carebot.toml"
    names |= {"cfg": str(cfg), "binary": str(binary)}
    if config is not None:
        url = "" if config.startswith("sqlite ") or config == "sqlite" else config
        port = busy_port if config == "sqlite on a busy port" else 0
        write_config(tmp_path, url.format(**names), port)
    line = one_line(carebot(*(a.format(**names) for a in args), cwd=tmp_path))
    for words in says:
        assert words.format(**names) in line, line
    assert "pw" not in line  # a password in a database URL is never printed
    # Nothing was made: no database, no demo database.
    assert not (tmp_path / "carebot.db").exists() and not (tmp_path / "carebot-demo.db").exists()


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CAREBOT_TEST_POSTGRES_URL)")
@pytest.mark.parametrize("command", [["check-config"], ["serve"], ["rota", "export"]])
def test_a_missing_postgresql_database_is_one_line(tmp_path: Path, command: list[str]) -> None:
    name = "carebot_missing_" + uuid.uuid4().hex[:8]
    write_config(tmp_path, PG_URL.rsplit("/", 1)[0] + "/" + name)
    line = one_line(carebot(*command, cwd=tmp_path))
    assert f'database "{name}" does not exist' in line and f"createdb {name}" in line


@pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (CAREBOT_TEST_POSTGRES_URL)")
def test_check_config_says_the_postgresql_database_is_reachable(
    tmp_path: Path, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL pass")
    # As a provider writes it (no driver, libpq's sslmode): read as asyncpg's form, with a note.
    plain = database_url.replace("postgresql+asyncpg://", "postgresql://") + "?sslmode=disable"
    write_config(tmp_path, plain)
    res = carebot("check-config", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "database reachable: PostgreSQL" in res.stdout and "no tables yet" in res.stdout
    assert "is read as postgresql+asyncpg://" in res.stderr and "ssl=disable" in res.stderr
    assert carebot("db", "upgrade", cwd=tmp_path).returncode == 0
    again = carebot("check-config", cwd=tmp_path)
    assert "schema up to date" in again.stdout, again.stdout


def test_check_config_reaches_sqlite_without_making_the_file(tmp_path: Path) -> None:
    write_config(tmp_path)
    res = carebot("check-config", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "does not exist yet" in res.stdout and "config OK: 1 groups" in res.stdout
    assert not (tmp_path / "carebot.db").exists()
    assert carebot("db", "upgrade", cwd=tmp_path).returncode == 0
    again = carebot("check-config", cwd=tmp_path)
    assert "database reachable: SQLite file" in again.stdout
    assert "schema up to date" in again.stdout


def test_an_unknown_environment_variable_is_named_with_the_closest(tmp_path: Path) -> None:
    write_config(tmp_path)
    env = {
        "CAREBOT_BOT_DATABASE_URL": "sqlite+aiosqlite:///elsewhere.db",  # one underscore
        "CAREBOT_SERVCE__OPENS": "09:00",
        "CAREBOT_TEST_POSTGRES_URL": "the test suite's own",
    }
    res = carebot("check-config", cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    warnings = res.stderr.strip().splitlines()
    assert warnings == [
        "carebot: warning: environment variable CAREBOT_BOT_DATABASE_URL is not a setting and "
        "is ignored; did you mean CAREBOT_BOT__DATABASE_URL?",
        "carebot: warning: environment variable CAREBOT_SERVCE__OPENS is not a setting and is "
        "ignored; did you mean CAREBOT_SERVICE__OPENS?",
    ]
    # A misspelt key inside a section is refused (as in the file), naming the variable.
    typo = one_line(carebot("check-config", cwd=tmp_path, env={"CAREBOT_BOT__LISTN": "x"}))
    assert "CAREBOT_BOT__LISTN" in typo and "did you mean CAREBOT_BOT__LISTEN?" in typo


async def test_serve_warns_of_unknown_variables_at_start(tmp_path: Path) -> None:
    write_config(tmp_path)
    env = {"CAREBOT_BOT_LISTEN": "0.0.0.0:80", "PYTHONUNBUFFERED": "1"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve",
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env},
    )  # fmt: skip
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(60):
            while line := (await proc.stdout.readline()).decode():
                seen.append(line)
                if "listening on" in line:
                    break
    finally:
        if proc.returncode is None:
            proc.terminate()
        await proc.wait()
    out = "".join(seen)
    assert "listening on" in out, out
    assert "CAREBOT_BOT_LISTEN is not a setting" in out and "CAREBOT_BOT__LISTEN?" in out
    assert "database reachable" in out or "does not exist yet" in out


def future_day() -> str:
    return (dt.datetime.now(TZ).date() + dt.timedelta(days=3)).isoformat()


def test_rota_csv_as_excel_and_editors_save_it(tmp_path: Path) -> None:
    """UTF-8 with and without a BOM, GBK (Excel's CSV on Chinese Windows), UTF-16 with a BOM
    (Excel's Unicode Text, tab-separated): each is imported, names in Chinese included."""
    write_config(tmp_path)
    day = future_day()
    saved = {
        "utf8.csv": ("utf-8", ",", "08:00", "09:00"),
        "bom.csv": ("utf-8-sig", ",", "09:00", "10:00"),
        "gbk.csv": ("gbk", ",", "10:00", "11:00"),
        "unicode.txt": ("utf-16", "\t", "11:00", "12:00"),
        "utf16.csv": ("utf-16", ",", "12:00", "13:00"),
    }
    for name, (encoding, sep, start, end) in saved.items():
        rows = [["group", "date", "start", "end", "member"], ["g1", day, start, end, "张三"]]
        text = "\r\n".join(sep.join(r) for r in rows) + "\r\n"
        (tmp_path / name).write_bytes(text.encode(encoding))
        res = carebot("rota", "import", name, cwd=tmp_path)
        assert res.returncode == 0 and "imported 1 shifts" in res.stdout, (name, res.stderr)
    export = carebot("rota", "export", cwd=tmp_path)
    assert export.stdout.splitlines()[1:] == [
        f"g1,{day},{start},{end},zhangsan" for _, _, start, end in saved.values()
    ]


def test_a_utf16_file_without_its_mark_says_how_to_save_it(tmp_path: Path) -> None:
    write_config(tmp_path)
    (tmp_path / "r.csv").write_bytes(f"group,date\ng1,{future_day()}\n".encode("utf-16-le"))
    line = one_line(carebot("rota", "import", "r.csv", cwd=tmp_path))
    assert "UTF-16 without a byte-order mark" in line and "CSV UTF-8" in line
