"""Every sentence the bot says, in Chinese (default) and English: one catalogue, nowhere else.

The catalogue is split by area (one module each, a WORDS dict); `t` reads them all. A key is
in exactly one area.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import (
    commands,
    conversations,
    followups,
    outbox,
    report,
    rota,
    supervision,
    triage,
    web,
)
from bot.i18n.language import Language, Words

__all__ = ["CATALOGUE", "Language", "age", "join", "level_name", "media_word", "t"]


def _merged(*areas: Words) -> Words:
    out: Words = {}
    for words in areas:
        for key in words.keys() & out.keys():
            raise ValueError(f"catalogue key {key!r} is in two areas; keep one")
        out.update(words)
    return out


CATALOGUE: Words = _merged(
    conversations.WORDS,
    commands.WORDS,
    rota.WORDS,
    web.WORDS,
    outbox.WORDS,
    report.WORDS,
    triage.WORDS,
    followups.WORDS,
    supervision.WORDS,
)


def t(language: str, key: str, **values: Any) -> str:
    """The sentence `key` in `language`, filled in with `values`."""
    entry = CATALOGUE[key]
    lang: Language = "en" if language == "en" else "zh"
    return entry[lang].format(**values)


def join(language: str, items: list[str]) -> str:
    """Items joined the way the language lists things ("nobody" for none)."""
    if not items:
        return t(language, "nobody")
    return t(language, "list_sep").join(items)


MEDIA_WORDS = {
    "image": "media_image",
    "voice": "media_voice",
    "video": "media_video",
    "file": "media_file",
}


def media_word(language: str, msg_type: str) -> str:
    """How a message without text is named to people: "[图片]", "[image]", ..."""
    return t(language, MEDIA_WORDS.get(msg_type, "media_other"))


LEVEL_WORDS = {0: "level_0", 1: "level_1", 2: "level_2", 3: "level_3"}


def level_name(language: str, level: int) -> str:
    """A triage level as the assignee and the leads read it: "3级（计划、手段或时间）"."""
    return t(language, LEVEL_WORDS[max(0, min(level, 3))])


def age(language: str, seconds: float) -> str:
    """How long ago, to the minute: "7 min", "1 h 15 min" ("7 分钟", "1 小时 15 分")."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return t(language, "age_minutes", m=minutes)
    return t(language, "age_hours", h=minutes // 60, m=minutes % 60)
