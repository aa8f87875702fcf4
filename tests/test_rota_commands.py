"""The rota commands through the real registry (handlers.commands.dispatch) on real databases:
every command and alias, wrong arity, unknown member, bad date, bad time, overlapping shift,
non-lead caller, extra spaces and the full-width slash; and that a refusal writes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.context import Context
from bot.platforms.base import InboundMessage
from handlers.commands import Router
from handlers.registry import bot_commands
from tests.conftest import NO_HOOK, at, make_settings, open_db

NOW = at("2026-11-24", "20:00")  # "today" is 11-24, "tomorrow" 11-25


@dataclass
class Reply:
    text: str
    mentions: list[str]
    private_to: list[str]
    kind: str


@dataclass
class Chat:
    """Posts commands as group members through the real dispatch; returns the bot's replies."""

    ctx: Context
    clock: FrozenClock
    commands: Router = field(default_factory=bot_commands)
    rescheduled: list[str] = field(default_factory=list)
    seen: int = 0
    n: int = 0

    async def say(self, sender: str, text: str) -> list[Reply]:
        self.n += 1
        msg = InboundMessage("generic", "g1", f"m{self.n}", sender, sender.title(), text)
        member = self.ctx.settings.member("g1", sender)
        role = member.role if member else "staff"
        async with self.ctx.db.write() as s:
            assert await self.commands.dispatch(self.ctx, s, msg, role, self.clock.now())
        async with self.ctx.db.read() as s:
            rows = list(
                await s.scalars(
                    select(models.OutboxRow)
                    .where(models.OutboxRow.id > self.seen)
                    .order_by(models.OutboxRow.id)
                )
            )
        if rows:
            self.seen = rows[-1].id
        return [Reply(r.text, r.mentions, r.private_to, r.kind) for r in rows]

    async def reply(self, sender: str, text: str) -> Reply:
        """The one command reply to `text` (announcements aside)."""
        replies = [r for r in await self.say(sender, text) if r.kind == "command_reply"]
        assert len(replies) == 1, replies
        return replies[0]

    async def rota(self) -> list[tuple[str, str]]:
        async with self.ctx.db.read() as s:
            rows = await s.scalars(select(models.Shift).order_by(models.Shift.start_at))
            tz = self.ctx.hours.tz
            return sorted(
                (
                    r.member_id,
                    f"{r.start_at.astimezone(tz):%m-%d %H:%M}-{r.end_at.astimezone(tz):%H:%M}",
                )
                for r in rows
            )

    async def count(self, model: Any) -> int:
        async with self.ctx.db.read() as s:
            return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def make_chat(database_url: str, **sections: Any) -> Chat:
    settings = make_settings(database_url, NO_HOOK, **sections)
    clock = FrozenClock(NOW)
    rescheduled: list[str] = []
    ctx = Context(settings, clock, await open_db(settings, clock), rota_changed=rescheduled.append)
    return Chat(ctx, clock, rescheduled=rescheduled)


@pytest.fixture
async def chat(database_url: str) -> AsyncIterator[Chat]:
    c = await make_chat(database_url)
    yield c
    await c.ctx.db.dispose()


@pytest.fixture
async def zh_chat(tmp_path: Path) -> AsyncIterator[Chat]:
    c = await make_chat(f"sqlite+aiosqlite:///{tmp_path}/zh.db", bot={"language": "zh"})
    yield c
    await c.ctx.db.dispose()


@pytest.fixture
async def sqlite_chat(tmp_path: Path) -> AsyncIterator[Chat]:
    """For the many parsing cases: the database plays no part in them, so one backend will do."""
    c = await make_chat(f"sqlite+aiosqlite:///{tmp_path}/carebot.db")
    yield c
    await c.ctx.db.dispose()


