"""Retention and erasure of what people wrote (bot/retention.py): the daily purge through the
scheduler on the injected clock, `carebot privacy purge|forget` as real subprocesses, the report
figures unchanged by a purge, pending posts and open conversations untouched, the console and
local chat marking what was removed, and the first reply's privacy line on and off."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock, SystemClock
from bot.keys import DB, JOBS
from bot.report import build_report, day_period, hours_of
from bot.retention import PURGE_AT, cutoff, next_purge_at
from tests.conftest import SECRET, Bot, FakePlatform, at, make_settings
from tests.fake_web import LEAD_TOKEN, local_message, web_settings

D = "2026-11-25"
ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")
WORDS = "I cannot sleep before night shifts"
OTHER = "my hands shake in theatre"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(D, "02:59"), at(D, "03:00")),
        (at(D, "03:00"), at("2026-11-26", "03:00")),  # strictly after: not the same instant
        (at(D, "23:59"), at("2026-11-26", "03:00")),
        (datetime(2026, 11, 24, 19, 30, tzinfo=UTC), at("2026-11-26", "03:00")),  # 03:30 local
        (datetime(2026, 11, 24, 18, 59, tzinfo=UTC), at(D, "03:00")),  # 02:59 local
    ],
)
def test_next_purge_is_the_next_0300_in_the_service_timezone(
    now: datetime, expected: datetime
) -> None:
    got = next_purge_at(now, TZ)
    assert got == expected and got.tzinfo is not None and PURGE_AT.hour == 3


def test_cutoff_keeps_forever_at_zero_days() -> None:
    now = at(D, "10:00")
    assert cutoff(now, 0) is None
    assert cutoff(now, 30) == now - timedelta(days=30)


async def rows(bot: Bot, model: Any, *where: Any) -> list[Any]:
    async with bot.app[DB].read() as s:
        return list(await s.scalars(select(model).where(*where).order_by(model.id)))


async def until(predicate: Any, within_s: float = 10.0) -> None:
    """Poll an async predicate until it holds; fail after `within_s` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.05)


async def says(bot: Bot, msg_id: str, sender: str, text: str) -> None:
    resp = await bot.post_signed(
        {"msg_id": msg_id, "sender": {"id": sender, "name": sender.title()}, "text": text}
    )
    assert resp.status == 200, await resp.text()


async def stats_week(bot: Bot, fake: FakePlatform, msg_id: str) -> list[str]:
    """The lines of a /stats week reply to the lead, without its title (it names the dates)."""
    before = len(fake.of_kind("command_reply"))
    await says(bot, msg_id, "l1", "/stats week")
    await fake.wait_for(lambda r: len(fake.of_kind("command_reply")) > before)
    reply = fake.of_kind("command_reply")[-1]
    assert reply["private_to"] == ["l1"]
    lines: list[str] = reply["text"].splitlines()
    assert lines[0].startswith("[Report] g1")
    return lines[1:]


