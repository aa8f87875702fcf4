"""Every sentence the bot says, in Chinese (default) and English: one catalogue, nowhere else."""

from __future__ import annotations

from typing import Any, Literal

Language = Literal["zh", "en"]

CATALOGUE: dict[str, dict[Language, str]] = {
    "assignment": {
        "zh": "@{counsellor} 请接待 @{staff}：「{excerpt}」",
        "en": "@{counsellor}, please take care of @{staff}: \u201c{excerpt}\u201d",
    },
    "assignment_private_group": {
        "zh": "@{staff} 您好，已请 @{counsellor} 与您联系。",
        "en": "@{staff}, hello: @{counsellor} will get in touch with you.",
    },
    "assignment_private": {
        "zh": "您被安排接待 {staff}：「{text}」",
        "en": "You have been asked to take care of {staff}: \u201c{text}\u201d",
    },
    "waiting": {
        "zh": "@{staff} 您好，消息已收到。值班老师正在忙，会尽快接待您。",
        "en": "@{staff}, hello: your message is safe with us. The counsellors on duty are busy "
        "and will be with you as soon as they can.",
    },
    "waiting_leads": {
        "zh": "【排队】{count} 位医护人员在等待接待，目前值班老师已满或无人值班。{leads}",
        "en": "[Queue] {count} staff waiting: every counsellor on duty is full, or nobody is on "
        "duty. {leads}",
    },
    "off_hours": {
        "zh": "@{staff} 您好，现在是非服务时间（服务时间 {opens}-{closes}）。您的消息已保存，"
        "{next_open} 起值班老师会回复您。如需紧急帮助，请拨打：{hotlines}。",
        "en": "@{staff}, hello: we are closed now (service hours {opens}-{closes}). Your message "
        "is saved and a counsellor will answer from {next_open}. For urgent help now, call: "
        "{hotlines}.",
    },
    "open": {
        "zh": "【开始服务】{date} 服务时间 {opens}-{closes}。今日值班：{day}。现在值班：{on}。",
        "en": "[Open] {date}, service hours {opens}-{closes}. On duty today: {day}. "
        "On duty now: {on}.",
    },
    "close": {
        "zh": "【结束服务】今日服务到此结束，{off} 辛苦了。非服务时间的消息会保存，"
        "明天 {opens} 起回复。紧急求助请拨打：{hotlines}。",
        "en": "[Closed] Service is closed for today; thank you, {off}. Messages sent while we are "
        "closed are kept and answered from {opens} tomorrow. For urgent help call: {hotlines}.",
    },
    "shift_change": {
        "zh": "【交接班 {time}】下班：{off}。上班：{on}。",
        "en": "[Shift change {time}] Going off duty: {off}. Coming on: {on}.",
    },
    "on_until": {"zh": "{name}（至 {until}）", "en": "{name} (until {until})"},
    "nobody": {"zh": "无", "en": "nobody"},
    "nobody_on_duty": {"zh": "暂无值班老师", "en": "no counsellor on duty"},
    "reminder": {
        "zh": "【值班提醒】{names}，您的值班 {span} 将在 {minutes} 分钟后开始。",
        "en": "[Reminder] {names}: your shift {span} starts in {minutes} minutes.",
    },
    "late": {
        "zh": "（本通知晚了 {minutes} 分钟发出）",
        "en": " (this notice is {minutes} minutes late)",
    },
    "list_sep": {"zh": "、", "en": ", "},
    # commands (handlers/commands.py)
    "help_title": {"zh": "可用命令：", "en": "Commands you can use:"},
    "unknown_command": {
        "zh": "没有 {command} 这个命令，发送 /帮助 查看可用命令。",
        "en": "There is no {command} command; send /help to see the ones you can use.",
    },
    "not_allowed": {
        "zh": "{command} 只有{who}可以使用。请联系组长：{leads}。",
        "en": "Only {who} can use {command}. Please ask a team lead: {leads}.",
    },
    "role_everyone": {"zh": "所有人", "en": "everyone"},
    "role_counsellor": {"zh": "值班老师和组长", "en": "counsellors and team leads"},
    "role_lead": {"zh": "组长", "en": "team leads"},
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
}


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
