"""bot.triage: every crisis message in the tables is flagged, clearly neutral ones are not, and
every message gets its level (0-3) in both scripts, full-width and spaced forms too."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.triage import (
    BUILTIN_LEVEL1,
    BUILTIN_LEVEL2,
    BUILTIN_LEVEL3,
    BUILTIN_LEVELS,
    BUILTIN_TIMEFRAME,
    BUILTIN_WORDS,
    CrisisMatcher,
    Triage,
    compile_words,
    normalise,
    normalise_latin,
    triage,
)

CRISIS_MESSAGES = [
    # simplified Chinese
    "我不想活了",
    "真的活不下去了",
    "我想自杀",
    "有时候想一了百了",
    "昨晚在天台站了很久，想跳下去",
    "我已经写好遗书了",
    "家里存了一瓶安眠药",
    "值完这个班我就去死",
    "每天都撑不下去了，好想解脱",
    "活着没意思，每天就是上班下班",
    "我想结束自己的生命",
    "要是我不在了，请帮我照顾我妈",
    "没有我大家会更好吧",
    "科里有氯化钾，我想给自己推氯化钾",
    "一直在想怎么割腕",
    "我好想消失",
    "不想再醒来了",
    "永别了，各位老师",
    "真想死了算了",
    "我控制不住伤害自己",
    "连续三个夜班，真的坚持不下去了",
    "活着还有什么意思",
    "今晚想紫砂",
    # traditional Chinese (and Cantonese)
    "我想結束自己的生命",
    "我真的活不下去了，撐不住了",
    "我想輕生",
    "我不想活了，對不起大家",
    "活著沒意思",
    "昨天寫好了遺書",
    "好想從樓上跳下去",
    "想吃安眠藥一睡不醒",
    "我已經交代好後事了",
    "再見了大家，下輩子見",
    "我想自殺",
    "唔想活喇",
    "活著還有甚麼意思",
    # full-width letters and punctuation
    "ｓｕｉｃｉｄｅ",
    "我想ＫＩＬＬ　ＭＹＳＥＬＦ",
    "不想活了！！！",
    "「自杀」",
    "自，杀",
    "我真的撐不下去了。。。",
    "⾃杀",  # the Kangxi radical ⾃ (U+2F83), not 自
    # spaces, zero-width characters and punctuation between the characters
    "自 杀",
    "不 想 活",
    "我 想 轻\u3000生",
    "活\u200b不\u200b下\u200b去",
    "结-束-生-命",
    "自\n杀",
    "跳 . 楼",
    # mixed English and Chinese
    "I think 我想死 honestly",
    "今天又想 end my life 了",
    "好累, really want to die",
    "我想kill myself",
    # English
    "I want to kill myself",
    "I don't want to live anymore",
    "I don’t want to live anymore",
    "i dont want to live",
    "thinking about ending my life",
    "I can't go on",
    "I cant go on like this",
    "SUICIDE",
    "I've been self-harming again",
    "I'm thinking of taking an overdose",
    "Everyone would be better off without me",
    "there's no reason to live",
    "I wrote a suicide note",
    "I just want to disappear forever",
    "sui\u200bcide",
]

CALM_MESSAGES = [
    "今天值了十二个小时班",
    "病人情况不好",
    "谢谢老师",
    "今天三台手术，站了十个小时",
    "夜班结束了，准备回家",
    "明天还要上班",
    "护士长排班不合理",
    "想请假休息几天",
    "想家了",
    "抢救成功了",
    "今天值了十二個小時班",
    "the ward is full",
    "The patient in bed 3 is stable now",
    "Thanks for listening",
    "I need a coffee",
    "Good morning everyone",
    "drove 20kms to work",
    "She has good nursing skills",
    "",
    "   ",
    # a time frame alone is ordinary
    "今晚值班",
    "明天早上八点交班",
    "手术准备好了",
    "I wrote a note in the chart",
    "I have the pills for bed 3",
    "see you tomorrow",
    "ＴＯＮＩＧＨＴ",
]

# Every built-in Chinese word as OpenCC writes it in traditional characters (s2t, s2tw, s2hk,
# s2twp), generated once with OpenCC and kept here so the test needs no converter.
TRADITIONAL_TEXT = (
    "自殺 輕生 自盡 尋短見 短見 想不開 厭世 尋死 結束生命 結束自己 結束一切 結束這一切 了結 "
    "了斷 解脫 放棄生命 放棄自己 不想繼續活 不願活 不願意活 沒法活 活膩 活夠了 生無可戀 "
    "寧願死 寧可死 早點死 絕望 走投無路 沒有出路 沒有希望 沒希望了 活着沒意思 活著沒意思 "
    "活着沒有意思 活著沒有意思 活着沒意義 活著沒意義 活着有什麼意思 活著有什麼意思 "
    "活着還有什麼意思 活著還有什麼意思 活着有甚麼意思 活著有甚麼意思 活着還有甚麼意思 "
    "活著還有甚麼意思 活著有啥意思 活着幹嘛 活著幹嘛 活着幹什麼 活著幹什麼 活着幹啥 活著幹啥 "
    "活著好累 活著太累 活著真累 活著好痛苦 活著太痛苦 活著是折磨 人生沒意思 沒有意義 沒意義 "
    "毫無意義 撐不下去 撐不住 堅持不下去 堅持不下去了 不想再堅持 不想堅持了 不要醒來 別醒來 "
    "永遠不醒 長眠 永遠睡 讓我消失 從這個世界消失 離開這個世界 離開世界 告別這個世界 告別世界 "
    "世界上沒有我 沒有我會更好 沒有我更好 沒有我大家 沒有我他們 沒有我家人 沒有我也一樣 累贅 "
    "是個負擔 我是負擔 多餘的人 跳樓 跳橋 從樓上跳 樓頂跳 跳下樓 臥軌 卧軌 割脈 劃自己 劃手 "
    "用刀劃 自縊 燒炭 開煤氣 農藥 敵敵畏 老鼠藥 毒藥 吞藥 喫藥自殺 吃藥自殺 安眠藥 喫一瓶 "
    "喫一整瓶 整瓶藥 過量服藥 藥物過量 喫很多藥 吃很多藥 攢藥 囤藥 給自己打針 給自己注射 "
    "給自己推藥 給自己推針 給自己推氯化鉀 傷害自己 傷自己 自殘 自傷 自我傷害 懲罰自己 遺書 "
    "遺言 遺囑 後事 永別 訣別 最後的告別 跟大家告別 和大家告別 向大家告別 再見了大家 "
    "大家再見了 再見了各位 再也見不到 再也不見 下輩子見 下輩子再見 來世再見 來生再見 "
    "最後一條消息 最後一條訊息 最後的消息 最後的訊息 最後一次和你們 最後一次跟你們 自鯊"
)
TRADITIONAL_FORMS = TRADITIONAL_TEXT.split()

CJK_WORDS = [w for w in BUILTIN_WORDS if not w.isascii()]
LATIN_WORDS = [w for w in BUILTIN_WORDS if w.isascii()]
ALL_KEYS = set(compile_words().words)


@pytest.mark.parametrize("text", CRISIS_MESSAGES)
def test_crisis_message_is_flagged(text: str) -> None:
    result = triage(text)
    assert result.is_crisis, text
    assert result.matched


@pytest.mark.parametrize("text", CALM_MESSAGES)
def test_neutral_message_is_not_flagged(text: str) -> None:
    assert triage(text) == Triage(level=0, matched=())


def test_the_tables_are_big_enough() -> None:
    assert len(CRISIS_MESSAGES) >= 40
    assert len(CJK_WORDS) >= 150
    assert len(LATIN_WORDS) >= 60


@pytest.mark.parametrize("text", TRADITIONAL_FORMS)
def test_traditional_form_of_every_builtin_word_is_flagged(text: str) -> None:
    assert triage(text).is_crisis, text


@pytest.mark.parametrize("word", BUILTIN_WORDS)
def test_every_builtin_word_flags_itself(word: str) -> None:
    key = normalise(word) if word in CJK_WORDS else normalise_latin(word)
    assert key in triage(f"... {word} ...").matched


def key_of(word: str) -> str:
    return normalise_latin(word) if word.isascii() else normalise(word)


EVERY_BUILTIN = [*BUILTIN_LEVEL1, *BUILTIN_LEVEL2, *BUILTIN_LEVEL3, *BUILTIN_TIMEFRAME]


def test_builtin_words_do_not_repeat_after_normalisation() -> None:
    keys = [key_of(w) for w in EVERY_BUILTIN]
    assert len(keys) == len(set(keys))
    assert len(compile_words().words) == len(EVERY_BUILTIN)
    assert set(BUILTIN_WORDS) == {*BUILTIN_LEVEL2, *BUILTIN_LEVEL3}


@pytest.mark.parametrize(
    ("text", "compact", "latin"),
    [
        ("ｓｕｉ ｃｉｄｅ！", "suicide", "sui cide"),
        ("我想結束 自己", "我想结束自己", ""),
        ("I don’t\twant to-live", "idontwanttolive", "i dont want to live"),
        ("I DON'T want to live", "idontwanttolive", "i dont want to live"),
        ("我想kill，ＭＹＳＥＬＦ", "我想killmyself", "kill myself"),
        ("自\u200b杀\ufeff", "自杀", ""),
        ("活著，沒意思……", "活着没意思", ""),
        ("sui\u00adcide", "suicide", "suicide"),
        ("　", "", ""),
    ],
)
def test_normalise(text: str, compact: str, latin: str) -> None:
    assert normalise(text) == compact
    assert normalise_latin(text) == latin


def test_matched_lists_every_word_once_in_list_order() -> None:
    assert triage("不想活了").matched == ("不想活", "不想活了")
    assert triage("我不想活了，真的不想活了").matched == ("不想活", "不想活了")
    assert triage("I want to die. I want to kill myself.").matched == (
        "kill myself",
        "want to die",
    )
    assert triage("自杀 suicide").matched == ("自杀", "suicide")


def test_english_words_match_whole_words_only() -> None:
    matcher = compile_words(["od"])
    assert matcher.triage("I will OD today").matched == ("od", "today")  # with its time frame
    assert matcher.triage("OD").matched == ("od",)
    assert not matcher.triage("good food, odd day").is_crisis
    assert triage("self harm").is_crisis
    assert triage("self-harm").is_crisis
    assert triage("selfharm").is_crisis


def test_extra_words() -> None:
    assert not triage("我快崩溃了").is_crisis
    # given in traditional characters, matching simplified text with spaces in it
    assert triage("我快崩 溃了", extra=["崩潰"]) == Triage(level=2, matched=("崩溃",))
    # given in simplified characters, matching traditional text
    assert triage("我快崩潰了", extra=(w for w in ["崩溃"])).is_crisis
    # given in full-width form
    matcher = compile_words(["ｂｕｒｎ　ｏｕｔ", "＂過勞＂"])
    assert matcher.triage("totally burn-out").matched == ("burn out",)
    assert matcher.triage("又过劳了").matched == ("过劳",)
    # the built-in words are still there
    assert matcher.triage("我不想活了").is_crisis
    assert isinstance(matcher, CrisisMatcher)


def test_extra_words_that_normalise_to_nothing_are_dropped() -> None:
    matcher = compile_words(["", "   ", "！！", "\u200b"])
    assert matcher.words == compile_words().words
    assert not matcher.triage("谢谢老师").is_crisis


def test_extra_words_repeating_builtin_ones_are_not_repeated() -> None:
    matcher = compile_words(["自殺", "Kill  Myself", "ｓｕｉｃｉｄｅ"])
    assert matcher.words == compile_words().words
    assert matcher.triage("我想自殺").matched == ("自杀",)


def test_triage_is_frozen() -> None:
    result = triage("我想死")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.level = 0  # type: ignore[misc]


@settings(max_examples=300)
@given(st.text())
def test_triage_never_raises(text: str) -> None:
    result = triage(text)
    assert result.level in (0, 1, 2, 3)
    assert (result.level > 0) == bool(result.matched)
    assert result.is_crisis == (result.level >= 2)
    assert set(result.matched) <= ALL_KEYS


# whitespace of every kind, zero-width characters and punctuation
SEPARATORS = [
    " ",
    "  ",
    "\t",
    "\n",
    "\u3000",
    "\xa0",
    "\u200b",
    "\ufeff",
    "，",
    "。",
    "、",
    "·",
    "-",
]


@st.composite
def spaced_chinese_words(draw: st.DrawFn) -> tuple[str, str]:
    """A built-in Chinese word, and the same word with separators between some of its characters."""
    word = draw(st.sampled_from(CJK_WORDS))
    gaps = draw(
        st.lists(st.sampled_from(["", *SEPARATORS]), min_size=len(word) - 1, max_size=len(word) - 1)
    )
    return word, word[0] + "".join(g + ch for g, ch in zip(gaps, word[1:], strict=True))


@settings(max_examples=300)
@given(pair=spaced_chinese_words(), before=st.text(max_size=20), after=st.text(max_size=20))
def test_whitespace_between_characters_keeps_a_chinese_word_flagged(
    pair: tuple[str, str], before: str, after: str
) -> None:
    word, spaced = pair
    result = triage(before + spaced + after)
    assert result.is_crisis, spaced
    assert normalise(word) in result.matched


@pytest.mark.parametrize("gap", [" ", "\u3000", "\u200b", "，"])
def test_a_gap_between_every_character_keeps_each_chinese_word_flagged(gap: str) -> None:
    missed = [word for word in CJK_WORDS if not triage(gap.join(word)).is_crisis]
    assert missed == []


@settings(max_examples=200)
@given(
    word=st.sampled_from(LATIN_WORDS),
    gap=st.sampled_from([" ", "  ", "\t", "\n", "\u3000", " - ", "_", "…"]),
    upper=st.booleans(),
    before=st.sampled_from(["", "I ", "我", "... ", "（"]),
)
def test_spacing_and_case_keep_an_english_word_flagged(
    word: str, gap: str, upper: bool, before: str
) -> None:
    text = before + gap.join(word.split()) + "。"
    result = triage(text.upper() if upper else text)
    assert normalise_latin(word) in result.matched, text


# (text, level): simplified and traditional Chinese, full-width forms, spacing, English.
LEVEL_TABLE = [
    # 0: ordinary, a time frame alone too
    ("今天值了十二个小时班", 0),
    ("今晚值班", 0),
    ("明天还要上班", 0),
    ("今晚值班，明天休息", 0),
    ("see you tonight", 0),
    ("I wrote a note in the chart", 0),
    ("ｔｏｎｉｇｈｔ", 0),
    ("今晚還要值班", 0),
    # 1: distress, not a crisis; a time frame with it stays 1
    ("太累了", 1),
    ("睡不着", 1),
    ("今晚值班好累", 1),
    ("我快崩溃了", 1),
    ("我快崩潰了", 1),  # traditional
    ("最近一直失眠，很焦虑", 1),
    ("最近一直失眠，很焦慮", 1),  # traditional
    ("壓力好大，好難受", 1),  # traditional
    ("家属又来投诉了，心情很差", 1),
    ("好　累", 1),  # an ideographic space
    ("崩\u200b溃", 1),  # a zero-width space
    ("I am exhausted", 1),
    ("I can't sleep", 1),
    ("I can’t sleep tonight", 1),
    ("having a panic attack", 1),
    ("ＥＸＨＡＵＳＴＥＤ", 1),  # full-width
    ("ｃａｎ＇ｔ　ｓｌｅｅｐ", 1),  # full-width, apostrophe and space
    # 2: self-harm or suicide language
    ("我不想活了", 2),
    ("我不想活了，對不起大家", 2),  # traditional
    ("活著沒意思", 2),
    ("撐不住了", 2),
    ("我控制不住伤害自己", 2),
    ("我又自殘了", 2),
    ("好累，真想死了算了", 2),
    ("家里有安眠药", 2),  # the name of a means, alone
    ("ｓｕｉｃｉｄｅ", 2),
    ("「自杀」", 2),
    ("I want to kill myself", 2),
    ("I've been self-harming again", 2),
    ("I'm so tired, I want to die", 2),
    # 3: a method or the means at hand
    ("一直在想怎么割腕", 3),
    ("昨晚在天台站了很久，想跳下去", 3),
    ("家里存了一瓶安眠药", 3),
    ("家裡存了一瓶安眠藥", 3),  # traditional
    ("我在攒药", 3),
    ("科里有氯化钾，我想给自己推氯化钾", 3),
    ("科裡有氯化鉀，我想給自己推氯化鉀", 3),  # traditional
    ("想喝農藥", 3),  # traditional
    ("I'm going to slit my wrists", 3),
    ("I've been saving up pills", 3),
    ("ＨＡＮＧ　ＭＹＳＥＬＦ", 3),  # full-width
    # 3: a plan or preparation
    ("我已经写好遗书了", 3),
    ("昨天寫好了遺書", 3),  # traditional
    ("我已經交代好後事了", 3),  # traditional
    ("绳子买好了，我不想活了", 3),
    ("我有一个自杀计划", 3),
    ("I have a suicide plan", 3),
    ("I have the pills, I want to die", 3),
    ("I wrote a note, I want to end it all", 3),
    # 3: a level-2 word with a time frame
    ("我今晚不想活了", 3),
    ("今晚想紫砂", 3),
    ("值完这个班我就去死", 3),
    ("明天就結束自己", 3),  # traditional
    ("準備好了，不想活了", 3),  # traditional
    ("今　晚　不　想　活", 3),  # ideographic spaces
    ("ｔｏｎｉｇｈｔ　我想死", 3),  # full-width
    ("I want to kill myself tonight", 3),
    ("after my shift I want to end it all", 3),
    ("I WANT TO DIE TOMORROW", 3),
]


@pytest.mark.parametrize(("text", "level"), LEVEL_TABLE)
def test_level_of_each_message(text: str, level: int) -> None:
    result = triage(text)
    assert result.level == level, (text, result)
    assert result.is_crisis == (level >= 2)


def test_the_level_table_has_every_level_in_both_languages() -> None:
    for level in range(4):
        texts = [text for text, lv in LEVEL_TABLE if lv == level]
        assert any(t.isascii() for t in texts) and any(not t.isascii() for t in texts)


@pytest.mark.parametrize(
    ("level", "word"), [(lv, w) for lv, words in BUILTIN_LEVELS.items() for w in words]
)
def test_every_builtin_word_has_its_level(level: int, word: str) -> None:
    result = triage(f"... {word} ...")
    assert key_of(word) in result.matched
    assert result.level == level, (word, result)


@pytest.mark.parametrize("word", BUILTIN_TIMEFRAME)
def test_a_time_frame_alone_is_ordinary_and_makes_a_level_2_word_level_3(word: str) -> None:
    assert triage(f"... {word} ...") == Triage(level=0, matched=())
    distress = triage(f"好累 {word}")
    assert distress.level == 1 and key_of(word) not in distress.matched
    crisis = triage(f"{word} 我不想活了")
    assert crisis.level == 3 and key_of(word) in crisis.matched
    assert triage(f"{word} I want to die").level == 3


def test_no_time_frame_word_hides_inside_a_level_2_word() -> None:
    """Else a level-2 word would raise itself to level 3."""
    level2 = [key_of(w) for w in BUILTIN_LEVEL2]
    for word in BUILTIN_TIMEFRAME:
        key = key_of(word)
        inside = [w for w in level2 if (key in w if not word.isascii() else f" {key} " in f" {w} ")]
        assert inside == [], (word, inside)


@pytest.mark.parametrize("text", TRADITIONAL_FORMS)
def test_traditional_forms_keep_their_level(text: str) -> None:
    simplified = compile_words().triage(text)
    assert simplified.level >= 2
    assert simplified.level == triage(normalise(text)).level


def test_words_per_level_from_the_config() -> None:
    matcher = compile_words(
        ["過勞"], level1=["ｏｎ ｅｄｇｅ"], level3=["氯化鉀"], timeframe=["下周一"]
    )
    assert matcher.triage("I am on edge").level == 1
    assert matcher.triage("又过劳了") == Triage(level=2, matched=("过劳",))
    assert matcher.triage("科里有氯化钾").level == 3
    assert matcher.triage("下周一想死").level == 3
    assert matcher.triage("下周一值班").level == 0
    # a word given at a higher level than its built-in one counts at the higher
    assert compile_words(level3=["失眠"]).triage("失眠").level == 3
    assert compile_words(["崩溃"]).triage("崩溃").level == 2


def test_the_builtin_lists_can_be_turned_off() -> None:
    matcher = compile_words(["过劳"], level1=["累"], builtin=False)
    assert matcher.words == ("累", "过劳")
    assert matcher.triage("我不想活了") == Triage(level=0, matched=())
    assert matcher.triage("好累").level == 1
    assert matcher.triage("过劳").level == 2
    assert matcher.triage("今晚过劳").level == 2  # no built-in time frames either
