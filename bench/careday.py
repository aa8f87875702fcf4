"""A busy care day: how often the bot posts in the group, and how fast people are handed over.

The real app (create_app on a real runner) runs in this process on a ScaledClock; a fake
platform (a real aiohttp server on loopback, the generic webhook's far side) records every post
with the service instant it arrived. Staff and counsellors are played by a driver that posts
signed generic webhooks to the app:

- 2 groups x 25 counsellors (and one lead each) on a rota of one 2-5 h shift each, 08:00-24:00,
  most of them in the evening. The even groups are DingTalk custom-robot groups (no application:
  nothing can be posted privately), the odd ones generic webhook groups (which carry private
  posts);
- new conversations arrive at random (Poisson), peaking at 22:00 (`peak_new_per_hour` per
  group), a few before 08:00 (they wait for the opening); about 1% use crisis language;
- each staff member may write again within a few minutes; the counsellor it goes to answers
  after 1-8 minutes (a text or `/ack`), about 8% of first assignees never answer (the timeout
  moves it on), they talk for a while, and the counsellor ends it with `/done STAFF`.

It reports, per group and service-local hour, the posts the group saw (everything without
`private_to`) by kind, the private posts, and the hand-off figures read from the database.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
from sqlalchemy import select

from bench.common import SECRET, fresh_database, percentile
from bot import models
from bot.app import create_app
from bot.clock import ScaledClock
from bot.config import load_settings
from bot.keys import CONTEXT, DB
from bot.platforms.generic import signed_headers

TZ = ZoneInfo("Asia/Shanghai")
DAY = "2030-03-06"
# New conversations an hour, as a share of the peak (22:00), by service-local hour.
PROFILE = {
    7: 0.12,
    8: 0.3,
    9: 0.35,
    10: 0.35,
    11: 0.3,
    12: 0.3,
    13: 0.35,
    14: 0.35,
    15: 0.35,
    16: 0.4,
    17: 0.45,
    18: 0.55,
    19: 0.65,
    20: 0.8,
    21: 0.95,
    22: 1.0,
    23: 0.8,
}
FIRST_TEXTS = [
    "夜班后一直睡不着，白天也静不下来",
    "今天又被家属骂了，心里很难受",
    "连续加班三周了，感觉快累垮了",
    "最近总是想哭，不知道跟谁说",
    "科室里的事压得我喘不过气",
    "I have not slept properly for a week after the night shifts",
]
CRISIS_TEXT = "我真的不想活了"
FOLLOW_TEXTS = ["还有就是……", "其实也不全是工作的事", "谢谢你们在", "我现在好一点了"]
ANSWER_TEXTS = ["您好，我在，慢慢说", "听起来这段时间真的很辛苦", "我们可以一起想想办法"]


@dataclass(frozen=True)
class CareDayPlan:
    groups: int
    counsellors: int
    peak_new_per_hour: float  # per group, at 22:00
    speed: float
    start_hour: int  # service-local; before 08:00 the messages wait for the opening
    end_hour: int  # 24 is midnight
    seed: int = 20


FULL = CareDayPlan(
    groups=2, counsellors=25, peak_new_per_hour=25, speed=300, start_hour=7, end_hour=24
)
SMOKE = CareDayPlan(
    groups=2, counsellors=8, peak_new_per_hour=10, speed=600, start_hour=21, end_hour=22
)


def _at(hours: float) -> datetime:
    return datetime.fromisoformat(DAY).replace(tzinfo=TZ) + timedelta(hours=hours)


def rota(plan: CareDayPlan, rng: random.Random) -> list[tuple[str, datetime, datetime]]:
    """One shift of 2-5 h per counsellor, starting on the hour, weighted to the evening; the
    first two open the day and the last two close it, so the service hours are covered."""
    n = plan.counsellors
    starts = [8, 8, *sorted(rng.choices(range(8, 22), weights=range(1, 15), k=max(0, n - 4)))]
    out = []
    for i, start in enumerate(starts[: max(0, n - 2)]):
        length = rng.choice([2, 3, 4, 5])
        out.append((f"c{i:02d}", _at(start), _at(min(24, start + length))))
    for i in range(max(0, n - 2), n):
        out.append((f"c{i:02d}", _at(19 + i % 2), _at(24)))
    return out


@dataclass
class Person:
    """One staff member's conversation as the driver plays it."""

    group: str
    staff: str
    opened: datetime
    crisis: bool
    follow_ups: list[float]  # minutes after the first message
    answer_after_min: float  # the assignee's first answer, after the assignment
    silent_first: bool  # the first assignee never answers
    talk_min: float  # from the first answer to /done
    ack: bool  # the first answer is /ack rather than a text
    first_counsellor: str | None = None
    answered: set[tuple[str, datetime]] = field(default_factory=set)
    next_talk: datetime | None = None
    done: bool = False