# --- add: every spelling, every fault ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/rota add Chen tomorrow 08:00-10:00",
        "/排班 添加 Chen 明天 08:00-10:00",
        "／排班　添加  @Chen  明天  08:00 - 10:00",  # full-width slash and space, extra spaces
        "  /ROTA   ADD c1 2026-11-25 08:00-10:00 ",
        "/rota add chen 11-25 08:00至10:00",
        "/rota add Chen 11/25 8:00-10:00",
    ],
)
async def test_add_in_every_spelling(sqlite_chat: Chat, text: str) -> None:
    chat = sqlite_chat
    replies = await chat.say("l1", text)
    reply = next(r for r in replies if r.kind == "command_reply")
    assert reply.text == "Done: Added 11-25 08:00-10:00 for Chen."
    assert reply.mentions == ["l1"]
    announce = next(r for r in replies if r.kind == "shift_change")  # 12 hours ahead
    assert announce.mentions == ["c1"] and "@Chen" in announce.text
    assert await chat.rota() == [("c1", "11-25 08:00-10:00")]
    assert chat.rescheduled == ["g1"]


ADD_USAGE = "Usage: /rota add MEMBER DAY HH:MM-HH:MM"


@pytest.mark.parametrize(
    ("text", "reason", "example"),
    [
        (
            "/rota add Chen tomorrow",
            "Some arguments are missing.",
            "/rota add Chen tomorrow 08:00-12:00",
        ),
        ("/rota add", "Some arguments are missing.", "/rota add Chen tomorrow 08:00-12:00"),
        (
            "/rota add Zhao tomorrow 08:00-10:00",
            "Nobody called \u201cZhao\u201d is in this group: name a member by id, name or @name. "
            "This group's counsellors: Chen, Li, Wang.",
            "/rota add Chen tomorrow 08:00-10:00",
        ),
        (
            "/rota add Chen someday 08:00-10:00",
            "\u201csomeday\u201d is not a date: write today, tomorrow, YYYY-MM-DD or MM-DD.",
            "/rota add Chen 11-25 08:00-10:00",
        ),
        (
            "/rota add Chen 2026-02-30 08:00-10:00",
            "There is no day 2026-02-30.",
            "/rota add Chen 11-25 08:00-10:00",
        ),
        (
            "/rota add Chen tomorrow 8-10",
            "\u201c8-10\u201d is not a time span: write HH:MM-HH:MM (24:00 may end it).",
            "/rota add Chen tomorrow 08:00-10:00",
        ),
        (
            "/rota add Chen tomorrow 12:00-10:00",
            "12:00-10:00 does not end after it starts.",
            "/rota add Chen tomorrow 10:00-12:00",
        ),
        (
            "/排班 添加 Chen 明天 25:00-26:00",
            "is not a time span",
            "/排班 添加 Chen 明天 08:00-10:00",
        ),
    ],
)
async def test_add_argument_faults_get_reason_usage_and_corrected_example(
    sqlite_chat: Chat, text: str, reason: str, example: str
) -> None:
    chat = sqlite_chat
    reply = await chat.reply("l1", text)
    lines = reply.text.split("\n")
    assert reason in lines[0]
    assert lines[1] == ADD_USAGE  # the English bot shows the English usage line
    assert lines[2] == f"For example: {example}"
    assert await chat.count(models.Shift) == 0
    assert await chat.count(models.AuditEntry) == 0
    assert chat.rescheduled == []


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "/rota add Chen tomorrow 09:00-11:00",
            "The rota is unchanged: Chen already has a shift 11-25 08:00-10:00 that overlaps "
            "11-25 09:00-11:00: one counsellor's shifts may not overlap, e.g. 11-25 10:00-12:00 "
            "instead.",
        ),
        (
            "/rota add Chen tomorrow 06:00-09:00",
            "The rota is unchanged: 11-25 06:00-09:00 is outside service hours 08:00-24:00: "
            "shifts must lie inside them, e.g. 11-25 08:00-11:00.",
        ),
        ("/rota add l1 tomorrow 12:00-14:00", "Lead Liu is not a counsellor of this group"),
        (
            "/rota add Li today 19:00-21:00",
            "The rota is unchanged: 11-24 19:00 is in the past: only the rota from now on can "
            "change, e.g. starting at 11-24 20:05.",
        ),
    ],
)
async def test_add_rule_faults_change_nothing(chat: Chat, text: str, error: str) -> None:
    await chat.say("l1", "/rota add Chen tomorrow 08:00-10:00")
    chat.rescheduled.clear()
    reply = await chat.reply("l1", text)
    assert error in reply.text
    assert await chat.rota() == [("c1", "11-25 08:00-10:00")]
    assert await chat.count(models.AuditEntry) == 1
    assert chat.rescheduled == []


