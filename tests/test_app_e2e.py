"""The core loop end to end: signed webhook in, stored, routed, posted to a fake platform over
real HTTP; shift-change notices at boundaries; bad input refused; restarts lose nothing.
Runs on SQLite and, when CAREBOT_TEST_POSTGRES_URL is set, on PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot import models
from bot.clock import FrozenClock
from bot.keys import DB
from tests.conftest import SECRET, Bot, FakePlatform, at, make_settings

D = "2026-11-25"


async def count(bot: Bot, model: Any, *where: Any) -> int:
    async with bot.app[DB].read() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
async def bot(database_url: str, fake_platform: FakePlatform, make_bot: Any) -> Bot:
    clock = FrozenClock(at(D, "09:30"))
    b: Bot = await make_bot(make_settings(database_url, fake_platform.url), clock)
    await b.add_shift("c1", at(D, "08:00"), at(D, "10:00"))
    await b.add_shift("c2", at(D, "09:00"), at(D, "12:00"))
    return b


async def test_message_goes_to_on_duty_counsellor_with_mentions(
    bot: Bot, fake_platform: FakePlatform
) -> None:
    answer = await bot.staff_says("m1", "doc1", "I cannot sleep after the night shift")
    assert answer == {"ok": True, "duplicate": False}
    got = await fake_platform.wait_for(lambda r: any(m["kind"] == "assignment" for m in r))
    [assignment] = [m for m in got if m["kind"] == "assignment"]
    assert assignment["group"] == "g1"
    assert assignment["mentions"] == ["c1", "doc1"]  # tie on load: c1 by id
    assert "@Chen" in assignment["text"] and "@Doc1" in assignment["text"]
    assert "cannot sleep" not in assignment["text"]  # the group read it
    # A second staff member goes to the other counsellor (least loaded).
    await bot.staff_says("m2", "doc2", "hello")
    got = await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 2)
    assert fake_platform.of_kind("assignment")[1]["mentions"] == ["c2", "doc2"]
    # The same staff member again: continuity, no new assignment post.
    await bot.staff_says("m3", "doc1", "are you there?")
    await asyncio.sleep(0.3)
    assert len(fake_platform.of_kind("assignment")) == 2


async def test_shift_change_notice_once_and_handover(bot: Bot, fake_platform: FakePlatform) -> None:
    await bot.staff_says("m1", "doc1", "hello")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    await bot.staff_says("a1", "c1", "hi, I am here")  # answered: no first-response timeout
    bot.clock.set(at(D, "10:00") + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("shift_change")) >= 1)
    await asyncio.sleep(0.5)  # the job keeps running; nothing may repeat
    changes = fake_platform.of_kind("shift_change")
    texts = [c["text"] for c in changes]
    assert len([t for t in texts if "[Shift change 10:00]" in t]) == 1, texts
    ten = next(c for c in changes if "10:00]" in c["text"])
    assert "Going off duty: @Chen" in ten["text"]
    # doc1's conversation moved from c1 (off duty) to c2, said in the notice itself (mentions
    # of who takes whom, never the message text), not in a second post.
    assert "@Li takes 1: @Doc1" in ten["text"]
    assert "hello" not in ten["text"]
    assert ten["mentions"] == ["c1", "c2", "doc1"]
    assert len(fake_platform.of_kind("assignment")) == 1
    async with bot.app[DB].read() as s:
        conv = await s.scalar(select(models.Conversation))
    assert conv is not None and (conv.counsellor_id, conv.status) == ("c2", "open")
    # 09:00 (c2 on) lies exactly catch_up_minutes before the start: outside (now - 30 min, now].
    assert await count(bot, models.Notice, models.Notice.kind == "shift_change") == 1


async def test_duplicate_msg_id_is_handled_once(bot: Bot, fake_platform: FakePlatform) -> None:
    payload = {"msg_id": "dup-1", "sender": {"id": "doc1", "name": "Doc"}, "text": "help"}
    first = await bot.post_signed(payload)
    second = await bot.post_signed(payload)
    assert (first.status, second.status) == (200, 200)
    assert (await second.json())["duplicate"] is True
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    await asyncio.sleep(0.3)
    assert len(fake_platform.of_kind("assignment")) == 1
    assert await count(bot, models.Message) == 1


GOOD = {"msg_id": "x1", "sender": {"id": "doc1", "name": "Doc"}, "text": "hi"}


@pytest.mark.parametrize(
    ("body", "headers", "status", "error"),
    [
        (b"{not json", None, 400, "not valid JSON"),
        (b"[1, 2]", None, 400, "JSON object"),
        (json.dumps({"sender": {"id": "a"}, "text": "x"}).encode(), None, 400, "msg_id"),
        (json.dumps({"msg_id": "1", "text": "x"}).encode(), None, 400, "sender"),
        (json.dumps({**GOOD, "text": 5}).encode(), None, 400, "text"),
        (json.dumps({**GOOD, "sent_at": "yesterday"}).encode(), None, 400, "sent_at"),
        # PostgreSQL cannot store U+0000 in text: refused for what it is, on every backend.
        (json.dumps({**GOOD, "text": "a\u0000b"}).encode(), None, 400, "U+0000"),
        (
            json.dumps({**GOOD, "sender": {"id": "d\u0000", "name": "x"}}).encode(),
            None,
            400,
            "U+0000",
        ),
        # JSON "\ud83d" alone (half an emoji) is a lone surrogate: no database can encode it.
        (json.dumps({**GOOD, "text": "broken \ud83d emoji"}).encode(), None, 400, "surrogate"),
        (
            json.dumps({**GOOD, "sender": {"id": "d1", "name": "\udc00"}}).encode(),
            None,
            400,
            "surrogate",
        ),
        (json.dumps({**GOOD, "msg_id": "m\udfff"}).encode(), None, 400, "surrogate"),
        (json.dumps(GOOD).encode(), {"X-Carebot-Signature": "sha256=00"}, 401, "does not match"),
        (json.dumps(GOOD).encode(), {"X-Carebot-Timestamp": "abc"}, 401, "unix seconds"),
        (b"x" * (1024 * 1024), None, 413, "larger than"),
    ],
)
async def test_bad_input_is_refused_and_writes_nothing(
    bot: Bot, body: bytes, headers: dict[str, str] | None, status: int, error: str
) -> None:
    resp = await bot.post_signed(body, headers=headers)
    assert resp.status == status
    answer = await resp.json()
    assert answer["ok"] is False and error in answer["error"]
    assert await count(bot, models.Message) == 0
    assert await count(bot, models.Conversation) == 0


async def test_a_message_the_database_refuses_is_answered_5xx_and_not_logged(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    """A storage failure is the server's: 5xx so the platform resends; the log names the
    exception type and the message id, never the text (nor the SQL parameters carrying it)."""
    async with bot.app[DB].write() as s:
        if bot.app[DB].is_sqlite:
            await s.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.text LIKE 'poison%' "
                    "BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
                )
            )
        else:
            await s.execute(
                text(
                    "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.text LIKE 'poison%' THEN RAISE EXCEPTION 'poisoned'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            await s.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON messages "
                    "FOR EACH ROW EXECUTE FUNCTION poison()"
                )
            )
    with caplog.at_level(logging.INFO):  # aiosqlite echoes every statement at DEBUG
        resp = await bot.post_signed({**GOOD, "msg_id": "p1", "text": "poison: my private words"})
    assert resp.status == 500
    assert (await resp.json())["ok"] is False
    logged = caplog.text + "".join(
        logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info
    )
    assert "p1" in logged
    assert "private words" not in logged, logged
    assert await count(bot, models.Message) == 0


async def test_stale_timestamp_and_unsigned_are_refused(bot: Bot) -> None:
    stale = await bot.post_signed(GOOD, ts=bot.wall.wall_now() - timedelta(seconds=301))
    assert stale.status == 401 and "300 s" in (await stale.json())["error"]
    assert bot.client is not None
    unsigned = await bot.client.post("/webhooks/generic/g1", json=GOOD)
    assert unsigned.status == 401
    wrong_secret = await bot.post_signed(GOOD, secret="not-" + SECRET)
    assert wrong_secret.status == 401
    unknown = await bot.post_signed(GOOD, group="nope")
    assert unknown.status == 404
    assert await count(bot, models.Message) == 0


async def test_off_hours_gets_one_reply_per_night_and_waits_for_morning(
    bot: Bot, fake_platform: FakePlatform
) -> None:
    bot.clock.set(at(D, "00:00") + timedelta(days=1, hours=3))  # 03:00 next night
    await bot.staff_says("n1", "doc9", "I keep seeing the patients I lost")
    await bot.staff_says("n2", "doc9", "sorry to write so late")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("off_hours")) == 1)
    await asyncio.sleep(0.3)
    [reply] = fake_platform.of_kind("off_hours")
    assert reply["mentions"] == ["doc9"]
    assert "08:00" in reply["text"] and "400-161-9995" in reply["text"]
    assert not fake_platform.of_kind("assignment")
    assert await count(bot, models.Message, models.Message.is_off_hours.is_(True)) == 2


async def test_unsent_outbox_rows_are_delivered_once_after_restart(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    clock = FrozenClock(at(D, "09:30"))
    settings = make_settings(database_url, fake_platform.url)
    fake_platform.fail_next = 10_000
    first: Bot = await make_bot(settings, clock)
    await first.add_shift("c1", at(D, "08:00"), at(D, "12:00"))
    await first.staff_says("r1", "doc1", "please call me")
    await asyncio.sleep(0.3)
    assert await count(first, models.OutboxRow, models.OutboxRow.status == "pending") >= 1
    assert fake_platform.received == []
    await first.stop()

    fake_platform.fail_next = 0
    clock.advance(timedelta(minutes=10))  # past any backoff
    second: Bot = await make_bot(settings, clock)
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    await asyncio.sleep(0.3)
    assert len(fake_platform.of_kind("assignment")) == 1
    assert len(fake_platform.deliveries) == len(set(fake_platform.deliveries))
    assert await count(second, models.OutboxRow, models.OutboxRow.status == "pending") == 0
    await second.stop()


async def test_healthz_and_metrics(bot: Bot) -> None:
    assert bot.client is not None
    health = await bot.client.get("/healthz")
    assert health.status == 200 and (await health.json())["ok"] is True
    await bot.staff_says("mm", "doc1", "hi")
    metrics = await (await bot.client.get("/metrics")).text()
    assert "carebot_inbound_messages_total 1.0" in metrics


async def test_help_command_replies_and_is_not_routed(
    bot: Bot, fake_platform: FakePlatform
) -> None:
    await bot.staff_says("h1", "doc1", "／帮助")
    got = await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("command_reply")))
    [reply] = [m for m in got if m["kind"] == "command_reply"]
    assert "/help" in reply["text"] and reply["mentions"] == ["doc1"]
    assert not fake_platform.of_kind("assignment")
    assert await count(bot, models.Conversation) == 0
    # Only a known command is a command: anything else from staff is a message for a counsellor.
    await bot.staff_says("h2", "doc1", "/nosuch")
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("assignment")) == 1)
    assert len(fake_platform.of_kind("command_reply")) == 1