def people(plan: CareDayPlan, group: str, rng: random.Random) -> list[Person]:
    out: list[Person] = []
    for hour in range(plan.start_hour, plan.end_hour):
        rate = plan.peak_new_per_hour * PROFILE.get(hour, 0.0)  # an hour
        t = 0.0
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= 1:
                break
            n = len(out)
            out.append(
                Person(
                    group=group,
                    staff=f"{group}-s{n:03d}",
                    opened=_at(hour + t),
                    crisis=rng.random() < 0.01,
                    follow_ups=sorted(rng.uniform(0.5, 6) for _ in range(rng.choice([0, 1, 1, 2]))),
                    answer_after_min=rng.uniform(1, 8),
                    silent_first=rng.random() < 0.08,
                    talk_min=rng.uniform(10, 40),
                    ack=rng.random() < 0.4,
                )
            )
    return out


def platform_of(group: str) -> str:
    return "dingtalk" if int(group[1:]) % 2 == 0 else "generic"


def dingtalk_body(msg_id: str, sender: str, name: str, text: str) -> bytes:
    """A message as DingTalk's outgoing robot posts it (a group chat, the robot mentioned)."""
    return json.dumps(
        {
            "conversationId": "cid-bench",
            "atUsers": [{"dingtalkId": "$:LWCP_v1:$robot"}],
            "chatbotUserId": "$:LWCP_v1:$robot",
            "msgId": msg_id,
            "senderNick": name,
            "isAdmin": False,
            "senderStaffId": sender,
            "createAt": int(time.time() * 1000),
            "conversationType": "2",
            "senderId": "$:LWCP_v1:$" + sender,
            "conversationTitle": "bench group",
            "isInAtList": True,
            "text": {"content": " " + text},
            "msgtype": "text",
        },
        ensure_ascii=False,
    ).encode()


def dingtalk_headers(secret: str, ms: int) -> dict[str, str]:
    """The timestamp and sign headers of a DingTalk outgoing-robot request at `ms` (carebot
    refuses a timestamp and sign that already carried another message)."""
    ts = str(ms)
    mac = hmac.new(secret.encode(), (ts + "\n" + secret).encode(), hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "timestamp": ts,
        "sign": base64.b64encode(mac.digest()).decode(),
    }


class Driver:
    """Posts signed webhooks to the app as staff and counsellors would."""

    def __init__(self, http: aiohttp.ClientSession, base: str, clock: ScaledClock) -> None:
        self.http, self.base, self.clock = http, base, clock
        self.sent = Counter[str]()
        self.refused = 0
        self._n = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.reasons = Counter[str]()
        self._ms = 0

    async def say(self, group: str, sender: str, name: str, text: str, what: str) -> None:
        self._n += 1
        platform = platform_of(group)
        if platform == "dingtalk":
            body = dingtalk_body(f"m{self._n}", sender, name, text)
            self._ms = max(self._ms + 1, int(time.time() * 1000))
            headers = dingtalk_headers(SECRET, self._ms)
        else:
            body = json.dumps(
                {"msg_id": f"m{self._n}", "sender": {"id": sender, "name": name}, "text": text},
                ensure_ascii=False,
            ).encode()
            headers = signed_headers(SECRET, body, datetime.now(UTC))
        try:
            async with self.http.post(
                f"{self.base}/webhooks/{platform}/{group}", data=body, headers=headers
            ) as resp:
                answer = await resp.read()
                if resp.status >= 300:
                    self.refused += 1
                    self.reasons[f"{resp.status} {answer[:100]!r}"] += 1
        except aiohttp.ClientError as e:
            self.refused += 1
            self.reasons[type(e).__name__] += 1
        self.sent[what] += 1

    def later(self, group: str, sender: str, name: str, text: str, what: str) -> None:
        """Say it without waiting for the answer (staff do not wait for each other)."""
        task = asyncio.create_task(self.say(group, sender, name, text, what))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def until(self, at: datetime) -> None:
        await asyncio.sleep(self.clock.real_seconds_until(at))


