"""WeCom: parsing the three callback forms, the signed query, and the platform end to end: the
real app on loopback, a fake WeCom (robot webhook, gettoken, message/send) on loopback, real
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from sqlalchemy import func, select

from bot import models
from bot.clock import FrozenClock
from bot.config import GroupConfig
from bot.errors import BadRequest, ConfigError, PlatformError, Retry, SignatureError
from bot.keys import DB
from bot.platforms.base import OutboundMessage, RawRequest, Reply
from bot.platforms.spec import keys_of
from bot.platforms.wecom import (
    SPEC,
    WeComPlatform,
    check_timestamp,
    parse_callback,
    parse_plaintext,
    read_envelope,
    strip_mention,
)
from bot.platforms.wecom_api import WeComKeys
from tests.conftest import Bot, at, make_settings
from tests.fake_wecom import (  # noqa: F401  (fake_wecom_fixture provides `fake_wecom`)
    AES_KEY,
    AGENT_ID,
    CIPHER,
    CORP_ID,
    CORP_SECRET,
    TOKEN,
    WEBHOOK_KEY,
    FakeWeCom,
    aibot_json,
    app_xml,
    fake_wecom_fixture,
    json_callback,
    robot_xml,
    signed_query,
    wecom_group,
    xml_callback,
)

D = "2026-11-25"
NOW = at(D, "09:30")


def group(**extra: Any) -> GroupConfig:
    base: dict[str, Any] = {
        "id": "g1",
        "platform": "wecom",
        "token": TOKEN,
        "encoding_aes_key": AES_KEY,
        "corp_id": CORP_ID,
        "webhook_url": "http://127.0.0.1:9/cgi-bin/webhook/send?key=k",
    }
    return GroupConfig(**{**base, **extra})


# ---- parsing --------------------------------------------------------------------------------


def test_robot_xml_strips_the_mention_and_keeps_name() -> None:
    [msg] = parse_plaintext("g1", robot_xml("m1", "zhangsan", "张三", "@CareBot 我睡不着").encode())
    assert (msg.msg_id, msg.sender_id, msg.sender_name) == ("m1", "zhangsan", "张三")
    assert (msg.text, msg.msg_type, msg.platform) == ("我睡不着", "text", "wecom")
    # The exact robot name wins over the first-@word rule; WeCom's U+2005 counts as a space.
    text = "@Chen 请帮忙 @Care Bot\u2005你好"
    [named] = parse_plaintext("g1", robot_xml("m2", "u", "U", text).encode(), robot_name="Care Bot")
    assert named.text == "@Chen 请帮忙 \u2005你好".strip()
    assert strip_mention("@CareBot\u2005hello") == "hello"
    assert strip_mention("no mention here") == "no mention here"
    assert strip_mention("@CareBot") == ""


def test_robot_xml_sender_name_falls_back_to_alias() -> None:
    xml = robot_xml("m1", "lisi", "", "@CareBot hi").replace("<Name><![CDATA[]]></Name>", "")
    [msg] = parse_plaintext("g1", xml.encode())
    assert msg.sender_name == "lisi-alias"


def test_app_xml_fields() -> None:
    [msg] = parse_plaintext("g1", app_xml("77", "wangwu", "你好", 1764034200).encode())
    assert (msg.msg_id, msg.sender_id, msg.text) == ("77", "wangwu", "你好")
    assert msg.sent_at == datetime(2025, 11, 25, 1, 30, tzinfo=UTC)


def test_aibot_json_fields_and_mention() -> None:
    data = aibot_json("ai-1", "zhaoliu", "@CareBot 值班的是谁")
    [msg] = parse_plaintext("g1", _json(data))
    assert (msg.msg_id, msg.sender_id, msg.text, msg.msg_type) == (
        "ai-1",
        "zhaoliu",
        "值班的是谁",
        "text",
    )
    single = aibot_json("ai-2", "zhaoliu", "@nobody stays")
    single["chattype"] = "single"  # no robot mention in a one-to-one chat: text untouched
    assert parse_plaintext("g1", _json(single))[0].text == "@nobody stays"
    voice = {**aibot_json("ai-3", "z", ""), "msgtype": "voice", "voice": {"content": "转写的话"}}
    del voice["text"]
    assert parse_plaintext("g1", _json(voice))[0].text == "转写的话"
    stream = {"msgid": "ai-4", "aibotid": "A", "msgtype": "stream", "stream": {"id": "s"}}
    assert parse_plaintext("g1", _json(stream)) == []


def _json(data: dict[str, Any]) -> bytes:
    import json

    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.parametrize("msg_type", ["image", "event"])
def test_non_text_messages_parse_with_empty_text(msg_type: str) -> None:
    [msg] = parse_plaintext("g1", robot_xml("m9", "u1", "U", "", msg_type).encode())
    assert (msg.msg_type, msg.text, msg.msg_id) == (msg_type, "", "m9")


def test_events_without_msgid_get_a_stable_id() -> None:
    a = robot_xml("", "u1", "U", "", "event").encode()
    [first] = parse_plaintext("g1", a)
    [again] = parse_plaintext("g1", a)
    [other] = parse_plaintext("g1", robot_xml("", "u2", "U", "", "event").encode())
    assert first.msg_id == again.msg_id != other.msg_id
    assert first.msg_id.startswith("h-") and len(first.msg_id) <= 128
    app_event = (
        f"<xml><ToUserName>{CORP_ID}</ToUserName><FromUserName>u1</FromUserName>"
        "<CreateTime>1764034200</CreateTime><MsgType>event</MsgType>"
        "<Event>enter_agent</Event><AgentID>1</AgentID></xml>"
    ).encode()
    [ev] = parse_plaintext("g1", app_event)
    assert ev.msg_type == "event" and ev.msg_id == parse_plaintext("g1", app_event)[0].msg_id


def test_deeply_nested_xml_parses_without_recursion() -> None:
    deep = b"<a>" * 20_000 + b"</a>" * 20_000
    plain = b"<xml><From><UserId>u1</UserId></From><MsgType>event</MsgType>" + deep + b"</xml>"
    [msg] = parse_plaintext("g1", plain)
    assert msg.msg_id.startswith("h-") and msg.sender_id == "u1"


def test_long_or_odd_msg_type_fits_the_column() -> None:
    data = {**aibot_json("ai-5", "u", ""), "msgtype": "template_card_event"}
    assert parse_plaintext("g1", _json(data))[0].msg_type == "other"


@pytest.mark.parametrize(
    ("plaintext", "match"),
    [
        (b"<xml><MsgType>text</MsgType>", "XML"),
        (b"not a message", "neither XML nor JSON"),
        (b'{"msgid": "1", "from": {}}', "from.userid"),
        (b"[1, 2]", "neither"),
        (b'["x"]', "neither"),
        (b"<xml><FromUserName></FromUserName><MsgType>text</MsgType></xml>", "FromUserName"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            b"<xml><FromUserName>&b;</FromUserName></xml>",
            "no DTD",
        ),
    ],
)
def test_bad_plaintexts_are_refused_by_name(plaintext: bytes, match: str) -> None:
    with pytest.raises(BadRequest, match=match):
        parse_plaintext("g1", plaintext)


def test_mode_insists_on_its_form() -> None:
    robot = robot_xml("m1", "u", "U", "@CareBot hi").encode()
    with pytest.raises(BadRequest, match='wecom_mode = "robot"'):
        parse_plaintext("g1", robot, mode="aibot")
    assert parse_plaintext("g1", robot, mode="robot")[0].text == "hi"
    with pytest.raises(BadRequest, match='wecom_mode = "aibot"'):
        parse_plaintext("g1", _json(aibot_json("a", "u", "hi")), mode="app")


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"<xml><Encrypt></Encrypt></xml>", "no Encrypt"),
        (b"<xml><Encrypt>abc", "XML"),
        (b'{"nothing": 1}', "no Encrypt"),
        (b"{bad json", "JSON"),
        (b"encrypt=abc", "WeCom's XML"),
        (b'{"a":' * 50_000, "JSON"),  # nested past Python's recursion limit: 400, not 500
    ],
)
def test_bad_envelopes(body: bytes, match: str) -> None:
    with pytest.raises(BadRequest, match=match):
        read_envelope(body)


@pytest.mark.parametrize("skew_s", [-301, 301, 100_000])
def test_replay_window(skew_s: int) -> None:
    with pytest.raises(SignatureError, match="300 s"):
        check_timestamp(str(int(NOW.timestamp()) + skew_s), NOW)
    check_timestamp(str(int(NOW.timestamp()) + (300 if skew_s > 0 else -300)), NOW)
    with pytest.raises(SignatureError, match="unix seconds"):
        check_timestamp("12a", NOW)


def _query(q: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(q))


def test_callback_checks_receive_id_per_form() -> None:
    plain = robot_xml("m1", "u", "U", "@CareBot hi")
    q, body = xml_callback(plain, NOW, receive_id="")  # XML sealed for "" is not for us
    with pytest.raises(SignatureError, match="corp_id"):
        parse_callback(group(), CIPHER, _query(q), body, NOW)
    q, body = xml_callback(plain, NOW, receive_id="ww-someone-else")
    with pytest.raises(SignatureError, match="corp_id"):
        parse_callback(group(), CIPHER, _query(q), body, NOW)
    # The intelligent robot seals with an empty receive id (or the corp id).
    q, body = json_callback(aibot_json("a1", "u", "hi"), NOW, receive_id="")
    assert parse_callback(group(), CIPHER, _query(q), body, NOW)[0].text == "hi"
    aibot_only = group(wecom_mode="aibot", corp_id="")
    assert parse_callback(aibot_only, CIPHER, _query(q), body, NOW)[0].msg_id == "a1"
    with pytest.raises(SignatureError):
        parse_callback(group(wecom_mode="robot"), CIPHER, _query(q), body, NOW)


def test_platform_refuses_other_methods_and_missing_query() -> None:
    platform = WeComPlatform.__new__(WeComPlatform)  # parsing needs no HTTP client
    with pytest.raises(BadRequest, match="GET"):
        platform.parse_inbound(group(), RawRequest("PUT", {}, {}, b""), NOW)
    with pytest.raises(SignatureError, match="missing"):
        platform.parse_inbound(group(), RawRequest("POST", {}, {}, b"<xml/>"), NOW)
    with pytest.raises(BadRequest, match="echostr"):
        q = {"msg_signature": "a", "timestamp": str(int(NOW.timestamp())), "nonce": "n"}
        platform.parse_inbound(group(), RawRequest("GET", {}, q, b""), NOW)


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"encoding_aes_key": AES_KEY[:-1]}, "43 characters"),
        ({"corp_id": ""}, "needs corp_id"),
        ({"webhook_url": ""}, "needs webhook_url"),
        ({"corp_secret": "x"}, "together"),
        ({"corp_secret": "x", "agent_id": "12a"}, "digits"),
        ({"api_base": "qyapi.weixin.qq.com"}, "api_base"),
        ({"wecom_mode": "bot"}, "robot"),
    ],
)
def test_config_names_the_wecom_key_at_fault(extra: dict[str, Any], match: str) -> None:
    data = {"groups": [{**group().model_dump(), **extra}]}
    from bot.config import load_settings

    with pytest.raises(ConfigError, match=match) as err:
        load_settings(None, **data)
    assert AES_KEY[:20] not in str(err.value) and TOKEN not in str(err.value)


def test_aibot_mode_needs_no_corp_id() -> None:
    assert keys_of(group(wecom_mode="aibot", corp_id=""), WeComKeys).corp_id == ""


# ---- end to end -------------------------------------------------------------------------------


async def count(bot: Bot, model: Any, *where: Any) -> int:
    async with bot.app[DB].read() as s:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def all_sent(bot: Bot, within_s: float = 5.0) -> None:
    """Wait until every outbox row is marked sent (the worker records after WeCom answers)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_s
    while await count(bot, models.OutboxRow, models.OutboxRow.status != "sent"):
        assert loop.time() < deadline, "outbox rows still not sent"
        await asyncio.sleep(0.05)


