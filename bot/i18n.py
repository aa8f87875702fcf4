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
    "assignment_bare": {
        "zh": "@{counsellor} 请接待 @{staff}。",
        "en": "@{counsellor}, please take care of @{staff}.",
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
    "media_image": {"zh": "[图片]", "en": "[image]"},
    "media_voice": {"zh": "[语音]", "en": "[voice message]"},
    "media_video": {"zh": "[视频]", "en": "[video]"},
    "media_file": {"zh": "[文件]", "en": "[file]"},
    "media_other": {"zh": "[非文字消息]", "en": "[a message without text]"},
    # web: the local chat page and the lead console (bot/web/); "{n}"-style fields are filled
    # in by the page's script where the key is sent to the browser as is.
    "web_local_title": {"zh": "carebot · 本地群聊", "en": "carebot · local chat"},
    "web_tab_group": {"zh": "群聊", "en": "Group"},
    "web_tab_inbox": {"zh": "私信", "en": "Private"},
    "web_group_empty": {
        "zh": "还没有消息。在下方选一个身份，发第一条消息吧。",
        "en": "No messages yet. Pick who you are below and write the first one.",
    },
    "web_inbox_empty": {
        "zh": "这里只显示发给当前身份的私信。隐私模式的群里，分配给值班老师的求助内容只发到这里。",
        "en": "Only posts sent privately to the member you post as appear here. In a privacy-mode "
        "group, what staff wrote reaches the assigned counsellor only here.",
    },
    "web_post_as": {"zh": "发言身份", "en": "Post as"},
    "web_new_staff": {"zh": "＋ 新的医护人员", "en": "+ new staff member"},
    "web_new_staff_name": {"zh": "医生{n}", "en": "Doctor {n}"},
    "web_role_staff": {"zh": "医护人员", "en": "Medical staff"},
    "web_role_counsellor": {"zh": "值班老师", "en": "Counsellors"},
    "web_role_lead": {"zh": "组长", "en": "Team leads"},
    "web_role_counsellor_one": {"zh": "值班老师", "en": "counsellor"},
    "web_role_lead_one": {"zh": "组长", "en": "team lead"},
    "web_placeholder": {
        "zh": "说点什么，或输入命令，例如 /帮助",
        "en": "Write something, or a command such as /help",
    },
    "web_send": {"zh": "发送", "en": "Send"},
    "web_hint": {
        "zh": "开始：在下方以一位医护人员的身份发一条消息，carebot 会把它交给值班老师；"
        "右上角是 carebot 的时钟，到交接班时间群里会收到通知。",
        "en": "To begin: post a message below as a member of the medical staff and carebot hands "
        "it to the counsellor on duty; the clock at the top right is carebot's, and a notice "
        "appears at each shift change.",
    },
    "web_clock": {"zh": "时钟", "en": "Clock"},
    "web_privacy_on": {"zh": "隐私模式", "en": "privacy mode"},
    "web_private": {"zh": "私信", "en": "private"},
    "web_members": {"zh": "{n} 人", "en": "{n} members"},
    "web_send_failed": {"zh": "没有发出：{error}", "en": "Not sent: {error}"},
    "web_disconnected": {"zh": "连接中断，正在重连…", "en": "Connection lost; reconnecting…"},
    "web_no_groups": {
        "zh": '没有 platform = "local" 的群。请在配置中添加一个，或运行 carebot demo。',
        "en": 'No group has platform = "local". Add one to the config, or run carebot demo.',
    },
    "web_kind_assignment": {"zh": "分配", "en": "assigned"},
    "web_kind_shift_change": {"zh": "交接班", "en": "shift change"},
    "web_kind_reminder": {"zh": "提醒", "en": "reminder"},
    "web_kind_open": {"zh": "开始服务", "en": "open"},
    "web_kind_close": {"zh": "结束服务", "en": "closed"},
    "web_kind_off_hours": {"zh": "自动回复", "en": "auto-reply"},
    "web_kind_crisis": {"zh": "危机", "en": "crisis"},
    "web_kind_escalation": {"zh": "提醒组长", "en": "escalation"},
    "web_kind_command_reply": {"zh": "命令", "en": "command"},
    "web_kind_report": {"zh": "日报", "en": "report"},
    "local_refused_remote": {
        "zh": "本地群聊没有账号，只对本机开放。请在运行 carebot 的电脑上打开它。",
        "en": "The local chat has no accounts and answers this machine only; open it on the "
        "computer that runs carebot.",
    },
    "local_refused_host": {
        "zh": "地址 {host} 不是这台 carebot 服务器。请用 http://127.0.0.1:{port}/ 打开本地群聊。",
        "en": "{host} does not name this carebot server; open the local chat at "
        "http://127.0.0.1:{port}/.",
    },
    "local_refused_origin": {
        "zh": "来自其他网站（{origin}）的请求不能使用本地群聊。",
        "en": "A request from another site ({origin}) cannot use the local chat.",
    },
    "local_refused_content_type": {
        "zh": "本地群聊只接受 JSON（Content-Type: application/json）。",
        "en": "The local chat takes JSON only (Content-Type: application/json).",
    },
    "console_title": {"zh": "carebot 组长控制台", "en": "carebot lead console"},
    "console_login_required": {
        "zh": "请先登录：打开管理员发给您的一次性登录链接，或在 /console/login 输入控制台令牌。",
        "en": "Sign in first: open the one-time link your administrator sent you, or enter your "
        "console token at /console/login.",
    },
    "console_login_bad": {
        "zh": "这个登录链接或令牌无效（链接只能用一次，且很快过期）。请向管理员索取新的链接。",
        "en": "This sign-in link or token is not valid (a link works once and expires soon); "
        "ask for a new one.",
    },
    "console_csrf_bad": {
        "zh": "请求缺少有效的安全令牌，请刷新页面后重试。",
        "en": "The request lacks a valid security token; reload the page and try again.",
    },
    "console_no_groups": {
        "zh": "这个链接没有对应的群。",
        "en": "This link belongs to no group.",
    },
    "console_logout": {"zh": "退出", "en": "Sign out"},
    "console_logged_out": {"zh": "已退出。", "en": "Signed out."},
    "console_on_duty_now": {"zh": "正在值班", "en": "On duty now"},
    "console_on_duty_next": {"zh": "下一班", "en": "Next"},
    "console_until": {"zh": "至 {time}", "en": "until {time}"},
    "console_from": {"zh": "{time} 起", "en": "from {time}"},
    "console_week": {"zh": "排班（{start} 至 {end}）", "en": "Rota, {start} to {end}"},
    "console_prev_week": {"zh": "‹ 上一周", "en": "‹ previous week"},
    "console_this_week": {"zh": "本周", "en": "this week"},
    "console_next_week": {"zh": "下一周 ›", "en": "next week ›"},
    "console_weekdays": {
        "zh": "周一 周二 周三 周四 周五 周六 周日",
        "en": "Mon Tue Wed Thu Fri Sat Sun",
    },
    "console_gap_legend": {
        "zh": "值班人数少于 {n} 人的时段",
        "en": "hours with fewer than {n} on duty",
    },
    "console_now": {"zh": "现在", "en": "now"},
    "console_grid_help": {
        "zh": "点击空白处添加班次；点击班次可删除或换班。",
        "en": "Click an empty slot to add a shift; click a shift to remove or swap it.",
    },
    "console_undo": {"zh": "撤销上一次修改", "en": "Undo the last change"},
    "console_add_shift": {"zh": "添加班次", "en": "Add a shift"},
    "console_counsellor": {"zh": "值班老师", "en": "Counsellor"},
    "console_date": {"zh": "日期", "en": "Date"},
    "console_start": {"zh": "开始", "en": "Start"},
    "console_end": {"zh": "结束", "en": "End"},
    "console_save": {"zh": "添加", "en": "Add"},
    "console_cancel": {"zh": "取消", "en": "Cancel"},
    "console_remove": {"zh": "删除这个班次", "en": "Remove this shift"},
    "console_swap_to": {"zh": "换给", "en": "Give it to"},
    "console_swap": {"zh": "换班", "en": "Swap"},
    "console_queue": {"zh": "排队与进行中的对话", "en": "Queue and open conversations"},
    "console_col_staff": {"zh": "医护人员", "en": "Staff member"},
    "console_col_status": {"zh": "状态", "en": "Status"},
    "console_col_assignee": {"zh": "接待老师", "en": "Counsellor"},
    "console_col_age": {"zh": "开始于", "en": "Opened"},
    "console_col_reply": {"zh": "首次回复", "en": "First reply"},
    "console_col_flags": {"zh": "标记", "en": "Flags"},
    "console_status_waiting": {"zh": "排队中", "en": "waiting"},
    "console_status_open": {"zh": "进行中", "en": "open"},
    "console_crisis": {"zh": "危机", "en": "crisis"},
    "console_reassigned": {"zh": "转派 {n} 次", "en": "reassigned {n}×"},
    "console_unanswered": {"zh": "未回复", "en": "no answer yet"},
    "console_no_conversations": {
        "zh": "没有排队或进行中的对话。",
        "en": "No conversation is waiting or open.",
    },
    "console_open_conversation": {"zh": "查看", "en": "Open"},
    "console_privacy_hidden": {
        "zh": "隐私模式：不显示消息内容",
        "en": "Privacy mode: message text is never shown",
    },
    "console_ago": {"zh": "{age}前", "en": "{age} ago"},
    "console_minutes": {"zh": "{m} 分钟", "en": "{m} min"},
    "console_hours": {"zh": "{h} 小时 {m} 分", "en": "{h} h {m} min"},
    "console_report": {"zh": "日报 {date}", "en": "Daily report {date}"},
    "console_prev_day": {"zh": "‹ 前一天", "en": "‹ previous day"},
    "console_next_day": {"zh": "后一天 ›", "en": "next day ›"},
    "console_chart_messages": {"zh": "每小时消息数", "en": "Messages per hour"},
    "console_chart_first_response": {
        "zh": "首次回复时间（分钟，中位数）",
        "en": "First response (minutes, median)",
    },
    "console_chart_load": {"zh": "每位老师的接待量", "en": "Load per counsellor"},
    "console_assigned": {"zh": "接待", "en": "assigned"},
    "console_closed": {"zh": "已结束", "en": "closed"},
    "console_all": {"zh": "全部", "en": "all"},
    "console_no_data": {"zh": "暂无数据", "en": "no data"},
    "console_report_summary": {
        "zh": "消息 {messages} 条 · 新对话 {opened} 个 · 结束 {closed} 个 · "
        "首次回复中位数 {median}（P90 {p90}）· 曾排队 {waited} 个，最长等待 {longest} · "
        "危机 {crisis} · 非服务时间消息 {off}",
        "en": "{messages} messages · {opened} conversations opened · {closed} closed · first "
        "response median {median} (p90 {p90}) · {waited} waited, longest {longest} · {crisis} "
        "crisis flags · {off} messages out of hours",
    },
    "console_audit": {"zh": "排班变更记录", "en": "Rota changes"},
    "console_col_when": {"zh": "时间", "en": "When"},
    "console_col_who": {"zh": "操作人", "en": "Who"},
    "console_col_action": {"zh": "操作", "en": "Action"},
    "console_col_change": {"zh": "内容", "en": "Change"},
    "console_no_audit": {"zh": "还没有排班变更。", "en": "No rota changes yet."},
    "console_undone": {"zh": "（已撤销）", "en": " (undone)"},
    "console_changed": {"zh": "已修改：{summary}", "en": "Done: {summary}"},
    "console_token_in_url": {
        "zh": "地址里的控制台令牌已不能登录（它会留在浏览记录和日志里）。请在 /console/login "
        "输入令牌，或使用一次性登录链接。",
        "en": "A console token in the address no longer signs in (it would stay in histories and "
        "logs); enter it at /console/login, or use a one-time link.",
    },
    "console_login_throttled": {
        "zh": "登录失败次数太多，请 {seconds} 秒后再试。",
        "en": "Too many failed sign-ins; try again in {seconds} seconds.",
    },
    "console_login_cross_site": {
        "zh": "登录只能在本站的登录页进行。",
        "en": "Sign in from this server's own sign-in page.",
    },
    "console_login_link_prompt": {
        "zh": "点击下方按钮登录组长控制台。这个链接只能用一次。",
        "en": "Press the button to sign in to the lead console. This link works once.",
    },
    "console_login_token_prompt": {
        "zh": "输入您的控制台令牌登录，或打开管理员发给您的一次性登录链接。",
        "en": "Enter your console token to sign in, or open the one-time link your "
        "administrator sent you.",
    },
    "console_login_token_label": {"zh": "控制台令牌", "en": "Console token"},
    "console_login_submit": {"zh": "登录", "en": "Sign in"},
    "demo_banner": {
        "zh": "carebot 演示：打开 {url} ，以「医生1」的身份发一条消息，carebot 会把它交给值班老师；"
        "到交接班时间群里会收到通知（时钟从 {start} 开始，{speed} 倍速）。组长控制台：{console}",
        "en": "carebot demo: open {url} and send a message as Doctor 1; carebot hands it to the "
        "counsellor on duty, and a notice follows at the next shift change (the clock starts at "
        "{start}, speed {speed}x). Lead console: {console}",
    },
    # platforms and outbox (bot/platforms/dingtalk.py, feishu.py, bot/outbox.py)
    "outbox_dead": {
        "zh": "【未能送达】{leads} 一条「{kind}」消息 {hours} 小时内未能发到本群，已停止重试。"
        "请在服务器上运行 carebot outbox 查看，用 carebot outbox retry {id} 重发。",
        "en": "[Not delivered] {leads}: a \u201c{kind}\u201d post could not be delivered to this "
        "group for {hours} hours and is no longer retried. Run `carebot outbox` on the server to "
        "see it, and `carebot outbox retry {id}` to send it again.",
    },
    "outbox_refused": {
        "zh": "【未能送达】{leads} 平台拒收了一条「{kind}」消息，已停止重试，后面的消息照常发送。"
        "请在服务器上运行 carebot outbox 查看原因，修正后用 carebot outbox retry {id} 重发。",
        "en": "[Not delivered] {leads}: the platform refused a \u201c{kind}\u201d post, so it is "
        "no longer retried; the posts after it go out as usual. Run `carebot outbox` on the "
        "server to see why, and `carebot outbox retry {id}` to send it again once fixed.",
    },
    "private_unavailable": {
        "zh": "有一条只发给您的消息未能私下送达：本群没有配置私信所需的应用（{keys}）。"
        "请联系组长查看。",
        "en": "A message meant only for you could not be sent privately: this group has no app "
        "configured for private messages ({keys}). Please ask a team lead.",
    },
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


def media_word(language: str, msg_type: str) -> str:
    """How a message without text is named to people: "[图片]", "[image]", ..."""
    kind = msg_type if msg_type in ("image", "voice", "video", "file") else "other"
    return t(language, "media_" + kind)


# ---- the 1:1 channels (微信客服, bot/platforms/wecom_kf.py): kept apart for easy merges --------
CATALOGUE.update(
    {
        "person_ack": {
            "zh": "收到，值班的{counsellor}老师会尽快回复你。",
            "en": "Got it: {counsellor}, on duty now, will answer you soon.",
        },
        "kf_welcome": {
            "zh": "你好，这里是心理支持服务，服务时间 {opens}-{closes}。"
            "想说什么都可以直接发给我们。如需紧急帮助，请拨打：{hotlines}。",
            "en": "Hello, this is the support service, open {opens}-{closes}. Write to us "
            "about anything. If you need help right now, call: {hotlines}.",
        },
    }
)
