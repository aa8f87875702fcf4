"""Supervisors (督导, issue 19 item 3) through the real app: the role in the config, their own
rota line (supervision shifts take no conversations), crisis and escalation alerts to the
supervisor on duty, the review list and the debrief prompts at close (once, across a restart),
and nothing of it in the group.

The real app runs on a frozen clock that the tests move; the fake platform records every post."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models, retention
from bot.clock import FrozenClock
from bot.config import load_settings
from bot.errors import ConfigError
from bot.keys import DB
from bot.rota_args import ArgumentError
from handlers.risk_commands import parse_risk
from tests.conftest import Bot, FakePlatform, at, make_settings

D = "2026-11-25"
MEMBERS = [
    {"group": "g1", "id": "c1", "name": "Chen", "role": "counsellor"},
    {"group": "g1", "id": "c2", "name": "Li", "role": "counsellor"},
    {"group": "g1", "id": "l1", "name": "Lead Liu", "role": "lead"},
    {"group": "g1", "id": "s1", "name": "Sup Sun", "role": "supervisor"},
    {"group": "g1", "id": "l2", "name": "Lead Zhou", "role": "lead", "supervisor": True},
]


def settings_for(
    database_url: str,
    url: str,
    *,
    privacy: bool = False,
    language: str = "en",
    members: list[dict[str, Any]] = MEMBERS,
    **service: Any,
) -> Any:
    settings = make_settings(
        database_url,
        url,
        bot={"language": language},
        service={"reminder_minutes": 0, "idle_close_hours": 48, **service},
        outbox={"rate_per_minute": 600},
        members=members,
    )
    groups = [g.model_copy(update={"privacy": privacy}) for g in settings.groups]
    return settings.model_copy(update={"groups": groups})


async def settle(bot: Bot, within_s: float = 20.0) -> None:
    """Wait until every post the bot has queued so far reached the platform."""
    row = models.OutboxRow
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        async with bot.app[DB].read() as s:
            left = list(await s.scalars(select(row).where(row.status == "pending")))
        if not left:
            return
        assert loop.time() < deadline, [(r.kind, r.private_to, r.last_error) for r in left]
        await asyncio.sleep(0.05)


async def move_to(bot: Bot, hhmm: str, day: str = D) -> None:
    bot.clock.set(at(day, hhmm) + timedelta(seconds=1))
    await asyncio.sleep(0.3)
    await settle(bot)


def test_roles_in_the_config() -> None:
    """role = "supervisor", or supervisor = true on a lead; a counsellor cannot be flagged."""
    base: dict[str, Any] = {
        "groups": [{"id": "g1", "platform": "local"}],
        "members": [
            {"group": "g1", "id": "c1"},
            {"group": "g1", "id": "s1", "role": "supervisor"},
            {"group": "g1", "id": "l1", "role": "lead"},
            {"group": "g1", "id": "l2", "role": "lead", "supervisor": True},
        ],
    }
    settings = load_settings(None, **base)
    assert [m.id for m in settings.supervisors_of("g1")] == ["s1", "l2"]
    assert [m.id for m in settings.leads_of("g1")] == ["l1", "l2"]  # l2 is still a lead
    assert [m.id for m in settings.counsellors_of("g1")] == ["c1"]  # s1 takes no conversations
    bad = {**base, "members": [{"group": "g1", "id": "c1", "supervisor": True}]}
    with pytest.raises(ConfigError, match='role = "supervisor"'):
        load_settings(None, **bad)
    with pytest.raises(ConfigError, match="supervisor"):
        load_settings(None, **{**base, "members": [{"group": "g1", "id": "x", "role": "boss"}]})


async def test_supervision_shift_takes_no_conversation_and_the_on_duty_one_is_alerted(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    """A lead puts s1 on the supervision rota with /rota add; a level-3 message goes to c1,
    never to s1, and its crisis alert reaches the leads (l2 supervises too), s1 (on duty) and
    not s2 (a supervisor off duty); with nobody on a supervision shift, every supervisor."""
    members = [*MEMBERS, {"group": "g1", "id": "s2", "name": "Sup Qian", "role": "supervisor"}]
    settings = settings_for(database_url, fake_platform.url, members=members)
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "08:30")))
    await bot.staff_says("r1", "l1", "/rota add Sup Sun today 09:00-12:00")
    await settle(bot)
    reply = fake_platform.received[-1]["text"]
    assert "Sup Sun" in reply and "09:00" in reply, reply
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await move_to(bot, "09:30")
    await bot.staff_says("m1", "doc", "我今晚不想活了")
    await settle(bot)
    await bot.staff_says("m1b", "nurse", "hello")  # c1 has one: s1 would be the less loaded
    await settle(bot)
    async with bot.app[DB].read() as s:
        held = {
            c.staff_id: (c.counsellor_id, c.level)
            for c in await s.scalars(select(models.Conversation))
        }
    assert held == {"doc": ("c1", 3), "nurse": ("c1", 0)}
    alerts = fake_platform.of_kind("crisis")
    to = {who for a in alerts if "Doc" in a["text"] for who in a["private_to"]}
    assert {"l1", "l2", "s1", "c1"} <= to and "s2" not in to, alerts

    # The supervisor's own rota line: not among who is on duty, not counted as coverage.
    await bot.staff_says("v1", "c1", "/rota today")
    await settle(bot)
    table = fake_platform.received[-1]["text"].splitlines()
    assert "09:00-12:00 Chen" in table and "Supervision: Sup Sun 09:00-12:00" in table, table
    await bot.staff_says("v2", "c1", "/oncall")
    await settle(bot)
    oncall = fake_platform.received[-1]["text"]
    assert "Sup Sun" not in oncall.splitlines()[0] and "Supervisor on duty: Sup Sun" in oncall

    # Off a supervision shift, every supervisor of the group is "the supervisor on duty".
    await move_to(bot, "12:30")
    await bot.add_shift("c2", at(D, "12:00"), at(D, "16:00"))
    await bot.staff_says("m2", "doc2", "I have pills and I will kill myself tonight")
    await settle(bot)
    later = [a for a in fake_platform.of_kind("crisis") if "Doc2" in a["text"]]
    assert later and {"s1", "s2"} <= set(later[0]["private_to"]), later


def group_visible(fake: FakePlatform) -> list[dict[str, Any]]:
    return [p for p in fake.received if not p.get("private_to")]


async def test_review_at_close_once_after_a_restart_and_the_debrief_prompt(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    """A privacy group's day: a level-3 conversation, one that waits 30 minutes, one that
    times out and moves (its escalation reaches the supervisors too). At close the
    supervisors get the review list (figures, numbers and times, no text, no person's name),
    c1 who held the level 3 gets the debrief prompt naming the supervisor on duty; after a
    restart neither comes again. The group sees no level, risk word or person's name."""
    settings = settings_for(
        database_url, fake_platform.url, privacy=True, closes="20:00", first_response_minutes=10
    )
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "08:20")))
    await bot.add_shift("s1", at(D, "18:00"), at(D, "20:00"))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "20:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "20:00"))
    await move_to(bot, "08:30")
    await bot.staff_says("m1", "doc", "hello, is anyone there")  # waits for 09:00
    await move_to(bot, "09:00")
    await bot.staff_says("a1", "c1", "/ack")
    await bot.staff_says("a2", "c2", "/ack")
    await move_to(bot, "09:30")
    await bot.staff_says("m2", "doc2", "我今晚不想活了")  # level 3
    await settle(bot)
    await bot.staff_says("a3", "c1", "/ack")
    await bot.staff_says("a4", "c2", "/ack")
    await move_to(bot, "09:40")
    await bot.staff_says("m3", "doc3", "can we talk")  # nobody answers it in 10 minutes
    await move_to(bot, "09:51")
    await move_to(bot, "09:52")
    # The private one: nobody answered doc3 in time (the queue alert at 08:30 is the group's).
    escalations = [p for p in fake_platform.of_kind("escalation") if p.get("private_to")]
    assert escalations and {"l1", "l2", "s1"} <= set(escalations[0]["private_to"]), escalations
    async with bot.app[DB].read() as s:
        convs = {c.staff_id: c for c in await s.scalars(select(models.Conversation))}
    assert convs["doc2"].level == 3 and convs["doc3"].reassign_count == 1
    level3_holder = convs["doc2"].counsellor_id
    assert level3_holder in ("c1", "c2")

    await move_to(bot, "20:00")
    await move_to(bot, "20:01")
    reviews = [p for p in fake_platform.of_kind("report") if "review" in p["text"]]
    assert len(reviews) == 1, reviews
    review = reviews[0]
    assert set(review["private_to"]) == {"s1", "l2"}
    text = review["text"]
    assert "1 at level 2-3, 1 reassigned, 1 waited over 5 min" in text, text
    assert f"#{convs['doc2'].id} 09:30 level 3" in text and "reassigned 1×" in text, text
    assert "waited 30 min" in text, text
    assert "Doc" not in text and "不想活" not in text  # privacy group: no name, never text
    debriefs = [p for p in fake_platform.of_kind("report") if "debrief" in p["text"]]
    assert [d["private_to"] for d in debriefs] == [[level3_holder]], debriefs
    assert "Sup Sun" in debriefs[0]["text"]  # s1 supervised at the end of the day

    # A restart (another instance, same database) past the close posts neither again.
    await bot.stop()
    bot = await make_bot(settings, FrozenClock(at(D, "20:02")))
    await move_to(bot, "20:05")
    await move_to(bot, "20:06")
    again = [p for p in fake_platform.of_kind("report") if "review" in p["text"]]
    assert len(again) == 1
    assert len([p for p in fake_platform.of_kind("report") if "debrief" in p["text"]]) == 1

    # The group saw the day go by without a level, a risk word or a person's name.
    for post in group_visible(fake_platform):
        words = post["text"].casefold()
        assert not any(w in words for w in ("level", "risk", "crisis", "review", "debrief")), post
        # A reply to the person mentions them; nobody else's name is in the group.
        for person in {"doc", "doc2", "doc3"} - set(post.get("mentions", [])):
            assert not re.search(rf"\b{person}\b", words), post