@pytest.mark.parametrize(
    "text",
    [
        "/rota add Chen tomorrow 08:00-10:00",
        "/排班 添加 Chen 明天 08:00-10:00",
        "/rota remove Chen tomorrow 08:00-10:00",
        "/排班 删除 Chen 明天 08:00-10:00",
        "/rota repeat today tomorrow",
        "/排班 复制 今天 明天",
        "/rota undo",
        "/排班 撤销",
        "/gaps",
        "/缺口 周",
    ],
)
@pytest.mark.parametrize("caller", ["c1", "doc1"])
async def test_only_leads_edit_and_others_are_told_who_can(
    sqlite_chat: Chat, text: str, caller: str
) -> None:
    chat = sqlite_chat
    reply = await chat.reply(caller, text)
    assert reply.text.startswith("Only team leads can use /")
    assert reply.text.endswith("Please ask a team lead: Lead Liu.")
    assert await chat.count(models.AuditEntry) == 0


# --- remove, swap, undo, repeat (leads) ----------------------------------------------------


async def test_remove_and_undo_in_both_languages(chat: Chat) -> None:
    await chat.say("l1", "/rota add Chen tomorrow 08:00-14:00")
    reply = await chat.reply("l1", "/排班 删除 Chen 明天 12:00-14:00")
    assert reply.text == "Done: Removed Chen's shift 11-25 12:00-14:00."
    assert await chat.rota() == [("c1", "11-25 08:00-12:00")]
    bad = await chat.reply("l1", "/rota remove Chen tomorrow 15:00-16:00")
    assert "Chen has no shift covering 11-25 15:00-16:00. Chen's shifts on 11-25: 08:00-12:00" in (
        bad.text
    )
    missing = await chat.reply("l1", "/rota remove Chen 15:00-16:00")
    assert missing.text.startswith("Some arguments are missing.\nUsage: /rota remove MEMBER")
    undone = await chat.reply("l1", "/排班 撤销")
    assert undone.text == "Done: Undone: Removed Chen's shift 11-25 12:00-14:00."
    assert await chat.rota() == [("c1", "11-25 08:00-14:00")]
    await chat.reply("l1", "/rota undo")
    assert await chat.rota() == []
    nothing = await chat.reply("l1", "/rota undo")
    assert nothing.text == "The rota is unchanged: You have no rota change left to undo."
    extra = await chat.reply("l1", "/rota undo everything")
    assert extra.text.startswith("Unexpected words: everything.")


async def test_lead_swaps_at_once_in_both_languages(chat: Chat) -> None:
    await chat.say("l1", "/rota add Chen tomorrow 08:00-12:00")
    reply = await chat.reply("l1", "/rota swap Chen Li tomorrow 08:00-10:00")
    assert reply.text == "Done: Chen's shift 11-25 08:00-10:00 now goes to Li."
    reply = await chat.reply("l1", "／排班 换班 @Chen @Wang 明天 10:00-12:00")
    assert reply.text == "Done: Chen's shift 11-25 10:00-12:00 now goes to Wang."
    assert await chat.rota() == [("c2", "11-25 08:00-10:00"), ("c3", "11-25 10:00-12:00")]
    arity = await chat.reply("l1", "/rota swap Chen tomorrow 08:00-10:00")
    assert "Some arguments are missing." in arity.text
    assert "Usage: /rota swap MEMBER_A MEMBER_B DAY HH:MM-HH:MM" in arity.text


