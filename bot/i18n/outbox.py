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
}