async def test_the_daily_purge_removes_old_text_keeps_undelivered_and_the_figures(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    groups = [
        {"id": g, "platform": "generic", "secret": SECRET, "webhook_url": fake_platform.url}
        for g in ("g1", "g2")
    ]
    settings = make_settings(
        database_url,
        fake_platform.url,
        groups=groups,
        privacy={"retain_text_days": 1},
        # No catch-up window: the sweep, which starts the purge, runs every 0.2 s.
        service={"reminder_minutes": 0, "idle_close_hours": 1000, "catch_up_minutes": 0},
    )
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
    await bot.add_shift("c1", at(D, "08:00"), at(D, "24:00"))
    jobs = bot.app[JOBS]
    await until(lambda: _is(jobs.purge.due_at == at("2026-11-26", "03:00")))  # soon after start

    await says(bot, "m1", "s1", WORDS)
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    await says(bot, "m2", "c1", "/done @S1")
    await says(bot, "m3", "s2", OTHER)
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    await says(bot, "m4", "c1", "hello, I am here")  # s2's conversation stays open
    # In g2 nobody is ever on duty: s3 waits, and keeps waiting (apart from g1's figures, whose
    # waits would otherwise grow as /stats measures up to now).
    resp = await bot.post_signed(
        {"msg_id": "m5", "sender": {"id": "s3"}, "text": "is anyone there"}, group="g2"
    )
    assert resp.status == 200
    await fake_platform.wait_for(lambda r: any("s3" in m["mentions"] for m in r))
    assert WORDS not in fake_platform.of_kind("assignment")[0]["text"]  # the group read it
    # A post still backing off: it has reached nobody, so its text stays whatever its age.
    async with bot.app[DB].write() as s:
        pending = models.OutboxRow(
            group_id="g1", kind="assignment", text="a retry of " + WORDS, mentions=[],
            private_to=[], status="pending", attempts=3, created_at=at(D, "10:05"),
            next_attempt_at=at("2026-12-30", "00:00"), lane="",
        )  # fmt: skip
        s.add(pending)
    start_at, end_at = day_period(hours_of(settings), datetime.fromisoformat(D).date())

    async def report() -> Any:
        async with bot.app[DB].read() as s:
            return await build_report(s, settings, "g1", start_at, end_at)

    # 03:00 the next day: text from before 03:00 today goes, so nothing yet.
    bot.advance(at("2026-11-26", "03:10") - bot.clock.now())
    await until(lambda: _is(jobs.purge.due_at == at("2026-11-27", "03:00")))
    assert sum(r.removed for r in jobs.purge.last.values()) == 0
    [m1] = await rows(bot, models.Message, models.Message.platform_msg_id == "m1")
    assert m1.text == WORDS and m1.text_removed_at is None
    figures, stats = await report(), await stats_week(bot, fake_platform, "st1")

    bot.advance(at("2026-11-27", "03:10") - bot.clock.now())
    await until(lambda: _is(jobs.purge.due_at == at("2026-11-28", "03:00")))
    removed, other = jobs.purge.last["g1"], jobs.purge.last["g2"]
    # s1's (closed) and s2's (held by c1) messages and c1's two (a command or a counsellor's
    # post has no conversation to wait for); the /stats at 03:10 yesterday is not older than
    # the cutoff (03:10 yesterday).
    assert removed.messages == 4 and removed.kept_messages == 0 and removed.kept_posts == 1
    assert other.messages == 0 and other.kept_messages == 1 and other.posts >= 1
    by_id = {m.platform_msg_id: m for m in await rows(bot, models.Message)}
    for gone in ("m1", "m2", "m3", "m4"):
        assert by_id[gone].text == "" and by_id[gone].text_removed_at == at("2026-11-27", "03:10")
    assert by_id["st1"].text == "/stats week"
    # s3's conversation still waits for a counsellor, who will be handed its text.
    assert by_id["m5"].text == "is anyone there" and by_id["m5"].text_removed_at is None
    posts = await rows(bot, models.OutboxRow)
    assert [p.text for p in posts if p.status == "pending"] == ["a retry of " + WORDS]
    sent = [p for p in posts if p.status == "sent" and p.created_at < at("2026-11-26", "03:10")]
    assert sent and all(p.text == "" and p.text_removed_at is not None for p in sent)
    assert not any(WORDS in p.text or OTHER in p.text for p in posts if p.status == "sent")

    assert await report() == figures
    assert await stats_week(bot, fake_platform, "st2") == stats
    # Idempotent: the same purge again (as a second instance would run it) removes nothing.
    again = await jobs.purge.run()
    assert again == {} and jobs.purge.due_at == at("2026-11-28", "03:00")
    # Runs that overlap (the sweep's and these) take turns and look again: one purge.
    bot.advance(at("2026-11-28", "03:10") - bot.clock.now())
    runs = await asyncio.gather(*(jobs.purge.run() for _ in range(3)))
    assert sum(bool(r) for r in runs) <= 1 and jobs.purge.due_at == at("2026-11-29", "03:00")


async def _is(value: bool) -> bool:
    return value


def write_config(tmp_path: Path, database_url: str, groups: str) -> Path:
    cfg = tmp_path / "carebot.toml"
    cfg.write_text(
        f'[bot]\ndatabase_url = "{database_url}"\nlanguage = "en"\n{groups}', encoding="utf-8"
    )
    return cfg


def carebot(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


GENERIC = f"""
[[groups]]
id = "g1"
platform = "generic"
secret = "{SECRET}"
webhook_url = "http://127.0.0.1:9/hook"

[[members]]
group = "g1"
id = "c1"
name = "Chen"
"""


async def test_purge_cli_counts_removes_once_and_refuses_bad_dates(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, tmp_path: Path
) -> None:
    # Forty days ago in real time: the command reads the real clock.
    then = SystemClock().now().astimezone(TZ).replace(hour=10, minute=0, second=0, microsecond=0)
    then -= timedelta(days=40)
    settings = make_settings(
        database_url,
        fake_platform.url,
        service={"reminder_minutes": 0, "max_open_per_counsellor": 1},
    )
    bot: Bot = await make_bot(settings, FrozenClock(then))
    await bot.add_shift("c1", then - timedelta(hours=2), then + timedelta(hours=4))
    await says(bot, "m1", "s1", WORDS)
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    await says(bot, "m2", "s2", OTHER)  # c1 is full: it waits, and its text is kept
    await says(bot, "m3", "c1", "hello")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("escalation")) == 1)
    await until(lambda: _all_sent(bot))
    await bot.stop()

    cfg = write_config(tmp_path, database_url, GENERIC)
    before = (then + timedelta(days=10)).date().isoformat()
    dry = carebot("--config", str(cfg), "privacy", "purge", "--before", before, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    # m1 and m3; the assignment, the waiting reply to s2 and the leads' queue alert.
    assert "g1: would remove the text of 2 messages, 3 bot posts, 0 local chat posts and 0 " \
        "handover notes" in dry.stdout  # fmt: skip
    assert "kept until delivered: 1 messages of conversations waiting" in dry.stdout
    await bot.start()
    [m1] = await rows(bot, models.Message, models.Message.platform_msg_id == "m1")
    assert m1.text == WORDS  # a dry run changes nothing
    await bot.stop()

    done = carebot("--config", str(cfg), "privacy", "purge", "--before", before)
    assert done.returncode == 0, done.stderr
    assert "g1: removed the text of 2 messages, 3 bot posts" in done.stdout
    assert "the counts and times the reports use are kept" in done.stdout
    again = carebot("--config", str(cfg), "privacy", "purge", "--before", before)
    assert again.returncode == 0 and "g1: removed the text of 0 messages, 0 bot posts" in \
        again.stdout  # fmt: skip

    await bot.start()
    by_id = {m.platform_msg_id: m for m in await rows(bot, models.Message)}
    assert by_id["m1"].text == "" and by_id["m1"].text_removed_at is not None
    assert by_id["m2"].text == OTHER and by_id["m2"].text_removed_at is None
    [entry] = await rows(bot, models.AuditEntry, models.AuditEntry.action == "privacy_purge")
    assert entry.actor_id.startswith("cli") and entry.group_id == "g1"
    assert entry.after["counts"]["messages"] == 2 and entry.after["counts"]["kept_messages"] == 1
    assert WORDS not in json.dumps(entry.after) and OTHER not in json.dumps(entry.after)

    tomorrow = (SystemClock().now().astimezone(TZ) + timedelta(days=2)).date().isoformat()
    for args, message in [
        (["--before", tomorrow], f"--before {tomorrow} is in the future"),
        (["--before", "2026-02-30"], "--before: 2026-02-30 is not a day of the calendar"),
        ([], "the following arguments are required: --before"),
    ]:
        bad = carebot("--config", str(cfg), "privacy", "purge", *args)
        assert bad.returncode == 2, bad
        assert message in bad.stderr and bad.stdout == ""
        assert len(bad.stderr.splitlines()) == 1, bad.stderr


async def _all_sent(bot: Bot) -> bool:
    posts = await rows(bot, models.OutboxRow)
    return bool(posts) and all(p.status == "sent" for p in posts)


LOCAL = """
[[groups]]
id = "w1"
platform = "local"

[[groups]]
id = "w2"
platform = "local"
privacy = true

[[members]]
group = "w1"
id = "c1"
name = "Chen"
"""


async def local_says(bot: Bot, group: str, msg_id: str, sender: str, text: str) -> None:
    assert bot.client is not None
    resp = await bot.client.post(
        f"/webhooks/local/{group}", json=local_message(msg_id, sender, text)
    )
    assert resp.status == 200


async def test_forget_cli_removes_a_persons_words_everywhere_and_audits_without_text(
    database_url: str, make_bot: Any, tmp_path: Path
) -> None:
    settings = web_settings(database_url, max_open_per_counsellor=1)
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "09:30")))
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="w1")
    await bot.add_shift("c9", at(D, "08:00"), at(D, "12:00"), group="w2")
    await local_says(bot, "w1", "a1", "doc1", WORDS)
    await local_says(bot, "w1", "a2", "doc2", OTHER)  # c1 is full: doc2 waits
    await local_says(bot, "w2", "a3", "doc1", WORDS + " (ward two)")
    await local_says(bot, "w1", "a4", "c1", "/done @Doc1")  # and doc2 is handed to c1

    async def posted() -> bool:  # both assignments in w1 shown in its timeline
        bots = await rows(bot, models.LocalPost, models.LocalPost.is_bot.is_(True),
                          models.LocalPost.group_id == "w1")  # fmt: skip
        # The group read doc1's and doc2's words: the assignments name them, never quote them.
        assert not any(WORDS[:20] in p.text or OTHER in p.text for p in bots)
        return sum("Chen" in p.text for p in bots) >= 2

    await until(posted)
    await local_says(bot, "w1", "a5", "doc1", "one more thing")  # a new conversation: it waits
    await until(lambda: _all_sent(bot))
    await bot.stop()

    cfg = write_config(tmp_path, database_url, LOCAL)
    done = carebot("--config", str(cfg), "privacy", "forget", "w1", "doc1")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "doc1 in w1: removed the text of 1 messages, 0 bot posts, 2 local chat posts and 0 "
        "handover notes"
    )
    assert lines[1].startswith("kept until delivered: 1 messages of conversations waiting")
    assert lines[2].startswith("recorded in the audit log as #")

    await bot.start()
    msgs = {(m.group_id, m.platform_msg_id): m for m in await rows(bot, models.Message)}
    assert msgs["w1", "a1"].text == "" and msgs["w1", "a1"].text_removed_at is not None
    # Still to be handed to a counsellor; its copy in the timeline is gone.
    assert msgs["w1", "a5"].text == "one more thing"
    assert msgs["w1", "a2"].text == OTHER and msgs["w2", "a3"].text.startswith(WORDS)
    posts = await rows(bot, models.OutboxRow, models.OutboxRow.group_id == "w1")
    assert not any(WORDS[:20] in p.text for p in posts)
    assert all(p.text_removed_at is None for p in posts)  # none of them carried doc1's words
    local = await rows(bot, models.LocalPost, models.LocalPost.group_id == "w1")
    assert not any(WORDS[:20] in p.text or "one more thing" in p.text for p in local)
    assert sum(p.text_removed_at is not None for p in local) == 2
    [entry] = await rows(bot, models.AuditEntry, models.AuditEntry.action == "privacy_forget")
    assert entry.group_id == "w1" and entry.actor_id.startswith("cli")
    assert entry.after["person"] == "doc1" and entry.after["counts"]["local_posts"] == 2
    assert f"#{entry.id}" in lines[2]
    assert WORDS[:20] not in json.dumps(entry.after) and "one more thing" not in json.dumps(
        entry.after
    )

    # The console's viewer and the local chat say what was removed instead of an empty line.
    assert bot.client is not None
    resp = await bot.client.post("/console/login", data={"token": LEAD_TOKEN})
    assert resp.status == 200
    first = msgs["w1", "a1"].conversation_id
    opened = await (await bot.client.get(f"/console/api/groups/w1/conversations/{first}")).json()
    assert [(m["text"], m["text_removed"]) for m in opened["messages"]] == [("", True)]
    page = await (await bot.client.get("/console")).text()
    assert "(removed under the retention policy)" in page  # the catalogue sentence it shows
    timeline = await (await bot.client.get("/local/api/w1/posts?viewer=c1&after=0")).json()
    shown = [p for p in timeline["posts"] if p["text_removed"]]
    assert len(shown) == 2 and all(p["text"] == "" for p in shown)

    for args, message in [
        (["w1", "nobody"], "nobody with id 'nobody' has written in group 'w1'"),
        (["nope", "doc1"], "group 'nope' is not in the config; use one of: w1, w2"),
        (["w1"], "the following arguments are required: PERSON"),
    ]:
        bad = carebot("--config", str(cfg), "privacy", "forget", *args)
        assert bad.returncode == 2, bad
        assert message in bad.stderr and bad.stdout == ""
        assert len(bad.stderr.splitlines()) == 1, bad.stderr


