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
    # reports: daily report at close, /stats, `carebot report` (bot/report.py)
    "report_title": {
        "zh": "【服务统计】{group} {start} 至 {end}",
        "en": "[Report] {group}, {start} to {end}",
    },
    "report_messages": {
        "zh": "医护人员消息 {messages} 条（非服务时间 {off_hours} 条），危机标记 {crisis} 次。",
        "en": "Messages from staff: {messages} ({off_hours} outside service hours); "
        "crisis flags: {crisis}.",
    },
    "report_conversations": {
        "zh": "会话：新开 {opened}，结束 {closed}，排队等待 {waited}（最长 {longest}）。",
        "en": "Conversations: {opened} opened, {closed} closed, {waited} waited in the queue "
        "(longest {longest}).",
    },
    "report_first_response": {
        "zh": "首次回复用时：中位数 {median}，90% 在 {p90} 以内。",
        "en": "First response: median {median}, 90% within {p90}.",
    },
    "report_no_first_response": {
        "zh": "首次回复用时：本时段没有首次回复。",
        "en": "First response: none in this period.",
    },
    "report_by_hour": {"zh": "各时段消息：{hours}。", "en": "Messages by hour: {hours}."},
    "report_hour": {"zh": "{hour}时 {count}", "en": "{hour:02d}h {count}"},
    "report_counsellors_title": {"zh": "值班老师：", "en": "Counsellors:"},
    "report_no_counsellors": {"zh": "（无人值班）", "en": "(nobody on duty)"},
    "report_counsellor": {
        "zh": "· {name}：接待 {assigned}，结束 {closed}，首次回复中位数 {median}",
        "en": "- {name}: {assigned} assigned, {closed} closed, median first response {median}",
    },
    "report_no_figure": {"zh": "—", "en": "n/a"},
    "duration_s": {"zh": "{s}秒", "en": "{s} s"},
    "duration_ms": {"zh": "{m}分{s}秒", "en": "{m} min {s} s"},
    "duration_hm": {"zh": "{h}小时{m}分", "en": "{h} h {m} min"},
    "stats_usage": {
        "zh": "用法：/统计 [day|week]（今天或最近七天），例如 /统计 week。",
        "en": "Usage: /stats [day|week] (today or the last seven days), e.g. /stats week.",
    },
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