async def test_repeat_copies_a_day_onto_a_range(chat: Chat) -> None:
    await chat.say("l1", "/rota add Chen tomorrow 08:00-16:00")
    await chat.say("l1", "/rota add Li tomorrow 16:00-24:00")
    reply = await chat.reply("l1", "/排班 复制 明天 11-26~11-28")
    assert reply.text == "Done: Copied the rota of 11-25 to 11-26, 11-27, 11-28 (6 shifts)."
    assert len(await chat.rota()) == 8
    again = await chat.reply("l1", "/rota repeat tomorrow 11-26")
    assert "already have every shift of 11-25" in again.text
    bad = await chat.reply("l1", "/rota repeat tomorrow 11-26~someday")
    assert bad.text.split("\n")[2] == "For example: /rota repeat tomorrow 11-26~11-25"


# --- counsellors: offer a swap, accept it; ask for cover, take it --------------------------


async def test_counsellor_offers_own_shift_and_the_other_accepts(chat: Chat) -> None:
    await chat.say("l1", "/rota add Chen tomorrow 08:00-12:00")
    offer = await chat.reply("c1", "/排班 换班 我 Li 明天 08:00-10:00")
    assert offer.text.startswith("[Swap request #1] @Li: Chen would like you to take the shift")
    assert offer.mentions == ["c2", "c1"]
    assert await chat.rota() == [("c1", "11-25 08:00-12:00")]  # nothing yet
    again = await chat.reply("c1", "/rota swap Chen Li tomorrow 08:00-10:00")
    assert again.text == "This shift already has an open request (#1); please wait for an answer."
    assert (await chat.reply("c3", "/accept")).text == (
        "There is no swap request waiting for your answer."
    )
    assert (await chat.reply("c1", "/accept 1")).text == (
        "Swap request #1 is for Li or a team lead to accept."
    )
    assert "There is no open swap request #7" in (await chat.reply("c2", "/同意 7")).text
    done = await chat.reply("c2", "/同意")
    assert done.text == "Done: Chen's shift 11-25 08:00-10:00 now goes to Li (#1). @Chen @Li"
    assert await chat.rota() == [("c1", "11-25 10:00-12:00"), ("c2", "11-25 08:00-10:00")]
    assert chat.rescheduled == ["g1", "g1"]
    async with chat.ctx.db.read() as s:
        entry = (await s.scalars(select(models.AuditEntry).order_by(models.AuditEntry.id))).all()
        req = await s.get(models.RotaRequest, 1)
    assert [(e.actor_id, e.action) for e in entry] == [("l1", "add"), ("c2", "swap")]
    assert req is not None and (req.status, req.decided_by) == ("done", "c2")


async def test_counsellor_swap_limits_and_lead_approval(chat: Chat) -> None:
    await chat.say("l1", "/rota add Li tomorrow 08:00-10:00")
    await chat.say("l1", "/rota add Chen tomorrow 12:00-14:00")
    others = await chat.reply("c1", "/rota swap Li Wang tomorrow 08:00-10:00")
    assert others.text.startswith("You can only offer your own shifts, e.g. /rota swap Chen Li ")
    none = await chat.reply("c1", "/rota swap Chen Wang tomorrow 08:00-10:00")
    assert "Chen has no shift covering 11-25 08:00-10:00" in none.text
    staff = await chat.reply("doc1", "/rota swap Li Wang tomorrow 08:00-10:00")
    assert staff.text.startswith("Only counsellors and team leads can use /rota swap")
    await chat.reply("c1", "/rota swap Chen Wang tomorrow 12:00-14:00")
    approved = await chat.reply("l1", "/accept 1")
    assert approved.text.startswith("Done: Chen's shift 11-25 12:00-14:00 now goes to Wang (#1)")
    assert await chat.rota() == [("c2", "11-25 08:00-10:00"), ("c3", "11-25 12:00-14:00")]


