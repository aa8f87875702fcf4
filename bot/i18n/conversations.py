"""Conversations and notices: assignments, queue and crisis replies, open/close,
shift changes, reminders, handovers, non-text messages (bot/conversations.py, bot/notices.py,
handlers/messages.py)."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
    # The group read the message: an assignment points at it by its time, never repeats it.
    "assignment": {
        "zh": "@{counsellor} 请接待 @{staff}（{time} 的消息）。",
        "en": "@{counsellor}, please take care of @{staff} (their message at {time}).",
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
        "zh": "【排队】{count} 位医护人员在等待接待，目前值班老师都已满。{leads}",
        "en": "[Queue] {count} staff waiting: every counsellor on duty is full. {leads}",
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
    # conversations: crisis, queue, deadlines, handover (bot/conversations.py, bot/notices.py)
    "non_text_reply": {
        "zh": "@{staff} 您好，已收到您发的{kind}。值班老师会看到；"
        "方便的话也请用文字简单说说您的情况。",
        "en": "@{staff}, hello: we received your message {kind}. The counsellor will see it; "
        "if you can, "
        "please also tell us in a few words how you are.",
    },
    "assignment_bare": {
        "zh": "@{counsellor} 请接待 @{staff}。",
        "en": "@{counsellor}, please take care of @{staff}.",
    },
    "assignment_waited": {
        "zh": "@{counsellor} 请接待 @{staff}（{time} 起等待期间共 {count} 条消息）。",
        "en": "@{counsellor}, please take care of @{staff} ({count} messages while waiting, "
        "from {time}).",
    },
    "assignment_timeout": {
        "zh": "@{counsellor} 请接待 @{staff}（{time} 的消息；{late} {minutes} 分钟内未回复，"
        "已转给您）。",
        "en": "@{counsellor}, please take care of @{staff} (their message at {time}; {late} did "
        "not answer within {minutes} minutes).",
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
    # A 1:1 channel's team group in privacy mode: counts, and each counsellor told whom privately.
    "handover_takes_count": {
        "zh": "{counsellor} 接手 {count} 个",
        "en": "{counsellor} takes {count}",
    },
    "handover_waiting_count": {
        "zh": "{count} 个等待下一位有空的值班老师",
        "en": "{count} wait for the next counsellor with room",
    },
    "handover_waiting_close_count": {
        "zh": "{count} 个将在 {opens} 交给值班老师",
        "en": "{count} go to the counsellors on duty at {opens}",
    },
    "handover_private_names": {
        "zh": "您接手了：{staff}",
        "en": "You take over: {staff}",
    },
    "handover_note_line": {"zh": "备注（{staff}）：{note}", "en": "Note ({staff}): {note}"},
    "handover_private": {
        "zh": "您接手了 {staff} 的对话。交接备注：{note}",
        "en": "You are taking over the conversation with {staff}. Handover note: {note}",
    },
    # what the group sees of a crisis (non-privacy groups): help, in words that do not say crisis
    "crisis_reply_group": {
        "zh": "@{staff} 您好，{counsellor} 老师马上就来。"
        "如果现在就想找人聊聊，也可以拨打：{hotlines}。",
        "en": "@{staff}, hello: {counsellor} is coming to you now. If you would like to talk to "
        "someone this minute, you can also call: {hotlines}.",
    },
    "crisis_reply_group_waiting": {
        "zh": "@{staff} 您好，消息已收到，我们会尽快安排老师陪您。"
        "如果现在就想找人聊聊，可以拨打：{hotlines}。",
        "en": "@{staff}, hello: your message is safe with us and someone will be with you as soon "
        "as possible. If you would like to talk to someone this minute, you can call: {hotlines}.",
    },
    "crisis_off_hours_group": {
        "zh": "@{staff} 您好，我们在。现在是非服务时间（{opens}-{closes}），"
        "{next_open} 起值班老师会第一时间联系您。"
        "如果现在就想找人聊聊，可以拨打：{hotlines}，那里随时有人接听。",
        "en": "@{staff}, hello: we are here. We are closed right now (service hours "
        "{opens}-{closes}) and a counsellor will reach you first thing from {next_open}. If you "
        "would like to talk to someone now, call {hotlines}; someone answers there at any hour.",
    },
    # nobody on duty inside service hours (a rota gap)
    "waiting_nobody": {
        "zh": "@{staff} 您好，消息已收到。现在暂时没有值班老师，已通知组长尽快安排老师接待您。"
        "如需紧急帮助，请拨打：{hotlines}。",
        "en": "@{staff}, hello: your message is safe with us. Nobody is on duty right now; the "
        "team leads have been told and will arrange someone as soon as they can. For urgent "
        "help now, call: {hotlines}.",
    },
    "waiting_gap_leads": {
        "zh": "【无人值班】现在是服务时间，但没有值班老师；"
        "{count} 位医护人员在等待，请组长安排。{leads}",
        "en": "[Nobody on duty] Service is open but no counsellor is on duty; {count} staff "
        "waiting. Please arrange someone. {leads}",
    },
    # wecom (bot/platforms/wecom.py) and non-text messages (handlers/messages.py)
    "media_image": {"zh": "[图片]", "en": "[image]"},
    "media_voice": {"zh": "[语音]", "en": "[voice message]"},
    "media_video": {"zh": "[视频]", "en": "[video]"},
    "media_file": {"zh": "[文件]", "en": "[file]"},
    "media_other": {"zh": "[非文字消息]", "en": "[a message without text]"},
    # Counsellors paused after a timeout; a reminder's real time left (issue 20 items 1-2).
    "paused_leads": {
        "zh": "{late} 暂停接收新的对话，直到其在群里发言或发送 /接，或组长发送 /恢复 {late}。",
        "en": "{late} gets no new conversations until they post or send /ack, or a lead sends "
        "/resume {late}.",
    },
    "paused_alone_leads": {
        "zh": "【未及时回复】{late} {minutes} 分钟内未回复 {staff}。",
        "en": "[No answer] {late} did not answer {staff} within {minutes} minutes.",
    },
    "waiting_paused_leads": {
        "zh": "【排队】{count} 位医护人员在等待接待：值班老师都已满，或有空位的老师最近未回复"
        "（暂停中，见私信）。{leads}",
        "en": "[Queue] {count} staff waiting: the counsellors on duty are full, or those with "
        "room have not answered lately (paused; see your private alert). {leads}",
    },
    "reminder_one_minute": {
        "zh": "【值班提醒】{names}，您的值班 {span} 将在 1 分钟后开始。",
        "en": "[Reminder] {names}: your shift {span} starts in a minute.",
    },
    # What a new person hears once about who reads their words (issue 20 item 11).
    "privacy_notice_private_days": {
        "zh": "（carebot 只把你写的内容转给值班老师和组长，保存 {days} 天后删除。）",
        "en": "(carebot passes what you write only to the counsellors and leads, and deletes "
        "it after {days} days.)",
    },
    "privacy_notice_private_forever": {
        "zh": "（carebot 只把你写的内容转给值班老师和组长；如需删除，请联系组长。）",
        "en": "(carebot passes what you write only to the counsellors and leads; ask a lead "
        "to have it deleted.)",
    },
    "privacy_notice_group_days": {
        "zh": "（你在本群写的内容由值班老师在群里接待；carebot 保存 {days} 天后删除。）",
        "en": "(the counsellor on duty answers what you write here, in this group; carebot "
        "deletes it after {days} days.)",
    },
    "privacy_notice_group_forever": {
        "zh": "（你在本群写的内容由值班老师在群里接待；如需删除 carebot 保存的记录，请联系组长。）",
        "en": "(the counsellor on duty answers what you write here, in this group; ask a lead "
        "to have carebot's copy deleted.)",
    },
    "privacy_audit_forget": {
        "zh": "应本人要求删除 {person} 所写的内容：消息 {messages} 条、机器人转述 {posts} 条、"
        "本地聊天 {local_posts} 条、交接备注 {notes} 条；尚未送达而保留 {kept} 条",
        "en": "Deleted what {person} wrote, at their request: {messages} messages, {posts} bot "
        "posts, {local_posts} local chat posts, {notes} handover notes; {kept} kept until "
        "delivered",
    },
    "privacy_audit_purge": {
        "zh": "删除 {before} 之前写的内容：消息 {messages} 条、机器人转述 {posts} 条、"
        "本地聊天 {local_posts} 条、交接备注 {notes} 条；尚未送达而保留 {kept} 条",
        "en": "Removed text written before {before}: {messages} messages, {posts} bot posts, "
        "{local_posts} local chat posts, {notes} handover notes; {kept} kept until delivered",
    },
    # The 1:1 channels (微信客服, bot/platforms/wecom_kf.py; issue 15).
    "person_ack": {
        "zh": "收到，值班的{counsellor}老师会尽快回复你。",
        "en": "Got it: {counsellor}, on duty now, will answer you soon.",
    },
    # A privacy group's assignment on a 1:1 channel: the team group reads the counsellor's name
    # alone; the counsellor is told privately whom (the team group's platform, where it can).
    "assignment_team_private": {
        "zh": "@{counsellor} 请接待一位新来的同事（是谁只私下告诉你）。",
        "en": "@{counsellor}, please take care of someone new (who it is, you are told privately).",
    },
    "assignment_private_name": {
        "zh": "您被安排接待 {staff}。",
        "en": "You have been asked to take care of {staff}.",
    },
    # The label of an outbox row that hands a 1:1 channel's session over (the outbox listing).
    "session_to": {
        "zh": "会话转给 {counsellor} 接待",
        "en": "session handed to {counsellor}",
    },
    "session_end": {
        "zh": "会话结束",
        "en": "session ended",
    },
    "kf_welcome": {
        "zh": "你好，这里是心理支持服务，服务时间 {opens}-{closes}。"
        "想说什么都可以直接发给我们。如需紧急帮助，请拨打：{hotlines}。",
        "en": "Hello, this is the support service, open {opens}-{closes}. Write to us "
        "about anything. If you need help right now, call: {hotlines}.",
    },
    "kf_welcome_closed": {
        "zh": "你好，这里是心理支持服务，服务时间 {opens}-{closes}，现在不在服务时间。"
        "你可以先留言，{next_open} 起值班老师会回复你。如需紧急帮助，请现在拨打：{hotlines}。",
        "en": "Hello, this is the support service, open {opens}-{closes}; we are closed now. "
        "Leave us a message and a counsellor will answer from {next_open}. If you need help "
        "right now, call: {hotlines}.",
    },
}
