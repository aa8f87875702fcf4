"""The catalogue sentences a page's script needs, sent to the browser as they are (its fields, such
as {n}, are filled in there)."""

from __future__ import annotations

from bot.i18n import CATALOGUE


def raw(language: str, key: str) -> str:
    """The unformatted sentence `key` in `language` (its {fields} left in place)."""
    entry = CATALOGUE[key]
    return entry["en"] if language == "en" else entry["zh"]


def _with_prefix(language: str, prefix: str) -> dict[str, str]:
    return {
        key.removeprefix(prefix): raw(language, key) for key in CATALOGUE if key.startswith(prefix)
    }


def local_chat(language: str) -> dict[str, str]:
    """Every `web_*` sentence, keyed without the prefix (kind_assignment, hint, send...)."""
    return _with_prefix(language, "web_")


def console(language: str) -> dict[str, str]:
    """Every `console_*` sentence, keyed without the prefix."""
    return _with_prefix(language, "console_")
