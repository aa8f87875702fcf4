"""The DingTalk replay: the outgoing robot's sign covers only its timestamp, so whoever sees one
request's headers (a proxy log, a mirrored port) could post any body with them, as any sender,
for as long as the timestamp was accepted (it was an hour). Reproduced against the real app:
one genuine message, then the captured headers with the lead's id and a command. The forgery is
refused, writes no row, and is refused by a second instance on the same PostgreSQL database too;
the genuine retry is still answered as a duplicate.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.clock import FrozenClock, FrozenWallClock
from bot.keys import DB
from tests.conftest import PG_URL, Bot, at
from tests.fake_chat import FakeRobot, dingtalk_headers, dingtalk_message, running
from tests.reliability.harness import row_counts
from tests.test_dingtalk import SECRET, TOKEN, dingtalk_settings

D = "2026-11-25"
NOW = at(D, "09:30")


async def post(bot: Bot, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    assert bot.client is not None
    resp = await bot.client.post("/webhooks/dingtalk/d1", data=json.dumps(body).encode(),
                                 headers=headers)  # fmt: skip
    return resp.status, await resp.json()


@pytest.mark.parametrize("instances", [1, 2] if PG_URL else [1])
async def test_captured_headers_do_not_carry_a_forged_message(
    database_url: str, make_bot: Any, instances: int
) -> None:
    if instances == 2 and not database_url.startswith("postgresql"):
        pytest.skip("several instances share one database only on PostgreSQL")
    clock, wall = FrozenClock(NOW), FrozenWallClock(NOW)
    async with running(FakeRobot("dingtalk", SECRET, TOKEN, wall)) as robot:
        settings = dingtalk_settings(database_url, robot.url)
        first: Bot = await make_bot(settings, clock, wall)
        second: Bot = await make_bot(settings, clock, wall) if instances == 2 else first
        await first.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="d1")

        captured = dingtalk_headers(SECRET, wall.wall_now())
        genuine = dingtalk_message("msg-genuine", "doc1", "I have not slept in two days")
        assert (await post(first, genuine, captured))[0] == 200
        await robot.wait_for(lambda r: len(r.posts) == 1)
        before = await row_counts(first.app[DB])

        # The attacker: the same timestamp and sign, another body, sent as the lead l1.
        for target in {id(first): first, id(second): second}.values():
            for i, text in enumerate(["/oncall", "/rota remove Chen 2026-11-25 08:00-12:00"]):
                forged = dingtalk_message(f"msg-forged-{id(target)}-{i}", "l1", text,
                                          senderNick="Lead Liu", isAdmin=True)  # fmt: skip
                status, answer = await post(target, forged, captured)
                assert status == 401, answer
            assert await row_counts(target.app[DB]) == before

        # DingTalk sending the genuine request again is still a harmless duplicate.
        status, answer = await post(second, genuine, captured)
        assert (status, answer["duplicate"]) == (200, True)
        assert await row_counts(first.app[DB]) == before
        assert len(robot.posts) == 1
