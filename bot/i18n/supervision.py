"""Supervision (督导) and risk notes (issue 19 items 2-3): always private, never in the group."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
    "role_supervisor": {"zh": "组长和督导", "en": "team leads and supervisors"},
    # the supervisors' review list at close (bot/supervision.py), privately
    "review_title": {
        "zh": "督导日审 {day}：2-3级 {risk} 个，转派 {reassigned} 个，"
        "等候超过{minutes}分钟 {waits} 个，风险评估 {notes} 条",
        "en": "Supervision review {day}: {risk} at level 2-3, {reassigned} reassigned, "
        "{waits} waited over {minutes} min, {notes} risk notes",
    },
    "review_line": {
        "zh": "#{id} {time}{staff} {level}，接待：{counsellor}{details}",
        "en": "#{id} {time}{staff} {level}, held by {counsellor}{details}",
    },
    "review_staff": {"zh": " {name}", "en": " {name}"},
    "review_reassigned": {"zh": "，转派{count}次", "en": ", reassigned {count}×"},
    "review_waited": {"zh": "，等候{wait}", "en": ", waited {wait}"},
    "review_noted": {"zh": "，风险评估{level}级", "en": ", risk note level {level}"},
    "review_none": {"zh": "今天没有需要复盘的对话。", "en": "Nothing to review today."},
    "debrief_prompt": {
        "zh": "今天您接待了 {count} 个2-3级的对话，辛苦了。请找几分钟与值班督导 {supervisors} "
        "做一次简短的复盘。也请照顾好自己。",
        "en": "Today you held {count} conversation(s) at level 2-3. Thank you. Please take a few "
        "minutes for a short debrief with the supervisor on duty, {supervisors}. Look after "
        "yourself too.",
    },
    "web_kind_review": {"zh": "督导日审", "en": "supervision review"},
}