async def test_risk_note_stored_private_shown_to_leads_and_level_3_pages(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    """/风险 by the counsellor who holds the conversation: stored (risk_notes), audited without
    its words, confirmed to them alone; level 3 pages the supervisor on duty (s1), not an off-duty
    one; the lead's and the supervisor's /queue show it; a fault is answered privately with an
    example; the group sees none of it."""
    members = [*MEMBERS, {"group": "g1", "id": "s2", "name": "Sup Qian", "role": "supervisor"}]
    settings = settings_for(database_url, fake_platform.url, language="zh", members=members)
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "08:50")))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.add_shift("s1", at(D, "09:00"), at(D, "12:00"))
    await move_to(bot, "09:10")
    await bot.staff_says("m1", "doc", "最近很累")
    await settle(bot)
    before = len(fake_platform.received)

    await bot.staff_says("r0", "c1", "/risk 意愿:有")  # no level: a private usage reply
    await bot.staff_says("r1", "c1", "/风险 2 意愿：有 能力:无 意图:没有 保护:家人 和朋友")
    await settle(bot)
    fault, ok = fake_platform.received[before:]
    assert fault["private_to"] == ["c1"] and "0-3" in fault["text"] and "/风险 3" in fault["text"]
    assert ok["private_to"] == ["c1"] and "2级" in ok["text"]
    assert not [p for p in fake_platform.of_kind("crisis") if "风险评估" in p["text"]]

    await bot.staff_says("r2", "c1", "/risk 3 d:yes c:pills i:tonight b:sister")
    await settle(bot)
    pages = [p for p in fake_platform.of_kind("crisis") if "风险评估 3级" in p["text"]]
    assert [p["private_to"] for p in pages] == [["s1"]], pages  # on duty: s1, not s2
    assert "意图：tonight" in pages[0]["text"] and "Doc" in pages[0]["text"]
    assert "值班督导" in fake_platform.received[-1]["text"]
    assert fake_platform.received[-1]["private_to"] == ["c1"]
    # Level 3 starts a follow-up 24 h on, for the counsellor.
    assert "已为你设好" in fake_platform.received[-1]["text"]
    async with bot.app[DB].read() as s:
        [followup] = list(await s.scalars(select(models.Followup)))
    ahead = followup.due_at - followup.created_at  # to the minute
    assert followup.set_by == "c1" and timedelta(hours=23, minutes=59) < ahead <= timedelta(days=1)

    async with bot.app[DB].read() as s:
        notes = list(await s.scalars(select(models.RiskNote).order_by(models.RiskNote.id)))
        audits = list(
            await s.scalars(
                select(models.AuditEntry).where(models.AuditEntry.action == "risk_note")
            )
        )
    assert [(n.level, n.desire, n.capability, n.intent, n.buffers) for n in notes] == [
        (2, "有", "无", "没有", "家人 和朋友"),
        (3, "yes", "pills", "tonight", "sister"),
    ]
    assert len(audits) == 2 and all("tonight" not in str(a.after) for a in audits)
    assert audits[1].after["level"] == 3

    for asker in ("l1", "s1"):
        await bot.staff_says(f"q-{asker}", asker, "/queue")
        await settle(bot)
        answer = fake_platform.received[-1]
        assert answer["private_to"] == [asker], answer
        assert "风险评估 3级（Chen 09:10）" in answer["text"] and "tonight" in answer["text"]
    await bot.staff_says("q-c1", "c1", "/queue")  # counsellors do not see the queue
    await settle(bot)
    assert "组长和督导" in fake_platform.received[-1]["text"]

    for post in group_visible(fake_platform):
        words = post["text"].casefold()
        for w in ("风险评估", "tonight", "pills", "sister", "家人", "级"):
            assert w not in words, post

    # The person asks to be forgotten: the risk notes on their conversation go with their words.
    await retention.forget(bot.app[DB], "g1", "doc", bot.clock.now())
    async with bot.app[DB].read() as s:
        assert list(await s.scalars(select(models.RiskNote))) == []