@pytest.mark.parametrize(
    ("privacy", "days", "line"),
    [
        (False, 30, "(the counsellor on duty answers what you write here, in this group; "
                    "carebot deletes it after 30 days.)"),
        (True, 30, "(carebot passes what you write only to the counsellors and leads, and "
                   "deletes it after 30 days.)"),
        (False, 0, "(the counsellor on duty answers what you write here, in this group; ask "
                   "a lead to have carebot's copy deleted.)"),
    ],
)  # fmt: skip
async def test_the_first_reply_to_someone_new_says_who_reads_it_and_for_how_long(
    database_url: str,
    fake_platform: FakePlatform,
    make_bot: Any,
    privacy: bool,
    days: int,
    line: str,
) -> None:
    group = {"id": "g1", "platform": "generic", "secret": SECRET,
             "webhook_url": fake_platform.url, "privacy": privacy}  # fmt: skip
    settings = make_settings(
        database_url,
        fake_platform.url,
        groups=[group],
        privacy={"retain_text_days": days, "first_reply_notice": True},
        service={"reminder_minutes": 0, "max_open_per_counsellor": 1},
    )
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"))
    await says(bot, "m1", "s1", WORDS)
    await fake_platform.wait_for(lambda r: any(line in m["text"] for m in r))
    [told] = [m for m in fake_platform.received if line in m["text"]]
    assert told["text"].endswith("\n" + line) and not told.get("private_to")
    assert "s1" in told["mentions"]  # the group's post to the person, never a private one
    await says(bot, "m2", "s1", "and another thing")  # not new any more
    await says(bot, "m3", "s2", OTHER)  # new, and waits (c1 is full): the waiting reply says it
    await fake_platform.wait_for(
        lambda r: any("s2" in m["mentions"] and line in m["text"] for m in r)
    )
    await until(lambda: _all_sent(bot))
    assert sum(line in m["text"] for m in fake_platform.received) == 2


