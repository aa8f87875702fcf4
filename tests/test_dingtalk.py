"""DingTalk: signature and parsing as plain calls, then round trips through the real app to a fake
custom robot on loopback that checks every signature."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.config import Settings
from bot.errors import BadRequest, ConfigError, PlatformError, Retry, SignatureError
from bot.keys import DB
from bot.platforms import dingtalk
from tests.conftest import Bot, at, make_settings
from tests.fake_chat import FakeRobot, dingtalk_headers, dingtalk_message, running

D = "2026-11-25"
NOW = at(D, "09:30")
SECRET = "SECdingtalk-test-secret"
TOKEN = "robot-access-token-123"


def test_sign_matches_an_independent_reference() -> None:
    # printf '1700000000000\nSECabc' | openssl dgst -sha256 -hmac 'SECabc' -binary | base64
    assert dingtalk.sign("SECabc", "1700000000000") == (
        "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM="
    )


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=4), -timedelta(minutes=4)])
def test_verify_inside_five_minutes(skew: timedelta) -> None:
    dingtalk.verify(SECRET, dingtalk_headers(SECRET, NOW + skew), NOW)


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        # DingTalk itself allows an hour; a sign that covers no body gets five minutes here.
        (dingtalk_headers(SECRET, NOW - timedelta(minutes=10)), "5 minutes"),
        (dingtalk_headers(SECRET, NOW + timedelta(minutes=6)), "5 minutes"),
        (dingtalk_headers(SECRET, NOW - timedelta(hours=2)), "5 minutes"),
        (dingtalk_headers("SECother", NOW), "does not match"),
        ({"timestamp": "abc", "sign": "x"}, "milliseconds"),
        ({}, "missing"),
    ],
)
def test_verify_refuses(headers: dict[str, str], error: str) -> None:
    with pytest.raises(SignatureError, match=error):
        dingtalk.verify(SECRET, headers, NOW)


def test_parse_text_prefers_staff_id_and_drops_the_robot_mention() -> None:
    msg = dingtalk.parse_body("d1", json.dumps(dingtalk_message("m1", "doc1", "hello")).encode())
    assert (msg.platform, msg.msg_id, msg.sender_id, msg.sender_name) == (
        "dingtalk", "m1", "doc1", "Doc1",
    )  # fmt: skip
    assert msg.text == "hello" and msg.msg_type == "text"
    assert msg.sent_at is not None and msg.sent_at.timestamp() == 1764032400
    # The @robot left in the text (one @ per mentioned user) is stripped; other words stay.
    kept = dingtalk_message("m2", "doc1", "@carebot I cannot sleep")
    assert dingtalk.parse_body("d1", json.dumps(kept).encode()).text == "I cannot sleep"
    # Without staff id (outside the organisation) the encrypted sender id is used.
    outsider = dingtalk_message("m3", "doc1", "hi")
    del outsider["senderStaffId"]
    assert dingtalk.parse_body("d1", json.dumps(outsider).encode()).sender_id.startswith(
        "$:LWCP_v1:$"
    )


def test_parse_non_text_is_kept_politely() -> None:
    body = dingtalk_message("p1", "doc1", "", msgtype="picture",
                            content={"downloadCode": "x"})  # fmt: skip
    del body["text"]
    msg = dingtalk.parse_body("d1", json.dumps(body).encode())
    assert (msg.msg_type, msg.text) == ("image", "")
    audio = {**body, "msgId": "p2", "msgtype": "audio"}
    assert dingtalk.parse_body("d1", json.dumps(audio).encode()).msg_type == "voice"
    odd = {**body, "msgId": "p3", "msgtype": "richText"}
    assert dingtalk.parse_body("d1", json.dumps(odd).encode()).msg_type == "other"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{", "not valid JSON"),
        (b"[]", "JSON object"),
        (json.dumps({"senderStaffId": "a", "text": {"content": "x"}}).encode(), "msgId"),
        (json.dumps({"msgId": "1", "text": {"content": "x"}}).encode(), "senderStaffId"),
        (json.dumps({"msgId": "1", "senderStaffId": "a", "text": {}}).encode(), "text.content"),
    ],
)
def test_parse_refuses(body: bytes, error: str) -> None:
    with pytest.raises(BadRequest, match=error):
        dingtalk.parse_body("d1", body)


def test_signed_url_adds_timestamp_and_url_encoded_sign() -> None:
    url = dingtalk.signed_url(f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}",
                              SECRET, NOW)  # fmt: skip
    raw = str(url)
    query = parse_qs(urlsplit(raw).query)
    ts = str(int(NOW.timestamp() * 1000))
    assert query == {"access_token": [TOKEN], "timestamp": [ts],
                     "sign": [dingtalk.sign(SECRET, ts)]}  # fmt: skip
    assert "+" not in raw.split("sign=")[1] and "/" not in raw.split("sign=")[1]


def test_mentions_are_written_into_the_content() -> None:
    assert dingtalk.content_with_mentions("hi @c1", ("c1", "doc1")) == "hi @c1 @doc1"


@pytest.mark.parametrize(
    ("status", "answer", "outcome", "delay"),
    [
        (200, {"errcode": 0, "errmsg": "ok"}, None, 0.0),
        (200, {"errcode": 130101, "errmsg": "send too fast"}, Retry, 600.0),
        (200, {"errcode": 310000, "errmsg": "sign not match"}, PlatformError, None),
        (503, {}, Retry, 0.0),
        (404, {}, PlatformError, None),
    ],
)
def test_answers(status: int, answer: dict[str, Any], outcome: type | None,
                 delay: float | None) -> None:  # fmt: skip
    body = json.dumps(answer).encode()
    if outcome is None:
        dingtalk.check_answer(status, body)
        return
    with pytest.raises(outcome) as caught:
        dingtalk.check_answer(status, body)
    if outcome is PlatformError:
        assert not isinstance(caught.value, Retry)
    else:
        assert isinstance(caught.value, Retry) and caught.value.delay_s == delay


# -- through the real app ------------------------------------------------------------------------


def dingtalk_settings(database_url: str, webhook_url: str, **extra: Any) -> Settings:
    group = {"id": "d1", "name": "钉钉一组", "platform": "dingtalk", "secret": SECRET,
             "webhook_url": webhook_url, **extra}  # fmt: skip
    members = [
        {"group": "d1", "id": "c1", "name": "Chen", "role": "counsellor"},
        {"group": "d1", "id": "c2", "name": "Li", "role": "counsellor"},
        {"group": "d1", "id": "l1", "name": "Lead Liu", "role": "lead"},
    ]
    return make_settings(database_url, "http://unused", groups=[group], members=members)


@pytest.fixture
async def robot() -> AsyncIterator[FakeRobot]:
    async with running(FakeRobot("dingtalk", SECRET, TOKEN, FrozenWallClock(NOW))) as r:
        yield r


@pytest.fixture
async def bot(database_url: str, robot: FakeRobot, make_bot: Any) -> Bot:
    clock = FrozenClock(NOW)
    wall = FrozenWallClock(NOW)
    robot.wall = wall
    b: Bot = await make_bot(dingtalk_settings(database_url, robot.url), clock, wall)
    await b.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="d1")
    return b


async def post(bot: Bot, body: dict[str, Any] | bytes, headers: dict[str, str] | None = None,
               ) -> tuple[int, dict[str, Any]]:  # fmt: skip
    assert bot.client is not None
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    resp = await bot.client.post(
        "/webhooks/dingtalk/d1",
        data=raw,
        headers=headers or dingtalk_headers(SECRET, bot.wall.wall_now()),
    )
    return resp.status, await resp.json()  # fmt: skip


async def count(bot: Bot, model: Any, *where: Any) -> int:
    async with bot.app[DB].read() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_message_in_assignment_out_with_mentions(bot: Bot, robot: FakeRobot) -> None:
    status, answer = await post(bot, dingtalk_message("dm1", "doc1", "I cannot sleep"))
    assert (status, answer) == (200, {"ok": True, "duplicate": False})
    await robot.wait_for(lambda r: len(r.posts) == 1)
    [assignment] = robot.posts
    assert assignment.payload["msgtype"] == "text"
    assert assignment.payload["at"] == {"atUserIds": ["c1", "doc1"], "isAtAll": False}
    content = assignment.text
    assert "@Chen" in content and "I cannot sleep" not in content  # the group read it
    assert "@c1" in content and "@doc1" in content  # DingTalk highlights only ids in the text
    assert robot.rejected == []
    # The same msgId again: stored once, nothing more posted.
    status, answer = await post(bot, dingtalk_message("dm1", "doc1", "I cannot sleep"))
    assert (status, answer["duplicate"]) == (200, True)
    await asyncio.sleep(0.3)
    assert len(robot.posts) == 1
    assert await count(bot, models.Message) == 1


async def test_bad_signature_stale_or_unknown_group_store_nothing(bot: Bot) -> None:
    msg = dingtalk_message("dm2", "doc1", "hi")
    assert (await post(bot, msg, dingtalk_headers("SECwrong", bot.wall.wall_now())))[0] == 401
    stale = dingtalk_headers(SECRET, bot.wall.wall_now() - timedelta(minutes=10))
    status, answer = await post(bot, msg, stale)
    assert status == 401 and "5 minutes" in answer["error"]
    assert (await post(bot, msg, {"Content-Type": "application/json"}))[0] == 401
    assert (await post(bot, b"{nope"))[0] == 400
    assert bot.client is not None
    wrong_group = await bot.client.post("/webhooks/generic/d1", json=msg)
    assert wrong_group.status == 404
    assert await count(bot, models.Message) == 0


async def test_picture_is_stored_and_handed_on(bot: Bot, robot: FakeRobot) -> None:
    body = dingtalk_message("dp1", "doc2", "", msgtype="picture", content={"downloadCode": "c"})
    del body["text"]
    assert (await post(bot, body))[0] == 200
    await robot.wait_for(lambda r: len(r.posts) == 1)
    assert "we received your message [image]" in robot.posts[0].text  # the polite answer
    assert "please take care of @Doc2 (their message at" in robot.posts[0].text  # handed on
    async with bot.app[DB].read() as s:
        stored = (await s.scalars(select(models.Message))).one()
    assert (stored.msg_type, stored.text) == ("image", "")


async def test_throttle_errcode_backs_off_ten_minutes_then_delivers_once(
    bot: Bot, robot: FakeRobot
) -> None:
    robot.throttle_next = 1
    await post(bot, dingtalk_message("dt1", "doc1", "please call me"))
    await robot.wait_for(lambda r: r.throttled == 1)
    async with bot.app[DB].read() as s:
        row = (await s.scalars(select(models.OutboxRow))).one()
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error is not None and "130101" in row.last_error
    # Not retried before the robot's ten minutes are over...
    assert (row.next_attempt_at - bot.clock.now()).total_seconds() >= 600
    bot.advance(timedelta(minutes=9))
    await asyncio.sleep(0.6)
    assert robot.posts == [] and robot.throttled == 1
    # ...and delivered once after.
    bot.advance(timedelta(minutes=3))
    await robot.wait_for(lambda r: len(r.posts) == 1)
    await asyncio.sleep(0.3)
    # (the other post is the leads' no-answer escalation: private, so a mention without text)
    assert len([p for p in robot.posts if "please take care of @Doc1" in p.text]) == 1


async def test_a_replayed_sign_with_another_body_is_refused_and_stores_nothing(
    bot: Bot, robot: FakeRobot
) -> None:
    headers = dingtalk_headers(SECRET, bot.wall.wall_now())
    assert (await post(bot, dingtalk_message("dr1", "doc1", "I cannot sleep"), headers))[0] == 200
    await robot.wait_for(lambda r: len(r.posts) == 1)
    # The sign covers only the timestamp: the same headers with another body, as the lead.
    forged = dingtalk_message("dr2", "l1", "/oncall")
    status, answer = await post(bot, forged, headers)
    assert status == 401 and "already carried another message" in answer["error"]
    assert await count(bot, models.Message) == 1
    assert await count(bot, models.OutboxRow) == 1
    assert await count(bot, models.SignatureUse) == 1
    # The same request again (DingTalk retrying, same msgId): answered as a duplicate.
    status, answer = await post(bot, dingtalk_message("dr1", "doc1", "I cannot sleep"), headers)
    assert (status, answer) == (200, {"ok": True, "duplicate": True})
    # A request the robot signs anew goes through, and the pairs out of the window are dropped.
    bot.advance(timedelta(minutes=6))
    fresh = dingtalk_headers(SECRET, bot.wall.wall_now())
    assert (await post(bot, dingtalk_message("dr3", "doc2", "hello"), fresh))[0] == 200
    assert await count(bot, models.Message) == 2
    assert await count(bot, models.SignatureUse) == 1


async def test_only_the_configured_conversation_and_no_direct_chat(
    database_url: str, robot: FakeRobot, make_bot: Any
) -> None:
    clock, wall = FrozenClock(NOW), FrozenWallClock(NOW)
    robot.wall = wall
    settings = dingtalk_settings(database_url, robot.url, conversation_id="cid-group")
    bot: Bot = await make_bot(settings, clock, wall)
    other = dingtalk_message("dc1", "doc1", "hi", conversationId="cid-elsewhere")
    status, answer = await post(bot, other)
    assert status == 401 and "conversation_id" in answer["error"]
    direct = dingtalk_message("dc2", "doc1", "hi", conversationType="1")
    status, answer = await post(bot, direct)
    assert status == 401 and "one-to-one" in answer["error"]
    assert await count(bot, models.Message) == 0
    assert await count(bot, models.SignatureUse) == 0
    assert (await post(bot, dingtalk_message("dc3", "doc1", "hi")))[0] == 200
    assert await count(bot, models.Message) == 1


def test_check_config_warns_without_conversation_id(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    config = tmp_path / "carebot.toml"
    config.write_text(
        '[[groups]]\nid = "d1"\nplatform = "dingtalk"\nsecret = "SECx"\n'
        'webhook_url = "https://oapi.dingtalk.com/robot/send?access_token=x"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "check-config"]) == 0
    assert "conversation_id is not set" in capsys.readouterr().err
    config.write_text(config.read_text(encoding="utf-8") + 'conversation_id = "cid"\n',
                      encoding="utf-8")  # fmt: skip
    assert main(["--config", str(config), "check-config"]) == 0
    assert "conversation_id" not in capsys.readouterr().err


def test_config_needs_secret_and_webhook_and_no_privacy() -> None:
    with pytest.raises(ConfigError, match="needs secret"):
        dingtalk_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:1/x", secret="")
    with pytest.raises(ConfigError, match="privacy = true"):
        dingtalk_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:1/x", privacy=True)
