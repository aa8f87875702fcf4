"""/metrics is the Prometheus client library's exposition: what an operator watches, measured
where it happens (a day's hand-off, first response, crisis, escalation and failed sends driven
through the real app and a fake platform over HTTP), and every metric the shipped Grafana
dashboard queries is exported."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.clock import FrozenClock
from tests.conftest import Bot, FakePlatform, at, make_settings
from tests.test_conversations import settle

D = "2026-11-25"
DASHBOARD = Path(__file__).parent.parent / "docs" / "grafana-dashboard.json"


async def scrape(bot: Bot) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Sample name -> {sorted labels: value}, parsed by the client library's own parser."""
    assert bot.client is not None
    resp = await bot.client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(await resp.text()):
        for s in family.samples:
            samples.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return samples


def value(samples: dict[str, Any], name: str, **labels: str) -> float:
    return float(samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0))


async def until(check: Any, within_s: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while not await check():
        assert loop.time() < deadline, "condition never held"
        await asyncio.sleep(0.05)


async def test_a_morning_is_measured_where_it_happens(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    clock = FrozenClock(at(D, "09:30"))
    bot: Bot = await make_bot(make_settings(database_url, fake_platform.url), clock)
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "12:00"))
    before = await scrape(bot)
    assert value(before, "carebot_conversations", group="g1", state="waiting") == 0
    assert value(before, "carebot_handoff_seconds_count", group="g1") == 0

    # doc1 writes; the assignment goes out; c1 answers four minutes later.
    await bot.staff_says("m1", "doc1", "I cannot sleep")
    await settle(bot)
    clock.advance(timedelta(minutes=4))
    await bot.staff_says("a1", "c1", "I'm here, tell me more")
    # doc2 writes in crisis words; the leads are alerted privately.
    await bot.staff_says("m2", "doc2", "我真的不想活了")
    await settle(bot)
    # doc3's counsellor never answers: after the first-response timeout the leads are told.
    await bot.staff_says("m3", "doc3", "hello?")
    await settle(bot)
    # Three people assigned so far (the crisis adds the reply that tells the group someone is
    # coming); the frozen clock stood still from routing to sending: all under 50 ms.
    m = await scrape(bot)
    posts = value(m, "carebot_handoff_seconds_count", group="g1")
    assert posts >= 3
    assert value(m, "carebot_handoff_seconds_bucket", group="g1", le="0.05") == posts

    async def escalated() -> bool:
        clock.advance(timedelta(seconds=30))
        return value(await scrape(bot), "carebot_escalations_total", group="g1",
                     reason="unanswered") >= 1  # fmt: skip

    await until(escalated, within_s=20)
    # A send that the platform fails is counted by platform and error class.
    fake_platform.fail_next = 1
    await bot.staff_says("m4", "doc4", "one more")
    await fake_platform.wait_for(lambda r: fake_platform.fail_next == 0)
    clock.advance(timedelta(minutes=1))  # past the retry's backoff
    await settle(bot)

    m = await scrape(bot)
    assert value(m, "carebot_inbound_messages_total") == 5
    assert value(m, "carebot_webhook_seconds_count", platform="generic") == 5
    # One assignment each for doc1..doc4, and more for those the timeout moved on.
    assert value(m, "carebot_handoff_seconds_count", group="g1") >= 4
    # doc1 waited four minutes for c1: in the (120, 300] bucket, and counted once.
    assert value(m, "carebot_first_response_seconds_count", group="g1") == 1
    assert value(m, "carebot_first_response_seconds_sum", group="g1") == 240
    assert value(m, "carebot_first_response_seconds_bucket", group="g1", le="120.0") == 0
    assert value(m, "carebot_first_response_seconds_bucket", group="g1", le="300.0") == 1
    assert value(m, "carebot_crises_total", group="g1") == 1
    assert value(m, "carebot_send_errors_total", platform="generic", error="retry") == 1
    # Read from the database: doc1..doc4 are open (none waits: two counsellors, no cap hit).
    assert value(m, "carebot_conversations", group="g1", state="open") == 4
    assert value(m, "carebot_conversations", group="g1", state="waiting") == 0
    assert value(m, "carebot_outbox_rows", status="pending") == 0
    assert value(m, "carebot_outbox_rows", status="sent") >= 5
    # The process collector: what an operator graphs next to it.
    assert value(m, "process_resident_memory_bytes") > 0
    # Labels never carry a person: no staff or counsellor id anywhere in the exposition.
    labels = {v for series in m.values() for key in series for _, v in key}
    assert not labels & {"doc1", "doc2", "doc3", "doc4", "c1", "c2"}