async def test_release_and_take(chat: Chat) -> None:
    await chat.say("l1", "/rota add Chen tomorrow 08:00-12:00")
    asked = await chat.reply("c1", "/代班 明天 08:00-10:00")
    assert asked.text.startswith(
        "[Cover needed #1] Chen needs someone to take the shift "
        "11-25 08:00-10:00. If you can, answer /rota take 1."
    )
    assert await chat.rota() == [("c1", "11-25 08:00-12:00")]  # stays with its owner
    assert (await chat.reply("c1", "/接班 1")).text == (
        "#1 is your own shift; someone else needs to take it."
    )
    assert "There is no open request for cover #2" in (await chat.reply("c2", "/接班 2")).text
    assert "is not a number" in (await chat.reply("c2", "/rota take one")).text
    assert "Some arguments are missing" in (await chat.reply("c2", "/rota take")).text
    took = await chat.reply("c2", "/rota take 1")
    assert took.text == (
        "Done: Li took over Chen's shift 11-25 08:00-10:00 (#1). @Li @Chen @Lead Liu"
    )
    assert took.mentions == ["c2", "c1", "l1"]  # the lead is told
    assert await chat.rota() == [("c1", "11-25 10:00-12:00"), ("c2", "11-25 08:00-10:00")]
    gone = await chat.reply("c3", "/rota take 1")
    assert "There is no open request for cover #1" in gone.text
    no_shift = await chat.reply("c3", "/rota release tomorrow 08:00-10:00")
    assert "Wang has no shift covering" in no_shift.text
    assert await chat.count(models.RotaRequest) == 1


# --- views: on call, the rota table, gaps --------------------------------------------------


async def test_oncall_rota_and_gaps(chat: Chat) -> None:
    await chat.say("l1", "/rota add Chen today 20:30-24:00")
    await chat.say("l1", "/rota add Li tomorrow 08:00-12:00")
    await chat.say("l1", "/rota add Wang tomorrow 10:00-14:00")
    assert (await chat.reply("doc1", "/oncall")).text == (
        "Nobody is on duty now.\nNext: 20:30 Chen (until 24:00)."
    )
    chat.clock.set(at("2026-11-24", "21:00"))
    assert (await chat.reply("c2", "/值班")).text == (
        "On duty now: Chen (until 24:00).\nNext: 11-25 08:00 Li (until 12:00)."
    )
    assert "Unexpected words" in (await chat.reply("c2", "/oncall please")).text
    table = (await chat.reply("doc1", "/排班 明天")).text.split("\n")
    assert table == [
        "[Rota] service hours 08:00-24:00; \u26a0 marks a gap (fewer than 1)",
        "11-25 Wed",
        "08:00-10:00 Li",
        "10:00-12:00 Li, Wang",
        "12:00-14:00 Wang",
        "14:00-24:00 \u26a0 nobody on duty",
    ]
    week = (await chat.reply("doc1", "/rota week")).text
    assert week.count("\u26a0 nobody on duty") == 7  # today's evening is covered from 20:30
    assert "11-30 Mon" in week
    gaps = (await chat.reply("l1", "/gaps tomorrow")).text
    assert gaps == "[Gaps] times with fewer than 1 counsellors on duty:\n11-25 Wed 14:00-24:00"
    none = (await chat.reply("l1", "/缺口")).text  # today, from now on: Chen is on
    assert none == "No gaps 11-24: at least 1 counsellors on duty at all times."


