"""Many inbound messages in one transaction decide exactly as the same messages one at a time.

Under load, requests share a transaction (`handlers.inbox`) and routing reads the group once for
all of them (`bot.batch`). Two groups with the same people and rota get the same messages: `g1`
one message per transaction, `g2` in batches. Whatever the batches, both groups must end with the
same conversations, the same posts in the same order and the same flags on every message.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text, update

from bot import models
from bot.clock import FrozenClock
from bot.config import Settings
from bot.context import Context
from bot.db import Database
from bot.errors import Overloaded
from bot.keys import DB, INBOX
from bot.platforms.base import InboundMessage
from handlers.commands import load_commands
from handlers.inbox import Inbox
from handlers.messages import handle_inbound
from tests.conftest import FakePlatform, MakeCtx, at, make_settings, open_db

D = "2026-11-25"
COUNSELLORS = ("c1", "c2", "c3")
STAFF = tuple(f"doc{i}" for i in range(6))
GROUPS = ("g1", "g2")


def two_groups(database_url: str) -> Settings:
    people = [
        ("c1", "Chen", "counsellor"),
        ("c2", "Li", "counsellor"),
        ("c3", "Wang", "counsellor"),
        ("l1", "Lead Liu", "lead"),
    ]
    return make_settings(
        database_url,
        "http://127.0.0.1:9/unused",
        service={"reminder_minutes": 0, "max_open_per_counsellor": 2},
        groups=[
            {
                "id": g,
                "name": "Group",
                "platform": "generic",
                "secret": "x",
                "webhook_url": "http://127.0.0.1:9/unused",
            }
            for g in GROUPS
        ],
        members=[{"group": g, "id": i, "name": n, "role": r} for g in GROUPS for i, n, r in people],
    )


SHIFTS = [("c1", "08:00", "16:00"), ("c2", "08:00", "12:00"), ("c3", "12:00", "20:00")]

# (kind, who): what each step sends. Texts and ids are made from the step's position.
KINDS = ["text", "text", "text", "crisis", "image", "again", "answer", "done", "ack", "help"]


def message(group: str, n: int, kind: str, who: int, sent: list[str]) -> InboundMessage:
    staff, counsellor = STAFF[who % len(STAFF)], COUNSELLORS[who % len(COUNSELLORS)]
    if kind == "again" and sent:  # a platform resending an earlier message: same id
        mid = sent[who % len(sent)]
        return InboundMessage("generic", group, mid, "doc0", "Doc0", "resent")
    mid = f"m{n}"
    sent.append(mid)
    if kind == "crisis":
        return InboundMessage("generic", group, mid, staff, staff.title(), "我真的不想活了")
    if kind == "image":
        return InboundMessage("generic", group, mid, staff, staff.title(), "", msg_type="image")
    if kind == "answer":
        return InboundMessage("generic", group, mid, counsellor, "", f"I am here ({n})")
    if kind == "done":  # counsellor c(k) closes doc(k)'s conversation, if they hold it
        return InboundMessage("generic", group, mid, counsellor, "", f"/done @{staff.title()}")
    if kind == "ack":
        return InboundMessage("generic", group, mid, counsellor, "", "/ack")
    if kind == "help":
        return InboundMessage("generic", group, mid, staff, staff.title(), "/help")
    return InboundMessage("generic", group, mid, staff, staff.title(), f"message {n} from {staff}")


async def outcome(db: Database, group: str) -> dict[str, Any]:
    """Everything routing decides for `group`, without ids or the group's name."""
    c, m, o, mb = models.Conversation, models.Message, models.OutboxRow, models.Member
    async with db.read() as s:
        convs = {
            x.id: x for x in await s.scalars(select(c).where(c.group_id == group).order_by(c.id))
        }
        messages = [
            (
                x.platform_msg_id,
                x.sender_id,
                x.is_off_hours,
                x.is_crisis,
                x.is_command,
                None if x.conversation_id is None else convs[x.conversation_id].staff_id,
            )
            for x in await s.scalars(select(m).where(m.group_id == group).order_by(m.id))
        ]
        posts = [
            (x.kind, x.text, x.mentions, x.private_to)
            for x in await s.scalars(select(o).where(o.group_id == group).order_by(o.id))
        ]
        staff = sorted(
            (x.id, x.name)
            for x in await s.scalars(select(mb).where(mb.group_id == group, mb.role == "staff"))
        )
        alerted = (await s.get(models.Group, group)).queue_alerted_at  # type: ignore[union-attr]
    return {
        "conversations": [
            (
                x.staff_id,
                x.counsellor_id,
                x.status,
                x.is_crisis,
                x.reassign_count,
                x.first_response_at,
                x.response_due_at,
                x.close_reason,
            )
            for x in convs.values()
        ],
        "messages": messages,
        "posts": posts,
        "staff": staff,
        "queue_alerted_at": alerted,
    }