@pytest.mark.parametrize(
    ("line", "level", "who", "domains"),
    [
        ("3 意愿:有 能力:有 意图:今晚 保护:家人", 3, None,
         {"desire": "有", "capability": "有", "intent": "今晚", "buffers": "家人"}),
        ("@王医生 2级 d:yes b:sister and a friend", 2, "@王医生",
         {"desire": "yes", "buffers": "sister and a friend"}),
        ("L1 Intent=none", 1, None, {"intent": "none"}),
        ("0", 0, None, {}),
    ],
)  # fmt: skip
def test_the_risk_grammar(line: str, level: int, who: str | None, domains: dict[str, str]) -> None:
    """What a phone types: a level (3, 3级, L3), keys in either language or one letter, a value
    up to the next key; the staff member first when several are held."""
    parsed = parse_risk(line.split())
    assert (parsed.level, parsed.who, parsed.domains) == (level, who, domains)


@pytest.mark.parametrize(
    ("line", "key"),
    [("意愿:有", "risk_err_level"), ("5 d:yes", "risk_err_level"), ("2 mood:low", "risk_err_key"),
     ("2 yes", "risk_err_key"), ("2 d:" + "x" * 201, "risk_err_long")],
)  # fmt: skip
def test_the_risk_grammar_faults(line: str, key: str) -> None:
    with pytest.raises(ArgumentError) as e:
        parse_risk(line.split())
    assert e.value.key == key