async def make_wecom_bot(
    make_bot: Any, database_url: str, fake: FakeWeCom, **group_extra: Any
) -> Bot:
    settings = make_settings(
        database_url, fake.webhook_url, groups=[wecom_group(fake, **group_extra)]
    )
    bot: Bot = await make_bot(settings, FrozenClock(NOW))
    await bot.add_shift("c1", at(D, "08:00"), at(D, "10:00"))
    await bot.add_shift("c2", at(D, "09:00"), at(D, "12:00"))
    return bot


async def post(bot: Bot, query: str, body: bytes) -> aiohttp.ClientResponse:
    assert bot.client is not None
    return await bot.client.post(f"/webhooks/wecom/g1?{query}", data=body)


async def robot_says(bot: Bot, msg_id: str, user: str, text: str, **kw: Any) -> None:
    query, body = xml_callback(robot_xml(msg_id, user, user.title(), text, **kw), bot.clock.now())
    resp = await post(bot, query, body)
    assert resp.status == 200, await resp.text()
    assert await resp.text() == ""  # an empty answer: "no passive reply" to WeCom


async def test_url_verification(database_url: str, fake_wecom: FakeWeCom, make_bot: Any) -> None:
    bot = await make_wecom_bot(make_bot, database_url, fake_wecom)
    assert bot.client is not None
    echo = "1616140317555161061"
    encrypt = CIPHER.encrypt(echo.encode(), CORP_ID)
    resp = await bot.client.get(f"/webhooks/wecom/g1?{signed_query(encrypt, NOW, echostr=encrypt)}")
    assert resp.status == 200
    assert await resp.text() == echo
    # Signed with another token: 401 with a JSON error, naming the fix.
    ts = str(int(NOW.timestamp()))
    bad = urlencode({"msg_signature": "0" * 40, "timestamp": ts, "nonce": "1", "echostr": encrypt})
    resp = await bot.client.get(f"/webhooks/wecom/g1?{bad}")
    assert resp.status == 401
    assert "token" in (await resp.json())["error"]


