"""微信客服 hand-over end to end: the bot acknowledges, then hands the session to the counsellor
(service_state/trans to 3 人工接待) after everything it says to the person; reassignment, the
shift boundary and the morning move it on; /done ends it; a session ended or transferred in the
WeCom client is recorded. The real app, the fake 微信客服 server (tests/fake_wecom_kf.py, with
its state machine) and the team group, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.conversations import handle_deadlines
from bot.keys import CONTEXT, DB
from bot.notices import handle_due
from tests.conftest import Bot, FakePlatform, at
from tests.fake_wecom_kf import FakeWeComKf, serve_fake_kf
from tests.test_wecom_kf import callback, kf_settings, settled

D = "2026-11-25"
NEXT = "2026-11-26"
NOW = at(D, "09:30")
ACK = "will answer you soon"  # the person's acknowledgement (person_ack, en)


@pytest.fixture
async def kf() -> AsyncIterator[FakeWeComKf]:
    wall = FrozenWallClock(NOW)
    fake = FakeWeComKf(now=lambda: wall.wall_now().timestamp())
    fake.nicknames = {"wmA": "小王", "wmB": "小李"}
    fake.servicers = {"c1": True, "c2": True}  # both serve the account and are 正在接待
    async with serve_fake_kf(fake) as served:
        served.wall = wall  # type: ignore[attr-defined]
        yield served


async def start(
    make_bot: Any,
    database_url: str,
    team: FakePlatform,
    kf: FakeWeComKf,
    shifts: list[tuple[str, datetime, datetime]],
) -> Bot:
    settings = kf_settings(database_url, team.url, kf.url)
    bot: Bot = await make_bot(settings, FrozenClock(NOW), kf.wall)  # type: ignore[attr-defined]
    for member, start_at, end_at in shifts:
        await bot.add_shift(member, start_at, end_at, group="kf1")
    return bot


async def says(bot: Bot, kf: FakeWeComKf, user: str, text: str) -> None:
    kf.user_says(user, text)
    await callback(bot, kf)
    await settled(bot)


async def conversation(bot: Bot) -> models.Conversation:
    async with bot.app[DB].read() as s:
        return (await s.scalars(select(models.Conversation))).one()


def trans(kf: FakeWeComKf) -> list[tuple[Any, ...]]:
    return [c for c in kf.calls if c[0] == "trans"]


async def test_a_new_conversation_is_acknowledged_then_handed_to_the_counsellor_on_duty(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot, database_url, fake_platform, kf, [("c1", at(D, "08:00"), at(D, "23:00"))]
    )
    bot.advance(timedelta(minutes=-30))  # 09:00
    await says(bot, kf, "wmA", "今天很难受")
    # The ack went while the bot still held the session; then the session went to Chen.
    [(_, _, ack), hand] = kf.calls
    assert "Chen" in ack and ACK in ack
    assert hand == ("trans", "wmA", 3, "c1")
    assert (kf.sessions["wmA"].state, kf.sessions["wmA"].servicer) == (3, "c1")
    assert kf.refused == [] and kf.trans_refused == []
    # The person writes again: the session is Chen's already, nothing is moved or said.
    await says(bot, kf, "wmA", "还在吗")
    assert len(kf.calls) == 2 and kf.refused == []
    async with bot.app[DB].read() as s:
        rows = list(
            await s.scalars(select(models.OutboxRow).where(models.OutboxRow.kind == "session"))
        )
    assert [r.status for r in rows] == ["sent", "sent"]  # carried out, or there already


async def test_a_counsellor_who_never_answers_loses_the_session_to_the_next(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot,
        database_url,
        fake_platform,
        kf,
        [("c1", at(D, "08:00"), at(D, "23:00")), ("c2", at(D, "08:00"), at(D, "23:00"))],
    )
    await says(bot, kf, "wmA", "有人吗")
    first = (await conversation(bot)).counsellor_id
    other = {"c1": "c2", "c2": "c1"}[first or ""]
    bot.advance(timedelta(minutes=11))  # first_response_minutes is 10
    await handle_deadlines(bot.app[CONTEXT], "kf1", bot.clock.now())  # or the group's job
    await kf.wait_for(lambda: len(trans(kf)) == 2)
    await settled(bot)
    conv = await conversation(bot)
    assert conv.counsellor_id == other and conv.reassign_count == 1
    assert trans(kf) == [("trans", "wmA", 3, first), ("trans", "wmA", 3, other)]
    assert kf.sessions["wmA"].servicer == other
    # Nothing more was said to the person: the session was a servicer's (send_msg refused).
    assert len(kf.delivered["wmA"]) == 1 and kf.refused == []
    # The answer in the WeCom client (origin 5) is the first response.
    kf.servicer_says(other, "wmA", "我在")
    await callback(bot, kf)
    await settled(bot)
    assert (await conversation(bot)).first_response_at is not None


async def test_a_shift_boundary_moves_the_session_and_the_team_is_told_who_took_whom(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot,
        database_url,
        fake_platform,
        kf,
        [("c1", at(D, "08:00"), at(D, "10:00")), ("c2", at(D, "10:00"), at(D, "23:00"))],
    )
    await says(bot, kf, "wmA", "想聊聊")
    assert (await conversation(bot)).counsellor_id == "c1"
    kf.servicer_says("c1", "wmA", "我在听")  # answered: no timeout moves it before 10:00
    await callback(bot, kf)
    await settled(bot)
    assert (await conversation(bot)).first_response_at is not None
    bot.advance(timedelta(minutes=30))  # 10:00
    await handle_due(bot.app[CONTEXT], "kf1", bot.clock.now())  # or the group's job
    await kf.wait_for(lambda: len(trans(kf)) == 2)
    await fake_platform.wait_for(lambda got: any(m["kind"] == "shift_change" for m in got))
    await settled(bot)
    assert (await conversation(bot)).counsellor_id == "c2"
    assert trans(kf) == [("trans", "wmA", 3, "c1"), ("trans", "wmA", 3, "c2")]
    [notice] = fake_platform.of_kind("shift_change")
    assert notice["group"] == "g1"
    lines = [x for x in notice["text"].splitlines() if "小王" in x]
    assert len(lines) == 1, notice["text"]
    assert "Li" in lines[0] and "Chen" not in lines[0], notice["text"]  # Li took 小王
    assert kf.refused == []


async def test_a_message_at_3_stays_with_the_bot_and_is_handed_over_at_8(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot, database_url, fake_platform, kf, [("c1", at(NEXT, "08:00"), at(NEXT, "23:00"))]
    )
    bot.advance(at(NEXT, "03:00") - NOW)
    await says(bot, kf, "wmB", "睡不着")
    [(_, _, reply)] = kf.calls  # the off-hours reply, and the session stays with the bot
    assert "08:00" in reply
    assert kf.sessions["wmB"].state == 1 and fake_platform.of_kind("assignment") == []
    bot.advance(timedelta(hours=5))  # 08:00: service opens, the queue drains
    await handle_due(bot.app[CONTEXT], "kf1", bot.clock.now())  # or the group's job
    await kf.wait_for(lambda: len(trans(kf)) == 1)
    await settled(bot)
    assert [c[0] for c in kf.calls] == ["send", "send", "trans"]
    assert ACK in kf.calls[1][2] and kf.calls[2] == ("trans", "wmB", 3, "c1")
    assert (await conversation(bot)).counsellor_id == "c1"
    assert kf.refused == [] and kf.trans_refused == []


async def test_done_in_the_team_group_ends_the_session(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot, database_url, fake_platform, kf, [("c1", at(D, "08:00"), at(D, "23:00"))]
    )
    await says(bot, kf, "wmA", "谢谢你昨天听我说")
    resp = await bot.post_signed(
        {"msg_id": "t1", "sender": {"id": "c1", "name": "Chen"}, "text": "/done"}, group="g1"
    )
    assert resp.status == 200, await resp.text()
    await settled(bot)
    conv = await conversation(bot)
    assert (conv.status, conv.close_reason) == ("closed", "done")
    assert trans(kf)[-1] == ("trans", "wmA", 4, "")
    assert kf.sessions["wmA"].state == 4 and kf.trans_refused == []
    # The next message begins a new session and a new conversation, handed over again.
    await says(bot, kf, "wmA", "我又来了")
    assert trans(kf)[-1] == ("trans", "wmA", 3, "c1")


async def test_a_session_ended_in_wecom_closes_the_conversation(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot, database_url, fake_platform, kf, [("c1", at(D, "08:00"), at(D, "23:00"))]
    )
    await says(bot, kf, "wmA", "在吗")
    calls = len(kf.calls)
    kf.servicer_ends("wmA")
    await callback(bot, kf)
    await settled(bot)
    conv = await conversation(bot)
    assert (conv.status, conv.close_reason) == ("closed", "ended")
    assert len(kf.calls) == calls and kf.trans_refused == []  # not ended a second time
    await callback(bot, kf)  # the event again (another pull): recorded once
    await settled(bot)
    assert (await conversation(bot)).closed_at == conv.closed_at


async def test_a_transfer_made_in_wecom_is_recorded_not_fought(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot,
        database_url,
        fake_platform,
        kf,
        [("c1", at(D, "08:00"), at(D, "23:00")), ("c2", at(D, "08:00"), at(D, "23:00"))],
    )
    await says(bot, kf, "wmA", "你好")
    first = (await conversation(bot)).counsellor_id
    other = {"c1": "c2", "c2": "c1"}[first or ""]
    # The person writes on, and then, before carebot pulls, the session is transferred in the
    # WeCom client: the row that keeps the session with its holder finds it moved by hand.
    kf.user_says("wmA", "还有")
    kf.servicer_transfers("wmA", other)
    await callback(bot, kf)
    await settled(bot)
    conv = await conversation(bot)
    assert (conv.status, conv.counsellor_id) == ("open", other)
    await says(bot, kf, "wmA", "好的")
    assert trans(kf) == [("trans", "wmA", 3, first)]  # never moved back
    assert kf.sessions["wmA"].servicer == other
    assert (await conversation(bot)).counsellor_id == other


async def test_a_servicer_not_on_duty_in_wecom_is_named_in_the_log_and_the_leads_are_told(
    make_bot: Any,
    database_url: str,
    fake_platform: FakePlatform,
    kf: FakeWeComKf,
    caplog: pytest.LogCaptureFixture,
) -> None:
    kf.servicers["c1"] = False  # not 正在接待 in the WeCom client
    bot = await start(
        make_bot, database_url, fake_platform, kf, [("c1", at(D, "08:00"), at(D, "23:00"))]
    )
    await says(bot, kf, "wmA", "你好")
    assert kf.trans_refused == [("wmA", 95014)]
    assert kf.sessions["wmA"].state == 1  # still the bot's, and the person was acknowledged
    assert any("95014" in r.getMessage() and "c1" in r.getMessage() for r in caplog.records)
    assert fake_platform.of_kind("escalation"), fake_platform.received


async def test_a_message_after_the_session_ended_begins_the_next_one_in_the_same_pull(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot, database_url, fake_platform, kf, [("c1", at(D, "08:00"), at(D, "23:00"))]
    )
    await says(bot, kf, "wmA", "在吗")
    kf.servicer_ends("wmA")  # ended in the client, and the person writes again at once:
    kf.user_says("wmA", "我还有话想说")  # one pull reads both, in that order
    await callback(bot, kf)
    await settled(bot)
    async with bot.app[DB].read() as s:
        convs = list(await s.scalars(select(models.Conversation).order_by(models.Conversation.id)))
    assert [c.status for c in convs] == ["closed", "open"]
    assert trans(kf) == [("trans", "wmA", 3, "c1"), ("trans", "wmA", 3, "c1")]  # the new session
    assert kf.refused == []


async def test_a_reply_in_wecom_answers_that_person_alone(
    make_bot: Any, database_url: str, fake_platform: FakePlatform, kf: FakeWeComKf
) -> None:
    bot = await start(
        make_bot, database_url, fake_platform, kf, [("c1", at(D, "08:00"), at(D, "23:00"))]
    )
    kf.user_says("wmA", "我先说")
    kf.user_says("wmB", "我也在等")
    await callback(bot, kf)
    await settled(bot)
    kf.servicer_says("c1", "wmA", "小王你好")  # Chen holds both, and answers one
    await callback(bot, kf)
    await settled(bot)
    async with bot.app[DB].read() as s:
        convs = {c.staff_id: c for c in await s.scalars(select(models.Conversation))}
    assert {k: c.counsellor_id for k, c in convs.items()} == {"wmA": "c1", "wmB": "c1"}
    assert convs["wmA"].first_response_at is not None
    assert convs["wmB"].first_response_at is None and convs["wmB"].response_due_at is not None
