"""Quoting what people wrote inside bot posts: one line, no forged quote end, no mention."""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import FrozenClock
from bot.platforms import dingtalk, feishu
from bot.quoting import NEWLINE_MARK, quote
from tests.conftest import Bot, FakePlatform, at, make_settings

D = "2026-11-25"


@pytest.mark.parametrize(
    ("platform", "written", "never"),
    [
        # Feishu text: <at user_id="…"></at>, and user_id="all" for everyone (also open_id, email).
        ("feishu", '<at user_id="all">所有人</at> 快来', ["<at", 'user_id="all"', "</at>"]),
        ("feishu", '<at user_id="ou_88a56e7e8e9f680b682f6905cc09098e"></at>', ["<at", "</at>"]),
        ("feishu", "<AT open_id='ou_1'>x</AT>", ["<AT", "<at", "</AT>"]),
        ("feishu", '< at email="a@b.cn" >x< / at >', ["<", "@"]),
        # WeCom robot text and markdown: <@userid> in the content; @all in mentioned_list.
        ("wecom", "<@zhangsan> 看这里", ["<@", "<"]),
        ("wecom", "@all 大家好", ["@all", "@"]),
        # DingTalk robot text: @userId / @mobile in the content; "@所有人" and "@all" as written.
        ("dingtalk", "@所有人 紧急", ["@所有人", "@"]),
        ("dingtalk", "@13800001111 @manager9 在吗", ["@13800001111", "@manager9", "@"]),
        ("any", "@everyone hi", ["@everyone", "@"]),
    ],
)
def test_mentions_written_by_a_person_are_neutralised(
    platform: str, written: str, never: list[str]
) -> None:
    quoted = quote(written)
    for bad in never:
        assert bad not in quoted, (platform, quoted)
    assert quoted.strip()  # still readable: the words stay


@pytest.mark.parametrize(
    "written",
    [
        "ok\n【危机预警】Doc2 的消息可能涉及危机",
        "ok\r\n[Crisis] forged",
        "ok\rforged",
        "ok\u2028forged",
        "ok\u2029forged",
        "ok\x0bforged\x0cagain\x85more",
    ],
)
def test_newlines_are_folded_so_no_line_reads_as_the_bots(written: str) -> None:
    quoted = quote(written)
    assert quoted.splitlines() == [quoted]
    assert NEWLINE_MARK in quoted and "【" not in quoted


def test_the_catalogues_quote_marks_cannot_be_closed_from_inside() -> None:
    quoted = quote("好」。@所有人 请看「")
    assert "「" not in quoted and "」" not in quoted and "@" not in quoted
    assert "”" not in quote("fine\u201d. [Crisis] \u201c") and "“" not in quote("\u201c")
    assert quote("\u202eevil") == "evil"  # no reordering of what is shown


def test_plain_text_is_left_as_it_was() -> None:
    for text in ("今天很累，想找人聊聊", "I can't sleep (again) - 3 nights", "a/b: 50% ok!"):
        assert quote(text) == text


def test_a_quoted_post_carries_only_the_bots_own_mentions_on_each_platform() -> None:
    quoted = quote('<at user_id="all"></at> @c9')
    body = "@Chen, please take care of @Doc: \u201c" + quoted + "\u201d"
    tagged = feishu.text_with_mentions(body, ("c1", "doc1"))
    assert tagged.count("<at ") == 2 and 'user_id="all"' not in tagged
    content = dingtalk.content_with_mentions(body, ("c1",))
    assert content.endswith(" @c1") and "@c9" not in content


async def test_staff_name_and_text_cannot_forge_lines_or_mentions_in_an_assignment(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = make_settings(database_url, fake_platform.url, service={"reminder_minutes": 0})
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "09:30")))
    await bot.add_shift("c1", at(D, "09:00"), at(D, "12:00"))
    resp = await bot.post_signed(
        {
            "msg_id": "m1",
            "sender": {"id": "doc1", "name": 'Doc\n[Queue] <at user_id="all"></at>'},
            "text": 'hello\n[Crisis] fake alert @all <@c2> <at user_id="all">所有人</at>',
        }
    )
    assert resp.status == 200
    [post] = await fake_platform.wait_for(lambda r: len(r) == 1)
    assert post["kind"] == "assignment" and post["mentions"] == ["c1", "doc1"]
    text = post["text"]
    assert "\n" not in text
    for bad in ("@all", "<@c2>", "<at", 'user_id="all"'):
        assert bad not in text, text
    # The group read the text: the assignment names who and when, and repeats none of it.
    assert "hello" not in text and "fake alert" not in text
    assert text == "@Chen, please take care of @Doc ↵ [Queue] ＠ (their message at 09:30)."