async def test_a_long_table_is_one_reply_whole(sqlite_chat: Chat) -> None:
    """The command answers once, however long; fitting it to a platform's post is the outbox's
    (tests/test_outbox.py: parts at line breaks, the first one mentioning)."""
    chat = sqlite_chat
    async with chat.ctx.db.write() as s:
        day0 = at("2026-11-25", "08:00")
        for d in range(7):
            for h in range(32):  # half-hour shifts, each its own line: about 4 KB
                s.add(
                    models.Shift(
                        group_id="g1",
                        member_id=("c1", "c2", "c3")[h % 3],
                        start_at=day0 + timedelta(days=d, minutes=30 * h),
                        end_at=day0 + timedelta(days=d, minutes=30 * h + 30),
                        created_at=NOW,
                    )
                )
    said = await chat.say("doc1", "/rota week tomorrow")
    replies = [r for r in said if r.kind == "command_reply"]
    assert len(replies) == 1 and len(replies[0].text.encode()) > 2048  # past WeCom's limit
    lines = replies[0].text.split("\n")
    assert len(lines) == 1 + 7 * (1 + 32)  # title, and per day a label and 32 half hours
    assert lines[-1] == "23:30-24:00 Li"
    assert replies[0].mentions == ["doc1"]


# --- ical, help, Chinese -------------------------------------------------------------------


async def test_ical_link_goes_privately_and_reset_replaces_it(chat: Chat) -> None:
    replies = await chat.say("c1", "/日历")
    private = [r for r in replies if r.private_to]
    public = [r for r in replies if not r.private_to]
    assert len(private) == 1 and private[0].private_to == ["c1"]
    assert "http://127.0.0.1:8080/ical/" in private[0].text
    token = private[0].text.rsplit("/ical/", 1)[1].removesuffix(".ics")
    assert len(token) >= 32
    assert [r.text for r in public] == ["@Chen, your calendar link has been sent to you privately."]
    assert token not in public[0].text
    same = next(r for r in await chat.say("c1", "/ical") if r.private_to)
    assert token in same.text  # the same link until reset
    reset = await chat.say("c1", "/ical reset")
    new = next(r for r in reset if r.private_to)
    assert token not in new.text and "/ical/" in new.text
    assert "no longer works" in next(r for r in reset if not r.private_to).text
    staff = await chat.reply("doc1", "/ical")
    assert staff.text.startswith("Only counsellors and team leads can use /ical")


async def test_help_lists_what_each_role_may_use(sqlite_chat: Chat) -> None:
    chat = sqlite_chat
    staff = (await chat.reply("doc1", "/help")).text
    lead = (await chat.reply("l1", "/帮助")).text
    counsellor = (await chat.reply("c1", "/help")).text
    for usage in ("/oncall /值班", "/rota [today|tomorrow|DATE|week] /排班"):
        assert usage in staff and usage in lead and usage in counsellor
    assert "/rota add MEMBER DAY HH:MM-HH:MM /排班 添加" in lead
    assert "/rota add" not in counsellor and "/rota add" not in staff
    assert "/rota swap MEMBER_A MEMBER_B DAY HH:MM-HH:MM /排班 换班" in counsellor
    assert "/rota take N /接班" in counsellor and "/accept [N] /同意" in counsellor
    assert "/ical /日历" in counsellor and "/ical reset /日历 重置" in counsellor
    assert "/gaps [week|DAY] /缺口" in lead and "/gaps" not in counsellor


async def test_chinese_replies(zh_chat: Chat) -> None:
    bad = await zh_chat.reply("l1", "/排班 添加 Chen 明天 8-10")
    assert bad.text == (
        "看不懂时间「8-10」：请写 HH:MM-HH:MM（结束可以写 24:00）。\n"
        "用法：/排班 添加 成员 日期 HH:MM-HH:MM\n"
        "例如：/排班 添加 Chen 明天 08:00-10:00"
    )
    ok = await zh_chat.reply("l1", "/排班 添加 Chen 明天 08:00-10:00")
    assert ok.text == "好的，已为 Chen 添加 11-25 08:00-10:00。"
    refused = await zh_chat.reply("l1", "/排班 添加 Chen 明天 09:00-11:00")
    assert refused.text.startswith("排班没有改动：Chen 已有 11-25 08:00-10:00 的班")
    assert "例如改为 11-25 10:00-12:00" in refused.text
    denied = await zh_chat.reply("c1", "/排班 添加 Chen 明天 12:00-14:00")
    assert denied.text == "/rota add 只有组长可以使用。请联系组长：Lead Liu。"


