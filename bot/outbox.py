"""The durable outbox: posts are rows first, and a row is marked sent only after a 2xx.

One worker per process delivers the oldest pending row of each lane (so a group's posts keep
their order), retries a transient failure (a Retry: the platform is down, busy or throttling)
with exponential backoff and jitter, and gives up only after `outbox.give_up_hours`, marking the
row dead and telling the group's leads, never dropping it. A permanent refusal (any other
PlatformError: an HTTP 4xx, an errcode meaning the post will never be accepted) makes the row
dead at once, reported the same way and kept for `carebot outbox retry ID`, so the rows behind
it go out. On PostgreSQL the head rows are claimed with FOR UPDATE SKIP LOCKED, so several
instances never send the same row at once.

Lanes: a group's posts form one lane; its private posts form one lane per set of recipients
(`lane_of`), so a private post waiting on a slow or failing 1:1 API never holds up the group.

Per platform, on top of that:
- Rate: each group's webhook gets at most `rate_per_minute` posts in any 60 s (Feishu also at
  most 5 in any second). The count comes from `outbox_sends`, the durable log of accepted posts,
  so it holds across restarts and across processes. Every post through the group's robot (the
  group lane, and a private lane that falls back to a mention in the group) counts; a post
  through the platform's 1:1 API does not (channel "private": that API has limits of its own,
  which it answers with a Retry). Lanes that share the robot share the budget: within a pass by
  reserving slots, across PostgreSQL instances by a transaction advisory lock on the group.
  The generic webhook is limited only when its group sets `rate_per_minute`.
  It is a sliding window rather than a token bucket: a full bucket of 20 refilling at 20 a minute
  lets 39 posts through in one 60 s span, which is what gets a DingTalk robot blocked.
- Time base: a real platform counts real seconds, so the rate windows are counted on the wall
  clock, and `outbox_sends.sent_at` is the wall-clock instant the platform accepted the post: a
  demo started two days ahead, restarted at another instant, or run at another speed counts the
  same real minute a robot counts. The retry delays are real seconds too, turned into service
  time for `next_attempt_at` (the queue runs on the service clock). A fake on loopback lives on
  our service clock, so for it a window or a delay is service seconds: a demo at --speed 600
  against a local fake sees the same limits, 600 times faster (a 60 s window is 0.1 s of wall
  time). At speed 1 the two agree. `local` has none.
- Merging: under a backlog, the due texts behind the head (same kind family, not private, same
  group and so the same platform) go out as one post, joined by blank lines, up to the platform's
  size limit; they are all marked sent together, the others pointing at the head in merged_into.
  A post may also be held for company (`enqueue(hold_s=...)`: a group's assignments and queue
  replies wait `outbox.merge_window_s`): its next_attempt_at is set that far ahead, the
  texts of its family queued meanwhile go out with it, and any other post due behind it in the
  lane releases it at once, so the hold never delays a notice or an alert and the lane keeps its
  order. A held row has never been tried (attempts 0); one backing off after a failure is never
  released early. On the generic webhook, which has no size limit and otherwise never merges,
  only such held posts merge (up to 16 000 bytes).
  A text longer than the limit goes out alone in parts split at line breaks; each accepted part
  is logged, so a retry resumes with the next part.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import ipaddress
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.chunks import merge_texts, split_text
from bot.config import GroupConfig, Settings
from bot.db import Database, after_commit
from bot.errors import PlatformError, Refused, Retry
from bot.i18n import t
from bot.logs import ids
from bot.metrics import Metrics
from bot.models import Conversation, OutboxQuote, OutboxRow, OutboxSend
from bot.platforms import PLATFORMS, spec_of
from bot.platforms.base import OutboundMessage
from bot.platforms.spec import redact
from bot.protocols import Clock, Gates, Platform, WallClock, WallTime

log = logging.getLogger(__name__)
MAX_BACKOFF_S = 300.0
MERGE_LOOKAHEAD = 200
# Bytes of text one post may carry through the group's robot, and through the 1:1 API: each
# platform declares its own (bot/platforms/); a platform without a limit is never split.
TEXT_LIMIT_BYTES = {p.name: p.text_limit_bytes for p in PLATFORMS if p.text_limit_bytes}
PRIVATE_TEXT_LIMIT_BYTES = {
    p.name: p.private_text_limit_bytes for p in PLATFORMS if p.private_text_limit_bytes
}
NO_LIMIT_SLOTS = 10_000
# How much text held posts merge into on a platform without a size limit (the generic webhook).
HELD_MERGE_BYTES = 16_000
# The kinds posted other than as notices, and the family each merges in: the texts behind a
# backlog's head merge into one post only within a family. The notice kinds (shift_change,
# reminder, open, close, report) name theirs in bot.notices.NOTICE_KINDS; `families` joins both.
OTHER_FAMILIES: dict[str, str] = {
    "assignment": "conversation",
    "off_hours": "conversation",
    "command_reply": "conversation",
    "escalation": "alert",
    "crisis": "crisis",
    # A 1:1 channel's session handed over or ended (spec.hands_over): the platform carries it
    # out in the person's lane, after what was said to them; never merged.
    "session": "session",
    # A counsellor's follow-up, due (bot/followups.py): private, merges with nothing else.
    "followup": "followup",
}


@functools.cache
def families() -> dict[str, str]:
    """Every kind that may be posted, and its merge family."""
    # Imported here: bot.notices posts through this module, so it is imported after it.
    from bot.notices import NOTICE_KINDS

    return {**OTHER_FAMILIES, **{k.kind: k.family for k in NOTICE_KINDS}}


ENQUEUED = "carebot.enqueued"
REPORT_ONCE = timedelta(days=1)  # a platform's own report of a refusal: once a day at most
GROUP_LANE = ""
_LOCK_ROBOT = text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))")


def lane_of(private_to: Sequence[str]) -> str:
    """The lane a post keeps its order in: the group's, or one per set of private recipients.

    Migration 0010 writes the same rule out for rows that were pending before it."""
    if not private_to:
        return GROUP_LANE
    digest = hashlib.sha256("\n".join(sorted(set(private_to))).encode()).hexdigest()
    return "to:" + digest[:24]


Audience = Literal["person", "team", "private"]


def audience_of(row: OutboxRow, settings: Settings) -> Audience:
    """Who a post is for: the person (staff: an acknowledgement, the off-hours or crisis reply,
    "you are next"), the team (assignments, notices, escalations, reports), or people on the
    team privately (a crisis alert to the leads). Read from whom it names: a post that names
    only people who are not the group's counsellors or leads is the person's.

    On a group platform the person and the team are the same group, as they always were; a 1:1
    channel (its spec's team_key) sends the person's posts itself and the rest to its team's
    group (`delivery_group`)."""
    to = row.private_to or row.mentions
    if to and all(settings.member(row.group_id, m) is None for m in to):
        return "person"
    return "private" if row.private_to else "team"


def delivery_group(row: OutboxRow, group: GroupConfig, settings: Settings) -> GroupConfig | None:
    """The group whose platform delivers `row`: its own, or, for a post of a 1:1 channel that
    is not the person's, its team's group (None if that group is not in the config)."""
    team_key = spec_of(group.platform).team_key
    if not team_key or audience_of(row, settings) == "person":
        return group
    return settings.group(str(getattr(group.keys, team_key)))


def channel_of(row: OutboxRow, group: GroupConfig | None) -> str:
    """Which way the row goes: "private" (the platform's 1:1 API) or "group" (its robot)."""
    if row.private_to and group is not None and group.has_private_app:
        return "private"
    return "group"


def enqueue(
    session: AsyncSession,
    message: OutboundMessage,
    now: datetime,
    *,
    quotes: Sequence[Conversation | int] = (),
    hold_s: float = 0.0,
) -> OutboxRow:
    """Add a post to the outbox inside the caller's transaction.

    `quotes`: the conversations (or their ids) whose words the post carries, the staff member's
    text or a handover note, so that a person's request to be forgotten finds it
    (bot/retention.py); a conversation not saved yet gets its id at the flush. `hold_s`: service
    seconds the post waits for company of its family (see Merging above); 0 sends it when due.
    """
    row = OutboxRow(
        group_id=message.group_id,
        kind=message.kind,
        text=message.text,
        mentions=list(message.mentions),
        private_to=list(message.private_to),
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now + timedelta(seconds=hold_s) if hold_s > 0 else now,
        is_dead_report=False,
        lane=lane_of(message.private_to),
    )
    session.add(row)
    for conv in dict.fromkeys(quotes):
        if isinstance(conv, int):
            session.add(OutboxQuote(outbox=row, conversation_id=conv))
        else:
            session.add(OutboxQuote(outbox=row, conversation=conv))
    session.info[ENQUEUED] = True
    return row


async def enqueue_report_once(s: AsyncSession, message: OutboundMessage, now: datetime) -> bool:
    """Enqueue a report of a problem unless the same words went out (or wait to) within a day:
    one problem of the set-up is one post, not one a refused row. Whether it was enqueued."""
    told = await s.scalar(
        select(OutboxRow.id)
        .where(
            OutboxRow.group_id == message.group_id,
            OutboxRow.is_dead_report.is_(True),
            OutboxRow.status != "dead",
            OutboxRow.created_at > now - REPORT_ONCE,
            OutboxRow.text == message.text,
        )
        .limit(1)
    )
    if told is not None:
        return False
    enqueue(s, message, now).is_dead_report = True  # if it dies itself, it is not reported
    return True


def enqueued(session: AsyncSession) -> bool:
    """Whether this session added a post to the outbox (so the worker has something to do)."""
    return bool(session.info.get(ENQUEUED))


def backoff_s(attempts: int, floor_s: float = 0.0, rng: random.Random | None = None) -> float:
    """Delay before try number `attempts + 1`: 1, 2, 4 … 300 s, with up to 25% jitter."""
    base = min(MAX_BACKOFF_S, 2.0 ** max(0, attempts - 1))
    jitter = (rng or random).uniform(0, base * 0.25)
    return max(floor_s, base + jitter)


def is_loopback(url: str) -> bool:
    """Whether `url` points at this machine (a fake platform in tests and demos)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def time_scale(group: GroupConfig | None, clock: Clock) -> float:
    """Clock seconds per second of the receiver's time: 1 for a fake on loopback, else speed."""
    if group is not None and (
        spec_of(group.platform).on_service_clock or is_loopback(group.keys.receiver_url())
    ):
        return 1.0
    return clock.speed


def wall_scale(group: GroupConfig | None, clock: Clock) -> float:
    """Wall seconds per second of the receiver's time: 1 for a real platform, 1/speed for a
    fake on loopback (it lives on the service clock)."""
    return time_scale(group, clock) / clock.speed


def rate_windows(group: GroupConfig, settings: Settings) -> tuple[tuple[float, int], ...]:
    """(window in the receiver's seconds, posts allowed in any such window) for this group.

    The chat platforms block robots that post too fast, so they always get the limit; the
    generic webhook (our own protocol) only when its group sets `rate_per_minute`.
    """
    spec = spec_of(group.platform)
    if spec.rate_limit == "never" or (spec.rate_limit == "when_set" and not group.rate_per_minute):
        return ()
    per_minute = group.rate_per_minute or settings.outbox.rate_per_minute
    return ((60.0, per_minute), *spec.extra_windows)


def family(kind: str) -> str:
    """The merge family of `kind` (a kind not known merges only with itself)."""
    return families().get(kind, kind)


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


@dataclass
class _Plan:
    """What one group sends in this pass: the head row, rows merged into it, and the parts."""

    rows: list[OutboxRow]
    group: GroupConfig | None
    platform: Platform | None
    parts: list[str] = field(default_factory=list)
    done: frozenset[int] = frozenset()
    slots: int = 0
    mentions: tuple[str, ...] = ()
    error: PlatformError | None = None
    channel: str = "group"

    @property
    def head(self) -> OutboxRow:
        return self.rows[0]


@dataclass(frozen=True, slots=True)
class _Outcome:
    plan: _Plan
    # (part, when the platform accepted it on the service clock, and on the wall clock)
    accepted: list[tuple[int, datetime, WallTime]]
    error: PlatformError | None


class OutboxWorker:
    """Delivers pending rows through their group's platform."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        platforms: Mapping[str, Platform],
        poll_s: float = 0.5,
        *,
        wall: WallClock,
        metrics: Metrics | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._wall = wall  # the rate windows: platforms count real seconds
        self._settings = settings
        self._platforms = platforms
        self._poll_s = poll_s
        self._wake = asyncio.Event()
        self._stopping = False
        self.sent_count = 0
        self._metrics = metrics or Metrics()

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the pass under way (record what the platform accepted), then return from run()."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stopped (or cancelled)."""
        while not self._stopping:
            try:
                delivered = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # the worker must outlive a database hiccup; the rows wait
                log.exception("outbox pass failed; retrying shortly")
                delivered = 0
            if delivered or self._stopping:
                continue
            self._wake.clear()
            wait = self._poll_s
            with contextlib.suppress(Exception):  # a database hiccup: the poll as before
                # A post held for company (or backing off) is due at an instant nobody wakes
                # the worker for: wait until then if it comes before the next poll.
                nxt = await self._next_due()
                if nxt is not None and nxt > self._clock.now():
                    wait = min(wait, self._clock.real_seconds_until(nxt))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)

    async def _next_due(self) -> datetime | None:
        """When the earliest head of a lane is next due (None: nothing is pending)."""
        heads = (
            select(func.min(OutboxRow.id))
            .where(OutboxRow.status == "pending")
            .group_by(OutboxRow.group_id, OutboxRow.lane)
        )
        async with self._db.read() as s:
            found = await s.scalar(
                select(func.min(OutboxRow.next_attempt_at)).where(OutboxRow.id.in_(heads))
            )
        if found is not None and found.tzinfo is None:  # SQLite hands back naive UTC
            found = found.replace(tzinfo=UTC)
        return found

    def _heads(self, now: datetime) -> object:
        heads = (
            select(func.min(OutboxRow.id))
            .where(OutboxRow.status == "pending")
            .group_by(OutboxRow.group_id, OutboxRow.lane)
        )
        # A head held for company goes as soon as a later post of its lane is due.
        behind = aliased(OutboxRow)
        due_behind = (
            select(behind.id)
            .where(
                behind.group_id == OutboxRow.group_id,
                behind.lane == OutboxRow.lane,
                behind.status == "pending",
                behind.id > OutboxRow.id,
                behind.next_attempt_at <= now,
            )
            .exists()
        )
        # status is checked outside the subquery too: on PostgreSQL a row locked just after
        # another instance committed it as sent is re-checked against these conditions only.
        return (
            select(OutboxRow)
            .where(
                OutboxRow.id.in_(heads),
                OutboxRow.status == "pending",
                or_(
                    OutboxRow.next_attempt_at <= now,
                    and_(OutboxRow.attempts == 0, due_behind),
                ),
            )
            .order_by(OutboxRow.id)
        )

    async def deliver_due(self) -> int:
        """One pass: send what is due at the head of every group; return how many rows were sent."""
        now = self._clock.now()
        query = self._heads(now)
        if self._db.is_sqlite:
            async with self._db.read() as s:
                rows = list(await s.scalars(query))  # type: ignore[call-overload]
                plans = await self._plan_all(s, rows, now)
            if not plans:
                return 0
            outcomes = await self._send_all(plans)
            async with self._db.write() as s:
                return await self._record(s, outcomes, now)
        async with self._db.write() as s:
            locked = query.with_for_update(skip_locked=True)  # type: ignore[attr-defined]
            rows = list(await s.scalars(locked))
            plans = await self._plan_all(s, rows, now)
            if not plans:
                return 0
            outcomes = await self._send_all(plans)
            return await self._record(s, outcomes, now)

    async def _plan_all(
        self, s: AsyncSession, heads: Sequence[OutboxRow], now: datetime
    ) -> list[_Plan]:
        plans = []
        reserved: dict[tuple[str, str], int] = {}  # slots this pass already gave other lanes
        for head in heads:  # one session: its queries run one after another
            plan = await self._plan(s, head, now, reserved)
            if plan is not None:
                plans.append(plan)
        return plans

    async def _plan(
        self, s: AsyncSession, head: OutboxRow, now: datetime, reserved: dict[tuple[str, str], int]
    ) -> _Plan | None:
        """What to send for `head`'s lane now; None while its channel's rate limit is used up
        (or, on PostgreSQL, another instance is posting through the same group robot)."""
        group = self._settings.group(head.group_id)
        if group is not None:
            group = delivery_group(head, group, self._settings)
        if group is None:
            # Retried, not refused: a group taken out of the config may come back.
            err = Retry(f"group {head.group_id!r} (or its team group) is not in the config")
            return _Plan([head], None, None, error=err)
        platform = self._platforms.get(group.platform)
        if platform is None:
            err = Retry(f"platform {group.platform!r} is not available in this process")
            return _Plan([head], group, None, error=err)
        channel = channel_of(head, group)
        key = (group.id, channel)
        if channel == "group" and key not in reserved and not await self._hold_robot(s, group):
            return None
        slots = await self._free_slots(s, group, channel, now) - reserved.get(key, 0)
        if slots <= 0:
            return None
        limits = PRIVATE_TEXT_LIMIT_BYTES if channel == "private" else TEXT_LIMIT_BYTES
        limit = limits.get(group.platform)
        rows = [head]
        # A 1:1 channel's lane holds the person's posts and the team's: never merged together.
        own = spec_of(group.platform).team_key == "" and group.id == head.group_id
        if limit is not None and own and _is_mergeable(head, head, now, limit):
            rows = await self._merge_batch(s, head, now, limit)
        elif limit is None and own and was_held(head):
            # No size limit (generic): only posts held for company merge, never a backlog.
            rows = await self._merge_batch(s, head, now, HELD_MERGE_BYTES)
        text = "\n\n".join(r.text for r in rows)
        parts = split_text(text, limit) if limit is not None else [text]
        done: frozenset[int] = frozenset()
        if len(parts) > 1:
            sent = await s.scalars(select(OutboxSend.part).where(OutboxSend.outbox_id == head.id))
            done = frozenset(sent)
        mentions = tuple(dict.fromkeys(m for r in rows for m in r.mentions))
        if isinstance(platform, Gates):  # rules of its own: a post they forbid is not attempted
            # The same people's posts planned earlier in this pass (another lane) count too.
            gate = (group.id, "gate:" + "\n".join(sorted(set(head.private_to or head.mentions))))
            needed = len(parts) - len(done)
            refusal = await platform.forbids(
                s, group, head, needed + reserved.get(gate, 0), self._wall.wall_now()
            )
            if refusal is not None:
                return _Plan([head], group, platform, error=refusal, channel=channel)
            reserved[gate] = reserved.get(gate, 0) + needed
        reserved[key] = reserved.get(key, 0) + min(slots, len(parts) - len(done))
        return _Plan(rows, group, platform, parts, done, slots, mentions, channel=channel)

    async def _hold_robot(self, s: AsyncSession, group: GroupConfig) -> bool:
        """On PostgreSQL, take the group robot's turn until the transaction ends (False when
        another instance holds it): lanes that post through one robot count one budget."""
        if self._db.is_sqlite:
            return True  # one process, and its passes never overlap
        held = await s.scalar(_LOCK_ROBOT, {"key": f"carebot:outbox:{group.id}"})
        return bool(held)

    async def _merge_batch(
        self, s: AsyncSession, head: OutboxRow, now: datetime, limit: int
    ) -> list[OutboxRow]:
        """`head` and the consecutive due rows behind it that fit with it in one post."""
        behind = await s.scalars(
            select(OutboxRow)
            .where(
                OutboxRow.group_id == head.group_id,
                OutboxRow.lane == head.lane,
                OutboxRow.status == "pending",
                OutboxRow.id > head.id,
            )
            .order_by(OutboxRow.id)
            .limit(MERGE_LOOKAHEAD)
        )
        candidates = [head]
        for row in behind:
            if not _is_mergeable(head, row, now, limit):
                break
            candidates.append(row)
        if len(candidates) == 1:
            return candidates
        first = merge_texts([r.text for r in candidates], limit)[0]
        return candidates[: len(first)]

    async def _free_slots(
        self, s: AsyncSession, group: GroupConfig, channel: str, now: datetime
    ) -> int:
        """How many more posts the group's webhook may take now under every rate window."""
        windows = rate_windows(group, self._settings) if channel == "group" else ()
        if not windows:
            return NO_LIMIT_SLOTS
        scale = wall_scale(group, self._clock)
        wall_now = self._wall.wall_now()  # outbox_sends.sent_at is wall time; `now` is not
        free = NO_LIMIT_SLOTS
        for window_s, allowed in windows:
            since = wall_now - timedelta(seconds=window_s * scale)
            used = await s.scalar(
                select(func.count())
                .select_from(OutboxSend)
                .where(
                    OutboxSend.group_id == group.id,
                    OutboxSend.channel == "group",
                    OutboxSend.sent_at > since,
                )
            )
            free = min(free, allowed - int(used or 0))
        return free

    async def _send_all(self, plans: list[_Plan]) -> list[_Outcome]:
        return list(await asyncio.gather(*(self._send_one(p) for p in plans)))

    async def _send_one(self, plan: _Plan) -> _Outcome:
        if plan.error is not None or plan.platform is None or plan.group is None:
            return _Outcome(plan, [], plan.error or PlatformError("nothing to send with"))
        head = plan.head
        accepted: list[tuple[int, datetime, WallTime]] = []
        for i, part in enumerate(plan.parts):
            if i in plan.done:
                continue
            if len(accepted) >= plan.slots:
                break  # the rest waits for the rate window; no attempt is counted
            message = OutboundMessage(
                group_id=head.group_id,
                text=part,
                kind=head.kind,
                mentions=plan.mentions if i == 0 else (),
                private_to=tuple(head.private_to),
                outbox_id=head.id,
            )
            try:
                await plan.platform.send(plan.group, message)
            except PlatformError as e:
                self._metrics.send_error(plan.group.platform, e)
                return _Outcome(plan, accepted, e)
            accepted.append((i, self._clock.now(), self._wall.wall_now()))
        return _Outcome(plan, accepted, None)

    async def _record(self, s: AsyncSession, outcomes: list[_Outcome], now: datetime) -> int:
        sent = 0
        handoffs: list[tuple[str, float]] = []
        for o in outcomes:
            head_id = o.plan.head.id
            for part, _, wall_at in o.accepted:
                logged = self._db.insert(OutboxSend).values(
                    # the group whose rate windows it counts in: a team's, for a 1:1 channel's
                    group_id=o.plan.group.id if o.plan.group else o.plan.head.group_id,
                    outbox_id=head_id,
                    part=part,
                    sent_at=wall_at,
                    channel=o.plan.channel,
                )
                await s.execute(logged.on_conflict_do_nothing(index_elements=["outbox_id", "part"]))
            head = await s.get(OutboxRow, head_id)
            if head is None or head.status != "pending":
                continue
            if o.error is not None:
                await self._failed(s, head, o.plan.group, o.error, now)
            elif len(o.plan.done) + len(o.accepted) == len(o.plan.parts):
                sent_at = o.accepted[-1][1] if o.accepted else now
                for planned in o.plan.rows:
                    row = await s.get(OutboxRow, planned.id)
                    if row is None or row.status != "pending":
                        continue
                    row.status, row.sent_at, row.last_error = "sent", sent_at, None
                    if row.kind == "assignment":  # routed -> the counsellor can see it
                        waited = (sent_at - row.created_at).total_seconds() / self._clock.speed
                        handoffs.append((row.group_id, waited))
                    if row.id != head_id:
                        row.merged_into = head_id
                    sent += 1
                if len(o.plan.rows) > 1:
                    log.info("outbox rows %s went out merged as one post",
                             [r.id for r in o.plan.rows])  # fmt: skip
        self.sent_count += sent

        def count() -> None:  # once the sent marks have committed
            self._metrics.sent.inc(sent)
            for group_id, waited in handoffs:
                self._metrics.handoff_seconds.labels(group_id).observe(waited)

        after_commit(s, count)
        return sent

    async def _failed(
        self,
        s: AsyncSession,
        row: OutboxRow,
        group: GroupConfig | None,
        error: PlatformError,
        now: datetime,
    ) -> None:
        row.attempts += 1
        reason = redact(str(error), group)
        row.last_error = reason[:500]
        refused = not isinstance(error, Retry)  # the platform will never accept this post
        where = ids(group=row.group_id, outbox=row.id)
        if refused or now - row.created_at >= timedelta(hours=self._settings.outbox.give_up_hours):
            row.status = "dead"
            if refused:
                log.error("outbox row %s is dead: the platform refused it (%s); the rows behind "
                          "it go on", row.id, reason, extra=where)  # fmt: skip
            else:
                log.error("outbox row %s is dead after %s tries: %s", row.id, row.attempts, reason,
                          extra=where)  # fmt: skip
            if row.is_dead_report:
                # Reporting this one too would go to the same failing platform, and so on forever.
                log.error("outbox row %s was itself a report of dead rows; not reported again",
                          row.id, extra=where)  # fmt: skip
            elif isinstance(error, Refused):
                await self._report_refusal(s, row, error, now)
            elif group is not None:
                await self._report_dead(s, row, now, refused)
            return
        floor = error.delay_s if isinstance(error, Retry) else 0.0
        delay = backoff_s(row.attempts, floor) * time_scale(group, self._clock)
        row.next_attempt_at = now + timedelta(seconds=delay)
        log.warning("outbox row %s failed (try %s): %s", row.id, row.attempts, reason, extra=where)

    async def _report_refusal(
        self, s: AsyncSession, dead: OutboxRow, error: Refused, now: datetime
    ) -> None:
        """The platform's own words for a refusal (who could not be told what, and the fix)."""
        for message in await error.report(s, now):
            if not await enqueue_report_once(s, message, now):
                log.info("outbox row %s: its report went out already today", dead.id,
                         extra=ids(group=dead.group_id, outbox=dead.id))  # fmt: skip

    async def _report_dead(
        self, s: AsyncSession, dead: OutboxRow, now: datetime, refused: bool = False
    ) -> None:
        """Tell the group's leads that `dead` was given up on: one report waiting at a time."""
        waiting = await s.scalar(
            select(OutboxRow.id)
            .where(
                OutboxRow.group_id == dead.group_id,
                OutboxRow.status == "pending",
                OutboxRow.is_dead_report.is_(True),
            )
            .limit(1)
        )
        if waiting is not None:
            return  # the waiting report already sends the leads to `carebot outbox`
        leads = self._settings.leads_of(dead.group_id)
        names = " ".join(f"@{m.display_name}" for m in leads)
        lang = self._settings.language_of(dead.group_id)
        if refused:
            text = t(lang, "outbox_refused", leads=names, kind=dead.kind, id=dead.id)
        else:
            hours = f"{self._settings.outbox.give_up_hours:g}"
            text = t(lang, "outbox_dead", leads=names, kind=dead.kind, hours=hours, id=dead.id)
        message = OutboundMessage(dead.group_id, text, "escalation", tuple(m.id for m in leads))
        enqueue(s, message, now).is_dead_report = True


def was_held(row: OutboxRow) -> bool:
    """Whether `row` was enqueued to wait for company (and has not been tried since)."""
    return row.attempts == 0 and row.next_attempt_at > row.created_at


def _is_mergeable(head: OutboxRow, row: OutboxRow, now: datetime, limit: int) -> bool:
    return (
        (row.next_attempt_at <= now or row.attempts == 0)  # due, or only held for company
        and not row.private_to
        and not row.is_dead_report
        and family(row.kind) == family(head.kind)
        and _utf8_len(row.text) <= limit
    )