async def test_robot_message_in_assignment_with_mention_out_answered_fast(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any
) -> None:
    bot = await make_wecom_bot(make_bot, database_url, fake_wecom)
    fake_wecom.robot_delay_s = 1.5  # WeCom slow to take our post: the callback must not wait
    loop = asyncio.get_running_loop()
    started = loop.time()
    await robot_says(bot, "m1", "doc1", "@CareBot I cannot sleep after the night shift")
    answered_s = loop.time() - started
    assert answered_s < 1.0, f"callback answered after {answered_s:.3f} s"
    await fake_wecom.wait_for(lambda: len(fake_wecom.robot_posts) == 1)
    [post_] = fake_wecom.robot_posts
    assert post_["msgtype"] == "text"
    assert post_["text"]["mentioned_list"] == ["c1", "doc1"]
    # The group read it: the assignment names who takes whom and the time, not the words.
    assert "@Chen" in post_["text"]["content"] and "cannot sleep" not in post_["text"]["content"]
    assert "@CareBot" not in post_["text"]["content"]
    async with bot.app[DB].read() as s:
        row = await s.scalar(select(models.Message))
    assert row is not None
    assert (row.platform, row.platform_msg_id, row.sender_name) == ("wecom", "m1", "Doc1")
    assert row.text == "I cannot sleep after the night shift"