async def test_the_first_reply_says_nothing_of_it_by_default(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url)
    assert settings.privacy.first_reply_notice is False and settings.privacy.retain_text_days
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"))
    await says(bot, "m1", "s1", WORDS)
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    await until(lambda: _all_sent(bot))
    assert not any("carebot" in m["text"] for m in fake_platform.received)


async def test_migration_0012_adds_the_marks_to_a_database_with_data_and_goes_back(
    database_url: str,
) -> None:
    from alembic import command
    from sqlalchemy import text

    from bot.db import Database, alembic_config

    db = Database(database_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0011"))
            await conn.execute(
                text("INSERT INTO groups (id, name, platform) VALUES ('g1', '', 'x')")
            )
            await conn.execute(
                text(
                    "INSERT INTO messages (platform, group_id, platform_msg_id, sender_id,"
                    " sender_name, sender_role, msg_type, text, received_at, is_command,"
                    " is_crisis, is_off_hours) VALUES ('local', 'g1', 'm1', 's1', '', 'staff',"
                    " 'text', :text, :at, false, false, false)"
                ),
                {"text": WORDS, "at": datetime(2026, 11, 25, 2, 0)},  # noqa: DTZ001 (UTC, raw)
            )
        await db.upgrade()
        async with db.read() as s:
            [m] = list(await s.scalars(select(models.Message)))
        assert m.text == WORDS and m.text_removed_at is None
        assert m.received_at == at(D, "10:00")
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0011"))
        await db.upgrade()  # and forward again
        async with db.read() as s:
            assert await s.scalar(select(models.OutboxQuote.outbox_id)) is None
    finally:
        await db.dispose()


@pytest.mark.parametrize("value", [-1, 36501, "a year"])
def test_retain_text_days_is_checked(value: object) -> None:
    from bot.config import load_settings
    from bot.errors import ConfigError

    with pytest.raises(ConfigError, match=r"privacy\.retain_text_days"):
        load_settings(None, privacy={"retain_text_days": value})


@pytest.mark.browser
@pytest.mark.slow
async def test_the_console_viewer_shows_what_was_removed_in_a_browser(
    tmp_path: Path, make_bot: Any
) -> None:
    from playwright.async_api import async_playwright

    from bot import cli, retention
    from tests.fake_web import CHROMIUM_ARGS, chromium_or_skip

    path = chromium_or_skip()
    settings = web_settings(
        f"sqlite+aiosqlite:///{tmp_path}/web.db", opens="00:00", closes="24:00",
        idle_close_hours=1000,
    )  # fmt: skip
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "09:30")))
    await bot.add_shift("c1", at(D, "08:00"), at("2026-11-28", "00:00"), group="w1")
    await local_says(bot, "w1", "a1", "doc1", WORDS)
    await until(lambda: _all_sent(bot))
    bot.advance(timedelta(days=2))
    now = bot.clock.now()
    removed = await retention.purge(bot.app[DB], now - timedelta(days=1), now, "w1")
    assert removed.messages == 1  # held by c1, so delivered: it goes
    await local_says(bot, "w1", "a2", "doc1", "still here")
    link = await cli._console_link(bot.settings, "l1", None)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 1000})
            assert bot.client is not None
            login = str(bot.client.make_url("/console/login?link=" + link.split("link=")[1]))
            await page.goto(login)
            async with page.expect_navigation():
                await page.click("#login-submit")
            await page.locator(".open-conv").first.click(timeout=15_000)
            dialog = page.locator("#conv-dialog .messages")
            await dialog.locator("p").nth(1).wait_for(timeout=15_000)
            lines = await dialog.locator("p").all_inner_texts()
        finally:
            await browser.close()
    assert "(removed under the retention policy)" in lines[0] and WORDS not in lines[0]
    assert "still here" in lines[1]


