"""Rota changes, views and calendar feeds: summaries, rule errors, the group announcement, the
/oncall, /rota and /gaps tables (bot/rota_changes.py, bot/rota_table.py, bot/ical.py)."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
    # rota changes (bot/rota_changes.py): summaries, rule errors, the group announcement
    "rota_sum_add": {"zh": "已为 {name} 添加 {span}", "en": "Added {span} for {name}"},
    "rota_sum_remove": {"zh": "已删除 {name} 的 {span}", "en": "Removed {name}'s shift {span}"},
    "rota_sum_swap": {
        "zh": "{a} 的 {span} 已换给 {b}",
        "en": "{a}'s shift {span} now goes to {b}",
    },
    "rota_sum_swap_both": {
        "zh": "{a} 与 {b} 互换了 {span} 的班",
        "en": "{a} and {b} swapped their shifts {span}",
    },
    "rota_sum_take": {"zh": "{b} 接了 {a} 的 {span}", "en": "{b} took over {a}'s shift {span}"},
    "rota_sum_repeat": {
        "zh": "已把 {source} 的排班复制到 {targets}（{count} 个班次）",
        "en": "Copied the rota of {source} to {targets} ({count} shifts)",
    },
    "rota_sum_undo": {"zh": "已撤销：{summary}", "en": "Undone: {summary}"},
    "rota_sum_import": {"zh": "导入了 {count} 个班次", "en": "Imported {count} shifts"},
    "rota_announce": {
        "zh": "【排班调整】{summary}。{mentions}",
        "en": "[Rota change] {summary}. {mentions}",
    },
    "rota_err_unknown_group": {
        "zh": "没有 {group} 这个群，请使用配置中的群。",
        "en": "There is no group {group}; use a group from the config.",
    },
    "rota_err_order": {
        "zh": "{span} 的结束时间不晚于开始时间：结束必须在开始之后，例如 {example}。",
        "en": "{span} does not end after it starts: the end must come after the start, "
        "e.g. {example}.",
    },
    "rota_err_window": {
        "zh": "{span} 超出服务时间 {opens}-{closes}：班次必须在服务时间内，例如 {example}。",
        "en": "{span} is outside service hours {opens}-{closes}: shifts must lie inside them, "
        "e.g. {example}.",
    },
    "rota_err_overlap": {
        "zh": "{name} 已有 {other} 的班，与 {span} 重叠：同一位老师的班次不能重叠，"
        "例如改为 {example}。",
        "en": "{name} already has a shift {other} that overlaps {span}: one counsellor's shifts "
        "may not overlap, e.g. {example} instead.",
    },
    "rota_err_past": {
        "zh": "{at} 已经过去：只能改动现在之后的排班，例如从 {example} 开始。",
        "en": "{at} is in the past: only the rota from now on can change, e.g. starting at "
        "{example}.",
    },
    "rota_err_not_counsellor": {
        "zh": "{name} 不是本群的值班老师：只有值班老师可以排班。本群值班老师：{names}。",
        "en": "{name} is not a counsellor of this group: only counsellors go on the rota. "
        "This group's counsellors: {names}.",
    },
    "rota_err_no_shift": {
        "zh": "{name} 没有覆盖 {span} 的班。{name} 在 {day} 的班：{shifts}。",
        "en": "{name} has no shift covering {span}. {name}'s shifts on {day}: {shifts}.",
    },
    "rota_err_same_member": {
        "zh": "换班需要两位不同的值班老师，例如 {example}。",
        "en": "A swap needs two different counsellors, e.g. {example}.",
    },
    "rota_err_no_change": {
        "zh": "这个改动不会改变排班。",
        "en": "This change leaves the rota as it is.",
    },
    "rota_err_repeat_empty": {
        "zh": "{source} 没有排班，没有可以复制的班次；请先添加，"
        "例如 /排班 添加 {name} {source} 08:00-12:00。",
        "en": "{source} has no shifts to copy; add some first, e.g. /rota add {name} {source} "
        "08:00-12:00.",
    },
    "rota_err_repeat_nothing": {
        "zh": "{targets} 已有 {source} 的全部班次，没有需要复制的。",
        "en": "{targets} already have every shift of {source}; there is nothing to copy.",
    },
    "rota_err_undo_nothing": {
        "zh": "您没有可以撤销的排班改动。",
        "en": "You have no rota change left to undo.",
    },
    "rota_err_undo_changed": {
        "zh": "#{id}（{summary}）之后排班又有变动，{missing} 已不在排班中，无法撤销；"
        "请用 /排班 添加 或 /排班 删除 调整。",
        "en": "The rota has changed since #{id} ({summary}): {missing} is no longer on it, so it "
        "cannot be undone; use /rota add or /rota remove instead.",
    },
    "rota_another_day": {"zh": "换一天", "en": "another day"},
    "rota_another_counsellor": {"zh": "另一位值班老师", "en": "another counsellor"},
    # rota views (bot/rota_table.py): /oncall, /rota, /gaps, the close-time gaps notice
    "weekdays": {
        "zh": "周一 周二 周三 周四 周五 周六 周日",
        "en": "Mon Tue Wed Thu Fri Sat Sun",
    },
    "oncall_now": {"zh": "现在值班：{names}。", "en": "On duty now: {names}."},
    "oncall_nobody": {"zh": "现在无人值班。", "en": "Nobody is on duty now."},
    "oncall_closed": {
        "zh": "现在是非服务时间（服务时间 {opens}-{closes}）。",
        "en": "We are closed now (service hours {opens}-{closes}).",
    },
    "oncall_next": {"zh": "下一班：{at} {names}。", "en": "Next: {at} {names}."},
    "oncall_no_next": {
        "zh": "之后 7 天还没有排班。",
        "en": "Nobody is on the rota for the next 7 days.",
    },
    "rota_table_title": {
        "zh": "【排班】服务时间 {opens}-{closes}，⚠ 为缺口（少于 {min} 人）",
        "en": "[Rota] service hours {opens}-{closes}; \u26a0 marks a gap (fewer than {min})",
    },
    "rota_table_nobody": {"zh": "⚠ 无人值班", "en": "\u26a0 nobody on duty"},
    "rota_table_short": {"zh": "⚠ 缺 {n} 人", "en": "\u26a0 {n} short"},
    "gaps_title": {
        "zh": "【排班缺口】少于 {min} 人值班的时段：",
        "en": "[Gaps] times with fewer than {min} counsellors on duty:",
    },
    "gaps_notice_title": {
        "zh": "【未来 7 天排班缺口】少于 {min} 人值班的时段：",
        "en": "[Gaps in the next 7 days] times with fewer than {min} counsellors on duty:",
    },
    "gaps_count": {"zh": "（{n} 人）", "en": " ({n} on duty)"},
    "gaps_none": {
        "zh": "{days} 没有缺口：每个时段都至少有 {min} 人值班。",
        "en": "No gaps {days}: at least {min} counsellors on duty at all times.",
    },
    # iCal (bot/ical.py, /ical)
    "ical_link": {
        "zh": "您在「{group}」的值班日历（请勿转发，发送 /日历 重置 可作废旧链接）：{url}",
        "en": "Your shifts in \u201c{group}\u201d as a calendar feed (keep it to yourself; "
        "/ical reset makes a new link and retires this one): {url}",
    },
    "ical_sent": {
        "zh": "@{name} 日历订阅链接已私信发给您。",
        "en": "@{name}, your calendar link has been sent to you privately.",
    },
    "ical_reset_sent": {
        "zh": "@{name} 旧的日历链接已作废，新链接已私信发给您。",
        "en": "@{name}, your old calendar link no longer works; the new one was sent privately.",
    },
    "ical_summary": {"zh": "值班：{group}", "en": "On duty: {group}"},
    "ical_calendar_name": {"zh": "{name} 的值班（{group}）", "en": "{name}'s shifts ({group})"},
}
