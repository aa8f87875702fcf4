"""Feishu: the documented crypto vectors, event parsing, the url_verification handshake (plain and
encrypted) and message round trips through the real app to a fake custom bot on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.config import Settings
from bot.errors import BadRequest, ConfigError, PlatformError, Retry, SignatureError
from bot.keys import DB
from bot.platforms import feishu
from bot.platforms.base import RawRequest, Reply
from tests.conftest import Bot, at, make_settings
from tests.fake_chat import (
    FakeRobot,
    feishu_encrypt,
    feishu_headers,
    feishu_message_event,
    running,
)

D = "2026-11-25"
NOW = at(D, "09:30")
EVENT_AT = datetime.fromtimestamp(1764032400, UTC)  # when fake_chat's sample events were made
ENCRYPT_KEY = "feishu-encrypt-key-for-tests"
VERIFY_TOKEN = "feishu-verification-token"
BOT_SECRET = "feishu-bot-secret"
HOOK = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def test_decrypt_the_published_vector() -> None:
    # Feishu's documentation (and its SDKs' tests): key "test key" decrypts this to "hello world".
    assert feishu.decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=") == (
        b"hello world"
    )
    with pytest.raises(SignatureError):
        feishu.decrypt("other key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=")
    with pytest.raises(SignatureError, match="base64"):
        feishu.decrypt("test key", "not base64 at all!")
    with pytest.raises(SignatureError, match="whole blocks"):
        feishu.decrypt("test key", "AAAA")


def test_signatures_match_independent_references() -> None:
    # KEY=$(printf '1700000000\nsecret' | xxd -p); openssl dgst -sha256 -mac HMAC
    #   -macopt hexkey:$KEY -binary < /dev/null | base64
    assert feishu.bot_sign("secret", "1700000000") == "fiWS2+gh28DOydAv7hzONH/mDn9+b1Y4Y5ivXWXy8vA="
    # printf '1700000000nonce1keyk{"a":1}' | openssl dgst -sha256
    assert feishu.event_signature("1700000000", "nonce1", "keyk", b'{"a":1}') == (
        "54b90208d83750262479c5620f570c83323c2bdf75356f06c088569063208fb3"
    )


def group(**extra: Any) -> Any:
    settings = feishu_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:1/x", **extra)
    return settings.groups[0]


def request(body: dict[str, Any], headers: dict[str, str] | None = None) -> RawRequest:
    raw = json.dumps(body).encode()
    return RawRequest("POST", headers if headers is not None else {}, {}, raw)


def signed(body: dict[str, Any], key: str = ENCRYPT_KEY) -> RawRequest:
    raw = json.dumps(body).encode()
    return RawRequest("POST", feishu_headers(key, raw), {}, raw)


def test_url_verification_plain_needs_the_token() -> None:
    g = group(encrypt_key="", verification_token=VERIFY_TOKEN)
    hello = {"challenge": "c-123", "token": VERIFY_TOKEN, "type": "url_verification"}
    reply = feishu.parse_event(g, request(hello), EVENT_AT)
    assert isinstance(reply, Reply) and json.loads(reply.body) == {"challenge": "c-123"}
    assert reply.content_type == "application/json"
    with pytest.raises(SignatureError, match="verification_token"):
        feishu.parse_event(g, request({**hello, "token": "guess"}), EVENT_AT)


def test_url_verification_encrypted() -> None:
    g = group()
    hello = {"challenge": "c-456", "token": VERIFY_TOKEN, "type": "url_verification"}
    body = {"encrypt": feishu_encrypt(ENCRYPT_KEY, json.dumps(hello).encode())}
    reply = feishu.parse_event(g, request(body), EVENT_AT)
    assert isinstance(reply, Reply) and json.loads(reply.body) == {"challenge": "c-456"}
    wrong = {"encrypt": feishu_encrypt("another key", json.dumps(hello).encode())}
    with pytest.raises(SignatureError):
        feishu.parse_event(g, request(wrong), EVENT_AT)
    # An encrypted body for a group configured without encrypt_key names the missing key.
    with pytest.raises(SignatureError, match="encrypt_key"):
        feishu.parse_event(group(encrypt_key="", verification_token=VERIFY_TOKEN),
                           request(body), EVENT_AT)  # fmt: skip


def test_message_event_parsed_with_mentions_stripped() -> None:
    event = feishu_message_event("om_1", "doc1", "@_user_1 I cannot sleep", token=VERIFY_TOKEN)
    body = {"encrypt": feishu_encrypt(ENCRYPT_KEY, json.dumps(event).encode())}
    msg = feishu.parse_event(group(), signed(body), EVENT_AT)
    assert not isinstance(msg, Reply)
    assert (msg.platform, msg.msg_id, msg.sender_id, msg.text, msg.msg_type) == (
        "feishu", "om_1", "doc1", "I cannot sleep", "text",
    )  # fmt: skip
    assert msg.sent_at is not None and msg.sent_at.timestamp() == 1764032400
    # Without user_id (no permission for it) the open_id is the sender.
    event["event"]["sender"]["sender_id"].pop("user_id")
    body = {"encrypt": feishu_encrypt(ENCRYPT_KEY, json.dumps(event).encode())}
    msg = feishu.parse_event(group(), signed(body), EVENT_AT)
    assert not isinstance(msg, Reply) and msg.sender_id == "ou_doc1"


def test_rich_text_and_image() -> None:
    g = group(encrypt_key="", verification_token=VERIFY_TOKEN)
    post = {"title": "t", "content": [[{"tag": "at", "user_id": "ou_bot"},
                                       {"tag": "text", "text": "line one"}],
                                      [{"tag": "text", "text": "line two"}]]}  # fmt: skip
    msg = feishu.parse_event(
        g,
        request(
            feishu_message_event(
                "om_2", "doc1", "", token=VERIFY_TOKEN, msg_type="post", content=post
            )
        ),
        EVENT_AT,
    )
    assert not isinstance(msg, Reply) and msg.text == "line one\nline two"
    img = feishu.parse_event(g, request(feishu_message_event(
        "om_3", "doc1", "", token=VERIFY_TOKEN, msg_type="image",
        content={"image_key": "img_1"})), EVENT_AT)  # fmt: skip
    assert not isinstance(img, Reply)
    assert (img.msg_type, img.text) == ("image", "")


def test_events_refused() -> None:
    event = feishu_message_event("om_4", "doc1", "hi", token=VERIFY_TOKEN)
    body = {"encrypt": feishu_encrypt(ENCRYPT_KEY, json.dumps(event).encode())}
    with pytest.raises(SignatureError, match="missing"):
        feishu.parse_event(group(), request(body), EVENT_AT)  # signature headers absent
    tampered = signed(body)
    tampered = RawRequest("POST", tampered.headers, {}, tampered.body.replace(b'"}', b'" }'))
    with pytest.raises((SignatureError, BadRequest)):
        feishu.parse_event(group(), tampered, EVENT_AT)
    plain = group(encrypt_key="", verification_token=VERIFY_TOKEN)
    with pytest.raises(SignatureError, match="verification_token"):
        forged = request({**event, "header": {**event["header"], "token": "x"}})
        feishu.parse_event(plain, forged, EVENT_AT)
    with pytest.raises(BadRequest, match=r"schema 2\.0"):
        feishu.parse_event(
            plain, request({"uuid": "1", "event": {}, "token": VERIFY_TOKEN}), EVENT_AT
        )


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"code": 0, "msg": "success", "data": {}}, None),
        ({"StatusCode": 0, "StatusMessage": "success"}, None),
        ({"code": 11232, "msg": "frequency limited psm"}, Retry),
        ({"code": 9499, "msg": "too many request"}, Retry),
        ({"code": 19021, "msg": "sign match fail"}, PlatformError),
        ({"code": 19024, "msg": "Key Words Not Found"}, PlatformError),
    ],
)
def test_answers(answer: dict[str, Any], outcome: type | None) -> None:
    body = json.dumps(answer).encode()
    if outcome is None:
        feishu.check_answer(200, body)
        return
    with pytest.raises(outcome) as caught:
        feishu.check_answer(200, body)
    assert isinstance(caught.value, Retry) == (outcome is Retry)


# -- through the real app ------------------------------------------------------------------------


def feishu_settings(database_url: str, webhook_url: str, **extra: Any) -> Settings:
    g = {"id": "f1", "name": "飞书一组", "platform": "feishu", "secret": BOT_SECRET,
         "webhook_url": webhook_url, "encrypt_key": ENCRYPT_KEY,
         "verification_token": VERIFY_TOKEN, **extra}  # fmt: skip
    members = [
        {"group": "f1", "id": "c1", "name": "Chen", "role": "counsellor"},
        {"group": "f1", "id": "l1", "name": "Lead Liu", "role": "lead"},
    ]
    return make_settings(database_url, "http://unused", groups=[g], members=members)


@pytest.fixture
async def robot() -> AsyncIterator[FakeRobot]:
    fake = FakeRobot("feishu", BOT_SECRET, HOOK, FrozenWallClock(NOW), per_minute=100, per_second=5)
    async with running(fake) as r:
        yield r


@pytest.fixture
async def bot(database_url: str, robot: FakeRobot, make_bot: Any) -> Bot:
    clock = FrozenClock(NOW)
    wall = FrozenWallClock(NOW)
    robot.wall = wall
    b: Bot = await make_bot(feishu_settings(database_url, robot.url), clock, wall)
    await b.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="f1")
    return b


async def send_event(bot: Bot, plaintext: dict[str, Any], *, key: str = ENCRYPT_KEY,
                     sign_with: str | None = None) -> tuple[int, Any]:  # fmt: skip
    assert bot.client is not None
    raw = json.dumps({"encrypt": feishu_encrypt(key, json.dumps(plaintext).encode())}).encode()
    headers = feishu_headers(sign_with or key, raw)
    resp = await bot.client.post("/webhooks/feishu/f1", data=raw, headers=headers)
    return resp.status, await resp.json()


async def count(bot: Bot, model: Any) -> int:
    async with bot.app[DB].read() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_url_verification_through_the_app(bot: Bot) -> None:
    hello = {"challenge": "ch-789", "token": VERIFY_TOKEN, "type": "url_verification"}
    status, answer = await send_event(bot, hello)
    assert (status, answer) == (200, {"challenge": "ch-789"})
    assert bot.client is not None
    plain = await bot.client.post("/webhooks/feishu/f1", json=hello)
    assert plain.status == 200 and await plain.json() == {"challenge": "ch-789"}
    forged = await bot.client.post("/webhooks/feishu/f1", json={**hello, "token": "guess"})
    assert forged.status == 401


async def test_message_in_assignment_out_with_mention(bot: Bot, robot: FakeRobot) -> None:
    event = feishu_message_event("om_10", "doc1", "@_user_1 I keep seeing the ward",
                                 token=VERIFY_TOKEN, created_at=NOW)  # fmt: skip
    status, answer = await send_event(bot, event)
    assert (status, answer) == (200, {"ok": True, "duplicate": False})
    await robot.wait_for(lambda r: len(r.posts) == 1)
    [post] = robot.posts
    assert post.payload["msg_type"] == "text"
    text = post.text
    assert "I keep seeing the ward" not in text and "@Chen" in text  # the group read it
    assert '<at user_id="c1"></at>' in text and '<at user_id="doc1"></at>' in text
    assert robot.rejected == []
    # Feishu retries an event it thinks failed: same message, stored and handled once.
    status, answer = await send_event(bot, event)
    assert (status, answer["duplicate"]) == (200, True)
    await asyncio.sleep(0.3)
    assert len(robot.posts) == 1 and await count(bot, models.Message) == 1


async def test_forged_or_other_events(bot: Bot, robot: FakeRobot) -> None:
    event = feishu_message_event("om_11", "doc1", "hi", token=VERIFY_TOKEN, created_at=NOW)
    assert (await send_event(bot, event, sign_with="not the key"))[0] == 401
    assert (await send_event(bot, event, key="not the key"))[0] == 401
    other = {**event, "header": {**event["header"], "event_type": "im.chat.member.bot.added_v1"}}
    status, answer = await send_event(bot, other)
    assert status == 200 and answer["ignored"] == "im.chat.member.bot.added_v1"
    assert await count(bot, models.Message) == 0
    await asyncio.sleep(0.2)
    assert robot.posts == []


async def test_rate_limit_code_is_retried(bot: Bot, robot: FakeRobot) -> None:
    robot.throttle_next = 1
    event = feishu_message_event("om_12", "doc1", "hello", token=VERIFY_TOKEN, created_at=NOW)
    await send_event(bot, event)
    await robot.wait_for(lambda r: r.throttled == 1)
    bot.advance(timedelta(seconds=61))
    await robot.wait_for(lambda r: len(r.posts) == 1)
    await asyncio.sleep(0.3)
    assert len(robot.posts) == 1 and robot.throttled == 1


@pytest.mark.parametrize(
    ("created_at", "error"),
    [
        (datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC), "8 hours"),  # signed, but from 2001
        (EVENT_AT - timedelta(hours=8, minutes=1), "8 hours"),  # older than Feishu's last retry
        (EVENT_AT + timedelta(minutes=6), "8 hours"),  # ahead of the real time
    ],
)
def test_an_event_out_of_the_window_is_refused(created_at: datetime, error: str) -> None:
    event = feishu_message_event("om_5", "doc1", "hi", token=VERIFY_TOKEN, created_at=created_at)
    body = {"encrypt": feishu_encrypt(ENCRYPT_KEY, json.dumps(event).encode())}
    with pytest.raises(SignatureError, match=error):
        feishu.parse_event(group(), signed(body), EVENT_AT)
    # Feishu's retry six hours on (the fourth push) still carries the event's own create_time.
    late = feishu_message_event("om_6", "doc1", "hi", token=VERIFY_TOKEN,
                                created_at=EVENT_AT - timedelta(hours=7, minutes=6))  # fmt: skip
    body = {"encrypt": feishu_encrypt(ENCRYPT_KEY, json.dumps(late).encode())}
    assert not isinstance(feishu.parse_event(group(), signed(body), EVENT_AT), Reply)


async def test_old_events_other_chats_and_direct_chats_store_nothing(
    database_url: str, robot: FakeRobot, make_bot: Any
) -> None:
    clock, wall = FrozenClock(NOW), FrozenWallClock(NOW)
    robot.wall = wall
    bot: Bot = await make_bot(feishu_settings(database_url, robot.url, chat_id="oc_group"),
                              clock, wall)  # fmt: skip
    old = feishu_message_event("om_20", "doc1", "hi", token=VERIFY_TOKEN,
                               created_at=datetime(2001, 9, 9, tzinfo=UTC))  # fmt: skip
    status, answer = await send_event(bot, old)
    assert status == 401 and "create_time" in answer["error"]
    other = feishu_message_event("om_21", "doc1", "hi", token=VERIFY_TOKEN, created_at=NOW,
                                 chat_id="oc_elsewhere")  # fmt: skip
    status, answer = await send_event(bot, other)
    assert status == 401 and "chat_id" in answer["error"]
    direct = feishu_message_event("om_22", "doc1", "hi", token=VERIFY_TOKEN, created_at=NOW,
                                  chat_id="oc_direct", chat_type="p2p")  # fmt: skip
    status, answer = await send_event(bot, direct)
    assert status == 401 and "one-to-one" in answer["error"]
    assert await count(bot, models.Message) == 0
    ours = feishu_message_event("om_23", "doc1", "hi", token=VERIFY_TOKEN, created_at=NOW)
    assert (await send_event(bot, ours))[0] == 200
    assert await count(bot, models.Message) == 1


def test_check_config_warns_without_chat_id() -> None:
    from bot.config import config_warnings

    settings = feishu_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:1/x")
    about_chat = [w for w in config_warnings(settings) if "chat_id" in w]
    assert ["chat_id is not set" in w for w in about_chat] == [True]
    pinned = feishu_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:1/x",
                             chat_id="oc_group")  # fmt: skip
    assert not [w for w in config_warnings(pinned) if "chat_id" in w]


def test_config_needs_a_way_to_verify_inbound_events() -> None:
    with pytest.raises(ConfigError, match="encrypt_key or verification_token"):
        feishu_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:1/x", encrypt_key="",
                        verification_token="")  # fmt: skip
    with pytest.raises(ConfigError, match="privacy = true"):
        feishu_settings("sqlite+aiosqlite:///:memory:", "http://127.0.0.1:1/x", privacy=True)