async def test_forget_finds_private_copies_crisis_alerts_and_notes_by_their_links(
    database_url: str, make_bot: Any
) -> None:
    from bot import retention

    crisis = "some nights I want to die"
    bot: Bot = await make_bot(web_settings(database_url), FrozenClock(at(D, "09:30")))
    await bot.add_shift("c9", at(D, "08:00"), at(D, "12:00"), group="w2")
    await local_says(bot, "w2", "p1", "doc1", crisis)  # privacy group: private copy + alert
    await local_says(bot, "w2", "p2", "doc1", OTHER)  # continuing: another private copy
    await local_says(bot, "w2", "p3", "doc7", "someone else entirely")
    await until(lambda: _all_sent(bot))
    await local_says(bot, "w2", "p4", "c9", "/handover ring her at eight")
    async with bot.app[DB].write() as s:  # the note as the handover at a boundary quotes it
        [conv] = await s.scalars(
            select(models.Conversation).where(models.Conversation.staff_id == "doc1")
        )
        assert conv.handover_note == "ring her at eight"
    await local_says(bot, "w2", "p5", "c9", "/done @Doc1")
    await until(lambda: _all_sent(bot))
    posts = await rows(bot, models.OutboxRow, models.OutboxRow.group_id == "w2")
    quoting = [p for p in posts if crisis in p.text or OTHER in p.text]
    assert {p.kind for p in quoting} == {"assignment", "crisis"} and len(quoting) >= 3

    r = await retention.forget(bot.app[DB], "w2", "doc1", bot.clock.now())
    assert r.messages == 2 and r.posts == len(quoting) and r.notes == 1 and r.kept == 0
    after = await rows(bot, models.OutboxRow, models.OutboxRow.group_id == "w2")
    assert not any(crisis in p.text or OTHER in p.text for p in after)
    assert any("someone else entirely" in p.text for p in after)  # doc7's copy untouched
    [conv] = await rows(bot, models.Conversation, models.Conversation.staff_id == "doc1")
    assert conv.handover_note is None and conv.text_removed_at is not None
    again = await retention.forget(bot.app[DB], "w2", "doc1", bot.clock.now())
    assert again.removed == 0  # idempotent