async def _staff(driver: Driver, everyone: list[Person]) -> None:
    events: list[tuple[datetime, int, Person, str]] = []
    for i, p in enumerate(everyone):
        first = CRISIS_TEXT if p.crisis else FIRST_TEXTS[i % len(FIRST_TEXTS)]
        events.append((p.opened, i, p, first))
        for k, m in enumerate(p.follow_ups):
            events.append((p.opened + timedelta(minutes=m), i, p, FOLLOW_TEXTS[k]))
    events.sort(key=lambda e: (e[0], e[1]))
    for at, _, p, text in events:
        await driver.until(at)
        if not p.done:
            name = "Staff " + p.staff.rsplit("s", 1)[1]
            driver.later(p.group, p.staff, name, text, "staff")


async def _counsellors(
    driver: Driver, app: web.Application, everyone: list[Person], end: datetime, tick_s: float
) -> None:
    """Every `tick_s` service seconds: each counsellor acts on what they hold, as the database
    says they hold it (carebot's own view of who has whom)."""
    by_staff = {p.staff: p for p in everyone}
    c = models.Conversation
    while driver.clock.now() < end:
        now = driver.clock.now()
        async with app[DB].read() as s:
            rows = (
                await s.execute(
                    select(
                        c.group_id, c.staff_id, c.counsellor_id, c.assigned_at, c.first_response_at
                    ).where(c.status == "open")
                )
            ).all()
        jobs = []
        for group, staff, counsellor, assigned_at, answered_at in rows:
            p = by_staff.get(staff)
            if p is None or p.done or counsellor is None or assigned_at is None:
                continue
            if p.first_counsellor is None:
                p.first_counsellor = counsellor
            cname = "Counsellor " + counsellor
            if answered_at is None:
                if p.silent_first and counsellor == p.first_counsellor:
                    continue
                key = (counsellor, assigned_at)
                due = assigned_at + timedelta(minutes=p.answer_after_min)
                if now >= due and key not in p.answered:
                    p.answered.add(key)
                    p.next_talk = now + timedelta(minutes=5)
                    text, what = ("/ack", "ack") if p.ack else (ANSWER_TEXTS[0], "answer")
                    jobs.append(driver.say(group, counsellor, cname, text, what))
                continue
            if now >= answered_at + timedelta(minutes=p.talk_min):
                p.done = True
                jobs.append(driver.say(group, counsellor, cname, f"/done {staff}", "done"))
            elif p.next_talk is None or now >= p.next_talk:
                p.next_talk = now + timedelta(minutes=8)
                jobs.append(driver.say(group, counsellor, cname, ANSWER_TEXTS[1], "answer"))
                name = "Staff " + staff.rsplit("s", 1)[1]
                jobs.append(driver.say(group, staff, name, FOLLOW_TEXTS[-1], "staff"))
        if jobs:
            await asyncio.gather(*jobs)
        await asyncio.sleep(tick_s / driver.clock.speed)


def _hourly(posts: list[tuple[datetime, str, str]], groups: list[str]) -> dict[str, Any]:
    per: dict[str, dict[int, Counter[str]]] = {g: {} for g in groups}
    for at, group, kind in posts:
        hour = at.astimezone(TZ).hour
        per[group].setdefault(hour, Counter())[kind] += 1
    hours = sorted({h for g in per.values() for h in g})
    table = {str(h): {g: sum(per[g].get(h, Counter()).values()) for g in groups} for h in hours}
    peak_h, peak_g, peak = -1, "", 0
    for h in hours:
        for g in groups:
            n = sum(per[g].get(h, Counter()).values())
            if n > peak:
                peak_h, peak_g, peak = h, g, n
    kinds = dict(per[peak_g].get(peak_h, Counter())) if peak_g else {}
    return {
        "per_hour": table,
        "max": peak,
        "max_hour": peak_h,
        "max_group": peak_g,
        "max_hour_kinds": kinds,
    }