async def test_app_xml_and_aibot_json_are_routed(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any
) -> None:
    bot = await make_wecom_bot(make_bot, database_url, fake_wecom)
    query, body = xml_callback(app_xml("4561255354251345929", "doc2", "hello", 1764034200), NOW)
    resp = await post(bot, query, body)
    assert resp.status == 200, await resp.text()
    await fake_wecom.wait_for(lambda: len(fake_wecom.robot_posts) == 1)
    assert fake_wecom.robot_posts[0]["text"]["mentioned_list"] == ["c1", "doc2"]
    query, body = json_callback(aibot_json("ai-9", "doc3", "@CareBot 我很焦虑"), NOW)
    resp = await post(bot, query, body)
    assert resp.status == 200, await resp.text()
    await fake_wecom.wait_for(lambda: len(fake_wecom.robot_posts) == 2)
    second = fake_wecom.robot_posts[1]["text"]
    assert second["mentioned_list"] == ["c2", "doc3"] and "我很焦虑" not in second["content"]
    assert await count(bot, models.Message, models.Message.platform == "wecom") == 2


async def test_duplicate_msgid_is_handled_once(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any
) -> None:
    bot = await make_wecom_bot(make_bot, database_url, fake_wecom)
    for _ in range(3):  # WeCom retries: new nonce, new random bytes, same MsgId
        await robot_says(bot, "m-dup", "doc1", "@CareBot hello")
    await fake_wecom.wait_for(lambda: len(fake_wecom.robot_posts) == 1)
    await asyncio.sleep(0.3)
    assert len(fake_wecom.robot_posts) == 1
    assert await count(bot, models.Message) == 1
    assert await count(bot, models.Conversation) == 1