async def prepare(make_ctx: MakeCtx, settings: Settings, clock: FrozenClock) -> Context:
    """A context on the settings' database, with the rota SHIFTS in every group."""
    load_commands()
    ctx = await make_ctx(clock, settings)
    async with ctx.db.write() as s:
        for group in GROUPS:
            for member, start, end in SHIFTS:
                s.add(
                    models.Shift(
                        group_id=group,
                        member_id=member,
                        start_at=at(D, start),
                        end_at=at(D, end),
                        created_at=clock.now(),
                    )
                )
    return ctx


async def play(ctx: Context, steps: list[tuple[str, int]], cuts: list[int]) -> list[list[bool]]:
    """`g1` one message per transaction, `g2` cut into batches at `cuts`; both duplicate flags."""
    sent1: list[str] = []
    sent2: list[str] = []
    one = [message("g1", n, k, w, sent1) for n, (k, w) in enumerate(steps)]
    many = [message("g2", n, k, w, sent2) for n, (k, w) in enumerate(steps)]
    flags1 = [x for msg in one for x in await handle_inbound(ctx, [msg])]
    flags2: list[bool] = []
    edges = [0, *sorted(set(cuts)), len(many)]
    for a, b in itertools.pairwise(edges):
        flags2 += await handle_inbound(ctx, many[a:b])
    return [flags1, flags2]


async def test_a_batch_decides_as_one_message_at_a_time(
    database_url: str, tmp_path: Path, make_ctx: MakeCtx
) -> None:
    """A busy minute: six people, a crisis, a resend, answers, /done and /ack, in one batch."""
    settings = two_groups(database_url)
    clock = FrozenClock(at(D, "10:00"))
    ctx = await prepare(make_ctx, settings, clock)
    db = ctx.db
    steps = [
        ("text", 0),
        ("text", 1),
        ("text", 2),
        ("text", 3),
        ("text", 4),
        ("text", 0),
        ("again", 1),
        ("crisis", 5),
        ("answer", 0),
        ("text", 1),
        ("done", 0),
        ("image", 2),
        ("text", 3),
        ("ack", 1),
        ("help", 4),
        ("text", 4),
    ]
    flags1, flags2 = await play(ctx, steps, [])
    assert flags1 == flags2
    assert flags2.count(True) == 1  # the resend
    first, batched = await outcome(db, "g1"), await outcome(db, "g2")
    assert batched == first
    # The scenario does what it says: some wait, the crisis is taken, /done freed a place.
    statuses = [x[2] for x in batched["conversations"]]
    assert "waiting" in statuses and "closed" in statuses
    assert any(x[3] and x[1] for x in batched["conversations"])


async def test_two_messages_of_one_night_in_one_batch_get_one_auto_reply(
    database_url: str,
    make_ctx: MakeCtx,
) -> None:
    settings = two_groups(database_url)
    clock = FrozenClock(at(D, "02:00"))
    ctx = await prepare(make_ctx, settings, clock)
    db = ctx.db
    steps = [("text", 0), ("text", 0), ("crisis", 1), ("crisis", 1), ("text", 1)]
    await play(ctx, steps, [])
    first, batched = await outcome(db, "g1"), await outcome(db, "g2")
    assert batched == first
    # The plain night reply, the crisis night reply (a group post: neutral words and kind),
    # and the leads' private crisis alert.
    assert [p[0] for p in batched["posts"]] == ["off_hours", "off_hours", "crisis"]


