"""What every bench section shares: fresh databases, subprocesses, percentiles, machine facts."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret"


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(values_s: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99, max and mean of durations in seconds, as milliseconds."""
    if not values_s:
        return {"n": 0}
    return {
        "n": len(values_s),
        "p50_ms": percentile(values_s, 50) * 1000,
        "p90_ms": percentile(values_s, 90) * 1000,
        "p99_ms": percentile(values_s, 99) * 1000,
        "max_ms": max(values_s) * 1000,
        "mean_ms": sum(values_s) / len(values_s) * 1000,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def postgres_reachable(url: str) -> str | None:
    """None if PostgreSQL at `url` answers, else why not."""
    try:
        conn = await asyncio.wait_for(asyncpg.connect(_pg_dsn(url)), 5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as e:
        return f"{type(e).__name__}: {e}"
    await conn.close()
    return None


async def postgres_version(url: str) -> str:
    conn = await asyncpg.connect(_pg_dsn(url))
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def fresh_database(backend: str, admin_url: str, workdir: Path) -> AsyncIterator[str]:
    """A new, empty database: a SQLite file in `workdir`, or a PostgreSQL database dropped after."""
    if backend == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        yield f"sqlite+aiosqlite:///{path}"
        _remove_sqlite(path)
        return
    name = "carebot_bench_" + uuid.uuid4().hex[:10]
    admin = await asyncpg.connect(_pg_dsn(admin_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        admin = await asyncpg.connect(_pg_dsn(admin_url))
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


class Child:
    """A Python subprocess (`python -m module args`) that prints `READY <json>` when it listens."""

    def __init__(self, module: str, *args: str, log: Path | None = None) -> None:
        self.cmd = [sys.executable, "-m", module, *args]
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc: subprocess.Popen[str] | None = None
        self.ready: dict[str, Any] = {}
        # stderr goes to a file: a pipe nobody reads would fill up and stall the child.
        self.log = log or Path(os.devnull)
        self._log_file: Any = None

    def start(self, timeout_s: float = 120.0) -> dict[str, Any]:
        self._log_file = self.log.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )
        deadline = time.monotonic() + timeout_s
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("READY "):
                self.ready = json.loads(line[6:])
                return self.ready
        self.stop()
        raise RuntimeError(f"{' '.join(self.cmd)} did not start:\n{self.tail()}")

    def tail(self) -> str:
        """The end of the child's stderr, for error messages."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return ""

    def result(self, timeout_s: float) -> dict[str, Any]:
        """Wait for the child to finish and return the JSON of its `RESULT <json>` line."""
        assert self.proc is not None and self.proc.stdout is not None
        try:
            out, _ = self.proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.stop()
            raise RuntimeError(f"{' '.join(self.cmd)} ran past {timeout_s} s") from None
        finally:
            self._close_log()
        for line in out.splitlines():
            if line.startswith("RESULT "):
                return json.loads(line[7:])  # type: ignore[no-any-return]
        raise RuntimeError(
            f"{' '.join(self.cmd)} gave no result (exit {self.proc.returncode}):\n{self.tail()}"
        )

    def run(self, timeout_s: float) -> dict[str, Any]:
        """Start a child that does not listen, and return its result."""
        self._log_file = self.log.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            text=True,
        )
        return self.result(timeout_s)

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def stop(self) -> None:
        """Ask the child to stop (SIGTERM), then kill it if it lingers."""
        if self.proc is None or self.proc.poll() is not None:
            self._close_log()
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._close_log()


@contextlib.contextmanager
def running(child: Child, timeout_s: float = 120.0) -> Iterator[dict[str, Any]]:
    try:
        yield child.start(timeout_s)
    finally:
        child.stop()


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return float("nan")


def _git() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def machine() -> dict[str, Any]:
    """Facts about where the numbers were measured, so a reader can judge them."""
    load = os.getloadavg()
    return {
        "host": platform.node(),
        "os": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_avg_1_5_15": [round(x, 2) for x in load],
        "mem_gib": _mem_total_gib(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "aiohttp": _version("aiohttp"),
        "sqlalchemy": _version("SQLAlchemy"),
        "asyncpg": _version("asyncpg"),
        "aiosqlite": _version("aiosqlite"),
        "sqlite": sqlite3.sqlite_version,
        "apscheduler": _version("APScheduler"),
        "git": _git(),
    }
