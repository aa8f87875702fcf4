"""Handing messages to counsellors, end to end through the generic webhook: crisis, queue,
first-response deadlines, off hours, handover notes, privacy, idle close, /queue.

The real app runs on a frozen clock that the tests move; the fake platform records every post."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.keys import CONTEXT, DB
from tests.conftest import Bot, FakePlatform, at, make_settings

D = "2026-11-25"
N = "2026-11-26"


async def conv_of(bot: Bot, staff: str) -> models.Conversation:
    async with bot.app[DB].read() as s:
        conv = await s.scalar(
            select(models.Conversation)
            .where(models.Conversation.staff_id == staff)
            .order_by(models.Conversation.id.desc())
        )
    assert conv is not None
    return conv


async def settle(bot: Bot, within_s: float = 10.0) -> None:
    """Wait until every post the bot has queued so far reached the platform (none pending)."""
    pending = models.OutboxRow.status == "pending"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while True:
        async with bot.app[DB].read() as s:
            left = await s.scalar(select(func.count()).select_from(models.OutboxRow).where(pending))
        if not left:
            return
        assert loop.time() < deadline, f"{left} posts still pending after {within_s} s"
        await asyncio.sleep(0.05)


def said(fake: FakePlatform, text: str) -> list[dict[str, Any]]:
    return [m for m in fake.received if text in m["text"]]


async def start(
    database_url: str, fake: FakePlatform, make_bot: Any, when: str, day: str = D, **service: Any
) -> Bot:
    settings = make_settings(database_url, fake.url, service={"reminder_minutes": 0, **service})
    return await make_bot(settings, FrozenClock(at(day, when)))  # type: ignore[no-any-return]


async def test_crisis_is_assigned_at_once_past_capacity_and_leads_alerted_privately(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30", max_open_per_counsellor=1)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", "hello")
    await bot.staff_says("m2", "doc2", "我真的不想活了")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("crisis")) == 1)
    await settle(bot)
    # c1 is full with doc1, and still gets the crisis at once: no queue for a crisis.
    assignments = said(fake_platform, "please take care of")
    assert [a["mentions"] for a in assignments] == [["c1", "doc1"], ["c1", "doc2"]]
    assert "不想活" not in assignments[1]["text"]  # the group never reads a crisis
    [reply] = said(fake_platform, "400-161-9995")
    assert reply["mentions"] == ["doc2"] and "crisis" not in reply["text"]
    assert "Chen" in reply["text"]  # says who is coming
    [alert] = fake_platform.of_kind("crisis")
    assert alert["private_to"] == ["l1", "c1"] and alert["mentions"] == ["l1", "c1"]
    assert "Doc2" in alert["text"] and "Chen" in alert["text"] and "不想活" in alert["text"]
    # The crisis is never announced in the group: only the private alert names it.
    assert all("private_to" in m for m in said(fake_platform, "[Crisis]"))
    assert not fake_platform.of_kind("escalation")  # nobody waited
    conv = await conv_of(bot, "doc2")
    assert conv.is_crisis and conv.counsellor_id == "c1"
    # A second crisis message in the same conversation alerts nobody again.
    await bot.staff_says("m3", "doc2", "I want to end my life")
    await settle(bot)
    assert len(said(fake_platform, "[Crisis]")) == 1


async def test_crisis_at_three_in_the_morning_gets_hotlines_at_once_and_morning_assignment(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "03:00", day=N)
    await bot.add_shift("c2", at(N, "08:00"), at(N, "12:00"))
    await bot.staff_says("m1", "doc1", "I can't sleep")
    await bot.staff_says("m2", "doc1", "honestly I want to kill myself")
    await bot.staff_says("m3", "doc1", "sorry, still here")
    await settle(bot)
    plain = said(fake_platform, "Your message is saved")
    assert len(plain) == 1 and plain[0]["mentions"] == ["doc1"]  # one auto-reply a night
    [reply] = said(fake_platform, "someone answers there at any hour")
    assert "400-161-9995" in reply["text"] and "08:00" in reply["text"]
    assert reply["kind"] == "off_hours" and "crisis" not in reply["text"]  # it is a group post
    [alert] = fake_platform.of_kind("crisis")
    assert alert["private_to"] == ["l1"] and "no counsellor can take it" in alert["text"]
    assert not fake_platform.of_kind("assignment")
    # At 08:00 the morning counsellor gets it. The group sees a plain assignment; the assignee
    # and the leads are told privately that it is a crisis, with the night's messages.
    bot.clock.set(at(N, "08:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("crisis")) == 2)
    await settle(bot)
    [morning] = fake_platform.of_kind("assignment")
    assert morning["mentions"] == ["c2", "doc1"] and "private_to" not in morning
    assert "kill myself" not in morning["text"]
    taken = fake_platform.of_kind("crisis")[1]
    assert taken["private_to"] == ["l1", "c2"]
    assert "[Crisis]" in taken["text"] and "Li is taking it" in taken["text"]
    assert "kill myself" in taken["text"] and "still here" in taken["text"]
    opening = fake_platform.of_kind("open")
    assert len(opening) == 1
    assert fake_platform.received.index(opening[0]) < fake_platform.received.index(morning)


async def test_queue_when_everyone_is_full_leads_told_once_drained_on_done(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30", max_open_per_counsellor=1)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    for i in (1, 2, 3):
        await bot.staff_says(f"m{i}", f"doc{i}", f"hello from {i}")
    await settle(bot)
    assert [a["mentions"] for a in fake_platform.of_kind("assignment")] == [["c1", "doc1"]]
    waiting = said(fake_platform, "will be with you as soon as they can")
    assert [w["mentions"] for w in waiting] == [["doc2"], ["doc3"]]
    [leads] = fake_platform.of_kind("escalation")
    assert leads["mentions"] == ["l1"] and "[Queue] 1 staff waiting" in leads["text"]
    # c1 closes doc1: the oldest waiting (doc2) is assigned at once, then doc3 after doc2.
    await bot.staff_says("d1", "c1", "/done @Doc1")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    assert fake_platform.of_kind("assignment")[1]["mentions"] == ["c1", "doc2"]
    await bot.staff_says("d2", "c1", "/done")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 3)
    assert fake_platform.of_kind("assignment")[2]["mentions"] == ["c1", "doc3"]
    assert (await conv_of(bot, "doc1")).close_reason == "done"
    # The queue emptied, so a new backlog is news again: the leads hear of it once more.
    await bot.staff_says("m4", "doc4", "hello")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("escalation")) == 2)


async def test_no_first_response_moves_through_three_counsellors_and_alerts_leads_once(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30", first_response_minutes=10)
    for c in ("c1", "c2", "c3"):
        await bot.add_shift(c, at(D, "09:00"), at(D, "14:00"))
    await bot.staff_says("m1", "doc1", "is anyone there?")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    for n, expected in ((2, "c2"), (3, "c3")):
        bot.clock.advance(timedelta(minutes=10, seconds=1))
        await fake_platform.wait_for(lambda r, n=n: len(fake_platform.of_kind("assignment")) == n)
        latest = fake_platform.of_kind("assignment")[-1]
        assert latest["mentions"] == [expected, "doc1"]
        assert "did not answer within 10 minutes" in latest["text"]
    bot.clock.advance(timedelta(minutes=10, seconds=1))
    # The third deadline runs in the group's job: wait for it (a fixed 0.5 s was too short for
    # a loaded machine on PostgreSQL), then for its posts.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        if (await conv_of(bot, "doc1")).tried == ["c1", "c2", "c3"] or loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    await settle(bot)
    conv = await conv_of(bot, "doc1")
    assert (conv.counsellor_id, conv.tried, conv.response_due_at) == (
        "c3",
        ["c1", "c2", "c3"],
        None,
    )
    assert len(fake_platform.of_kind("assignment")) == 3  # nobody left: it stays with c3
    # Once for the conversation, with Chen's pause in the same post; once for each later pause.
    alerts = fake_platform.of_kind("escalation")
    assert [a["private_to"] for a in alerts] == [["l1"]] * 3
    assert [a["text"] for a in alerts] == [
        "[No answer] Chen did not answer Doc1 within 10 minutes; it went to Li.\n"
        "Chen gets no new conversations until they post or send /ack, or a lead sends "
        "/resume Chen.",
        "[No answer] Li did not answer Doc1 within 10 minutes.\n"
        "Li gets no new conversations until they post or send /ack, or a lead sends /resume Li.",
        "[No answer] Wang did not answer Doc1 within 10 minutes.\n"
        "Wang gets no new conversations until they post or send /ack, or a lead sends "
        "/resume Wang.",
    ]


@pytest.mark.parametrize("answer", ["I'm here, tell me more", "/ack"])
async def test_a_post_or_ack_by_the_assignee_is_the_first_response(
    database_url: str, fake_platform: FakePlatform, make_bot: Any, answer: str
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30", first_response_minutes=10)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "14:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "14:00"))
    await bot.staff_says("m1", "doc1", "hello")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    bot.clock.advance(timedelta(minutes=3))
    await bot.staff_says("a1", "c1", answer)
    bot.clock.advance(timedelta(minutes=20))
    await asyncio.sleep(0.4)
    await settle(bot)
    conv = await conv_of(bot, "doc1")
    assert conv.counsellor_id == "c1" and conv.first_assigned_at == at(D, "09:30")
    assert conv.first_response_at == at(D, "09:33")  # stored for the statistics
    assert len(fake_platform.of_kind("assignment")) == 1 and not fake_platform.of_kind("escalation")


async def test_handover_note_travels_with_the_conversation_at_the_shift_change(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await bot.add_shift("c1", at(D, "08:00"), at(D, "10:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", "hello")
    await bot.staff_says("m2", "doc2", "hello")
    await bot.staff_says("a1", "c1", "hi")  # answered: no first-response timeout
    await bot.staff_says("a2", "c2", "hi")
    await settle(bot)
    await bot.staff_says("h1", "c1", "/handover 刚下夜班，失眠，聊过一次")
    await fake_platform.wait_for(lambda r: bool(said(fake_platform, "The note is on your 1")))
    assert not said(fake_platform, "失眠")  # the note is not echoed when it is given
    bot.clock.set(at(D, "10:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("shift_change")) == 1)
    [notice] = fake_platform.of_kind("shift_change")
    assert "@Li takes 1: @Doc1" in notice["text"]
    assert "Note (Doc1): 刚下夜班，失眠，聊过一次" in notice["text"]
    assert (await conv_of(bot, "doc1")).counsellor_id == "c2"


async def test_privacy_group_never_shows_message_text_in_the_group(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url, service={"reminder_minutes": 0})
    groups = [g.model_copy(update={"privacy": True}) for g in settings.groups]
    settings = settings.model_copy(update={"groups": groups})
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "09:30")))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", "my secret worry")
    await bot.staff_says("m2", "doc1", "and a second secret")
    await bot.staff_says("m3", "doc2", "我想自杀")
    await settle(bot)
    for post in fake_platform.received:
        if "secret" in post["text"] or "自杀" in post["text"]:
            assert post.get("private_to"), post
    private = [p["text"] for p in fake_platform.received if p.get("private_to") == ["c1"]]
    assert len(private) == 3, (
        fake_platform.received
    )  # doc1's two messages, then doc2's, each to the counsellor alone
    assert "my secret worry" in private[0] and "second secret" in private[1]
    assert "我想自杀" in private[2]
    assert all("Doc1" in p for p in private[:2])
    # The crisis reply to doc2 goes to doc2 alone.
    [reply] = [p for p in fake_platform.of_kind("crisis") if p.get("private_to") == ["doc2"]]
    assert "400-161-9995" in reply["text"]


async def test_idle_conversations_close_and_free_the_counsellor(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(
        database_url,
        fake_platform,
        make_bot,
        "09:30",
        idle_close_hours=1,
        max_open_per_counsellor=1,
    )
    await bot.add_shift("c1", at(D, "09:00"), at(D, "14:00"))
    await bot.staff_says("m1", "doc1", "hello")
    await bot.staff_says("a1", "c1", "hi, I'm here")
    await bot.staff_says("m2", "doc2", "hello")  # waits: c1 is full
    await settle(bot)
    assert len(fake_platform.of_kind("assignment")) == 1
    bot.clock.advance(timedelta(minutes=61))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    assert fake_platform.of_kind("assignment")[1]["mentions"] == ["c1", "doc2"]
    assert (await conv_of(bot, "doc1")).close_reason == "idle"


async def test_a_conversation_from_2359_continued_at_0001_waits_for_the_morning(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "23:59")
    await bot.add_shift("c1", at(D, "22:00"), at(D, "24:00"))
    await bot.add_shift("c2", at(N, "08:00"), at(N, "10:00"))
    await bot.staff_says("m1", "doc1", "are you still there?")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    bot.clock.set(at(N, "00:01"))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("close")) == 1)
    [closing] = fake_platform.of_kind("close")
    assert "go to the counsellors on duty at 08:00: @Doc1" in closing["text"]
    await bot.staff_says("m2", "doc1", "hello?")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("off_hours")) == 1)
    assert (await conv_of(bot, "doc1")).status == "waiting"
    bot.clock.set(at(N, "08:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    assert fake_platform.of_kind("assignment")[1]["mentions"] == ["c2", "doc1"]


async def test_queue_command_lists_ages_without_text_and_only_for_leads(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30", max_open_per_counsellor=1)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", "private words one")
    await bot.staff_says("m2", "doc2", "private words two")
    bot.clock.advance(timedelta(minutes=75))
    await bot.staff_says("q1", "c1", "/queue")
    await bot.staff_says("q2", "l1", "/queue")
    await settle(bot)
    # The refusal goes in the group and the listing privately: two outbox lanes, so they may
    # arrive in either order. Pick each by its recipient.
    replies = fake_platform.of_kind("command_reply")
    [refusal] = [r for r in replies if r["mentions"] == ["c1"]]
    [listing] = [r for r in replies if r["mentions"] == ["l1"]]
    assert "Only team leads" in refusal["text"] and not refusal.get("private_to")
    assert listing["private_to"] == ["l1"]  # names: privately
    assert "1 waiting, 1 open" in listing["text"]
    assert "open Doc1 → Chen · 1 h 15 min" in listing["text"]
    assert "waiting Doc2 · 1 h 15 min" in listing["text"]
    assert "private words" not in listing["text"]


async def test_an_image_from_staff_is_stored_routed_and_answered_politely(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    from bot.context import Context
    from bot.keys import CONTEXT
    from bot.platforms.base import InboundMessage
    from handlers.messages import handle_inbound
    from handlers.registry import bot_commands

    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    ctx: Context = bot.app[CONTEXT]
    image = InboundMessage("generic", "g1", "img1", "doc1", "Doc1", "", msg_type="image")
    assert await handle_inbound(ctx, bot_commands(), [image]) == [False]
    await settle(bot)
    polite = said(fake_platform, "we received your message [image]")
    assert len(polite) == 1 and polite[0]["mentions"] == ["doc1"]
    [assignment] = fake_platform.of_kind("assignment")
    assert assignment["mentions"] == ["c1", "doc1"]
    assert assignment["text"] == "@Chen, please take care of @Doc1 (their message at 09:30)."


async def test_a_busy_hour_spreads_ten_staff_fairly_over_three_counsellors(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "10:00")
    for c in ("c1", "c2", "c3"):
        await bot.add_shift(c, at(D, "09:00"), at(D, "12:00"))
    for i in range(10):
        bot.clock.advance(timedelta(minutes=1))
        await bot.staff_says(f"m{i}", f"doc{i}", f"hello {i}")
        await bot.staff_says(f"again{i}", f"doc{i}", "and a second message")  # continuity
    await settle(bot)
    held = [a["mentions"][0] for a in fake_platform.of_kind("assignment")]
    assert len(held) == 10  # one assignment per person, not per message
    assert sorted(held.count(c) for c in ("c1", "c2", "c3")) == [3, 3, 4]
    assert held[:3] == ["c1", "c2", "c3"]  # ties go to the one assigned longest ago


async def test_concurrent_messages_of_one_person_all_land_in_one_conversation(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "10:00")
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    # A person who wrote before (their row exists) and whose conversation was closed.
    await bot.staff_says("first", "doc1", "hello")
    await bot.staff_says("bye", "c1", "/done")
    body = [
        {"msg_id": f"m{i}", "sender": {"id": "doc1", "name": "Doc1"}, "text": f"hi {i}"}
        for i in range(40)
    ]
    answers = await asyncio.gather(*(bot.post_signed(b) for b in body))
    assert [a.status for a in answers] == [200] * 40
    await settle(bot)
    async with bot.app[DB].read() as s:
        convs = list(
            await s.scalars(select(models.Conversation).where(models.Conversation.status == "open"))
        )
        linked = await s.scalar(
            select(func.count())
            .select_from(models.Message)
            .where(models.Message.conversation_id == convs[0].id)
        )
    assert len(convs) == 1 and linked == 40
    assert len(fake_platform.of_kind("assignment")) == 2  # the first conversation, then this one


async def test_staff_text_is_a_command_only_when_it_names_one_and_crisis_words_always_alert(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", "/ 我今晚不想活了")  # begins with "/": a message
    await bot.staff_says("m2", "doc2", "／随便说说")  # full-width slash, no command named
    await bot.staff_says("m3", "doc3", "/help 我不想活了")  # a command, and a crisis
    await bot.staff_says("m4", "doc4", "/queue")  # a lead's command: refused, as before
    await settle(bot)
    assert not said(fake_platform, "There is no")
    assignments = said(fake_platform, "please take care of")
    assert [a["mentions"] for a in assignments] == [["c1", "doc1"], ["c1", "doc2"], ["c1", "doc3"]]
    alerts = fake_platform.of_kind("crisis")
    assert [a["private_to"] for a in alerts] == [["l1", "c1"], ["l1", "c1"]]
    assert "Doc1" in alerts[0]["text"] and "Doc3" in alerts[1]["text"]
    [help_reply] = said(fake_platform, "Commands you can use")
    assert help_reply["mentions"] == ["doc3"]
    [refusal] = said(fake_platform, "Only team leads")
    assert refusal["mentions"] == ["doc4"]
    assert (await conv_of(bot, "doc3")).is_crisis
    async with bot.app[DB].read() as s:
        convs = await s.scalar(select(func.count()).select_from(models.Conversation))
    assert convs == 3  # doc4 only asked for a command


async def test_a_crisis_handed_over_at_a_boundary_alerts_the_new_counsellor_and_leads_privately(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await bot.add_shift("c1", at(D, "08:00"), at(D, "10:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m0", "doc0", "hello")  # c1 takes doc0, so c2 takes the crisis
    await bot.staff_says("m1", "doc1", "hello")
    await bot.staff_says("m2", "doc2", "我撑不下去了")
    await bot.staff_says("a1", "c1", "hi")
    await bot.staff_says("a2", "c2", "hi")
    await settle(bot)
    assert (await conv_of(bot, "doc2")).counsellor_id == "c1"
    bot.clock.set(at(D, "10:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("crisis")) == 2)
    await settle(bot)
    [notice] = fake_platform.of_kind("shift_change")
    assert "@Doc2" in notice["text"] and "crisis" not in notice["text"]
    taken = fake_platform.of_kind("crisis")[1]
    assert taken["private_to"] == ["l1", "c2"] and "Li is taking it" in taken["text"]
    assert "撑不下去" in taken["text"]


async def test_a_crisis_reassigned_after_a_timeout_alerts_the_next_counsellor_privately(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30", first_response_minutes=10)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", "I want to end my life")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("crisis")) == 1)
    bot.clock.advance(timedelta(minutes=10, seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("crisis")) == 2)
    await settle(bot)
    first, moved = fake_platform.of_kind("crisis")
    assert first["private_to"] == ["l1", "c1"]
    assert moved["private_to"] == ["l1", "c2"] and "Li is taking it" in moved["text"]
    [again] = said(fake_platform, "please take care of")[1:]
    assert again["mentions"] == ["c2", "doc1"] and "end my life" not in again["text"]


async def test_nobody_on_duty_inside_the_hours_says_so_and_tells_the_leads_once_per_gap(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await bot.add_shift("c1", at(D, "10:00"), at(D, "11:00"))
    await bot.staff_says("m1", "doc1", "hello")
    await bot.staff_says("m2", "doc2", "hello")
    await settle(bot)
    told = said(fake_platform, "Nobody is on duty right now")
    assert [x["mentions"] for x in told] == [["doc1"], ["doc2"]]
    assert "400-161-9995" in told[0]["text"] and not said(fake_platform, "busy")
    [gap] = said(fake_platform, "[Nobody on duty]")
    assert gap["mentions"] == ["l1"] and "1 staff waiting" in gap["text"]
    # c1 comes on and takes both; when c1 goes off, a new gap begins: the leads hear once more.
    bot.clock.set(at(D, "10:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(said(fake_platform, "please take care of")) == 2)
    await bot.staff_says("a1", "c1", "hi")
    bot.clock.set(at(D, "11:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(said(fake_platform, "[Nobody on duty]")) == 2)
    await bot.staff_says("m3", "doc3", "hello")
    await settle(bot)
    gaps = said(fake_platform, "[Nobody on duty]")
    assert len(gaps) == 2 and "2 staff waiting" in gaps[1]["text"]
    assert said(fake_platform, "Nobody is on duty right now")[-1]["mentions"] == ["doc3"]


async def test_the_night_crisis_reply_is_private_in_a_privacy_group(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url, service={"reminder_minutes": 0})
    groups = [g.model_copy(update={"privacy": True}) for g in settings.groups]
    settings = settings.model_copy(update={"groups": groups})
    bot: Bot = await make_bot(settings, FrozenClock(at(N, "03:00")))
    await bot.staff_says("m1", "doc1", "I want to end my life")
    await settle(bot)
    reply, alert = fake_platform.of_kind("crisis")
    assert reply["private_to"] == ["doc1"] and "400-161-9995" in reply["text"]
    assert alert["private_to"] == ["l1"]
    assert all(p.get("private_to") for p in fake_platform.received)


CRISIS_DAY = {
    "m1": ("07:59", "doc1", "我今晚不想活了"),
    "m2": ("09:00", "doc2", "I want to kill myself"),
    "m3": ("23:55", "doc3", "活着没意思，想结束一切"),
}


async def test_a_crisis_day_never_shows_a_person_in_crisis_to_the_group(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    """Every group-visible post of a day with crises at 07:59, in the hours and at 23:55."""
    bot = await start(database_url, fake_platform, make_bot, "07:50", idle_close_hours=48)
    await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"))
    await bot.add_shift("c2", at(D, "10:00"), at(D, "24:00"))

    async def at_time(hhmm: str, day: str = D) -> None:
        bot.clock.set(at(day, hhmm) + timedelta(seconds=1))
        await asyncio.sleep(0.3)  # the scheduler's boundary jobs run
        await settle(bot)

    async def says(msg_id: str) -> None:
        hhmm, who, text = CRISIS_DAY[msg_id]
        await at_time(hhmm)
        await bot.staff_says(msg_id, who, text)
        await settle(bot)

    await says("m1")
    await at_time("08:00")
    await says("m2")
    await at_time("09:05")
    await bot.staff_says("q1", "l1", "/queue")
    await bot.staff_says("a1", "c1", "hi")
    await at_time("10:00")
    await at_time("12:00")  # c1 goes off: both crises are handed to c2
    await says("m3")
    await bot.staff_says("q2", "l1", "/队列")
    await at_time("00:00", N)  # close: everything waits for the morning
    await at_time("08:00", N)
    await settle(bot)
    async with bot.app[DB].read() as s:
        rows = list(await s.scalars(select(models.OutboxRow).order_by(models.OutboxRow.id)))
    group_rows = [(r.kind, r.text) for r in rows if not r.private_to]
    posts = [(p["kind"], p["text"]) for p in fake_platform.received if not p.get("private_to")]
    assert posts and group_rows
    # The leads (and each assignee) did hear of every crisis, privately: at 07:59, at 08:00, at
    # 09:00, at 12:00 twice, at 23:55, and at midnight three times.
    assert len(fake_platform.of_kind("crisis")) == 9
    [handover] = said(fake_platform, "Handing over 2")
    assert "@Doc1" in handover["text"] and "@Doc2" in handover["text"]
    hotlines = bot.settings.service.crisis_hotlines  # a hotline's own name may say 危机
    matcher = bot.app[CONTEXT].crisis
    for kind, text in group_rows + posts:
        for hotline in hotlines:
            text = text.replace(hotline, "")
        assert kind != "crisis", text
        assert "crisis" not in text.casefold() and "危机" not in text, text
        assert not matcher.triage(text).is_crisis, text
        for _, _, written in CRISIS_DAY.values():
            assert written not in text, text
