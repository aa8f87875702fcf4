"""What a non-text message (image, voice, file...) is stored and routed as: a short, polite line."""

from __future__ import annotations

from bot.i18n import t

KINDS = {"image": "msgtype_image", "voice": "msgtype_voice", "video": "msgtype_video",
         "file": "msgtype_file"}  # fmt: skip


def describe(language: str, kind: str) -> str:
    """The stored text of a message of `kind` ("image", "voice", ...) that carries no text."""
    key = KINDS.get(kind)
    what = t(language, key) if key else t(language, "msgtype_other", type=kind[:32])
    return t(language, "nontext_message", kind=what)
