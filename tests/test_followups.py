"""Follow-ups (issue 19 item 4): WHEN as counsellors type it in both languages; /followup,
/followups and /followup cancel through the real app; a due follow-up posted privately once, to
the counsellor who set it when on duty, else to the least-loaded one on duty with the handover
note; after a restart (the app stopped and made again on the same database) one due during the
downtime posted once, saying it is late; two apps on one PostgreSQL post it once; /done of a
level 3 conversation proposes one at +24 h; nothing of it in what the group sees."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import followups, models
from bot.clock import FrozenClock
from bot.i18n import t
from bot.keys import DB, JOBS
from bot.rota import ServiceHours
from bot.rota_args import ArgumentError
from tests.conftest import TZ, Bot, FakePlatform, at, make_settings

D = "2026-11-25"
N = "2026-11-26"
HOURS = ServiceHours(8 * 60, 24 * 60, TZ)
NOW = at(D, "12:00")  # a Wednesday


@pytest.mark.parametrize(
    ("words", "due", "asked", "rest"),
    [
        ("明天 18:00", (N, "18:00"), None, []),
        ("明天18:00", (N, "18:00"), None, []),
        ("明天 18：00", (N, "18:00"), None, []),
        ("今晚 20:00", (D, "20:00"), None, []),
        ("今晚 8:00", (D, "20:00"), None, []),  # 今晚 8 点 is 20:00
        ("明晚 9:30", (N, "21:30"), None, []),
        ("后天 10:00", ("2026-11-27", "10:00"), None, []),
        ("12-05 09:00", ("2026-12-05", "09:00"), None, []),
        ("2026-12-05 09:00", ("2026-12-05", "09:00"), None, []),
        ("+2h", (D, "14:00"), None, []),
        ("2小时后", (D, "14:00"), None, []),
        ("2个小时后", (D, "14:00"), None, []),
        ("30分钟后", (D, "12:30"), None, []),
        ("+45m", (D, "12:45"), None, []),
        ("18:00", (D, "18:00"), None, []),
        ("18点半", (D, "18:30"), None, []),
        ("明天 9点", (N, "09:00"), None, []),
        ("tomorrow 18:00", (N, "18:00"), None, []),
        ("Tomorrow 18:00", (N, "18:00"), None, []),
        ("tonight 8:00", (D, "20:00"), None, []),
        ("today 15:00", (D, "15:00"), None, []),
        ("明天 18:00 @王医生", (N, "18:00"), None, ["@王医生"]),
        ("+2h Doc One", (D, "14:00"), None, ["Doc", "One"]),
        # Outside service hours (08:00-24:00): moved to the next opening.
        ("明天 03:00", (N, "08:00"), (N, "03:00"), []),
        ("+13h", (N, "08:00"), (N, "01:00"), []),
        ("tomorrow 07:59", (N, "08:00"), (N, "07:59"), []),
    ],
)
def test_when_is_read_as_counsellors_write_it(
    words: str, due: tuple[str, str], asked: tuple[str, str] | None, rest: list[str]
) -> None:
    when, left = followups.parse_when(words.split(), NOW, HOURS)
    assert when.due == at(*due)
    assert when.asked == at(*(asked or due))
    assert when.moved == (asked is not None)
    assert left == rest


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("", "followup_when_missing"),
        ("soon", "followup_bad_when"),
        ("明天", "followup_time_missing"),
        ("tomorrow", "followup_time_missing"),
        ("明天 下午", "followup_time_missing"),
        ("25:00", "followup_bad_time"),
        ("明天 18:75", "followup_bad_time"),
        ("02-30 09:00", "followup_bad_date"),
        ("13-01 09:00", "followup_bad_date"),
        ("11:00", "followup_past"),  # today, and it is 12:00
        ("today 11:59", "followup_past"),
        ("2026-11-20 09:00", "followup_past"),
        ("+40d", "followup_too_far"),
        ("+0h", "followup_bad_when"),
    ],
)
def test_when_that_cannot_be_read_is_a_clear_fault(words: str, key: str) -> None:
    with pytest.raises(ArgumentError) as e:
        followups.parse_when(words.split(), NOW, HOURS)
    assert e.value.key == key
    for lang in ("zh", "en"):  # the reason reads in both languages
        assert t(lang, e.value.key, **e.value.values)


def test_a_short_date_already_past_is_next_years() -> None:
    when, _ = followups.parse_when(["01-05", "09:00"], at("2026-12-20", "12:00"), HOURS)
    assert when.due == at("2027-01-05", "09:00")


def test_the_proposed_time_is_24_hours_on_inside_service_hours() -> None:
    assert followups.proposed_time(at(D, "12:00") + timedelta(seconds=30), HOURS) == at(N, "12:00")
    # /done after closing (a conversation kept past it): the next day's opening.
    assert followups.proposed_time(at(D, "01:30"), HOURS) == at(N, "08:00")


# --- through the real app ---


async def start(
    database_url: str, fake: FakePlatform, make_bot: Any, when: datetime, **sections: Any
) -> Bot:
    settings = make_settings(database_url, fake.url, service={"reminder_minutes": 0}, **sections)
    return await make_bot(settings, FrozenClock(when))  # type: ignore[no-any-return]


async def settle(bot: Bot, within_s: float = 15.0) -> None:
    """Wait until nothing is pending in the outbox."""
    pending = models.OutboxRow.status == "pending"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        async with bot.app[DB].read() as s:
            left = await s.scalar(select(func.count()).select_from(models.OutboxRow).where(pending))
        if not left:
            return
        assert loop.time() < deadline, f"{left} posts still pending"
        await asyncio.sleep(0.05)


async def rows(bot: Bot) -> list[models.Followup]:
    async with bot.app[DB].read() as s:
        return list(await s.scalars(select(models.Followup).order_by(models.Followup.id)))


async def says(bot: Bot, fake: FakePlatform, msg_id: str, sender: str, text: str) -> None:
    await bot.staff_says(msg_id, sender, text)
    await settle(bot)


def of(fake: FakePlatform, kind: str) -> list[dict[str, Any]]:
    return fake.of_kind(kind)


def replies_to(fake: FakePlatform, who: str) -> list[str]:
    return [m["text"] for m in fake.of_kind("command_reply") if who in m["mentions"]]


def group_visible(fake: FakePlatform) -> list[dict[str, Any]]:
    return [m for m in fake.received if not m.get("private_to")]


async def advance_to(bot: Bot, instant: datetime) -> None:
    """Move the frozen clocks to `instant` and run the group's job (as its timer would)."""
    bot.advance(instant - bot.clock.now())
    bot.app[JOBS].reschedule("g1")


