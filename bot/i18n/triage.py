"""Triage levels (bot/triage.py), as the assignee and the leads read them: never in the group."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
    "level_0": {"zh": "0级（一般）", "en": "level 0 (ordinary)"},
    "level_1": {"zh": "1级（困扰）", "en": "level 1 (distress)"},
    "level_2": {"zh": "2级（自伤或自杀言语）", "en": "level 2 (self-harm or suicide language)"},
    "level_3": {
        "zh": "3级（计划、手段或时间）",
        "en": "level 3 (a plan, the means or a time frame)",
    },
    # ends a private post to the assignee or the leads: a crisis alert, a privacy group's copy
    "level_note": {"zh": "\n风险等级：{level}", "en": "\nRisk level: {level}"},
    # after a conversation in the leads' /queue and on the console
    "level_mark": {"zh": "（{level}级）", "en": " (level {level})"},
}
