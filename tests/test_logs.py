"""`bot.log_format = "json"`: one JSON object a line, with the group, message and outbox ids as
fields, and never the words people wrote. Driven through the real app: a message stored, a post
the platform refuses (dead at once), and the log lines that reach stderr."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from bot import logs
from bot.clock import FrozenClock
from tests.conftest import Bot, FakePlatform, at, make_settings
from tests.test_conversations import settle

D = "2026-11-25"


@pytest.fixture
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    logs.configure("json")  # after capsys: the handler writes to the captured stderr
    yield
    root = logging.getLogger()
    for h in [h for h in root.handlers if h.get_name() == "carebot"]:
        root.removeHandler(h)


def lines(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


async def test_a_refused_post_is_logged_as_json_with_its_ids_and_without_the_words(
    json_logs: None,
    capsys: pytest.CaptureFixture[str],
    database_url: str,
    fake_platform: FakePlatform,
    make_bot: Any,
) -> None:
    bot: Bot = await make_bot(
        make_settings(database_url, fake_platform.url), FrozenClock(at(D, "09:30"))
    )
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    fake_platform.fail_next, fake_platform.fail_status = 1, 400  # refused: dead at once
    await bot.staff_says("m1", "doc1", "the words only the counsellor may read")
    await settle(bot)
    err = capsys.readouterr().err
    got = lines(err)
    assert got, f"no JSON lines on stderr: {err[:500]!r}"
    [dead] = [g for g in got if "is dead" in g["message"]]
    assert dead["level"] == "error" and dead["logger"] == "bot.outbox"
    assert dead["group"] == "g1" and isinstance(dead["outbox"], int)
    assert dead["time"].endswith("+00:00")
    assert "only the counsellor" not in err  # never the words, in any line


def test_text_lines_stay_plain_and_unknown_id_fields_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure("text")
    try:
        logging.getLogger("bot.test").warning("hello %s", "there", extra=logs.ids(group="g1"))
        err = capsys.readouterr().err
        assert "WARNING bot.test: hello there" in err and not err.lstrip().startswith("{")
    finally:
        root = logging.getLogger()
        for h in [h for h in root.handlers if h.get_name() == "carebot"]:
            root.removeHandler(h)
    with pytest.raises(ValueError, match="unknown log id fields"):
        logs.ids(person="doc1")
