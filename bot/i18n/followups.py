"""Follow-ups: /followup, /followups, /followup cancel, the private reminder when one is due,
and the follow-up proposed after a crisis conversation closes (bot/followups.py,
handlers/followup_commands.py)."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
    # argument faults (each is the reason of a usage reply, with the command's example)
    "followup_when_missing": {
        "zh": "请写出跟进时间",
        "en": "Say when to follow up",
    },
    "followup_bad_when": {
        "zh": "看不懂时间「{when}」（可以写 明天 18:00、今晚 20:00、12-05 09:00、2小时后、18:00）",
        "en": "\u201c{when}\u201d is not a time I can read (write tomorrow 18:00, tonight 20:00, "
        "12-05 09:00, +2h or 18:00)",
    },
    "followup_time_missing": {
        "zh": "「{day}」之后请写出几点，例如 {day} 18:00",
        "en": "Say what time on \u201c{day}\u201d, e.g. {day} 18:00",
    },
    "followup_bad_time": {
        "zh": "没有 {time} 这个时间（00:00-23:59）",
        "en": "{time} is not a time of day (00:00-23:59)",
    },
    "followup_bad_date": {
        "zh": "没有 {date} 这一天",
        "en": "There is no day {date}",
    },
    "followup_past": {
        "zh": "{when} 已经过去了；要明天的话请写 明天 和时间",
        "en": "{when} has passed; for tomorrow write tomorrow and the time",
    },
    "followup_too_far": {
        "zh": "跟进时间最多设在 {days} 天之内",
        "en": "A follow-up can be at most {days} days ahead",
    },
    # replies (privately to the counsellor where the platform can)
    "followup_ok": {
        "zh": "好的，{when} 提醒您跟进 {staff}（#{id}）。",
        "en": "Done: you will be reminded to follow up with {staff} at {when} (#{id}).",
    },
    "followup_ok_moved": {
        "zh": "{asked} 不在服务时间（{opens}-{closes}），那时没有值班老师；"
        "已改到 {when} 提醒您跟进 {staff}（#{id}）。",
        "en": "{asked} is outside service hours ({opens}-{closes}), when nobody is on duty; "
        "you will be reminded to follow up with {staff} at {when} instead (#{id}).",
    },
    "followup_none": {
        "zh": "您目前没有进行中或刚结束的对话；请写出要跟进的医护人员，例如：{example}",
        "en": "You hold no conversation and closed none; name whom to follow up, e.g. {example}",
    },
    "followup_which": {
        "zh": "您有多个进行中的对话：{held}。请写出要跟进哪一位，例如：{example}",
        "en": "You hold several conversations: {held}. Say whom to follow up, e.g. {example}",
    },
    "followup_unknown": {
        "zh": "找不到与 {who} 的对话。",
        "en": "There is no conversation with {who}.",
    },
    "followups_none": {"zh": "您没有待办的跟进。", "en": "You have no follow-ups pending."},
    "followups_title": {
        "zh": "您待办的跟进（{count} 个，取消请发 /跟进 取消 编号）：",
        "en": "Your pending follow-ups ({count}; to cancel one send /followup cancel N):",
    },
    "followups_line": {"zh": "#{id} {when} {staff}", "en": "#{id} {when} {staff}"},
    "followup_cancel_ok": {"zh": "已取消跟进 #{id}。", "en": "Follow-up #{id} is cancelled."},
    "followup_cancel_unknown": {
        "zh": "您没有待办的跟进 #{id}；发送 /我的跟进 查看。",
        "en": "You have no pending follow-up #{id}; send /followups to see yours.",
    },
    "followup_cancel_bad": {
        "zh": "请写出跟进的编号（/我的跟进 里的 #编号）",
        "en": "Give the follow-up's number (the #N in /followups)",
    },
    # when one is due (bot/followups.py): private, never in the group
    "followup_due": {
        "zh": "【跟进提醒】请跟进 {staff}（您在 {set_at} 设定）。{late}",
        "en": "[Follow-up] Time to follow up with {staff} (you set this at {set_at}).{late}",
    },
    "followup_due_other": {
        "zh": "【跟进提醒】{setter} 在 {set_at} 设定此时跟进 {staff}，TA 现在不在班，"
        "请您跟进。{note}{late}",
        "en": "[Follow-up] {setter} asked at {set_at} for {staff} to be followed up now and is "
        "off duty: please follow up.{note}{late}",
    },
    "followup_due_unstaffed": {
        "zh": "【跟进提醒】请跟进 {staff}（您在 {set_at} 设定）。现在没有值班老师，"
        "方便时请跟进或联系组长。{late}",
        "en": "[Follow-up] Time to follow up with {staff} (you set this at {set_at}). No "
        "counsellor is on duty now: follow up when you can, or ask a lead.{late}",
    },
    # after a crisis conversation closes (handlers/conversation_commands.py)
    "followup_propose": {
        "zh": "【跟进建议】与 {staff} 的对话涉及危机。建议 24 小时后跟进，复制发送：{command}",
        "en": "[Follow-up?] The conversation with {staff} was a crisis. Follow up in 24 hours: "
        "send {command}",
    },
    # commands: usage line, summary and example
    "cmd.followup.usage": {"zh": "/跟进 时间 [医护人员]", "en": "/followup WHEN [STAFF]"},
    "cmd.followup.summary": {
        "zh": "到时私信提醒您跟进一位医护人员（您不在班时提醒值班老师）",
        "en": "Be reminded privately to follow someone up (the counsellor on duty, if you are "
        "off then)",
    },
    "cmd.followup.example": {"zh": "/跟进 明天 18:00 @王医生", "en": "/followup tomorrow 18:00"},
    "cmd.followups.usage": {"zh": "/我的跟进", "en": "/followups"},
    "cmd.followups.summary": {
        "zh": "私信列出您待办的跟进",
        "en": "List your pending follow-ups, privately",
    },
    "cmd.followups.example": {"zh": "/我的跟进", "en": "/followups"},
    "cmd.followup_cancel.usage": {"zh": "/跟进 取消 编号", "en": "/followup cancel N"},
    "cmd.followup_cancel.summary": {
        "zh": "取消您的一个跟进",
        "en": "Cancel one of your follow-ups",
    },
    "cmd.followup_cancel.example": {"zh": "/跟进 取消 3", "en": "/followup cancel 3"},
}
