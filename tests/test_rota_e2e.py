"""Rota management end to end: signed webhooks into the real app, replies on a fake platform over
real HTTP, the audit log, the CSV export (through the CLI too), the iCal feed, and the gaps the
leads get at close. Runs on SQLite and, when configured, PostgreSQL."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.keys import DB
from bot.rota_csv import export_csv
from tests.conftest import SECRET, Bot, FakePlatform, at, make_settings

ROOT = Path(__file__).resolve().parent.parent
NOW = at("2026-11-24", "20:00")  # a Tuesday evening; "tomorrow" is 11-25
NAMES = {"l1": "Lead Liu", "c1": "Chen", "c2": "Li", "c3": "Wang"}


class Group:
    """People posting in group g1 through the signed generic webhook."""

    def __init__(self, bot: Bot, fake: FakePlatform) -> None:
        self.bot = bot
        self.fake = fake
        self.n = 0

    async def says(self, sender: str, text: str) -> list[dict[str, Any]]:
        """Post `text` as `sender`; wait for and return the command replies it got."""
        before = len(self.fake.of_kind("command_reply"))
        self.n += 1
        resp = await self.bot.post_signed(
            {
                "msg_id": f"e{self.n}",
                "sender": {"id": sender, "name": NAMES.get(sender, sender)},
                "text": text,
            }
        )
        assert resp.status == 200, await resp.text()
        await self.fake.wait_for(lambda r: len(self.fake.of_kind("command_reply")) > before)
        await asyncio.sleep(0.05)  # a split reply arrives in several posts
        return self.fake.of_kind("command_reply")[before:]

    async def reply(self, sender: str, text: str) -> str:
        replies = await self.says(sender, text)
        public = [r for r in replies if not r.get("private_to")]
        assert len(public) == 1, replies
        return str(public[0]["text"])


async def audit_rows(bot: Bot) -> list[models.AuditEntry]:
    async with bot.app[DB].read() as s:
        return list(await s.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id)))


@pytest.fixture
async def group(database_url: str, fake_platform: FakePlatform, make_bot: Any) -> Group:
    bot: Bot = await make_bot(make_settings(database_url, fake_platform.url), FrozenClock(NOW))
    return Group(bot, fake_platform)


async def test_lead_adds_swaps_and_undoes(group: Group, fake_platform: FakePlatform) -> None:
    assert await group.reply("l1", "/rota add Chen tomorrow 08:00-12:00") == (
        "Done: Added 11-25 08:00-12:00 for Chen."
    )
    assert await group.reply("l1", "／排班 换班 Chen Li 明天 08:00-10:00") == (
        "Done: Chen's shift 11-25 08:00-10:00 now goes to Li."
    )
    assert await group.reply("l1", "/rota undo") == (
        "Done: Undone: Chen's shift 11-25 08:00-10:00 now goes to Li."
    )
    assert await group.reply("l1", "/rota add Wang tomorrow 12:00-16:00") == (
        "Done: Added 11-25 12:00-16:00 for Wang."
    )
    replies = fake_platform.of_kind("command_reply")
    assert all(r["group"] == "g1" and r["mentions"] == ["l1"] for r in replies)
    # Each change touches the next 24 hours: one announcement line naming who changed.
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("shift_change")) == 4)
    announced = fake_platform.of_kind("shift_change")
    assert [a["mentions"] for a in announced] == [["c1"], ["c1", "c2"], ["c1", "c2"], ["c3"]]
    assert all("\n" not in a["text"] and a["text"].startswith("[Rota change]") for a in announced)
    entries = await audit_rows(group.bot)
    assert [(e.actor_id, e.action, e.undone) for e in entries] == [
        ("l1", "add", False),
        ("l1", "swap", True),
        ("l1", "undo", False),
        ("l1", "add", False),
    ]
    assert entries[1].before["shifts"][0]["member_id"] == "c1"
    assert sorted(x["member_id"] for x in entries[1].after["shifts"]) == ["c1", "c2"]
    exported = await export_csv(group.bot.app[DB], group.bot.settings)
    assert exported == (
        "group,date,start,end,member\ng1,2026-11-25,08:00,12:00,c1\ng1,2026-11-25,12:00,16:00,c3\n"
    )


async def test_refusals_reach_the_group_and_change_nothing(
    group: Group, fake_platform: FakePlatform
) -> None:
    text = await group.reply("c1", "/rota add Chen tomorrow 08:00-12:00")
    assert text == "Only team leads can use /rota add. Please ask a team lead: Lead Liu."
    text = await group.reply("doc1", "/排班 撤销")
    assert text.startswith("Only team leads can use /rota undo.")
    text = await group.reply("l1", "/rota add Chen tomorrow 07:00-09:00")
    assert text.startswith("The rota is unchanged: 11-25 07:00-09:00 is outside service hours")
    unknown_group = await group.bot.post_signed(
        {
            "msg_id": "x1",
            "sender": {"id": "l1", "name": "Lead Liu"},
            "text": "/rota add Chen tomorrow 08:00-12:00",
        },
        group="nope",
    )
    assert unknown_group.status == 404
    assert await audit_rows(group.bot) == []
    assert fake_platform.of_kind("shift_change") == []


async def fetch(bot: Bot, url: str) -> tuple[int, bytes, str]:
    assert bot.client is not None
    path = url.split("127.0.0.1:8080", 1)[1]
    resp = await bot.client.get(path)
    return resp.status, await resp.read(), resp.headers.get("Content-Type", "")


async def test_ical_link_is_private_and_reset_retires_it(
    group: Group, fake_platform: FakePlatform
) -> None:
    await group.says("l1", "/rota add Chen tomorrow 08:00-12:00")
    await group.says("l1", "/rota add Chen 11-27 18:00-24:00")
    await group.says("l1", "/rota add Li tomorrow 12:00-16:00")
    replies = await group.says("c1", "/ical")
    [private] = [r for r in replies if r.get("private_to")]
    assert private["private_to"] == ["c1"] and private["mentions"] == []
    url = private["text"].rsplit(" ", 1)[1]
    assert url.startswith("http://127.0.0.1:8080/ical/") and url.endswith(".ics")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert not any(token in r["text"] for r in fake_platform.received if not r.get("private_to"))

    status, body, ctype = await fetch(group.bot, url)
    assert status == 200 and ctype.startswith("text/calendar")
    cal = Calendar.from_ical(body)
    events = sorted(cal.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    spans = [(e.decoded("dtstart"), e.decoded("dtend")) for e in events]
    assert spans == [
        (at("2026-11-25", "08:00"), at("2026-11-25", "12:00")),
        (at("2026-11-27", "18:00"), at("2026-11-28", "00:00")),
    ]
    assert all(s.tzinfo is not None and e.tzinfo is not None for s, e in spans)
    assert [str(e["summary"]) for e in events] == ["On duty: Group one"] * 2
    uids = [str(e["uid"]) for e in events]
    assert len(set(uids)) == 2
    again = Calendar.from_ical((await fetch(group.bot, url))[1])
    assert sorted(str(e["uid"]) for e in again.walk("VEVENT")) == sorted(uids)  # stable

    replies = await group.says("c1", "/日历 重置")
    [fresh] = [r for r in replies if r.get("private_to")]
    new_url = fresh["text"].rsplit(" ", 1)[1]
    assert new_url != url
    assert (await fetch(group.bot, url))[0] == 404
    assert (await fetch(group.bot, new_url))[0] == 200
    assert (await fetch(group.bot, "http://127.0.0.1:8080/ical/not-a-token.ics"))[0] == 404


async def add_days(bot: Bot, member: str, first: str, days: int, start: str, end: str) -> None:
    for i in range(days):
        day = (at(first, "00:00") + timedelta(days=i)).date().isoformat()
        end_at = at(day, end) if end != "24:00" else at(day, "00:00") + timedelta(days=1)
        await bot.add_shift(member, at(day, start), end_at)


async def notices(bot: Bot, kind: str) -> int:
    async with bot.app[DB].read() as s:
        return int(
            await s.scalar(
                select(func.count()).select_from(models.Notice).where(models.Notice.kind == kind)
            )
            or 0
        )


def gap_posts(fake: FakePlatform) -> list[dict[str, Any]]:
    """The gaps notices to the leads (kind "report" too, beside the daily report)."""
    return [m for m in fake.of_kind("report") if m["text"].startswith("[Gaps")]


async def test_gaps_at_close_reach_the_leads_once(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url)
    clock = FrozenClock(at("2026-11-24", "23:59"))
    bot: Bot = await make_bot(settings, clock)
    await add_days(bot, "c1", "2026-11-25", 1, "08:00", "24:00")
    await bot.add_shift("c2", at("2026-11-26", "08:00"), at("2026-11-26", "20:00"))
    await add_days(bot, "c3", "2026-11-27", 5, "08:00", "24:00")
    await bot.add_shift("c3", at("2026-12-01", "08:00"), at("2026-12-01", "10:00"))  # day 8
    clock.set(at("2026-11-25", "00:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: bool(gap_posts(fake_platform)), within_s=10)
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("close")), within_s=10)
    await asyncio.sleep(0.5)  # the job keeps running: nothing may repeat
    [report] = gap_posts(fake_platform)
    assert report["private_to"] == ["l1"]
    assert report["text"] == (
        "[Gaps in the next 7 days] times with fewer than 1 counsellors on duty:\n"
        "11-26 Thu 20:00-24:00"
    )
    assert await notices(bot, "gaps") == 1
    await bot.stop()
    again: Bot = await make_bot(settings, clock)  # a restart does not post it twice
    await asyncio.sleep(0.5)
    assert len(gap_posts(fake_platform)) == 1
    assert await notices(again, "gaps") == 1


async def test_no_gaps_no_notice(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    clock = FrozenClock(at("2026-11-24", "23:59"))
    bot: Bot = await make_bot(make_settings(database_url, fake_platform.url), clock)
    await add_days(bot, "c1", "2026-11-25", 7, "08:00", "24:00")
    clock.set(at("2026-11-25", "00:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("close")), within_s=10)
    await asyncio.sleep(0.3)
    assert gap_posts(fake_platform) == []
    assert len(fake_platform.of_kind("report")) == 1  # the daily report goes all the same
    assert await notices(bot, "gaps") == 1  # considered once, nothing to say


def _config(tmp_path: Path, database_url: str, webhook_url: str) -> Path:
    cfg = tmp_path / "carebot.toml"
    cfg.write_text(
        f'[bot]\ndatabase_url = "{database_url}"\nlanguage = "zh"\n'
        f'[[groups]]\nid = "g1"\nname = "Group one"\nplatform = "generic"\n'
        f'secret = "{SECRET}"\nwebhook_url = "{webhook_url}"\n'
        + "".join(
            f'[[members]]\ngroup = "g1"\nid = "{i}"\nname = "{n}"\n'
            f'role = "{"lead" if i == "l1" else "counsellor"}"\n'
            for i, n in NAMES.items()
        ),
        encoding="utf-8",
    )
    return cfg


def carebot(cfg: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "USER": "tester"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(cfg), *args],
        cwd=cfg.parent,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.slow
async def test_done_when_a_lead_builds_a_week_by_chat_exports_it_and_subscribes(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, tmp_path: Path
) -> None:
    """From an empty database, in Chinese: a week's rota by chat only, CSV out, iCal in."""
    settings = make_settings(database_url, fake_platform.url, bot={"language": "zh"})
    bot: Bot = await make_bot(settings, FrozenClock(NOW))
    g = Group(bot, fake_platform)
    for text in (
        "/排班 添加 Chen 明天 08:00-13:00",
        "/排班 添加 Li 明天 13:00-18:00",
        "/排班 添加 @Wang 明天 18:00-24:00",
        "/排班 添加 Chen 明天 20:00-24:00",
    ):
        assert (await g.reply("l1", text)).startswith("好的，已为 ")
    assert await g.reply("l1", "/排班 复制 明天 后天~12-01") == (
        "好的，已把 11-25 的排班复制到 11-26、11-27、11-28、11-29、11-30、12-01（24 个班次）。"
    )
    assert await g.reply("l1", "/缺口 周 明天") == (
        "11-25~12-01 没有缺口：每个时段都至少有 1 人值班。"
    )
    table = "\n".join(r["text"] for r in await g.says("c2", "/排班 周 明天"))
    assert "⚠" not in table.split("\n", 1)[1]
    for day in ("11-25 周三", "11-28 周六", "12-01 周二"):
        assert day in table
    assert "20:00-24:00 Wang、Chen" in table or "20:00-24:00 Chen、Wang" in table

    result = await asyncio.to_thread(
        carebot,
        _config(tmp_path, database_url, fake_platform.url),
        "rota",
        "export",
        "--from",
        "2026-11-25",
        "--to",
        "2026-12-01",
    )
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().split("\n")
    assert rows[0] == "group,date,start,end,member"
    assert len(rows) == 1 + 7 * 4
    assert "g1,2026-12-01,20:00,24:00,c1" in rows and "g1,2026-11-25,08:00,13:00,c1" in rows

    replies = await g.says("c1", "/日历")
    [private] = [r for r in replies if r.get("private_to")]
    url = private["text"].rsplit("：", 1)[1]
    status, body, _ = await fetch(bot, url)
    assert status == 200
    events = Calendar.from_ical(body).walk("VEVENT")
    assert len(events) == 14  # Chen: two shifts a day for seven days
    assert {str(e["summary"]) for e in events} == {"值班：Group one"}

    audit = await asyncio.to_thread(
        carebot, _config(tmp_path, database_url, fake_platform.url), "audit", "--limit", "2"
    )
    assert audit.returncode == 0, audit.stderr
    assert audit.stdout.startswith("#5 2026-11-24 20:00:00 g1 l1 repeat\n  before: -\n")
    assert "已把 11-25 的排班复制到" in audit.stdout and "#4 " in audit.stdout
    assert "#3 " not in audit.stdout
