"""bot.database_url: the two forms carebot runs on, read without importing a database driver."""

from __future__ import annotations

import re

SQLITE = "sqlite+aiosqlite://"
POSTGRES = "postgresql+asyncpg://"
FORMS = "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER:PASSWORD@HOST:PORT/DATABASE"
# Spellings of the same two databases without carebot's driver: read as the driver's form (the
# one driver each that carebot ships), with a note that says so.
_ALIASES = {
    "postgresql://": POSTGRES,
    "postgres://": POSTGRES,
    "sqlite://": SQLITE,
}
_SSLMODE = re.compile(r"([?&])sslmode=")
_PASSWORD = re.compile(r"^([a-z0-9+]+://[^:/@]*):[^@/]*@")


def normalise(url: str) -> str:
    """`url` in carebot's form; ValueError naming the two supported forms otherwise."""
    url = url.strip()
    for alias, form in _ALIASES.items():
        if url.startswith(alias):
            url = form + url.removeprefix(alias)
            break
    if url.startswith(SQLITE):
        path = url.removeprefix(SQLITE)
        if path != "" and not path.startswith("/"):
            raise ValueError(
                f"{redact(url)} is not an SQLite URL; write {SQLITE}/PATH (three slashes, then "
                "the file, e.g. sqlite+aiosqlite:///carebot.db)"
            )
        return url
    if url.startswith(POSTGRES):
        # libpq's (and every provider's) sslmode=require is asyncpg's ssl=require.
        return _SSLMODE.sub(r"\1ssl=", url)
    raise ValueError(f"{redact(url)!r} is not a database URL carebot runs on; use {FORMS}")


def note(url: str) -> str | None:
    """What check-config says when `url` was read as another spelling; None if it was not."""
    try:
        read = normalise(url)
    except ValueError:
        return None
    if read == url.strip():
        return None
    return (
        f"bot.database_url {redact(url)} is read as {redact(read)} (carebot's driver); "
        "write it so to silence this note"
    )


def redact(url: str) -> str:
    """`url` with its password replaced by ***, for messages and logs."""
    return _PASSWORD.sub(r"\1:***@", url.strip())


def sqlite_path(url: str) -> str | None:
    """The file of an SQLite URL (None for another database or an in-memory one)."""
    url = normalise(url)
    if not url.startswith(SQLITE):
        return None
    path = url.removeprefix(SQLITE).removeprefix("/").partition("?")[0]
    return None if path in ("", ":memory:") else path
