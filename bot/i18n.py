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
    # rota commands (handlers/rota_commands.py, bot/rota_args.py): usage, argument faults, replies
    "rota_usage_reply": {
        "zh": "{reason}\n用法：{usage}\n例如：{example}",
        "en": "{reason}\nUsage: {usage}\nFor example: {example}",
    },
    "rota_arg_missing": {"zh": "参数不完整。", "en": "Some arguments are missing."},
    "rota_arg_extra": {"zh": "多余的内容：{extra}。", "en": "Unexpected words: {extra}."},
    "rota_arg_bad_date": {
        "zh": "看不懂日期「{word}」：请写 今天、明天、YYYY-MM-DD 或 MM-DD。",
        "en": "\u201c{word}\u201d is not a date: write today, tomorrow, YYYY-MM-DD or MM-DD.",
    },
    "rota_arg_no_such_day": {"zh": "没有 {word} 这一天。", "en": "There is no day {word}."},
    "rota_arg_bad_span": {
        "zh": "看不懂时间「{word}」：请写 HH:MM-HH:MM（结束可以写 24:00）。",
        "en": "\u201c{word}\u201d is not a time span: write HH:MM-HH:MM (24:00 may end it).",
    },
    "rota_arg_span_order": {
        "zh": "{word} 的结束时间不晚于开始时间。",
        "en": "{word} does not end after it starts.",
    },
    "rota_arg_unknown_member": {
        "zh": "本群没有「{word}」这位成员：请写成员的 id、名字或 @名字。本群值班老师：{names}。",
        "en": "Nobody called \u201c{word}\u201d is in this group: name a member by id, name or "
        "@name. This group's counsellors: {names}.",
    },
    "rota_arg_ambiguous_member": {
        "zh": "「{word}」对应多位成员（{ids}），请写 id。",
        "en": "\u201c{word}\u201d matches several members ({ids}); write the id.",
    },
    "rota_arg_bad_number": {
        "zh": "「{word}」不是编号，请写数字，例如 3。",
        "en": "\u201c{word}\u201d is not a number; write a number such as 3.",
    },
    "rota_arg_too_many_days": {
        "zh": "一次最多复制到 {max} 天。",
        "en": "At most {max} days can be filled at once.",
    },
    "rota_done": {"zh": "好的，{summary}。", "en": "Done: {summary}."},
    "rota_refused": {"zh": "排班没有改动：{reason}", "en": "The rota is unchanged: {reason}"},
    "rota_swap_own_only": {
        "zh": "您只能提议换自己的班，例如 {example}；调整别人的班请联系组长：{leads}。",
        "en": "You can only offer your own shifts, e.g. {example}; for other people's shifts ask "
        "a team lead: {leads}.",
    },
    "rota_swap_proposed": {
        "zh": "【换班申请 #{n}】@{b}，{a} 想把 {span} 的班换给您。同意请回复 /同意 {n}，"
        "组长也可以回复 /同意 {n} 批准。",
        "en": "[Swap request #{n}] @{b}: {a} would like you to take the shift {span}. Answer "
        "/accept {n} to agree; a team lead can also approve with /accept {n}.",
    },
    "rota_already_asked": {
        "zh": "这个班已经在申请中（#{n}），请等待回复。",
        "en": "This shift already has an open request (#{n}); please wait for an answer.",
    },
    "rota_accept_none": {
        "zh": "没有等待您同意的换班申请。",
        "en": "There is no swap request waiting for your answer.",
    },
    "rota_accept_which": {
        "zh": "有多个换班申请，请回复编号，例如 /同意 {n}：{items}",
        "en": "Several swap requests are open; answer with a number, e.g. /accept {n}: {items}",
    },
    "rota_no_request": {
        "zh": "没有编号为 #{n} 的待处理{what}。",
        "en": "There is no open {what} #{n}.",
    },
    "rota_what_swap": {"zh": "换班申请", "en": "swap request"},
    "rota_what_release": {"zh": "代班请求", "en": "request for cover"},
    "rota_accept_not_yours": {
        "zh": "换班申请 #{n} 要由 {b} 或组长同意。",
        "en": "Swap request #{n} is for {b} or a team lead to accept.",
    },
    "rota_request_done": {
        "zh": "好的，{summary}（#{n}）。{mentions}",
        "en": "Done: {summary} (#{n}). {mentions}",
    },
    "rota_release_asked": {
        "zh": "【求代班 #{n}】{name} 的 {span} 需要有人代班。可以接班的老师请回复 /接班 {n}。"
        "接班前这个班仍由 {name} 负责。",
        "en": "[Cover needed #{n}] {name} needs someone to take the shift {span}. If you can, "
        "answer /rota take {n}. Until someone does, the shift stays with {name}.",
    },
    "rota_take_own": {
        "zh": "#{n} 是您自己的班，不能自己接。",
        "en": "#{n} is your own shift; someone else needs to take it.",
    },
    "rota_member_unknown": {
        "zh": "只有本群名单中的成员才能这样做，请联系组长：{leads}。",
        "en": "Only members listed for this group can do this; please ask a team lead: {leads}.",
    },
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
    # rota command usage lines and examples (registry: English; replies: the bot language)
    "rota_usage_oncall": {"zh": "/值班", "en": "/oncall"},
    "rota_example_oncall": {"zh": "/值班", "en": "/oncall"},
    "rota_usage_rota": {
        "zh": "/排班 [今天|明天|日期|周]",
        "en": "/rota [today|tomorrow|DATE|week]",
    },
    "rota_example_rota": {"zh": "/排班 周", "en": "/rota week"},
    "rota_usage_rota_add": {
        "zh": "/排班 添加 成员 日期 HH:MM-HH:MM",
        "en": "/rota add MEMBER DAY HH:MM-HH:MM",
    },
    "rota_example_rota_add": {
        "zh": "/排班 添加 张三 明天 08:00-12:00",
        "en": "/rota add Chen tomorrow 08:00-12:00",
    },
    "rota_usage_rota_remove": {
        "zh": "/排班 删除 成员 日期 HH:MM-HH:MM",
        "en": "/rota remove MEMBER DAY HH:MM-HH:MM",
    },
    "rota_example_rota_remove": {
        "zh": "/排班 删除 张三 明天 08:00-12:00",
        "en": "/rota remove Chen tomorrow 08:00-12:00",
    },
    "rota_usage_rota_swap": {
        "zh": "/排班 换班 成员A 成员B 日期 HH:MM-HH:MM",
        "en": "/rota swap MEMBER_A MEMBER_B DAY HH:MM-HH:MM",
    },
    "rota_example_rota_swap": {
        "zh": "/排班 换班 张三 李四 明天 08:00-12:00",
        "en": "/rota swap Chen Li tomorrow 08:00-12:00",
    },
    "rota_usage_rota_release": {
        "zh": "/代班 日期 HH:MM-HH:MM",
        "en": "/rota release DAY HH:MM-HH:MM",
    },
    "rota_example_rota_release": {
        "zh": "/代班 明天 08:00-10:00",
        "en": "/rota release tomorrow 08:00-10:00",
    },
    "rota_usage_rota_take": {"zh": "/接班 编号", "en": "/rota take N"},
    "rota_example_rota_take": {"zh": "/接班 3", "en": "/rota take 3"},
    "rota_usage_accept": {"zh": "/同意 [编号]", "en": "/accept [N]"},
    "rota_example_accept": {"zh": "/同意 3", "en": "/accept 3"},
    "rota_usage_rota_repeat": {
        "zh": "/排班 复制 源日期 目标日期[~日期]",
        "en": "/rota repeat DAY_FROM DAY_TO[~DAY]",
    },
    "rota_example_rota_repeat": {"zh": "/排班 复制 今天 明天", "en": "/rota repeat today tomorrow"},
    "rota_usage_rota_undo": {"zh": "/排班 撤销", "en": "/rota undo"},
    "rota_example_rota_undo": {"zh": "/排班 撤销", "en": "/rota undo"},
    "rota_usage_gaps": {"zh": "/缺口 [周|日期]", "en": "/gaps [week|DAY]"},
    "rota_example_gaps": {"zh": "/缺口 周", "en": "/gaps week"},
    "rota_usage_ical": {"zh": "/日历", "en": "/ical"},
    "rota_example_ical": {"zh": "/日历", "en": "/ical"},
    "rota_usage_ical_reset": {"zh": "/日历 重置", "en": "/ical reset"},
    "rota_example_ical_reset": {"zh": "/日历 重置", "en": "/ical reset"},
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