async def test_every_family_has_its_type_and_counters_end_in_total(bot_metrics: str) -> None:
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", bot_metrics, re.M))
    helps = set(re.findall(r"^# HELP (\S+) ", bot_metrics, re.M))
    for line in bot_metrics.splitlines():
        if line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            family = re.sub(r"_(total|created|bucket|sum|count)$", "", name)
            assert family in types or name in types, f"{name} has no TYPE line"
    for name, kind in types.items():
        assert name in helps, f"{name} has no HELP line"
        if kind == "counter":
            assert name.endswith("_total"), f"counter {name} does not end in _total"


def dashboard_metrics(path: Path = DASHBOARD) -> set[str]:
    """Every carebot_ and process_ name the dashboard's queries and variables use."""
    board = json.loads(path.read_text(encoding="utf-8"))
    exprs = [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]
    exprs += [v["query"] for v in board["templating"]["list"] if v.get("type") == "query"]
    return {n for e in exprs for n in re.findall(r"\b((?:carebot|process)_[a-z_]+)\b", e)}


def missing_from(exposition: str, queried: set[str]) -> set[str]:
    exported = {line.split("{")[0].split(" ")[0] for line in exposition.splitlines()
                if line and not line.startswith("#")}  # fmt: skip
    families = set(re.findall(r"^# TYPE (\S+) ", exposition, re.M))
    return {n for n in queried if n not in exported and n not in families}


async def test_every_metric_the_dashboard_queries_is_exported(bot_metrics: str) -> None:
    queried = dashboard_metrics()
    assert len(queried) >= 12  # the dashboard really queries the bot
    missing = missing_from(bot_metrics, queried)
    assert not missing, f"the dashboard queries metrics /metrics does not export: {missing}"


async def test_the_dashboard_check_catches_a_name_the_bot_does_not_export(
    bot_metrics: str, tmp_path: Path
) -> None:
    wrong = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    wrong["panels"][0]["targets"][0]["expr"] = "max(carebot_waiting_conversations)"
    path = tmp_path / "dashboard.json"
    path.write_text(json.dumps(wrong), encoding="utf-8")
    assert missing_from(bot_metrics, dashboard_metrics(path)) == {"carebot_waiting_conversations"}


@pytest.fixture
async def bot_metrics(database_url: str, fake_platform: FakePlatform, make_bot: Any) -> str:
    """The exposition of a bot that has routed one message, so labelled series have samples."""
    bot: Bot = await make_bot(
        make_settings(database_url, fake_platform.url), FrozenClock(at(D, "09:30"))
    )
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    await bot.staff_says("m1", "doc1", "hello")
    await settle(bot)
    await bot.staff_says("a1", "c1", "here")
    fake_platform.fail_next = 1
    await bot.staff_says("m2", "doc2", "我真的不想活了")
    await fake_platform.wait_for(lambda r: fake_platform.fail_next == 0)
    bot.clock.advance(timedelta(minutes=1))  # past the retry's backoff
    await settle(bot)
    assert bot.client is not None
    return await (await bot.client.get("/metrics")).text()


async def test_after_commit_runs_once_on_commit_and_never_after_a_rollback(
    database_url: str,
) -> None:
    from sqlalchemy import text

    from bot.db import Database, after_commit

    db = Database(database_url)
    await db.upgrade()
    fired: list[str] = []
    try:
        async with db.write() as s:
            after_commit(s, lambda: fired.append("committed"))
        assert fired == ["committed"]
        with pytest.raises(RuntimeError):
            async with db.write() as s:
                after_commit(s, lambda: fired.append("rolled back"))
                raise RuntimeError("the transaction fails")
        assert fired == ["committed"]
        session = db.sessions()
        async with session as s:
            await s.execute(text("SELECT 1"))  # a transaction under way, as when routing
            after_commit(s, lambda: fired.append("dropped"))
            await s.rollback()
            await s.commit()  # a later commit of the same session runs nothing dropped before
        assert fired == ["committed"]
    finally:
        await db.dispose()