def _minutes(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "max": max(values),
    }


async def run(backend: str, pg_url: str, workdir: Path, plan: CareDayPlan) -> dict[str, Any]:
    rng = random.Random(plan.seed)
    groups = [f"g{i}" for i in range(plan.groups)]
    shifts = {g: rota(plan, rng) for g in groups}
    everyone = [p for g in groups for p in people(plan, g, rng)]
    received: list[tuple[datetime, str, str, bool]] = []  # (service instant, group, kind, private)
    start_at = _at(plan.start_hour) - timedelta(minutes=5)
    end = _at(plan.end_hour)
    clock = ScaledClock(start_at, plan.speed)

    async def hook(request: web.Request) -> web.Response:
        data = await request.json()
        received.append((clock.now(), data["group"], data["kind"], bool(data.get("private_to"))))
        return web.json_response({"ok": True})

    async def robot(request: web.Request) -> web.Response:
        """A DingTalk custom robot: every post it takes is in the group (no kind is sent)."""
        await request.read()
        received.append((clock.now(), request.match_info["group"], "robot", False))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    fake = web.Application()
    fake.router.add_post("/hook", hook)
    fake.router.add_post("/robot/{group}/send", robot)
    fake_runner = web.AppRunner(fake, access_log=None)
    await fake_runner.setup()
    fake_site = web.TCPSite(fake_runner, "127.0.0.1", 0)
    await fake_site.start()
    port = fake_site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    hook_url = f"http://127.0.0.1:{port}/hook"
    out: dict[str, Any] = {"backend": backend, "plan": plan.__dict__}
    t0 = time.perf_counter()
    try:
        async with fresh_database(backend, pg_url, workdir) as database_url:
            settings = load_settings(
                None,
                bot={"database_url": database_url, "timezone": "Asia/Shanghai", "language": "zh"},
                groups=[group_config(g, hook_url, port) for g in groups],
                members=[
                    {
                        "group": g,
                        "id": f"c{j:02d}",
                        "name": f"Counsellor c{j:02d}",
                        "role": "counsellor",
                    }
                    for g in groups
                    for j in range(plan.counsellors)
                ]
                + [{"group": g, "id": "lead", "name": "Lead", "role": "lead"} for g in groups],
            )
            runner = web.AppRunner(create_app(settings, clock), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            app_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            try:
                app = runner.app
                async with app[DB].write() as s:
                    for g in groups:
                        for member, start, stop in shifts[g]:
                            s.add(
                                models.Shift(
                                    group_id=g,
                                    member_id=member,
                                    start_at=start,
                                    end_at=stop,
                                    created_at=clock.now(),
                                )
                            )
                for g in groups:
                    app[CONTEXT].rota_changed(g)
                async with aiohttp.ClientSession() as http:
                    driver = Driver(http, f"http://127.0.0.1:{app_port}", clock)
                    tasks = [
                        asyncio.create_task(_staff(driver, everyone)),
                        asyncio.create_task(_counsellors(driver, app, everyone, end, 30.0)),
                    ]
                    await driver.until(end)
                    for task in tasks:
                        task.cancel()
                    for task in tasks:
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                    await asyncio.gather(*driver.tasks)
                    await asyncio.sleep(0.5)  # the last posts land
                out["driver"] = {
                    "sent": dict(driver.sent),
                    "refused": driver.refused,
                    "refusals": dict(driver.reasons),
                }
                out.update(await _handoffs(app, end))
            finally:
                await runner.cleanup()
    finally:
        await fake_runner.cleanup()
    out["real_s"] = time.perf_counter() - t0
    group_posts = [(at, g, k) for at, g, k, private in received if not private and at < end]
    private_posts = [(at, g, k) for at, g, k, private in received if private and at < end]
    out["group_posts"] = _hourly(group_posts, groups)
    out["group_posts"]["total"] = len(group_posts)
    out["group_posts"]["kinds"] = dict(Counter(k for _, _, k in group_posts))
    out["private_posts"] = _hourly(private_posts, groups)
    out["private_posts"]["total"] = len(private_posts)
    out["private_posts"]["kinds"] = dict(Counter(k for _, _, k in private_posts))
    out["shifts_per_group"] = len(next(iter(shifts.values()), []))
    out["people"] = len(everyone)
    return out


def group_config(group: str, hook_url: str, port: int) -> dict[str, Any]:
    if platform_of(group) == "dingtalk":
        robot = f"http://127.0.0.1:{port}/robot/{group}/send?access_token=bench"
        return {"id": group, "platform": "dingtalk", "secret": SECRET, "webhook_url": robot}
    return {"id": group, "platform": "generic", "secret": SECRET, "webhook_url": hook_url}


async def _handoffs(app: web.Application, end: datetime) -> dict[str, Any]:
    """What the database says of the hand-offs: how long people waited for a counsellor, how
    long an assignment post took to reach the platform, the first answers and the timeouts."""
    c, o = models.Conversation, models.OutboxRow
    async with app[DB].read() as s:
        convs = list(await s.scalars(select(c)))
        rows = list(
            await s.scalars(select(o).where(o.kind == "assignment", o.sent_at.is_not(None)))
        )
        pending = list(await s.scalars(select(o).where(o.status == "pending")))
    opens = _at(8)
    waits, answers = [], []
    for conv in convs:
        if conv.first_assigned_at is not None:
            since = max(conv.opened_at, opens)
            waits.append((conv.first_assigned_at - since).total_seconds() / 60)
        if conv.first_response_at is not None and conv.assigned_at is not None:
            answers.append((conv.first_response_at - conv.opened_at).total_seconds() / 60)
    delivery = [(r.sent_at - r.created_at).total_seconds() for r in rows if r.sent_at]
    sent = list(await _sent_rows(app))
    merged = Counter(g for g, _, into in sent if into is not None)
    kinds: dict[str, Counter[str]] = {}
    for g, kind, _ in sent:
        kinds.setdefault(g, Counter())[kind] += 1
    return {
        "conversations": len(convs),
        "assigned": sum(1 for x in convs if x.first_assigned_at is not None),
        "closed_done": sum(1 for x in convs if x.close_reason == "done"),
        "waiting_at_end": sum(1 for x in convs if x.status == "waiting"),
        "reassigned_after_timeout": sum(x.reassign_count for x in convs),
        "crisis": sum(1 for x in convs if x.is_crisis),
        "wait_for_counsellor_min": _minutes(waits),
        "first_answer_min": _minutes(answers),
        "assignment_post_delivery_s": _minutes(delivery),  # service seconds, row -> accepted
        "assignment_post_delivery_s_by_group": {
            g: _minutes(
                [
                    (r.sent_at - r.created_at).total_seconds()
                    for r in rows
                    if r.sent_at and r.group_id == g
                ]
            )
            for g in sorted({r.group_id for r in rows})
        },
        "rows_sent_by_group_and_kind": {g: dict(k) for g, k in sorted(kinds.items())},
        "rows_merged_into_another_by_group": dict(merged),
        "outbox_pending_at_end": len(pending),
        "outbox_errors": dict(Counter((r.last_error or "")[:80] for r in pending if r.attempts)),
        "outbox_pending_lanes": len({(r.group_id, r.lane) for r in pending}),
        "end": end.isoformat(),
    }


async def _sent_rows(app: web.Application) -> list[tuple[str, str, int | None]]:
    o = models.OutboxRow
    async with app[DB].read() as s:
        found = await s.execute(select(o.group_id, o.kind, o.merged_into).where(o.status == "sent"))
        return [(g, k, into) for g, k, into in found]


def fmt_minutes(d: dict[str, float]) -> str:
    if not d.get("n"):
        return "-"
    return f"{d['p50']:.1f} / {d['p90']:.1f} / {d['max']:.1f}"


def finite(x: float) -> bool:
    return not math.isnan(x) and not math.isinf(x)