async def test_set_list_and_cancel_in_both_languages(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, at(D, "12:00"))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "20:00"))
    await says(bot, fake_platform, "m1", "doc1", "hello")
    await says(bot, fake_platform, "f1", "c1", "/followup tomorrow 18:00")
    await says(bot, fake_platform, "f2", "c1", "/跟进 2小时后 @Doc1")
    await says(bot, fake_platform, "f3", "c1", "/跟进 明天 03:00")
    got = await rows(bot)
    assert [(r.staff_id, r.set_by, r.due_at) for r in got] == [
        ("doc1", "c1", at(N, "18:00")),
        ("doc1", "c1", at(D, "14:00")),
        ("doc1", "c1", at(N, "08:00")),
    ]
    ok = [m for m in of(fake_platform, "command_reply") if m.get("private_to") == ["c1"]]
    assert [m["text"] for m in ok] == [
        f"Done: you will be reminded to follow up with Doc1 at 11-26 18:00 (#{got[0].id}).",
        f"Done: you will be reminded to follow up with Doc1 at 11-25 14:00 (#{got[1].id}).",
        "11-26 03:00 is outside service hours (08:00-24:00), when nobody is on duty; you will be "
        f"reminded to follow up with Doc1 at 11-26 08:00 instead (#{got[2].id}).",
    ]
    # Bad input: a clear reason and an example; nothing stored.
    fake_platform.received.clear()
    await says(bot, fake_platform, "f4", "c1", "/followup soon")
    await says(bot, fake_platform, "f5", "c1", "/followup 11:00")
    await says(bot, fake_platform, "f6", "c1", "/跟进 明天")
    texts = replies_to(fake_platform, "c1")
    assert len(texts) == 3
    assert "\u201csoon\u201d is not a time I can read" in texts[0] and "For example:" in texts[0]
    assert "11-25 11:00 has passed" in texts[1]
    assert "Say what time on \u201c明天\u201d" in texts[2]
    assert len(await rows(bot)) == 3
    # The list, privately; then cancel one.
    fake_platform.received.clear()
    await says(bot, fake_platform, "l1", "c1", "/followups")
    [listing] = of(fake_platform, "command_reply")
    assert listing["private_to"] == ["c1"]
    assert listing["text"].splitlines() == [
        "Your pending follow-ups (3; to cancel one send /followup cancel N):",
        f"#{got[1].id} 11-25 14:00 Doc1",
        f"#{got[2].id} 11-26 08:00 Doc1",
        f"#{got[0].id} 11-26 18:00 Doc1",
    ]
    await says(bot, fake_platform, "x1", "c1", f"/followup cancel {got[1].id}")
    await says(bot, fake_platform, "x2", "c1", f"/跟进 取消 #{got[1].id}")  # already cancelled
    await says(bot, fake_platform, "x3", "c2", f"/followup cancel {got[0].id}")  # not c2's
    cancels = of(fake_platform, "command_reply")[1:]
    assert [m["private_to"] for m in cancels] == [["c1"], ["c1"], ["c2"]]
    texts = [m["text"] for m in cancels]
    assert texts == [
        f"Follow-up #{got[1].id} is cancelled.",
        f"You have no pending follow-up #{got[1].id}; send /followups to see yours.",
        f"You have no pending follow-up #{got[0].id}; send /followups to see yours.",
    ]
    assert [r.cancelled_at is not None for r in await rows(bot)] == [False, True, False]
    # A cancelled one is never posted.
    await advance_to(bot, at(D, "14:00") + timedelta(seconds=1))
    await asyncio.sleep(1.0)
    await settle(bot)
    assert not of(fake_platform, "followup")


