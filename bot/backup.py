"""`carebot db backup PATH`: a consistent copy of the SQLite database while the bot runs.

SQLite's online backup API (`sqlite3.Connection.backup`) copies the database as one read
transaction: in WAL mode the bot's writers go on meanwhile, and the copy is the database as it
was when the backup began. PostgreSQL is backed up with its own tool (`pg_dump`)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import make_url

from bot import dburl
from bot.errors import ConfigError


@dataclass(frozen=True)
class Backup:
    source: Path
    target: Path
    pages: int
    size: int
    schema: str | None


def pg_dump_hint(url: str) -> str:
    """What to run instead for a PostgreSQL database: the pg_dump line, without the password."""
    u = make_url(url)
    parts = ["pg_dump", "-Fc"]
    if u.host:
        parts += ["-h", u.host]
    if u.port:
        parts += ["-p", str(u.port)]
    if u.username:
        parts += ["-U", u.username]
    parts += ["-f", "carebot.dump", u.database or "DATABASE"]
    return " ".join(parts)


def backup(database_url: str, target: str) -> Backup:
    """Copy the SQLite database of `database_url` to the new file `target`. ConfigError (one
    line) for PostgreSQL, a missing source, or a target that exists or cannot be made."""
    try:
        url = dburl.normalise(database_url)
    except ValueError as e:
        raise ConfigError(f"bot.database_url: {e}") from None
    if url.startswith(dburl.POSTGRES):
        raise ConfigError(
            "db backup copies an SQLite database; bot.database_url is PostgreSQL: back it up "
            f"with pg_dump (PostgreSQL's online backup), e.g. {pg_dump_hint(url)}"
        )
    path = dburl.sqlite_path(url)
    if path is None:
        raise ConfigError("bot.database_url is an in-memory SQLite database: nothing to back up")
    dest = Path(target)
    if dest.exists() or dest.is_symlink():
        raise ConfigError(f"{dest} already exists; a backup never overwrites: give a new file")
    if not dest.absolute().parent.is_dir():
        raise ConfigError(
            f"folder {dest.absolute().parent} does not exist; create it or give another path"
        )
    source = Path(path)
    if not source.is_file():
        raise ConfigError(
            f"no SQLite file at {source} (bot.database_url): nothing to back up yet; "
            "carebot creates it when it starts"
        )
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial)
        try:
            os.link(partial, dest)  # fails if the target appeared meanwhile: never overwrites
        except FileExistsError:
            raise ConfigError(
                f"{dest} already exists; a backup never overwrites: give a new file"
            ) from None
    except OSError as e:
        raise ConfigError(f"cannot write {dest}: {e.strerror or e}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return _describe(source, dest)


def _copy(source: Path, partial: Path) -> None:
    # mode=rw: open the database that is there, never create one.
    src = sqlite3.connect(f"{source.absolute().as_uri()}?mode=rw", uri=True, timeout=30)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        dst = sqlite3.connect(partial)
        try:
            # All pages in one step: one read transaction, a consistent snapshot. A copy in
            # steps starts again whenever another connection writes, so it may never end
            # under a busy bot; a WAL reader does not hold the bot's writers up.
            src.backup(dst, pages=-1)
            # The copy is one self-contained file (no -wal beside it), ready to move anywhere.
            dst.execute("PRAGMA journal_mode=DELETE")
            ok = dst.execute("PRAGMA integrity_check").fetchone()
        finally:
            dst.close()
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"cannot back up {source}: {e}") from None
    finally:
        src.close()
    if not ok or ok[0] != "ok":
        raise ConfigError(f"the copy of {source} failed its integrity check: {ok}")


def _describe(source: Path, dest: Path) -> Backup:
    con = sqlite3.connect(f"{dest.absolute().as_uri()}?mode=ro", uri=True)
    try:
        pages = int(con.execute("PRAGMA page_count").fetchone()[0])
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            schema = str(row[0]) if row else None
        except sqlite3.OperationalError:  # not a carebot database (no tables yet)
            schema = None
    finally:
        con.close()
    return Backup(source, dest, pages, dest.stat().st_size, schema)
