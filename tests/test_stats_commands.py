"""`/stats` `/统计` through the real app and the signed generic webhook, and `carebot report` as a
subprocess: both print the figures of bot/report.py for the right period, and only for leads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import models
from bot.clock import FrozenClock
from tests.conftest import SECRET, Bot, FakePlatform, at, make_settings, open_db
from tests.test_report import seed_day

D = "2026-11-25"
ROOT = Path(__file__).resolve().parent.parent


async def lead_says(bot: Bot, msg_id: str, text: str, sender: str = "l1") -> None:
    resp = await bot.post_signed({"msg_id": msg_id, "sender": {"id": sender}, "text": text})
    assert resp.status == 200, await resp.text()


@pytest.fixture
async def bot(database_url: str, fake_platform: FakePlatform, make_bot: Any) -> Bot:
    settings = make_settings(database_url, fake_platform.url)
    clock = FrozenClock(at(D, "10:30"))
    db = await open_db(settings, clock)
    async with db.write() as s:
        s.add(models.Group(id="g2", name="Other", platform="generic"))
    await seed_day(db)
    await db.dispose()
    b: Bot = await make_bot(settings, clock)
    return b


async def test_stats_day_is_today_so_far_privately_to_the_lead(
    bot: Bot, fake_platform: FakePlatform
) -> None:
    await lead_says(bot, "s1", "/stats")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("command_reply")) == 1)
    [reply] = fake_platform.of_kind("command_reply")
    assert reply["kind"] == "command_reply"
    assert reply["private_to"] == ["l1"] and reply["mentions"] == ["l1"]
    lines = reply["text"].splitlines()
    assert lines[0] == "[Report] g1, 2026-11-25 00:00 to 2026-11-25 10:30"
    # Up to 10:30: messages 11 (00:00), 2, 3 (03:xx), 4, 5 (09:xx); the 10:30 /stats is a command.
    assert lines[1] == "Messages from staff: 5 (3 outside service hours); crisis flags: 1."
    # Opened A B C H; closed F A C; waited A (5 h) and H (12 min).
    assert (
        lines[2] == "Conversations: 4 opened, 3 closed, 2 waited in the queue (longest 5 h 0 min)."
    )
    # Answered: G 300, A 120, B 60, C 20, H 120 -> median 120; p90 rank 3.6: 120 + .6 * 180.
    assert lines[3] == "First response: median 2 min 0 s, 90% within 3 min 48 s."
    assert "- Chen: 3 assigned, 3 closed, median first response 2 min 0 s" in lines


async def test_stats_week_in_chinese_alias_and_bad_argument(
    bot: Bot, fake_platform: FakePlatform
) -> None:
    # (The seeded day leaves a conversation waiting while Li has room: the bot assigns it too,
    # so read the command replies only.)
    replies = lambda: fake_platform.of_kind("command_reply")  # noqa: E731
    await lead_says(bot, "s2", "／统计 week")
    await fake_platform.wait_for(lambda r: len(replies()) == 1)
    assert replies()[0]["text"].startswith("[Report] g1, 2026-11-19 00:00 to 2026-11-25 10:30")
    await lead_says(bot, "s3", "/stats month")
    await fake_platform.wait_for(lambda r: len(replies()) == 2)
    assert replies()[1]["text"].startswith("Usage: /stats [day|week]")


async def test_stats_is_for_leads_only(bot: Bot, fake_platform: FakePlatform) -> None:
    await lead_says(bot, "s4", "/stats", sender="c1")
    await lead_says(bot, "s5", "/统计", sender="doc1")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("command_reply")) == 2)
    for reply in fake_platform.of_kind("command_reply"):
        assert "Only team leads can use /stats" in reply["text"]
        assert "[Report]" not in reply["text"]


def write_config(tmp_path: Path, database_url: str, language: str = "en") -> Path:
    cfg = tmp_path / "carebot.toml"
    cfg.write_text(
        f"""
[bot]
database_url = "{database_url}"
language = "{language}"

[[groups]]
id = "g1"
platform = "generic"
secret = "{SECRET}"
webhook_url = "http://127.0.0.1:9/hook"

[[groups]]
id = "g2"
platform = "generic"
secret = "{SECRET}"
webhook_url = "http://127.0.0.1:9/hook"

[[members]]
group = "g1"
id = "c1"
name = "Chen"
""",
        encoding="utf-8",
    )
    return cfg


def carebot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_carebot_report_prints_the_day(database_url: str, tmp_path: Path) -> None:
    cfg = write_config(tmp_path, database_url)
    from bot.config import load_settings

    db = await open_db(load_settings(cfg), FrozenClock(at(D, "08:00")))
    await seed_day(db)
    await db.dispose()

    done = carebot("--config", str(cfg), "report", "--day", D, "--group", "g1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:4] == [
        "[Report] g1, 2026-11-25 00:00 to 2026-11-26 00:00",
        "Messages from staff: 7 (3 outside service hours); crisis flags: 1.",
        "Conversations: 7 opened, 3 closed, 5 waited in the queue (longest 8 h 0 min).",
        "First response: median 2 min 0 s, 90% within 7 min 30 s.",
    ]
    assert "- Chen: 3 assigned, 3 closed, median first response 2 min 0 s" in lines

    every = carebot("--config", str(cfg), "report", "--day", D)
    assert every.returncode == 0, every.stderr
    assert every.stdout.count("[Report]") == 2
    assert "[Report] g2, 2026-11-25 00:00 to 2026-11-26 00:00" in every.stdout

    unknown = carebot("--config", str(cfg), "report", "--day", D, "--group", "nope")
    assert unknown.returncode == 2
    assert "--group 'nope' is not in the config; use one of: g1, g2" in unknown.stderr
    bad_day = carebot("--config", str(cfg), "report", "--day", "2026-13-01")
    assert bad_day.returncode == 2
    assert "'2026-13-01' is not a date; write YYYY-MM-DD" in bad_day.stderr
