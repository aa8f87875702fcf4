"""Chat commands: /help, refusals, usage replies and argument faults, the replies of the
conversation and rota commands, and each command's usage line, summary and example
(handlers/, bot/rota_args.py)."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
    # commands (handlers/commands.py)
    "help_title": {"zh": "可用命令：", "en": "Commands you can use:"},
    "help_line": {
        "zh": "{usage}{other} — {summary}，例如 {example}",
        "en": "{usage}{other} — {summary}  e.g. {example}",
    },
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
    # conversation commands (handlers/conversation_commands.py)
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
    "done_ok_category": {"zh": "类别：{category}。", "en": " Category: {category}."},
    "done_ok_untagged": {
        "zh": "还没有类别，可以补上，例如 {example}",
        "en": " It has no category yet; add one, e.g. {example}",
    },
    "done_unknown_word": {
        "zh": "没有结束任何对话：这个词既不是类别，也不是您接待的医护人员。"
        "类别：{categories}。您的对话：{held}",
        "en": "Nothing was closed: that word is neither a category nor a staff member you "
        "hold. Categories: {categories}. Yours: {held}",
    },
    "category_ok": {
        "zh": "已将与 {staff} 的对话归为：{category}。",
        "en": "The conversation with {staff} is now: {category}.",
    },
    "category_none": {
        "zh": "您今天没有进行中或已结束的对话可以归类。",
        "en": "You have no conversation open or closed today to tag.",
    },
    "category_which": {
        "zh": "您今天有多个对话：{held}。请写出医护人员，例如：{example}",
        "en": "You have several conversations today: {held}. Name the staff member, e.g. {example}",
    },
    "category_no_such": {
        "zh": "您今天没有与 {who} 的对话。您的对话：{held}",
        "en": "You have no conversation with {who} today. Yours: {held}",
    },
    "category_missing": {
        "zh": "请写出类别：{categories}。",
        "en": "Name the category: {categories}.",
    },
    "category_unknown": {
        "zh": "没有这个类别。类别：{categories}。",
        "en": "That is not a category. Categories: {categories}.",
    },
    "category_two": {
        "zh": "只能写一个类别：{categories}。",
        "en": "Name one category only: {categories}.",
    },
    "category_off": {
        "zh": "本服务没有设置类别（service.categories）。",
        "en": "This service has no categories (service.categories).",
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
    # commands: the usage reply and argument faults (handlers/commands.py, bot/rota_args.py);
    # the rota commands' replies (handlers/rota_commands.py, handlers/rota_swaps.py)
    "usage_reply": {
        "zh": "{reason}\n用法：{usage}\n例如：{example}",
        "en": "{reason}\nUsage: {usage}\nFor example: {example}",
    },
    "arg_missing": {"zh": "参数不完整。", "en": "Some arguments are missing."},
    "arg_extra": {"zh": "多余的内容：{extra}。", "en": "Unexpected words: {extra}."},
    "arg_bad_date": {
        "zh": "看不懂日期「{word}」：请写 今天、明天、YYYY-MM-DD 或 MM-DD。",
        "en": "\u201c{word}\u201d is not a date: write today, tomorrow, YYYY-MM-DD or MM-DD.",
    },
    "arg_no_such_day": {"zh": "没有 {word} 这一天。", "en": "There is no day {word}."},
    "arg_bad_span": {
        "zh": "看不懂时间「{word}」：请写 HH:MM-HH:MM（结束可以写 24:00）。",
        "en": "\u201c{word}\u201d is not a time span: write HH:MM-HH:MM (24:00 may end it).",
    },
    "arg_span_order": {
        "zh": "{word} 的结束时间不晚于开始时间。",
        "en": "{word} does not end after it starts.",
    },
    "arg_unknown_member": {
        "zh": "本群没有「{word}」这位成员：请写成员的 id、名字或 @名字。本群值班老师：{names}。",
        "en": "Nobody called \u201c{word}\u201d is in this group: name a member by id, name or "
        "@name. This group's counsellors: {names}.",
    },
    "arg_ambiguous_member": {
        "zh": "「{word}」对应多位成员（{ids}），请写 id。",
        "en": "\u201c{word}\u201d matches several members ({ids}); write the id.",
    },
    "arg_bad_number": {
        "zh": "「{word}」不是编号，请写数字，例如 3。",
        "en": "\u201c{word}\u201d is not a number; write a number such as 3.",
    },
    "arg_bad_period": {
        "zh": "「{word}」不是 今天 或 本周。",
        "en": "\u201c{word}\u201d is not day or week.",
    },
    "arg_too_many_days": {
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
    # commands: usage line, summary (for /help) and example of each, by the key its decorator
    # names (handlers/*_commands.py, handlers/rota_swaps.py, handlers/commands.py)
    "cmd.help.usage": {"zh": "/帮助", "en": "/help"},
    "cmd.help.summary": {"zh": "列出您可以使用的命令", "en": "List the commands you may use"},
    "cmd.help.example": {"zh": "/帮助", "en": "/help"},
    "cmd.done.usage": {"zh": "/结束 [医护人员] [类别]", "en": "/done [STAFF] [CATEGORY]"},
    "cmd.done.summary": {
        "zh": "结束您接待的一个对话并归类（接待多个时请写出医护人员）",
        "en": "Close a conversation you hold, with its category (name the staff member if you "
        "hold several)",
    },
    "cmd.done.example": {"zh": "/结束 @王医生 心理疏导", "en": "/done @王医生 counselling"},
    "cmd.category.usage": {"zh": "/类别 类别 [医护人员]", "en": "/category CATEGORY [STAFF]"},
    "cmd.category.summary": {
        "zh": "给您接待中或今天结束的对话归类（只告诉您本人）",
        "en": "Tag a conversation you hold or closed today with its category (told to you alone)",
    },
    "cmd.category.example": {"zh": "/类别 情绪支持", "en": "/category emotional"},
    "cmd.ack.usage": {"zh": "/接", "en": "/ack"},
    "cmd.ack.summary": {
        "zh": "确认您已接待刚分配给您的对话",
        "en": "Confirm you have taken the conversations just assigned to you",
    },
    "cmd.ack.example": {"zh": "/接", "en": "/ack"},
    "cmd.handover.usage": {"zh": "/交接 备注", "en": "/handover NOTE"},
    "cmd.handover.summary": {
        "zh": "给您进行中的对话留交接备注，接手的老师会看到",
        "en": "Leave a note on your open conversations for whoever takes them over",
    },
    "cmd.handover.example": {
        "zh": "/交接 王医生今晚值夜班，明早再联系",
        "en": "/handover 王医生今晚值夜班，明早再联系",
    },
    "cmd.queue.usage": {"zh": "/队列", "en": "/queue"},
    "cmd.queue.summary": {
        "zh": "私信查看排队和进行中的对话及其时长（不含消息内容）",
        "en": "Waiting and open conversations with their ages, privately (never message text)",
    },
    "cmd.queue.example": {"zh": "/队列", "en": "/queue"},
    "cmd.oncall.usage": {"zh": "/值班", "en": "/oncall"},
    "cmd.oncall.summary": {
        "zh": "现在谁在值班、到几点，下一班是谁",
        "en": "Who is on duty now, until when, and who is next",
    },
    "cmd.oncall.example": {"zh": "/值班", "en": "/oncall"},
    "cmd.rota.usage": {"zh": "/排班 [今天|明天|日期|周]", "en": "/rota [today|tomorrow|DATE|week]"},
    "cmd.rota.summary": {
        "zh": "某一天或一周的排班表，标出缺口",
        "en": "The rota of a day or a week as a compact table, gaps marked",
    },
    "cmd.rota.example": {"zh": "/排班 周", "en": "/rota week"},
    "cmd.rota_add.usage": {
        "zh": "/排班 添加 成员 日期 HH:MM-HH:MM",
        "en": "/rota add MEMBER DAY HH:MM-HH:MM",
    },
    "cmd.rota_add.summary": {"zh": "为值班老师排班", "en": "Put a counsellor on the rota"},
    "cmd.rota_add.example": {
        "zh": "/排班 添加 张三 明天 08:00-12:00",
        "en": "/rota add Chen tomorrow 08:00-12:00",
    },
    "cmd.rota_remove.usage": {
        "zh": "/排班 删除 成员 日期 HH:MM-HH:MM",
        "en": "/rota remove MEMBER DAY HH:MM-HH:MM",
    },
    "cmd.rota_remove.summary": {
        "zh": "删除一个班次（或其中一段）",
        "en": "Take a shift (or part of one) off the rota",
    },
    "cmd.rota_remove.example": {
        "zh": "/排班 删除 张三 明天 08:00-12:00",
        "en": "/rota remove Chen tomorrow 08:00-12:00",
    },
    "cmd.rota_repeat.usage": {
        "zh": "/排班 复制 源日期 目标日期[~日期]",
        "en": "/rota repeat DAY_FROM DAY_TO[~DAY]",
    },
    "cmd.rota_repeat.summary": {
        "zh": "把某一天的排班复制到其他日子",
        "en": "Copy one day's rota onto other days",
    },
    "cmd.rota_repeat.example": {"zh": "/排班 复制 今天 明天", "en": "/rota repeat today tomorrow"},
    "cmd.rota_undo.usage": {"zh": "/排班 撤销", "en": "/rota undo"},
    "cmd.rota_undo.summary": {"zh": "撤销您上一次的排班改动", "en": "Undo your last rota change"},
    "cmd.rota_undo.example": {"zh": "/排班 撤销", "en": "/rota undo"},
    "cmd.gaps.usage": {"zh": "/缺口 [周|日期]", "en": "/gaps [week|DAY]"},
    "cmd.gaps.summary": {
        "zh": "值班人数少于 service.min_on_duty 的时段",
        "en": "Times with fewer counsellors on duty than service.min_on_duty",
    },
    "cmd.gaps.example": {"zh": "/缺口 周", "en": "/gaps week"},
    "cmd.ical.usage": {"zh": "/日历", "en": "/ical"},
    "cmd.ical.summary": {
        "zh": "私信获取您自己班次的日历订阅链接",
        "en": "A private link to your own shifts as a calendar feed",
    },
    "cmd.ical.example": {"zh": "/日历", "en": "/ical"},
    "cmd.ical_reset.usage": {"zh": "/日历 重置", "en": "/ical reset"},
    "cmd.ical_reset.summary": {
        "zh": "作废旧的日历链接并获取新链接",
        "en": "Retire your calendar link and get a new one",
    },
    "cmd.ical_reset.example": {"zh": "/日历 重置", "en": "/ical reset"},
    "cmd.rota_swap.usage": {
        "zh": "/排班 换班 成员A 成员B 日期 HH:MM-HH:MM",
        "en": "/rota swap MEMBER_A MEMBER_B DAY HH:MM-HH:MM",
    },
    "cmd.rota_swap.summary": {
        "zh": "换班（组长）；把自己的班换给另一位值班老师（值班老师）",
        "en": "Swap a shift (leads); offer your own shift to another counsellor (counsellors)",
    },
    "cmd.rota_swap.example": {
        "zh": "/排班 换班 张三 李四 明天 08:00-12:00",
        "en": "/rota swap Chen Li tomorrow 08:00-12:00",
    },
    "cmd.accept.usage": {"zh": "/同意 [编号]", "en": "/accept [N]"},
    "cmd.accept.summary": {
        "zh": "同意换给您的班（组长可批准）",
        "en": "Accept a swap offered to you (or approve one, as a lead)",
    },
    "cmd.accept.example": {"zh": "/同意 3", "en": "/accept 3"},
    "cmd.rota_release.usage": {
        "zh": "/代班 日期 HH:MM-HH:MM",
        "en": "/rota release DAY HH:MM-HH:MM",
    },
    "cmd.rota_release.summary": {
        "zh": "为自己的班找人代班（有人接班前仍由您负责）",
        "en": "Ask for cover for one of your shifts (it stays yours until someone takes it)",
    },
    "cmd.rota_release.example": {
        "zh": "/代班 明天 08:00-10:00",
        "en": "/rota release tomorrow 08:00-10:00",
    },
    "cmd.rota_take.usage": {"zh": "/接班 编号", "en": "/rota take N"},
    "cmd.rota_take.summary": {
        "zh": "接下别人请求代班的班次",
        "en": "Take over a shift someone asked cover for",
    },
    "cmd.rota_take.example": {"zh": "/接班 3", "en": "/rota take 3"},
    "cmd.stats.usage": {"zh": "/统计 [今天|本周]", "en": "/stats [day|week]"},
    "cmd.stats.summary": {
        "zh": "今天到现在（或最近七天）的统计，不含消息内容",
        "en": "Figures for today so far (or the last seven days), without any message text",
    },
    "cmd.stats.example": {"zh": "/统计 本周", "en": "/stats week"},
    # /resume and /ack after a pause (issue 20 item 1).
    "ack_resumed": {
        "zh": "谢谢，新的对话会重新分配给您。",
        "en": "Thank you: new conversations will come to you again.",
    },
    "resume_ok": {
        "zh": "已恢复：{name} 会重新收到新的对话。",
        "en": "Done: {name} will receive new conversations again.",
    },
    "resume_not_paused": {
        "zh": "{name} 没有被暂停。目前暂停的：{paused}。",
        "en": "{name} is not paused. Paused now: {paused}.",
    },
    "resume_unknown": {
        "zh": "本群没有唯一叫 {who} 的老师（请写名字或编号）。目前暂停的：{paused}。",
        "en": "No one member here is called {who} (write their name or id). Paused now: {paused}.",
    },
    "cmd.resume.usage": {"zh": "/恢复 名字", "en": "/resume NAME"},
    "cmd.resume.summary": {
        "zh": "让超时未回复而暂停的老师重新接收新的对话（私信回复）",
        "en": "Give new conversations again to a counsellor paused after a timeout (privately)",
    },
    "cmd.resume.example": {"zh": "/恢复 陈老师", "en": "/resume Chen"},
}
