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
    # /risk /风险 (handlers/risk_commands.py): every reply private to the counsellor
    "cmd.risk.usage": {
        "zh": "/风险 [医护人员] 等级0-3 [意愿:…] [能力:…] [意图:…] [保护:…]",
        "en": "/risk [STAFF] LEVEL0-3 [desire:…] [capability:…] [intent:…] [buffers:…]",
    },
    "cmd.risk.summary": {
        "zh": "记录您对所接待对话的风险评估（私密保存，组长和督导可见；3级立即通知值班督导）",
        "en": "Record your risk assessment of a conversation you hold (kept private, seen by "
        "leads and supervisors; level 3 pages the supervisor on duty)",
    },
    "cmd.risk.example": {
        "zh": "/风险 3 意愿:有 能力:有 意图:今晚 保护:家人",
        "en": "/risk 3 desire:yes capability:pills intent:tonight buffers:sister",
    },
    "risk_err_level": {
        "zh": "请先写风险等级 0-3（0 一般，1 困扰，2 自伤或自杀言语，3 有计划、手段或时间）。",
        "en": "Start with the level 0-3 (0 ordinary, 1 distress, 2 self-harm or suicide "
        "language, 3 a plan, the means or a time frame).",
    },
    "risk_err_key": {
        "zh": "看不懂「{word}」：每一项写成 意愿:… 能力:… 意图:… 保护:…（或 d: c: i: b:）。",
        "en": "I do not understand {word}: write each domain as desire:… capability:… "
        "intent:… buffers:… (or d: c: i: b:).",
    },
    "risk_err_long": {
        "zh": "每一项最多 {limit} 个字。",
        "en": "Each domain takes at most {limit} characters.",
    },
    "risk_none": {
        "zh": "您目前没有可以记录评估的进行中对话。",
        "en": "You hold no open conversation to assess.",
    },
    "risk_which": {
        "zh": "您有多个进行中的对话：{held}。请先写出医护人员，例如：{example}",
        "en": "You hold several conversations: {held}. Name the staff member first, e.g. {example}",
    },
    "risk_which_example": {
        "zh": "/风险 @王医生 2 意愿:有 保护:家人",
        "en": "/risk @王医生 2 desire:yes buffers:family",
    },
    "risk_ok": {
        "zh": "已记录对话 #{id} 的风险评估（{level}级），仅组长和督导可见。",
        "en": "Risk note saved for conversation #{id} (level {level}); only leads and "
        "supervisors see it.",
    },
    "risk_followup_set": {
        "zh": "已为你设好 {when} 的跟进（#{id}），/我的跟进 可查看或取消。",
        "en": " A follow-up is set for {when} (#{id}); /followups shows or cancels it.",
    },
    "risk_ok_paged": {
        "zh": "已记录对话 #{id} 的风险评估（{level}级），并已通知值班督导 {supervisors}。",
        "en": "Risk note saved for conversation #{id} (level {level}); the supervisor on duty, "
        "{supervisors}, has been paged.",
    },
    "risk_page": {
        "zh": "【风险评估 3级】对话 #{id}{staff}，{counsellor} 评估为{level}：{domains}。"
        "请尽快联系。",
        "en": "[Risk note, level 3] Conversation #{id}{staff}: {counsellor} assessed {level}: "
        "{domains}. Please get in touch now.",
    },
    "risk_domain": {"zh": "{domain}：{value}", "en": "{domain}: {value}"},
    "risk_desire": {"zh": "意愿", "en": "desire"},
    "risk_capability": {"zh": "能力", "en": "capability"},
    "risk_intent": {"zh": "意图", "en": "intent"},
    "risk_buffers": {"zh": "保护", "en": "buffers"},
    "risk_no_domains": {"zh": "（未写各项）", "en": "(no domains given)"},
    # after a conversation in /queue, for the leads and supervisors who asked
    "risk_queue_mark": {
        "zh": "\n  风险评估 {level}级（{counsellor} {time}）：{domains}",
        "en": "\n  risk note level {level} ({counsellor} {time}): {domains}",
    },
    # the supervision rota line in /rota and /oncall (bot/rota_table.py)
    "rota_supervision_line": {"zh": "督导：{shifts}", "en": "Supervision: {shifts}"},
    "oncall_supervising": {"zh": "值班督导：{names}", "en": "Supervisor on duty: {names}"},
    # queue health at a glance, on top of /queue and the console's queue (bot/queue_health.py)
    "queue_health": {
        "zh": "等待超过{minutes}分钟：{long} · 2-3级等待：{risk} · 值班咨询师 {counsellors} 人 / "
        "进行中对话 {open} · 值班督导：{supervisors}",
        "en": "Waiting over {minutes} min: {long} · waiting at level 2-3: {risk} · counsellors "
        "on duty {counsellors} / open conversations {open} · supervisor on duty: {supervisors}",
    },
}
