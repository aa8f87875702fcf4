"""Reports: the daily report at close, /stats, `carebot report`, and durations (bot/report.py)."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
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
    "report_by_level": {
        "zh": "已结束会话按风险等级：{levels}。",
        "en": "Closed conversations by risk level: {levels}.",
    },
    "report_by_category": {
        "zh": "已结束会话按类别：{categories}。",
        "en": "Closed conversations by category: {categories}.",
    },
    "report_category": {"zh": "{category} {count}", "en": "{category} {count}"},
    "report_untagged": {"zh": "未归类", "en": "untagged"},
    "report_by_hour": {"zh": "各时段消息：{hours}。", "en": "Messages by hour: {hours}."},
    "report_hour": {"zh": "{hour}时 {count}", "en": "{hour:02d}h {count}"},
    "report_counsellors_title": {"zh": "值班老师：", "en": "Counsellors:"},
    "report_no_counsellors": {"zh": "（无人值班）", "en": "(nobody on duty)"},
    "report_counsellor": {
        "zh": "· {name}：接待 {assigned}，结束 {closed}，首次回复中位数 {median}",
        "en": "- {name}: {assigned} assigned, {closed} closed, median first response {median}",
    },
    "report_no_figure": {"zh": "—", "en": "n/a"},
    "age_minutes": {"zh": "{m} 分钟", "en": "{m} min"},
    "age_hours": {"zh": "{h} 小时 {m} 分", "en": "{h} h {m} min"},
    "duration_s": {"zh": "{s}秒", "en": "{s} s"},
    "duration_ms": {"zh": "{m}分{s}秒", "en": "{m} min {s} s"},
    "duration_hm": {"zh": "{h}小时{m}分", "en": "{h} h {m} min"},
}
