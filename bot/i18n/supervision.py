"""Supervision (督导) and risk notes (issue 19 items 2-3): always private, never in the group."""

from __future__ import annotations

from bot.i18n.language import Words

WORDS: Words = {
    "role_supervisor": {"zh": "组长和督导", "en": "team leads and supervisors"},
}
