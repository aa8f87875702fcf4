"""The local chat page and the lead console (bot/web/)."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
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
    "web_kind_followup": {"zh": "跟进", "en": "follow-up"},
    "web_kind_session": {"zh": "会话转接", "en": "session"},
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
    "console_kf_link": {"zh": "微信客服链接", "en": "WeChat customer-service link"},
    "console_kf_link_qr": {"zh": "微信客服二维码", "en": "QR code of the customer-service link"},
    "console_kf_link_help": {
        "zh": "把链接或二维码置顶在微信群里：同事点开或扫码，就能在微信里一对一找到值班老师。",
        "en": "Pin the link or the QR code in the WeChat group: a colleague who taps or scans it "
        "talks 1:1, inside WeChat, with the counsellor on duty.",
    },
    "console_kf_link_failed": {
        "zh": "暂时取不到链接：{problem}",
        "en": "The link could not be had just now: {problem}",
    },
    "console_logged_out": {"zh": "已退出。", "en": "Signed out."},
    "console_on_duty_now": {"zh": "正在值班", "en": "On duty now"},
    "console_on_duty_next": {"zh": "下一班", "en": "Next"},
    "console_until": {"zh": "至 {time}", "en": "until {time}"},
    "console_from": {"zh": "{time} 起", "en": "from {time}"},
    "console_week": {"zh": "排班（{start} 至 {end}）", "en": "Rota, {start} to {end}"},
    "console_prev_week": {"zh": "‹ 上一周", "en": "‹ previous week"},
    "console_this_week": {"zh": "本周", "en": "this week"},
    "console_next_week": {"zh": "下一周 ›", "en": "next week ›"},
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
    "console_by_category": {
        "zh": "已结束的对话按类别",
        "en": "Closed conversations by category",
    },
    "console_col_category": {"zh": "类别", "en": "Category"},
    "console_col_level": {"zh": "风险等级", "en": "Risk level"},
    "console_by_level": {
        "zh": "已结束的对话按风险等级",
        "en": "Closed conversations by risk level",
    },
    "console_col_count": {"zh": "数量", "en": "Count"},
    "console_export": {"zh": "导出对话（CSV）：", "en": "Export conversations (CSV):"},
    "console_export_day": {"zh": "{date} 当天", "en": "{date}"},
    "console_export_week": {"zh": "{start} 至 {end}", "en": "{start} to {end}"},
    "console_export_note": {
        "zh": "每个对话一行：时间、等待、值班老师、类别、危机标记；不含消息内容和医护人员身份。",
        "en": "One row a conversation: times, waits, counsellor, category, crisis flag; no "
        "message text and nothing that names the staff member.",
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
    # The console at phone width (issue 20 item 3).
    "console_grid_scroll": {
        "zh": "左右滑动可查看整周。",
        "en": "Swipe sideways for the rest of the week.",
    },
    "console_close": {"zh": "关闭", "en": "Close"},
    # What the retention purge removed (issue 20 item 11).
    "console_text_removed": {
        "zh": "（已按保存期限删除）",
        "en": "(removed under the retention policy)",
    },
    "web_text_removed": {
        "zh": "（已按保存期限删除）",
        "en": "(removed under the retention policy)",
    },
}