async def test_the_conversation_is_the_one_held_or_the_last_closed_or_the_one_named(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, at(D, "12:00"))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "20:00"))
    await says(bot, fake_platform, "f0", "c1", "/followup +1h")  # nothing held, nothing closed
    assert "name whom to follow up" in replies_to(fake_platform, "c1")[-1]
    await says(bot, fake_platform, "m1", "doc1", "hello")
    await says(bot, fake_platform, "m2", "doc2", "hello")
    await says(bot, fake_platform, "f1", "c1", "/followup +1h")  # two held: which?
    assert "You hold several conversations" in replies_to(fake_platform, "c1")[-1]
    await says(bot, fake_platform, "f2", "c1", "/followup +1h nobody-here")
    assert "There is no conversation with nobody-here." in replies_to(fake_platform, "c1")[-1]
    await says(bot, fake_platform, "d1", "c1", "/done doc1")
    await says(bot, fake_platform, "d2", "c1", "/done doc2")
    await says(bot, fake_platform, "f3", "c1", "/followup +1h")  # the one closed last
    await says(bot, fake_platform, "f4", "c1", "/followup +2h doc1")
    assert [r.staff_id for r in await rows(bot)] == ["doc2", "doc1"]


async def test_due_while_on_duty_is_posted_privately_to_the_setter_once(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, at(D, "12:00"))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "20:00"))
    await says(bot, fake_platform, "m1", "doc1", "hello")
    await says(bot, fake_platform, "h1", "c1", "/handover call back after her night shift")
    await says(bot, fake_platform, "f1", "c1", "/followup +2h")
    await advance_to(bot, at(D, "14:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(of(fake_platform, "followup")) == 1, 15)
    await advance_to(bot, at(D, "14:05"))
    await bot.app[JOBS]._sweep(full=True)
    await settle(bot)
    [post] = of(fake_platform, "followup")
    assert post["private_to"] == ["c1"] and post["mentions"] == ["c1"]
    assert post["text"] == "[Follow-up] Time to follow up with Doc1 (you set this at 11-25 12:00)."
    [row] = await rows(bot)
    assert (row.sent_at, row.sent_to, row.late_s) == (
        at(D, "14:00") + timedelta(seconds=1),
        "c1",
        1,
    )


async def test_due_while_off_duty_goes_to_the_least_loaded_on_duty_with_the_note(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, at(D, "12:00"))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "13:00"))
    await says(bot, fake_platform, "m1", "doc1", "hello")
    await says(bot, fake_platform, "h1", "c1", "/handover call back after her night shift")
    await says(bot, fake_platform, "d1", "c1", "/done")
    await says(bot, fake_platform, "f1", "c1", "/跟进 15:00")
    await bot.add_shift("c2", at(D, "12:00"), at(D, "20:00"))
    await bot.add_shift("c3", at(D, "12:00"), at(D, "20:00"))
    await says(bot, fake_platform, "m2", "doc2", "hello")
    [doc2] = [m for m in of(fake_platform, "assignment") if "doc2" in m["mentions"]]
    busy = next(c for c in ("c2", "c3") if c in doc2["mentions"])
    free = "c3" if busy == "c2" else "c2"
    await advance_to(bot, at(D, "15:00"))
    await fake_platform.wait_for(lambda r: len(of(fake_platform, "followup")) == 1, 15)
    await settle(bot)
    [post] = of(fake_platform, "followup")
    assert post["private_to"] == [free]
    assert post["text"] == (
        "[Follow-up] Chen asked at 11-25 12:00 for Doc1 to be followed up now and is off duty: "
        "please follow up.\nHandover note: call back after her night shift"
    )
    [row] = await rows(bot)
    assert row.sent_to == free
    # The copy of the note is linked to the conversation (a request to be forgotten finds it).
    async with bot.app[DB].read() as s:
        quoted = await s.scalar(select(func.count()).select_from(models.OutboxQuote))
    assert quoted
    # Nothing of it in what the group sees.
    for m in group_visible(fake_platform):
        assert "night shift" not in m["text"] and "Follow-up" not in m["text"], m


