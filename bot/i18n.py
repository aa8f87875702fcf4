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
        "zh": "【交接班 {time}】下班：{off}。上班：{on}。现在值班：{now_on}。",
        "en": "[Shift change {time}] Going off duty: {off}. Coming on: {on}. On duty now: "
        "{now_on}.",
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
    # conversations: crisis, queue, deadlines, handover (bot/conversations.py, bot/notices.py)
    "non_text_reply": {
        "zh": "@{staff} 您好，已收到您发的{kind}。值班老师会看到；"
        "方便的话也请用文字简单说说您的情况。",
        "en": "@{staff}, hello: we received your message {kind}. The counsellor will see it; "
        "if you can, "
        "please also tell us in a few words how you are.",
    },
    "assignment_waited": {
        "zh": "@{counsellor} 请接待 @{staff}（等待期间共 {count} 条消息）：「{excerpt}」",
        "en": "@{counsellor}, please take care of @{staff} ({count} messages while waiting): "
        "\u201c{excerpt}\u201d",
    },
    "assignment_timeout": {
        "zh": "@{counsellor} 请接待 @{staff}（{late} {minutes} 分钟内未回复，已转给您）："
        "「{excerpt}」",
        "en": "@{counsellor}, please take care of @{staff} ({late} did not answer within "
        "{minutes} minutes): \u201c{excerpt}\u201d",
    },
    "handover_note": {"zh": "\n交接备注：{note}", "en": "\nHandover note: {note}"},
    "crisis_reply": {
        "zh": "@{staff} 您好，我们收到了您的消息，{counsellor} 老师马上来陪您。"
        "如果现在就需要帮助，请拨打：{hotlines}。",
        "en": "@{staff}, we hear you. {counsellor} is coming to you right now. If you need help "
        "this minute, please call: {hotlines}.",
    },
    "crisis_reply_waiting": {
        "zh": "@{staff} 您好，我们收到了您的消息，已通知组长尽快安排老师陪您。"
        "如果现在就需要帮助，请拨打：{hotlines}。",
        "en": "@{staff}, we hear you. The team leads have been told and someone will be with you "
        "as soon as possible. If you need help this minute, please call: {hotlines}.",
    },
    "crisis_off_hours": {
        "zh": "@{staff} 您好，我们收到了您的消息。现在是非服务时间（{opens}-{closes}），"
        "请现在就拨打：{hotlines}，那里有人随时接听。"
        "组长已收到通知，{next_open} 起值班老师会第一时间联系您。",
        "en": "@{staff}, we hear you. We are closed right now (service hours {opens}-{closes}): "
        "please call {hotlines} now, someone answers there at any hour. The team leads have "
        "been told, and a counsellor will reach you first thing from {next_open}.",
    },
    "crisis_alert": {
        "zh": "【危机预警】{staff} 的消息可能涉及危机，已安排 {counsellor} 立即接待。"
        "消息：「{text}」",
        "en": "[Crisis] A message from {staff} may signal a crisis; {counsellor} is taking it "
        "now. Message: \u201c{text}\u201d",
    },
    "crisis_alert_unassigned": {
        "zh": "【危机预警】{staff} 的消息可能涉及危机，目前没有值班老师可以接待，请组长立即安排。"
        "消息：「{text}」",
        "en": "[Crisis] A message from {staff} may signal a crisis and no counsellor can take it "
        "now: please arrange someone at once. Message: \u201c{text}\u201d",
    },
    "escalation_moved": {
        "zh": "【未及时回复】{late} {minutes} 分钟内未回复 {staff}，已转给 {next}。",
        "en": "[No answer] {late} did not answer {staff} within {minutes} minutes; it went to "
        "{next}.",
    },
    "escalation_stuck": {
        "zh": "【未及时回复】{late} {minutes} 分钟内未回复 {staff}，"
        "且没有其他值班老师可以接手，请组长跟进。",
        "en": "[No answer] {late} did not answer {staff} within {minutes} minutes and no other "
        "counsellor on duty can take it: please follow up.",
    },
    "crisis_mark": {"zh": "（危机）", "en": " (crisis)"},
    "handover_title": {"zh": "交接 {count} 个对话：", "en": "Handing over {count} conversations:"},
    "handover_takes": {
        "zh": "{counsellor} 接手 {count} 个：{staff}",
        "en": "{counsellor} takes {count}: {staff}",
    },
    "handover_waiting": {
        "zh": "{count} 个等待下一位有空的值班老师：{staff}",
        "en": "{count} wait for the next counsellor with room: {staff}",
    },
    "handover_waiting_close": {
        "zh": "{count} 个将在 {opens} 交给值班老师：{staff}",
        "en": "{count} go to the counsellors on duty at {opens}: {staff}",
    },
    "handover_note_line": {"zh": "备注（{staff}）：{note}", "en": "Note ({staff}): {note}"},
    "handover_private": {
        "zh": "您接手了 {staff} 的对话。交接备注：{note}",
        "en": "You are taking over the conversation with {staff}. Handover note: {note}",
    },
    # conversation commands (handlers/conversation_commands.py)
    "usage_error": {
        "zh": "格式不对。用法：{usage}，例如：{example}",
        "en": "That does not fit. Usage: {usage}, e.g. {example}",
    },
    "done_ok": {
        "zh": "已结束与 {staff} 的对话，辛苦了。",
        "en": "Closed the conversation with {staff}. Thank you.",
    },
    "done_none": {"zh": "您目前没有进行中的对话。", "en": "You hold no open conversation."},
    "done_which": {
        "zh": "您有多个进行中的对话：{held}。请指明要结束哪一个，例如：{example}",
        "en": "You hold several conversations: {held}. Say which one to close, e.g. {example}",
    },
    "done_unknown": {
        "zh": "您没有与 {who} 的进行中对话。您的对话：{held}",
        "en": "You hold no conversation with {who}. Yours: {held}",
    },
    "ack_ok": {
        "zh": "已确认接待 {count} 个对话。",
        "en": "Confirmed: you have taken {count} conversations.",
    },
    "ack_none": {"zh": "没有等待您确认的对话。", "en": "Nothing is waiting for your confirmation."},
    "handover_ok": {
        "zh": "交接备注已附在您的 {count} 个对话上，接手的老师会看到。",
        "en": "The note is on your {count} conversations; whoever takes them over will see it.",
    },
    "handover_too_long": {
        "zh": "交接备注最多 {limit} 个字，请精简后再发。",
        "en": "A handover note is at most {limit} characters; please shorten it.",
    },
    "queue_empty": {
        "zh": "目前没有等待或进行中的对话。",
        "en": "Nobody is waiting and no conversation is open.",
    },
    "queue_title": {
        "zh": "等待 {waiting} 个，进行中 {open} 个：",
        "en": "{waiting} waiting, {open} open:",
    },
    "queue_waiting_line": {
        "zh": "等待 {staff} · {age}{flags}",
        "en": "waiting {staff} · {age}{flags}",
    },
    "queue_open_line": {
        "zh": "进行中 {staff} → {counsellor} · {age}{flags}",
        "en": "open {staff} → {counsellor} · {age}{flags}",
    },
    "queue_unanswered": {"zh": "（未回复）", "en": " (no answer yet)"},
    # wecom (bot/platforms/wecom.py) and non-text messages (handlers/messages.py)
    "wecom_private_unavailable": {
        "zh": "有一条只发给您的消息未能私下送达：本群没有配置企业微信应用"
        "（corp_secret、agent_id）。请联系组长查看。",
        "en": "A message meant only for you could not be sent privately: this group has no WeCom "
        "application configured (corp_secret, agent_id). Please ask a team lead.",
    },
    "media_image": {"zh": "[图片]", "en": "[image]"},
    "media_voice": {"zh": "[语音]", "en": "[voice message]"},
    "media_video": {"zh": "[视频]", "en": "[video]"},
    "media_file": {"zh": "[文件]", "en": "[file]"},
    "media_other": {"zh": "[非文字消息]", "en": "[a message without text]"},
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


def media_word(language: str, msg_type: str) -> str:
    """How a message without text is named to people: "[图片]", "[image]", ..."""
    kind = msg_type if msg_type in ("image", "voice", "video", "file") else "other"
    return t(language, "media_" + kind)
