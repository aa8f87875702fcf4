"""Quoting what people wrote inside the bot's own posts, pure: it can forge no line, no mention.

Staff text, display names and handover notes are put into assignment posts, summaries, alerts
and notices. Quoted, such text stays on one line (a newline could start a line that reads as the
bot's, such as "【危机预警】…"), cannot close the catalogue's quote marks early, and cannot make a
platform notify people. Mentions by platform, from their documentation:
- Feishu text messages: `<at user_id="ou_…">name</at>`, and `<at user_id="all"></at>` for
  everyone (open_id, user_id or email attributes alike).
- WeCom group robot text and markdown: `<@userid>` in the content mentions a member; `@all` is
  only honoured in `mentioned_list`, which the bot alone fills, but is neutralised too.
- DingTalk custom robot text: `@userId` or `@mobile` in the content, paired with `atUserIds`
  or `atMobiles`; everyone only by `isAtAll` (which the bot never sets). "@所有人" and "@all"
  written by a person are neutralised all the same.
Every "@" becomes a full-width "＠", which no platform reads as a mention, and angle brackets
become full-width, so no tag survives.
"""

from __future__ import annotations

import re

NEWLINE_MARK = " ↵ "
# Line and paragraph breaks of every kind (str.splitlines splits on all of these).
_BREAKS = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# Other control characters, and the bidirectional overrides that could reorder what is shown.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f\u202a-\u202e\u2066-\u2069]")
_FEISHU_OPEN = re.compile(r"<\s*at\b[^>]*>", re.IGNORECASE)
_FEISHU_CLOSE = re.compile(r"<\s*/\s*at\s*>", re.IGNORECASE)
_WECOM_AT = re.compile(r"<\s*@\s*([^<>]*?)\s*>")
# The catalogue's quote marks and bracketed headers, swapped for look-alikes that close nothing.
_SWAP = str.maketrans(
    {
        "@": "＠",
        "<": "＜",
        ">": "＞",
        "「": "『",
        "」": "』",
        "“": "‘",
        "”": "’",
        "【": "〖",
        "】": "〗",
        "\t": " ",
    }
)


def quote(text: str) -> str:
    """`text` made safe to put inside a bot post: one line, no mention, no closing quote mark."""
    text = _BREAKS.sub(NEWLINE_MARK, text)
    text = _INVISIBLE.sub("", text)
    text = _FEISHU_CLOSE.sub("", _FEISHU_OPEN.sub("@", text))
    text = _WECOM_AT.sub(r"@\1", text)
    return text.translate(_SWAP)