async def test_due_during_a_restart_is_posted_once_after_it_saying_it_is_late(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url, service={"reminder_minutes": 0})
    clock = FrozenClock(at(D, "12:00"))
    bot = await make_bot(settings, clock)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "20:00"))
    await says(bot, fake_platform, "m1", "doc1", "hello")
    await says(bot, fake_platform, "f1", "c1", "/跟进 30分钟后")
    await bot.stop()  # down across 12:30
    clock.advance(timedelta(minutes=45))
    again = await make_bot(settings, clock)  # the start catches up
    await fake_platform.wait_for(lambda r: len(of(fake_platform, "followup")) == 1, 15)
    await settle(again)
    await again.stop()
    clock.advance(timedelta(minutes=5))
    third = await make_bot(settings, clock)  # and a start after that posts nothing again
    await third.app[JOBS]._sweep(full=True)
    await asyncio.sleep(0.5)
    await settle(third)
    [post] = of(fake_platform, "followup")
    assert post["private_to"] == ["c1"]
    assert post["text"] == (
        "[Follow-up] Time to follow up with Doc1 (you set this at 11-25 12:00). "
        "(this notice is 15 minutes late)"
    )
    [row] = await rows(third)
    assert row.late_s == 15 * 60


async def test_two_apps_on_one_postgresql_post_it_once(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several instances share one database on PostgreSQL only")
    settings = make_settings(database_url, fake_platform.url, service={"reminder_minutes": 0})
    clock = FrozenClock(at(D, "12:00"))
    a = await make_bot(settings, clock)
    await a.add_shift("c1", at(D, "09:00"), at(D, "20:00"))
    await says(a, fake_platform, "m1", "doc1", "hello")
    for n in range(5):
        await says(a, fake_platform, f"f{n}", "c1", f"/followup +{n + 1}m")
    b = await make_bot(settings, clock)
    clock.advance(timedelta(minutes=10))
    # Both instances run the group at once, several times over.
    await asyncio.gather(
        *(bot.app[JOBS].run("g1") for bot in (a, b) for _ in range(3)),
        *(bot.app[JOBS]._sweep(full=True) for bot in (a, b)),
    )
    await fake_platform.wait_for(lambda r: len(of(fake_platform, "followup")) == 5, 15)
    await settle(a)
    await asyncio.sleep(0.5)
    assert len(of(fake_platform, "followup")) == 5
    async with a.app[DB].read() as s:
        n = await s.scalar(
            select(func.count())
            .select_from(models.OutboxRow)
            .where(models.OutboxRow.kind == "followup")
        )
    assert n == 5


@pytest.mark.parametrize("language", ["en", "zh"])
async def test_done_of_a_level_3_conversation_proposes_a_followup_at_24h(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, language: str
) -> None:
    bot = await start(
        database_url, fake_platform, make_bot, at(D, "09:30"), bot={"language": language}
    )
    await bot.add_shift("c1", at(D, "09:00"), at(D, "20:00"))
    await says(bot, fake_platform, "m1", "doc1", "hello")
    await says(bot, fake_platform, "d1", "c1", "/done")  # not a crisis: nothing proposed
    assert not [m for m in fake_platform.received if "24" in m["text"]]
    await says(bot, fake_platform, "m3", "doc3", "我真的不想活了")  # level 2: a crisis, no plan
    await says(bot, fake_platform, "d3", "c1", "/done")
    words = ("/followup", "/跟进")
    assert not [m for m in fake_platform.received if any(w in m["text"] for w in words)]
    await says(bot, fake_platform, "m2", "doc2", "我今晚就不想活了")  # level 3: a time frame
    await says(bot, fake_platform, "d2", "c1", "/done")
    [proposal] = [
        m for m in fake_platform.received if "/followup" in m["text"] or "/跟进" in m["text"]
    ]
    assert proposal["private_to"] == ["c1"]
    command = {"en": "/followup 11-26 09:30 ＠Doc2", "zh": "/跟进 11-26 09:30 ＠Doc2"}[language]
    assert proposal["text"].endswith(command), proposal["text"]
    # Sent as it stands, it sets the follow-up.
    await says(bot, fake_platform, "f1", "c1", command)
    [row] = await rows(bot)
    assert (row.staff_id, row.due_at) == ("doc2", at(N, "09:30"))
    # The group sees neither the crisis mark nor the proposal.
    for m in group_visible(fake_platform):
        for word in ("[Crisis]", "【危机", "[Follow-up", "【跟进", "24 hours", "24 小时", "11-26"):
            assert word not in m["text"], m


@pytest.mark.parametrize("privacy", [False, True], ids=["open", "privacy"])
async def test_privacy_scan_a_followup_day_shows_nothing_of_it_in_the_group(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, privacy: bool
) -> None:
    """A day with every part of it: a crisis closed and the proposal, follow-ups set by a
    counsellor who goes off duty, listed, one cancelled, one due to a colleague with the note,
    one due to the setter. No group-visible post carries a follow-up, its time, its note or
    the crisis."""
    settings = make_settings(database_url, fake_platform.url, service={"reminder_minutes": 0})
    groups = [g.model_copy(update={"privacy": privacy}) for g in settings.groups]
    settings = settings.model_copy(update={"groups": groups})
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "09:30")))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "13:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "20:00"))
    await says(bot, fake_platform, "m1", "doc1", "我今晚就不想活了")  # level 3
    async with bot.app[DB].read() as s:
        holder = await s.scalar(select(models.Conversation.counsellor_id))
    assert holder in ("c1", "c2")
    await says(bot, fake_platform, "h1", holder, "/handover ring her mother at noon")
    await says(bot, fake_platform, "d1", holder, "/done")
    await says(bot, fake_platform, "f1", holder, "/跟进 今天 14:00")
    await says(bot, fake_platform, "f2", holder, "/followup 11-25 12:00")
    await says(bot, fake_platform, "f3", holder, "/followup +5h")
    await says(bot, fake_platform, "l1", holder, "/我的跟进")
    [third] = [r for r in await rows(bot) if r.due_at == at(D, "14:30")]
    await says(bot, fake_platform, "x1", holder, f"/followup cancel {third.id}")
    for instant in (at(D, "12:00"), at(D, "14:00")):
        await advance_to(bot, instant)
        await bot.app[JOBS]._sweep(full=True)
        await settle(bot)
    assert len(of(fake_platform, "followup")) == 2
    assert all(m.get("private_to") for m in of(fake_platform, "followup"))
    secret = ["ring her mother", "[Follow-up", "follow up", "【跟进", "跟进提醒", "11-26", "14:00"]
    secret += ["12:00", "[Crisis]", "【危机", f"#{third.id}"]
    for m in group_visible(fake_platform):
        for word in secret:
            assert word not in m["text"], (word, m)