class World:
    """One SQLite database for the property test; each example starts from empty tables."""

    def __init__(self, tmp: Path) -> None:
        self.runner = asyncio.Runner()
        self.settings = two_groups(f"sqlite+aiosqlite:///{tmp}/batch.db")
        self.clock = FrozenClock(at(D, "10:00"))
        self.ctx = self.runner.run(prepare(self._open, self.settings, self.clock))
        self.db = self.ctx.db

    @staticmethod
    async def _open(clock: FrozenClock, settings: Settings) -> Context:
        return Context(settings, clock, await open_db(settings, clock))

    async def reset(self, now: datetime) -> None:
        self.clock.set(now)
        async with self.db.write() as s:
            for model in (models.Message, models.Conversation, models.OutboxRow):
                await s.execute(delete(model))
            await s.execute(delete(models.Member).where(models.Member.role == "staff"))
            await s.execute(update(models.Group).values(queue_alerted_at=None))

    def close(self) -> None:
        self.runner.run(self.db.dispose())
        self.runner.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = World(tmp_path_factory.mktemp("batch"))
    yield w
    w.close()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 11)), min_size=1, max_size=30),
    cuts=st.lists(st.integers(0, 30), max_size=6),
    hhmm=st.sampled_from(["09:00", "11:59", "12:00", "15:00", "23:30", "03:00"]),
)
def test_any_batches_decide_as_one_message_at_a_time(
    world: World, steps: list[tuple[str, int]], cuts: list[int], hhmm: str
) -> None:
    async def example() -> None:
        await world.reset(at(D, hhmm))
        flags1, flags2 = await play(world.ctx, steps, [c for c in cuts if c < len(steps)])
        assert flags1 == flags2
        assert await outcome(world.db, "g2") == await outcome(world.db, "g1")

    world.runner.run(example())