async def test_bad_callbacks_are_refused_and_store_nothing(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await make_wecom_bot(make_bot, database_url, fake_wecom)
    plain = robot_xml("m1", "doc1", "Doc", "@CareBot hi")
    query, body = xml_callback(plain, NOW)
    q = _query(query)
    cases: list[tuple[str, bytes, int]] = [
        (urlencode({**q, "msg_signature": "f" * 40}), body, 401),  # bad signature
        (urlencode({**q, "nonce": q["nonce"] + "0"}), body, 401),  # signed fields changed
        (*xml_callback(plain, NOW, receive_id="ww-other"), 401),  # wrong receive id
        (*xml_callback(plain, NOW - timedelta(minutes=6)), 401),  # outside the replay window
        (query, b"<xml><Encrypt>" + b"x" * 10, 400),  # bad XML
        (urlencode({k: v for k, v in q.items() if k != "timestamp"}), body, 401),
    ]
    # Garbage that is signed correctly but is not a ciphertext of ours.
    garbage = CIPHER.encrypt(b"x", CORP_ID)[:-8] + "AAAAAAA="
    cases.append(
        (signed_query(garbage, NOW), f"<xml><Encrypt>{garbage}</Encrypt></xml>".encode(), 401)
    )
    not_b64 = "@@@@"
    cases.append(
        (signed_query(not_b64, NOW), f"<xml><Encrypt>{not_b64}</Encrypt></xml>".encode(), 401)
    )
    for query_, body_, status in cases:
        resp = await post(bot, query_, body_)
        assert resp.status == status, (query_, await resp.text())
        error = (await resp.json())["error"]
        assert TOKEN not in error and AES_KEY not in error
    assert await count(bot, models.Message) == 0
    await asyncio.sleep(0.2)
    assert fake_wecom.robot_attempts == 0
    for secret in (TOKEN, AES_KEY):
        assert secret not in caplog.text


async def test_frequency_limit_is_retried_after_a_minute_not_lost(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any
) -> None:
    bot = await make_wecom_bot(make_bot, database_url, fake_wecom)
    fake_wecom.robot_errcodes = [45009]
    await robot_says(bot, "m1", "doc1", "@CareBot hello")
    await fake_wecom.wait_for(lambda: fake_wecom.robot_attempts == 1)
    await asyncio.sleep(0.6)  # the worker polls; it must not hammer a rate-limited robot
    assert fake_wecom.robot_attempts == 1 and fake_wecom.robot_posts == []
    async with bot.app[DB].read() as s:
        row = await s.scalar(select(models.OutboxRow))
    assert row is not None and row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at >= NOW + timedelta(seconds=60)
    assert "45009" in (row.last_error or "") and WEBHOOK_KEY not in (row.last_error or "")
    bot.clock.advance(timedelta(seconds=61))  # past the 60 s floor
    await fake_wecom.wait_for(lambda: len(fake_wecom.robot_posts) == 1)
    assert fake_wecom.robot_posts[0]["text"]["mentioned_list"] == ["c1", "doc1"]


async def test_image_is_stored_and_answered_politely_event_only_stored(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any
) -> None:
    bot = await make_wecom_bot(make_bot, database_url, fake_wecom)
    await robot_says(bot, "img-1", "doc1", "", msg_type="image")
    # The polite answer and the assignment, merged by the outbox into one robot post.
    await fake_wecom.wait_for(lambda: len(fake_wecom.robot_posts) == 1)
    text = fake_wecom.robot_posts[0]["text"]
    assert "we received your message [image]" in text["content"]
    assert "please take care of @Doc1 (their message at" in text["content"]
    assert sorted(text["mentioned_list"]) == ["c1", "doc1"]
    await robot_says(bot, "", "doc2", "", msg_type="event")
    await robot_says(bot, "", "doc2", "", msg_type="event")  # retried: same derived id
    await asyncio.sleep(0.4)
    assert len(fake_wecom.robot_posts) == 1  # an event is not somebody asking for help
    async with bot.app[DB].read() as s:
        rows = list(await s.scalars(select(models.Message).order_by(models.Message.id)))
    assert [(r.msg_type, r.text) for r in rows] == [("image", ""), ("event", "")]
    assert rows[1].platform_msg_id.startswith("h-")


async def test_private_messages_via_the_app_api_with_one_token(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any
) -> None:
    bot = await make_wecom_bot(
        make_bot, database_url, fake_wecom, privacy=True, corp_secret=CORP_SECRET, agent_id=AGENT_ID
    )
    await robot_says(bot, "m1", "doc1", "@CareBot my private worry")
    await robot_says(bot, "m2", "doc2", "@CareBot another worry")
    await fake_wecom.wait_for(lambda: len(fake_wecom.app_messages) == 2)
    assert fake_wecom.token_fetches == 1
    assert [m["touser"] for m in fake_wecom.app_messages] == ["c1", "c2"]
    assert "my private worry" in fake_wecom.app_messages[0]["text"]["content"]
    assert all(m["agentid"] == 1000002 for m in fake_wecom.app_messages)
    await fake_wecom.wait_for(lambda: len(fake_wecom.robot_posts) == 2)
    assert not any("worry" in c for c in fake_wecom.contents())  # never in the group
    # WeCom revokes the token: one 40014, one fresh token, the message still goes.
    fake_wecom.invalidate_tokens()
    await robot_says(bot, "m3", "doc3", "@CareBot third worry")
    await fake_wecom.wait_for(lambda: len(fake_wecom.app_messages) == 3)
    assert fake_wecom.token_fetches == 2
    await all_sent(bot)


async def test_private_message_without_an_app_mentions_without_the_text(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    bot = await make_wecom_bot(make_bot, database_url, fake_wecom, privacy=True)
    await robot_says(bot, "m1", "doc1", "@CareBot a secret sorrow")
    await fake_wecom.wait_for(lambda: len(fake_wecom.robot_posts) == 2)
    assert not any("sorrow" in c for c in fake_wecom.contents())
    fallback = [p["text"] for p in fake_wecom.robot_posts if "privately" in p["text"]["content"]]
    assert len(fallback) == 1 and fallback[0]["mentioned_list"] == ["c1"]
    assert "corp_secret" in caplog.text and "sorrow" not in caplog.text
    assert fake_wecom.token_fetches == 0


# ---- the outbound API on its own ------------------------------------------------------------


@pytest.fixture
async def http() -> Any:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_long_text_is_split_in_order_and_not_resent(
    fake_wecom: FakeWeCom, http: aiohttp.ClientSession
) -> None:
    platform = WeComPlatform(http, "en")
    g = GroupConfig(**wecom_group(fake_wecom))
    lines = [f"第{i}行 " + "字" * 100 for i in range(40)]  # about 12 KB of 3-byte characters
    text = "\n".join(lines)
    message = OutboundMessage("g1", text, "report", ("c1",), outbox_id=7)
    fake_wecom.robot_errcodes = [0, 0, 45009]  # the third piece hits the frequency limit
    with pytest.raises(Retry) as err:
        await platform.send(g, message)
    assert err.value.delay_s == 60
    assert len(fake_wecom.robot_posts) == 2
    await platform.send(g, message)  # the outbox retries the row: pieces 1-2 are not sent again
    pieces = fake_wecom.contents()
    assert all(len(p.encode()) <= 2048 for p in pieces)
    assert "\n".join(pieces) == text
    assert [p["text"].get("mentioned_list") for p in fake_wecom.robot_posts][:2] == [["c1"], None]


async def test_errcodes_map_to_retry_or_platform_error(
    fake_wecom: FakeWeCom, http: aiohttp.ClientSession
) -> None:
    platform = WeComPlatform(http, "en")
    g = GroupConfig(**wecom_group(fake_wecom))
    msg = OutboundMessage("g1", "hello", "reminder", ("c1",))
    fake_wecom.robot_errcodes = [-1]
    with pytest.raises(Retry) as busy:
        await platform.send(g, msg)
    assert busy.value.delay_s > 0
    fake_wecom.robot_errcodes = [93000]
    with pytest.raises(PlatformError, match="93000") as refused:
        await platform.send(g, msg)
    assert not isinstance(refused.value, Retry)
    bad_key = GroupConfig(**wecom_group(fake_wecom, webhook_url=fake_wecom.webhook_url + "x"))
    with pytest.raises(PlatformError) as wrong:
        await platform.send(bad_key, msg)
    assert WEBHOOK_KEY not in str(wrong.value)
    down = GroupConfig(**wecom_group(fake_wecom, webhook_url="http://127.0.0.1:9/hook?key=abcd"))
    with pytest.raises(Retry, match="unreachable") as unreachable:
        await platform.send(down, msg)
    assert "abcd" not in str(unreachable.value) and "127.0.0.1" not in str(unreachable.value)
    await platform.send(g, msg)
    assert fake_wecom.robot_posts[-1]["text"] == {"content": "hello", "mentioned_list": ["c1"]}


async def test_access_token_is_cached_and_refreshed_early(
    fake_wecom: FakeWeCom, http: aiohttp.ClientSession
) -> None:
    now = [1000.0]
    platform = WeComPlatform(http, "en", monotonic=lambda: now[0])
    g = GroupConfig(**wecom_group(fake_wecom, corp_secret=CORP_SECRET, agent_id=AGENT_ID))
    private = OutboundMessage("g1", "only for you", "assignment", (), ("c1",))
    await platform.send(g, private)
    await platform.send(g, private)
    assert fake_wecom.token_fetches == 1
    now[0] += 7200 - 301  # still before "five minutes early"
    await platform.send(g, private)
    assert fake_wecom.token_fetches == 1
    now[0] += 2  # inside the last five minutes: fetched anew
    await platform.send(g, private)
    assert fake_wecom.token_fetches == 2
    # A token refused twice in a row is an error for the outbox to retry, not a loop.
    fake_wecom.app_errcodes = [40014]
    fake_wecom.invalidate_tokens()
    with pytest.raises(PlatformError, match="40014"):
        await platform.send(g, private)
    assert fake_wecom.token_fetches == 3
    wrong_secret = GroupConfig(**wecom_group(fake_wecom, corp_secret="nope-nope", agent_id="1"))
    with pytest.raises(PlatformError, match="40001") as err:
        await platform.send(wrong_secret, private)
    assert "nope-nope" not in str(err.value)
    assert len(fake_wecom.app_messages) == 4


def test_inbound_ack_is_an_empty_reply() -> None:
    assert SPEC.inbound_ack == Reply("")


async def test_no_secret_reaches_a_log_line_or_an_outbox_error(
    database_url: str, fake_wecom: FakeWeCom, make_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = await make_wecom_bot(
        make_bot, database_url, fake_wecom, privacy=True, corp_secret=CORP_SECRET, agent_id=AGENT_ID
    )
    fake_wecom.robot_errcodes = [45009, -1]  # frequency limit, then busy: both retried
    fake_wecom.app_errcodes = [40014, 40014]  # a fresh token refused too: retried as well
    await robot_says(bot, "m1", "doc1", "@CareBot hello")
    await robot_says(bot, "a1", "c1", "@CareBot I am here")  # answered: no first-response timeout
    for _ in range(20):  # each failure is retried once the (frozen) clock passes its backoff
        await asyncio.sleep(0.3)
        if not await count(bot, models.OutboxRow, models.OutboxRow.status != "sent"):
            break
        bot.clock.advance(timedelta(seconds=120))
    await all_sent(bot)
    assert fake_wecom.robot_attempts == 3 and len(fake_wecom.app_messages) == 1
    ours = "\n".join(  # the fake WeCom's own access log shows its URLs; it is not ours
        r.getMessage() for r in caplog.records if not r.name.startswith("aiohttp.access")
    )
    # The outbox logs each failure as it stores it in last_error.
    assert "45009" in ours and "errcode -1" in ours and "40014" in ours
    issued = [t for t in fake_wecom.valid_tokens] + [f"access-token-{i}" for i in range(1, 5)]
    for secret in (TOKEN, AES_KEY, CORP_SECRET, WEBHOOK_KEY, *issued):
        assert secret not in ours, secret
