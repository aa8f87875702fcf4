"""Delivery: posts that could not be delivered, private posts without an app (bot/outbox.py,
bot/platforms/)."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
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
    # 微信客服's send rules (bot/platforms/wecom_kf_limits.py): what could not be said, and why
    "kf_unsent": {
        "zh": "【未能发出】{to} carebot 没能在微信里告诉 {person}{what}。原因：{reason}。{fix}",
        "en": "[Not sent] {to}: carebot could not tell {person} in WeChat {what}: {reason}. {fix}",
    },
    "kf_someone": {"zh": "一位求助者", "en": "someone"},
    "kf_what_assignment": {"zh": "哪位老师会回复他/她", "en": "which counsellor will answer them"},
    "kf_what_off_hours": {
        "zh": "的自动回复（服务时间或排队情况）",
        "en": "the bot's reply (the service hours, or that they wait)",
    },
    "kf_what_crisis": {
        "zh": "危机回复（有人马上来陪他/她，以及热线电话）",
        "en": "the crisis reply (someone is coming, and the hotlines)",
    },
    "kf_what_other": {"zh": "一条「{kind}」消息", "en": "a \u201c{kind}\u201d message"},
    "kf_reason_quota": {
        "zh": "对方上次发消息后已发出 5 条，这是微信客服的上限",
        "en": "5 messages have gone out since their last message, WeChat's limit",
    },
    "kf_reason_window": {
        "zh": "对方上次发消息已超过 48 小时，微信客服不再允许发送",
        "en": "their last message is more than 48 hours old, after which WeChat allows none",
    },
    "kf_reason_state": {
        "zh": "会话已不在机器人手中（状态 {detail}），此时微信客服不允许发送",
        "en": "the session is no longer with the bot in WeCom (state {detail}), where WeChat "
        "allows no message from it",
    },
    "kf_reason_account": {
        "zh": "客服账号 open_kfid 不对，或账号已删除",
        "en": "the account's open_kfid is wrong, or the account was deleted",
    },
    "kf_reason_secret": {
        "zh": "corp_secret 不是微信客服当前模式所用应用的 secret",
        "en": "corp_secret is not the secret of the application 微信客服 is used through",
    },
    "kf_reason_api_off": {
        "zh": "客服账号没有交给本应用通过 API 管理",
        "en": "the account is not handed to this application's API",
    },
    "kf_reason_servicer": {
        "zh": "该老师不是本客服账号的接待人员、未在企业微信激活，或已停止/暂停接待",
        "en": "the counsellor is not a servicer (接待人员) of the account, is not activated in "
        "WeCom, or has stopped or paused serving",
    },
    "kf_reason_other": {"zh": "企业微信拒绝了（{detail}）", "en": "WeCom refused it ({detail})"},
    "kf_fix_person": {
        "zh": "如仍需要，请在企业微信客户端直接回复对方；对方再发消息后 carebot 才能再写。",
        "en": "If it still matters, answer them yourself in the WeCom client; carebot can write "
        "again once they write.",
    },
    "kf_fix_state": {
        "zh": "接待的老师请在企业微信客户端里回复对方。",
        "en": "Whoever serves them in WeCom, please answer them in the WeCom client.",
    },
    "kf_fix_state_queued": {
        "zh": "对方已在排队：下一位值班老师会在企业微信里接手这个会话（现在不在服务时间的话，"
        "{opens} 交接）。如果你还在，请在企业微信客户端里先回复对方。",
        "en": "They are in the queue: the next counsellor on duty takes their session over in "
        "WeCom (at {opens} if the service is closed now). If you are still there, please answer "
        "them in the WeCom client.",
    },
    "kf_fix_account": {
        "zh": "请在微信客服管理后台核对账号，把正确的 open_kfid 写进配置后重启。",
        "en": "Check the account in 微信客服's admin, put its open_kfid in the config and restart.",
    },
    "kf_fix_secret": {
        "zh": "请用「微信客服 → 可调用接口的应用」里那个自建应用的 Secret 作为 corp_secret。",
        "en": "Use as corp_secret the Secret of the self-built application listed under 微信客服 "
        "→ 可调用接口的应用.",
    },
    "kf_fix_api_off": {
        "zh": "请在企业微信管理后台「微信客服 → API」把该账号设为「通过API管理」并选本应用。",
        "en": "In WeCom's admin, 微信客服 → API, set the account to 通过API管理 with this "
        "application.",
    },
    "kf_fix_servicer": {
        "zh": "请把 {counsellor} 加为该客服账号的接待人员（微信客服 → 账号 → 接待人员），"
        "确认其已激活企业微信，并在客户端里设为「接待中」。",
        "en": "Add {counsellor} as a servicer of the account (微信客服 → the account → 接待人员), "
        "make sure they activated WeCom, and have them set 接待中 in the WeCom client.",
    },
    "kf_fix_other": {
        "zh": "请在服务器上运行 carebot outbox 查看，修正后用 carebot outbox retry 重发。",
        "en": "Run `carebot outbox` on the server to see it, and `carebot outbox retry` it once "
        "fixed.",
    },
    "kf_setup_problem": {
        "zh": "【微信客服设置问题】{to} 客服账号（{group}）发不出消息：{reason}。{fix}",
        "en": "[微信客服 set-up] {to}: the customer-service account ({group}) cannot send: "
        "{reason}. {fix}",
    },
}
