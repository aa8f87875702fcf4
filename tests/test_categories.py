"""Categories (issue 19 item 5): the configured list and its words, `/done [STAFF] [CATEGORY]`
and `/category CATEGORY [STAFF]` through the real app and the generic webhook, the figures by
category in the report on both databases, and a day whose every group-visible post names no
category of a person (on a platform that posts privately and on one that cannot)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import models
from bot.clock import FrozenClock, FrozenWallClock
from bot.config import DEFAULT_CATEGORIES, load_settings
from bot.db import Database
from bot.errors import ConfigError
from bot.keys import DB
from bot.names import Names
from bot.report import build_report, format_report
from tests.conftest import Bot, FakePlatform, at, make_settings
from tests.fake_chat import FakeRobot, dingtalk_message, running
from tests.test_conversations import settle, start
from tests.test_dingtalk import NOW, SECRET, TOKEN, dingtalk_settings, post

D = "2026-11-25"
N = "2026-11-26"
# Every word that would name a conversation's category in a post.
CATEGORY_WORDS = sorted(
    {w for c in DEFAULT_CATEGORIES for w in (c.id, c.zh, c.en, *c.aliases)}, key=len
)


# --- the list and its words ----------------------------------------------------------------------


def test_the_default_list_is_the_guangzhou_hotlines() -> None:
    settings = load_settings(None)
    assert [(c.id, c.zh, c.en) for c in settings.service.categories] == [
        ("prevention", "预防咨询", "prevention questions"),
        ("counselling", "心理疏导", "psychological counselling"),
        ("emotional", "情绪支持", "emotional support"),
        ("practical", "实际帮助", "practical help"),
        ("followup", "高危人群随访", "follow-up of vulnerable people"),
    ]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("心理疏导", "counselling"),
        ("疏导", "counselling"),
        ("心理疏導", "counselling"),  # traditional
        ("counselling", "counselling"),
        ("Counseling", "counselling"),
        ("ｃｏｕｎｓｅｌｌｉｎｇ", "counselling"),  # full-width
        ("【情绪支持】", "emotional"),
        ("預防諮詢", "prevention"),
        ("实际", "practical"),
        ("随访", "followup"),
        ("FOLLOW-UP", "followup"),
        ("小王", None),
        ("support", None),  # a word of a label is not the label
        ("", None),
    ],
)
def test_category_words(word: str, expected: str | None) -> None:
    found = load_settings(None).service.category(word)
    assert (found.id if found else None) == expected


@pytest.mark.parametrize(
    ("categories", "fault"),
    [
        (
            [{"id": "a", "zh": "甲", "en": "x"}, {"id": "b", "zh": "乙", "en": "X"}],
            "belongs to both 'a' and 'b'",
        ),
        ([{"id": "A b", "zh": "甲", "en": "x"}], r"categories\[0\]\.id: String should"),
        ([{"id": "a", "zh": "甲", "en": "x", "aliases": ["@甲"]}], "names a person"),
    ],
)
def test_a_list_that_cannot_be_told_apart_is_refused(
    categories: list[dict[str, Any]], fault: str
) -> None:
    with pytest.raises(ConfigError, match=fault):
        load_settings(None, service={"categories": categories})


def test_a_list_of_ones_own_replaces_the_default() -> None:
    own = [{"id": "sleep", "zh": "睡眠", "en": "sleep", "aliases": ["失眠"]}]
    service = load_settings(None, service={"categories": own}).service
    assert [c.id for c in service.categories] == ["sleep"]
    assert service.category("失眠") is not None and service.category("心理疏导") is None


# --- /done and /category, through the app ---------------------------------------------------


async def conv_of(bot: Bot, staff: str) -> models.Conversation:
    async with bot.app[DB].read() as s:
        c = models.Conversation
        conv = await s.scalar(select(c).where(c.staff_id == staff).order_by(c.id.desc()))
    assert conv is not None
    return conv


async def held_by_c1(bot: Bot, fake: FakePlatform, *staff: str) -> None:
    """Each of `staff` writes and is assigned to c1, who is alone on duty."""
    await bot.add_shift("c1", at(D, "09:00"), at(D, "14:00"))
    for i, who in enumerate(staff):
        await bot.staff_says(f"in{i}", who, "I cannot sleep")
    await fake.wait_for(lambda r: len(fake.of_kind("assignment")) == len(staff))


def replies(fake: FakePlatform) -> list[dict[str, Any]]:
    return fake.of_kind("command_reply")


async def test_done_with_a_category_closes_and_tags_and_says_so_privately(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await held_by_c1(bot, fake_platform, "doc1")
    await bot.staff_says("d1", "c1", "/done 心理疏导")
    await fake_platform.wait_for(lambda r: len(replies(fake_platform)) == 1)
    conv = await conv_of(bot, "doc1")
    assert (conv.status, conv.category, conv.close_reason) == ("closed", "counselling", "done")
    [reply] = replies(fake_platform)
    assert reply["private_to"] == ["c1"]
    assert reply["text"] == (
        "Closed the conversation with Doc1. Thank you. Category: psychological counselling."
    )


async def test_done_names_staff_and_category_in_either_order(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await held_by_c1(bot, fake_platform, "doc1", "doc2", "emotional")
    await bot.staff_says("d1", "c1", "/done Doc2 emotional")
    await bot.staff_says("d2", "c1", "/结束 实际帮助 @doc1")
    # A person whose name is a category word is named with @: never taken as the category.
    await bot.staff_says("d3", "c1", "/done @emotional")
    await fake_platform.wait_for(lambda r: len(replies(fake_platform)) == 3)
    assert [(await conv_of(bot, s)).category for s in ("doc2", "doc1", "emotional")] == [
        "emotional",
        "practical",
        None,
    ]
    for staff in ("doc1", "doc2", "emotional"):
        assert (await conv_of(bot, staff)).status == "closed"
    last = replies(fake_platform)[-1]
    assert last["private_to"] == ["c1"]
    assert last["text"].endswith("It has no category yet; add one, e.g. /category emotional")


async def test_done_alone_still_closes_the_one_held(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await held_by_c1(bot, fake_platform, "doc1")
    await bot.staff_says("d1", "c1", "/done")
    await fake_platform.wait_for(lambda r: len(replies(fake_platform)) == 1)
    conv = await conv_of(bot, "doc1")
    assert conv.status == "closed" and conv.category is None


async def test_an_unknown_word_changes_nothing_and_lists_the_categories(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await held_by_c1(bot, fake_platform, "doc1")
    await bot.staff_says("d1", "c1", "/done 心里疏导")  # misspelt
    await bot.staff_says("d2", "c1", "/done doc1 心里疏导")
    await bot.staff_says("d3", "c1", "/category 心里疏导")
    await fake_platform.wait_for(lambda r: len(replies(fake_platform)) == 3)
    conv = await conv_of(bot, "doc1")
    assert (conv.status, conv.category) == ("open", None)
    one, two, three = replies(fake_platform)
    assert one["private_to"] == ["c1"]  # the sender sees it; the group does not
    assert one["text"].startswith("Nothing was closed: that word is neither a category nor")
    listed = (
        "prevention questions, psychological counselling, emotional support, practical help, "
        "follow-up of vulnerable people"
    )
    assert listed in one["text"] and "@Doc1" in one["text"]
    for usage in (two, three):
        assert f"That is not a category. Categories: {listed}." in usage["text"]
    for reply in (one, two, three):
        assert "心里疏导" not in reply["text"]  # the word itself is never echoed


async def test_category_tags_the_open_or_the_just_closed_conversation(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await held_by_c1(bot, fake_platform, "doc1", "doc2")
    await bot.staff_says("c0", "c1", "/category 随访")  # two open, untagged: which?
    await fake_platform.wait_for(lambda r: len(replies(fake_platform)) == 1)
    assert replies(fake_platform)[0]["text"].startswith("You have several conversations today")
    assert (await conv_of(bot, "doc1")).category is None
    await bot.staff_says("d1", "c1", "/done doc1")
    await bot.staff_says("c1", "c1", "/类别 预防咨询 doc2")  # the open one, named
    await bot.staff_says("c2", "c1", "/category emotional")  # the one left untagged: doc1
    await fake_platform.wait_for(lambda r: len(replies(fake_platform)) == 4)
    assert (await conv_of(bot, "doc1")).category == "emotional"
    assert (await conv_of(bot, "doc2")).category == "prevention"
    assert replies(fake_platform)[-1] == {
        **replies(fake_platform)[-1],
        "text": "The conversation with Doc1 is now: emotional support.",
        "private_to": ["c1"],
    }
    # A correction names the staff member: doc1 was closed today, so it can still be changed.
    await bot.staff_says("c3", "c1", "/category doc1 counselling")
    await fake_platform.wait_for(lambda r: len(replies(fake_platform)) == 5)
    assert (await conv_of(bot, "doc1")).category == "counselling"
    # The next service day, yesterday's figures are reported: doc1 can no longer be changed.
    bot.advance(timedelta(days=1))
    await bot.staff_says("c4", "c1", "/category doc1 practical")
    await fake_platform.wait_for(lambda r: len(replies(fake_platform)) == 6)
    assert replies(fake_platform)[-1]["text"].startswith("You have no conversation with doc1 today")
    assert (await conv_of(bot, "doc1")).category == "counselling"


# --- the report --------------------------------------------------------------------------------


async def test_the_report_counts_closed_conversations_by_category(database_url: str) -> None:
    settings = make_settings(database_url, "http://127.0.0.1:9/hook")
    db = Database(database_url)
    await db.upgrade()
    try:
        async with db.write() as s:
            s.add(models.Group(id="g1", name="Group one", platform="generic"))
            s.add(models.Group(id="g2", name="Other", platform="generic"))
            await s.flush()
            rows = [  # staff, category, opened, status, triage level
                ("a", "counselling", "10:00", "closed", 0),
                ("b", "counselling", "11:00", "closed", 1),
                ("c", "emotional", "12:00", "closed", 2),
                ("d", None, "13:00", "closed", 3),
                ("e", "sleep", "14:00", "closed", 0),  # an id no longer in the config
                ("f", "practical", "15:00", "open", 3),  # not closed: counted when it closes
            ]
            for staff, category, when, status, level in rows:
                s.add(
                    models.Conversation(
                        group_id="g1",
                        staff_id=staff,
                        counsellor_id="c1",
                        status=status,
                        opened_at=at(D, when),
                        assigned_at=at(D, when),
                        last_message_at=at(D, when),
                        closed_at=at(D, when) + timedelta(minutes=30) if status != "open" else None,
                        category=category,
                        level=level,
                        is_crisis=level >= 2,
                    )
                )
            s.add(  # yesterday's, and another group's: in neither figure
                models.Conversation(
                    group_id="g1",
                    staff_id="y",
                    status="closed",
                    opened_at=at("2026-11-24", "10:00"),
                    last_message_at=at("2026-11-24", "10:00"),
                    closed_at=at("2026-11-24", "10:30"),
                    category="counselling",
                )
            )
            s.add(
                models.Conversation(
                    group_id="g2",
                    staff_id="z",
                    status="closed",
                    opened_at=at(D, "10:00"),
                    last_message_at=at(D, "10:00"),
                    closed_at=at(D, "10:30"),
                    category="counselling",
                )
            )
        async with db.read() as s:
            r = await build_report(s, settings, "g1", at(D, "00:00"), at(N, "00:00"))
    finally:
        await db.dispose()
    assert [(c.category, c.count) for c in r.by_category] == [
        ("prevention", 0),
        ("counselling", 2),
        ("emotional", 1),
        ("practical", 0),
        ("followup", 0),
        ("sleep", 1),
        (None, 1),
    ]
    zh = format_report(r, Names(), "zh")
    assert (
        "已结束会话按类别：预防咨询 0、心理疏导 2、情绪支持 1、实际帮助 0、高危人群随访 0、"
        "sleep 1、未归类 1。"
    ) in zh
    en = format_report(r, Names(), "en")
    assert "psychological counselling 2, emotional support 1" in en and "untagged 1." in en
    # By level too, the closed ones only (the open level-3 one counts when it closes).
    assert r.by_level == (2, 1, 1, 1)
    assert "已结束会话按风险等级：0级（一般） 2、1级（困扰） 1、" in zh
    assert "Closed conversations by risk level: level 0 (ordinary) 2, level 1 (distress) 1" in en


async def test_without_categories_the_report_has_no_category_line(database_url: str) -> None:
    settings = make_settings(database_url, "http://127.0.0.1:9/hook", service={"categories": []})
    db = Database(database_url)
    await db.upgrade()
    try:
        async with db.read() as s:
            r = await build_report(s, settings, "g1", at(D, "00:00"), at(N, "00:00"))
    finally:
        await db.dispose()
    assert r.by_category == ()
    assert "category" not in format_report(r, Names(), "en")


# --- privacy: a day of categories, scanned -------------------------------------------------------


def group_visible(fake: FakePlatform) -> list[str]:
    """The text of every post the whole group reads (not private to someone)."""
    return [m["text"] for m in fake.received if not m.get("private_to")]


def names_a_category(text: str) -> list[str]:
    lowered = text.casefold()
    return [w for w in CATEGORY_WORDS if w.casefold() in lowered]


async def test_a_day_of_categories_never_names_one_in_the_group(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    bot = await start(database_url, fake_platform, make_bot, "09:30")
    await held_by_c1(bot, fake_platform, "doc1", "doc2", "doc3", "doc4")
    await bot.add_shift("c2", at(D, "09:00"), at(D, "24:00"))
    commands = [
        ("c1", "/done doc1 心理疏导"),
        ("c1", "/done 情緒支持 doc2"),  # traditional
        ("c1", "/done doc3"),
        ("c1", "/category 高危人群随访 doc3"),  # just closed (doc4 is open: named)
        ("c1", "/done doc4 心里疏导"),  # misspelt: a usage error
        ("c1", "/done 随访随访"),  # neither: the private error
        ("c1", "/done doc4 practical"),
        ("c2", "/category counselling"),  # holds nothing
        ("l1", "/stats"),
    ]
    for i, (who, text) in enumerate(commands):
        bot.advance(timedelta(minutes=1))
        await bot.staff_says(f"cmd{i}", who, text)
    await settle(bot)
    assert [(await conv_of(bot, s)).category for s in ("doc1", "doc2", "doc3", "doc4")] == [
        "counselling",
        "emotional",
        "followup",
        "practical",
    ]
    # The day closes: the daily report goes to the leads.
    bot.advance(at(N, "00:00") - bot.clock.now() + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("report")))
    await settle(bot)
    report = fake_platform.of_kind("report")[0]
    assert report["private_to"] == ["l1"]
    assert "psychological counselling 1, emotional support 1, practical help 1" in report["text"]
    stats = [m for m in replies(fake_platform) if m["text"].startswith("[Report]")]
    assert stats and stats[0]["private_to"] == ["l1"]
    assert "psychological counselling 1, emotional support 1, practical help 1" in stats[0]["text"]
    seen = group_visible(fake_platform)
    assert len(seen) >= 5  # the four assignments and the close notice
    assert [(text, names_a_category(text)) for text in seen if names_a_category(text)] == []


async def test_without_private_posts_the_category_is_never_in_the_group(
    database_url: str, make_bot: Any
) -> None:
    wall = FrozenWallClock(NOW)
    async with running(FakeRobot("dingtalk", SECRET, TOKEN, wall)) as robot:
        settings = dingtalk_settings(database_url, robot.url)
        bot: Bot = await make_bot(settings, FrozenClock(NOW), wall)
        await bot.add_shift("c1", at(D, "08:00"), at(D, "12:00"), group="d1")
        assert (await post(bot, dingtalk_message("dm1", "doc1", "I cannot sleep")))[0] == 200
        await robot.wait_for(lambda r: len(r.posts) == 1)  # the assignment
        for i, text in enumerate(["/done 心里疏导", "/done 心理疏导", "/category 实际帮助"]):
            bot.advance(timedelta(seconds=1))  # DingTalk takes one message per timestamp
            assert (await post(bot, dingtalk_message(f"dc{i}", "c1", text)))[0] == 200
        async with bot.app[DB].read() as s:
            conv = await s.scalar(select(models.Conversation))
        await robot.wait_for(lambda r: len(r.posts) >= 2)
        await settle(bot)
    assert conv is not None and (conv.status, conv.category) == ("closed", "practical")
    # The misspelt word's answer is in the group (it must be seen) and names no category word
    # the counsellor typed; the /done and /category that went well post nothing.
    texts = [p.text for p in robot.posts]
    assert len(texts) == 2 and texts[1].startswith("Nothing was closed")
    assert "心里疏导" not in texts[1]
    assert all(not names_a_category(t.split("Categories:")[0]) for t in texts)
