"""The database handle: engine, sessions, one writer at a time on SQLite, schema upgrades."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, inspect, make_url, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from bot import dburl
from bot.errors import ConfigError, DatabaseUnreachable

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# The newest migration (a test checks it against migrations/). A database already there is not
# handed to Alembic, whose import costs about 10 MiB of memory at every start.
HEAD_REVISION = "0017"


class Database:
    """One engine and its sessions. On SQLite, write transactions take turns in this process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        try:
            url = dburl.normalise(url)
        except ValueError as e:
            raise ConfigError(f"bot.database_url: {e}") from None
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        # A database error's text would otherwise carry the statement's parameters, that is
        # people's messages, into the log.
        kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; nothing it does is committed."""
        async with self.sessions() as s:
            yield s

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A transaction that commits when the block ends and rolls back on an exception."""
        lock = self._write_lock if self.is_sqlite else contextlib.nullcontext()
        async with lock, self.sessions() as s, s.begin():
            yield s

    def insert(self, table: Any) -> Any:
        """An INSERT of this dialect, so callers can say ON CONFLICT DO NOTHING."""
        return sqlite.insert(table) if self.is_sqlite else postgresql.insert(table)

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration."""
        async with self.engine.begin() as conn:
            if await conn.run_sync(_revision) != HEAD_REVISION:
                await conn.run_sync(_run_upgrade)

    async def dispose(self) -> None:
        await self.engine.dispose()


PROBE_TIMEOUT_S = 10.0


async def probe(url: str, key: str = "bot.database_url", timeout_s: float = PROBE_TIMEOUT_S) -> str:
    """Connect once and say what is there (one line), or raise DatabaseUnreachable with one line:
    `key` and the URL (without its password), what failed, and what to check. An SQLite file
    that does not exist yet is not created: its folder is checked instead."""
    try:
        url = dburl.normalise(url)
    except ValueError as e:
        raise ConfigError(f"{key}: {e}") from None
    shown = dburl.redact(url)
    path = dburl.sqlite_path(url)
    if path is not None and (missing := _sqlite_not_yet(path, f"{key} = {shown}")):
        return missing
    is_sqlite = url.startswith(dburl.SQLITE)
    connect_args: dict[str, Any] = {} if is_sqlite else {"timeout": timeout_s}
    engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
    try:
        async with asyncio.timeout(timeout_s + 2):
            async with engine.connect() as conn:
                version = conn.dialect.server_version_info or ()
                revision = await conn.run_sync(_revision)
    except Exception as e:  # whatever fails, the operator gets one line
        raise DatabaseUnreachable(
            f"cannot reach the database at {key} = {shown}: {_why(e, url, timeout_s)}"
        ) from None
    finally:
        await engine.dispose()
    where = (f"SQLite file {path or '(in memory)'}") if is_sqlite else _server(url, version)
    if revision is None:
        schema = "no tables yet; carebot creates them when it starts"
    elif revision == HEAD_REVISION:
        schema = "schema up to date"
    elif revision > HEAD_REVISION:
        schema = f"schema {revision} is newer than this carebot ({HEAD_REVISION}): upgrade it"
    else:
        schema = f"schema {revision}; carebot upgrades it to {HEAD_REVISION} when it starts"
    return f"database reachable: {where}, {schema}"


def _sqlite_not_yet(path: str, where: str) -> str | None:
    """What to say of an SQLite file that does not exist yet (None if it does); raises
    DatabaseUnreachable if it cannot be made there."""
    if Path(path).exists():
        return None
    folder = Path(path).parent
    if not folder.is_dir():
        raise DatabaseUnreachable(
            f"cannot reach the database at {where}: folder {folder} does not exist; "
            "create it or change the path"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseUnreachable(
            f"cannot reach the database at {where}: cannot create {path} "
            f"(folder {folder} is not writable by this user)"
        )
    return f"SQLite file {path} does not exist yet; carebot creates it when it starts"


def _server(url: str, version: tuple[Any, ...]) -> str:
    u = make_url(url)
    number = ".".join(str(v) for v in version[:2])
    return f"PostgreSQL {number} at {u.host or 'local socket'}:{u.port or 5432}/{u.database}"


def _why(e: BaseException, url: str, timeout_s: float) -> str:
    """What went wrong connecting, in a sentence, from the driver's own error."""
    root = e
    for _ in range(8):  # SQLAlchemy wraps the driver's error (.orig), which wraps its own cause
        inner = getattr(root, "orig", None) or root.__cause__
        if inner is None or inner is root:
            break
        root = inner
    u = make_url(url)
    at = f"{u.host or 'localhost'}:{u.port or 5432}"
    name = type(root).__name__
    text_ = (str(root).splitlines() or [""])[0].strip()
    if isinstance(root, ConnectionRefusedError):
        return f"nothing answers at {at} (connection refused): is PostgreSQL running, on that port?"
    if isinstance(root, socket.gaierror):
        return f"host {u.host!r} is not known ({root.strerror}); check the host name"
    if isinstance(root, TimeoutError):
        return f"no answer from {at} within {timeout_s:g} s; check the host, port and firewall"
    if name == "InvalidCatalogNameError":
        return f"{text_}; create it (createdb {u.database}) or correct the name"
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return f"{text_}; check the user and password"
    if isinstance(root, OSError) and root.strerror:
        return f"{root.strerror} ({at})"
    return text_ or name


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _revision(connection: Connection) -> str | None:
    """The schema's migration, as Alembic recorded it (None for an empty database)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _run_upgrade(connection: Connection) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), "head")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def after_commit(
    s: AsyncSession, fn: Callable[[], None], on_rollback: Callable[[], None] | None = None
) -> None:
    """Run `fn` once `s`'s transaction has committed; a rollback first drops it for good (and
    runs `on_rollback`, e.g. to clear a per-transaction marker in `s.info`).
    (Listeners cannot be removed while an event fires; the one left behind goes with `s`.)"""
    settled = False

    def fire(_session: Any) -> None:
        nonlocal settled
        if not settled:
            settled = True
            fn()

    def drop(_session: Any) -> None:
        nonlocal settled
        if not settled:
            settled = True
            if on_rollback is not None:
                on_rollback()

    event.listen(s.sync_session, "after_commit", fire, once=True)
    event.listen(s.sync_session, "after_rollback", drop, once=True)
