"""bot.database_url: the forms carebot runs on, the spellings read as them, and the rest refused
with the two forms named; a password is never shown."""

from __future__ import annotations

import pytest

from bot import dburl
from bot.config import config_warnings, load_settings
from bot.errors import ConfigError

PG = "postgresql+asyncpg://care:pw@db.example:5432/carebot"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("sqlite+aiosqlite:///carebot.db", "sqlite+aiosqlite:///carebot.db"),
        ("sqlite+aiosqlite:////var/lib/carebot/c.db", "sqlite+aiosqlite:////var/lib/carebot/c.db"),
        ("sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("sqlite:///carebot.db", "sqlite+aiosqlite:///carebot.db"),
        (PG, PG),
        ("postgresql://care:pw@db.example:5432/carebot", PG),
        ("postgres://care:pw@db.example:5432/carebot", PG),
        (PG + "?sslmode=require", PG + "?ssl=require"),
        ("postgresql://h/db?application_name=x&sslmode=verify-full",
         "postgresql+asyncpg://h/db?application_name=x&ssl=verify-full"),
    ],
)  # fmt: skip
def test_supported_forms_and_their_spellings(written: str, read: str) -> None:
    assert dburl.normalise(written) == read
    note = dburl.note(written)
    assert (note is None) == (written == read)
    if note is not None and ":pw@" in written:
        assert ":pw@" not in note and "care:***@" in note


@pytest.mark.parametrize(
    "written",
    ["mysql://care:pw@db/carebot", "postgresql+psycopg2://care:pw@h/db", "carebot.db",
     "sqlite+aiosqlite:carebot.db", "sqlite+pysqlite:///x.db", ""],
)  # fmt: skip
def test_other_urls_are_refused_naming_both_forms(written: str) -> None:
    with pytest.raises(ValueError, match="use sqlite") as err:
        dburl.normalise(written)
    assert "pw" not in str(err.value)
    with pytest.raises(ConfigError) as cfg:
        load_settings(None, bot={"database_url": written})
    assert "bot.database_url" in str(cfg.value) and "postgresql+asyncpg://" in str(cfg.value)


def test_check_config_notes_a_rewritten_url() -> None:
    settings = load_settings(None, bot={"database_url": "postgresql://care:pw@h/db"})
    assert any("is read as postgresql+asyncpg://care:***@h/db" in w for w in
               config_warnings(settings))  # fmt: skip