async def test_a_request_whose_shift_has_begun_expires(chat: Chat) -> None:
    await chat.say("l1", "/rota add Chen tomorrow 08:00-12:00")
    await chat.say("c1", "/rota release tomorrow 08:00-10:00")
    await chat.say("c1", "/rota swap me Wang tomorrow 10:00-12:00")
    chat.clock.set(at("2026-11-25", "10:30"))
    assert "There is no open request for cover #1" in (await chat.reply("c2", "/接班 1")).text
    assert (await chat.reply("c3", "/accept")).text == (
        "There is no swap request waiting for your answer."
    )
    async with chat.ctx.db.read() as s:
        statuses = (await s.scalars(select(models.RotaRequest.status))).all()
    assert sorted(statuses) == ["expired", "expired"]
    assert await chat.rota() == [("c1", "11-25 08:00-12:00")]


async def test_help_in_a_chinese_group_is_all_chinese(zh_chat: Chat) -> None:
    lead = (await zh_chat.reply("l1", "/help")).text.split("\n")
    assert lead[0] == "可用命令："
    assert lead[1] == "/帮助 /help — 列出您可以使用的命令，例如 /帮助"
    assert (
        "/排班 添加 成员 日期 HH:MM-HH:MM /rota add — 为值班老师排班，"
        "例如 /排班 添加 张三 明天 08:00-12:00"
    ) in lead
    assert (
        "/统计 [今天|本周] /stats — 今天到现在（或最近七天）的统计，不含消息内容，例如 /统计 本周"
    ) in lead
    for line in lead[1:]:  # English only in the other-language name and the placeholders
        rest = line.split(" — ")[1]
        assert not any(w.isascii() and w.isalpha() for w in rest.replace("service.min_on_duty", "")
                       .split()), line


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("/done Doc1 counselling Doc2", "Unexpected words: Doc2.\nUsage: /done [STAFF] "
         "[CATEGORY]\nFor example: /done @王医生 counselling"),
        ("/done Doc1 Doc2", "That is not a category. Categories: prevention questions, "
         "psychological counselling, emotional support, practical help, follow-up of vulnerable "
         "people.\nUsage: /done [STAFF] [CATEGORY]\nFor example: /done @王医生 counselling"),
        ("/ack now", "Unexpected words: now.\nUsage: /ack\nFor example: /ack"),
        ("/handover", "Some arguments are missing.\nUsage: /handover NOTE\n"
                      "For example: /handover 王医生今晚值夜班，明早再联系"),
        ("/交接", "Some arguments are missing.\nUsage: /handover NOTE\n"
                 "For example: /handover 王医生今晚值夜班，明早再联系"),
    ],
)
async def test_conversation_commands_answer_usage_errors_like_every_command(
    sqlite_chat: Chat, text: str, answer: str
) -> None:
    assert (await sqlite_chat.reply("c1", text)).text == answer


async def test_usage_errors_in_a_chinese_group(zh_chat: Chat) -> None:
    assert (await zh_chat.reply("c1", "/结束 甲 心理疏导 乙")).text == (
        "多余的内容：乙。\n用法：/结束 [医护人员] [类别]\n例如：/结束 @王医生 心理疏导"
    )
    assert (await zh_chat.reply("l1", "/统计 月")).text == (
        "「月」不是 今天 或 本周。\n用法：/统计 [今天|本周]\n例如：/统计 本周"
    )