async def test_one_bad_message_fails_alone_and_its_batch_is_written(
    database_url: str, make_ctx: MakeCtx
) -> None:
    """Requests that share a transaction do not share a failure: the database refuses one
    message (a trigger stands in for any error of one row), the others are stored."""
    settings = two_groups(database_url)
    clock = FrozenClock(at(D, "10:00"))
    ctx = await prepare(make_ctx, settings, clock)
    db = ctx.db
    async with db.write() as s:
        if db.is_sqlite:
            await s.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.text = 'poison' "
                    "BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
                )
            )
        else:
            await s.execute(
                text(
                    "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.text = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            await s.execute(
                text(
                    "CREATE TRIGGER poison BEFORE INSERT ON messages "
                    "FOR EACH ROW EXECUTE FUNCTION poison()"
                )
            )
    inbox = Inbox(ctx)

    def say(mid: str, who: str, words: str) -> list[InboundMessage]:
        return [InboundMessage("generic", "g1", mid, who, who, words)]

    # gather starts all three submissions before the inbox's task runs: one batch of three.
    results = await asyncio.gather(
        inbox.submit(say("a", "doc1", "hello")),
        inbox.submit(say("b", "doc2", "poison")),
        inbox.submit(say("c", "doc3", "hello") + say("a", "doc1", "again")),
        return_exceptions=True,
    )
    assert results[0] == [False] and results[2] == [False, True]
    assert isinstance(results[1], Exception) and "poisoned" in str(results[1])
    assert inbox.batches == 2  # the shared one failed; the good ones were written alone
    got = await outcome(db, "g1")
    assert [x[0] for x in got["messages"]] == ["a", "c"]
    assert sorted(x[0] for x in got["conversations"]) == ["doc1", "doc3"]


async def test_a_failing_message_leaves_no_text_in_the_log(
    database_url: str, caplog: pytest.LogCaptureFixture, make_ctx: MakeCtx
) -> None:
    """The log of a failed batch names exception types and ids, never what people wrote (nor
    the SQL parameters that carry it)."""
    settings = two_groups(database_url)
    clock = FrozenClock(at(D, "10:00"))
    inbox = Inbox(await prepare(make_ctx, settings, clock))
    # A lone surrogate (half an emoji) cannot be encoded for the database: the message fails.
    bad = InboundMessage("generic", "g1", "b", "doc2", "Doc2", "my private words \ud800")
    good = InboundMessage("generic", "g1", "a", "doc1", "Doc1", "I cannot sleep at night")
    with caplog.at_level(logging.INFO):  # aiosqlite echoes every statement at DEBUG
        results = await asyncio.gather(
            inbox.submit([good]), inbox.submit([bad]), return_exceptions=True
        )
    assert results[0] == [False] and isinstance(results[1], Exception)
    assert caplog.records, "the failed batch is logged"
    logged = caplog.text + "".join(
        logging.Formatter().formatException(r.exc_info) for r in caplog.records if r.exc_info
    )
    for words in ("private words", "cannot sleep", "Doc1", "Doc2"):
        assert words not in logged, logged


async def test_requests_that_wait_together_share_one_transaction(
    database_url: str, make_ctx: MakeCtx
) -> None:
    settings = two_groups(database_url)
    clock = FrozenClock(at(D, "10:00"))
    ctx = await prepare(make_ctx, settings, clock)
    db = ctx.db
    inbox = Inbox(ctx)
    sent = [
        [InboundMessage("generic", "g1", f"m{i}", f"doc{i % 4}", "", f"hello {i}")]
        for i in range(20)
    ]
    results = await asyncio.gather(*(inbox.submit(x) for x in sent))
    assert results == [[False]] * 20
    assert inbox.batches == 1
    assert len((await outcome(db, "g1"))["messages"]) == 20


async def test_past_the_waiting_limit_a_request_is_refused_at_once_and_nothing_is_lost(
    tmp_path: Path,
    make_ctx: MakeCtx,
) -> None:
    """While the single SQLite writer is busy, requests wait; past the limit they are refused
    (503 at the webhook) instead of queueing without end. What was taken is all written."""
    url = f"sqlite+aiosqlite:///{tmp_path}/overload.db"
    settings = two_groups(url)
    clock = FrozenClock(at(D, "10:00"))
    ctx = await prepare(make_ctx, settings, clock)
    db = ctx.db
    inbox = Inbox(ctx, max_waiting=3)

    def say(i: int) -> list[InboundMessage]:
        return [InboundMessage("generic", "g1", f"m{i}", f"doc{i}", "", "hello")]

    async with db.write():  # somebody else holds the writer (a boundary job, say)
        taken = [asyncio.create_task(inbox.submit(say(i))) for i in range(3)]
        await asyncio.sleep(0.05)
        with pytest.raises(Overloaded):
            await inbox.submit(say(3))
        assert not any(t.done() for t in taken)
    assert await asyncio.gather(*taken) == [[False]] * 3
    assert await inbox.submit(say(4)) == [False]  # room again once they are written
    assert [x[0] for x in (await outcome(db, "g1"))["messages"]] == ["m0", "m1", "m2", "m4"]


async def test_the_webhook_answers_503_with_retry_after_when_overloaded(
    tmp_path: Path, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path}/busy.db", fake_platform.url)
    bot = await make_bot(settings, FrozenClock(at(D, "10:00")))
    bot.app[INBOX].max_waiting = 1

    def body(i: int) -> dict[str, Any]:
        return {"msg_id": f"m{i}", "sender": {"id": "doc1", "name": "Doc"}, "text": "hello"}

    async with bot.app[DB].write():
        first = asyncio.create_task(bot.post_signed(body(1)))
        await asyncio.sleep(0.1)
        refused = await bot.post_signed(body(2))
        assert refused.status == 503
        assert refused.headers["Retry-After"] == "1"
        assert "retry" in (await refused.json())["error"]
    assert (await first).status == 200
    again = await bot.post_signed(body(2))  # the platform's retry is taken
    assert again.status == 200 and (await again.json())["duplicate"] is False
