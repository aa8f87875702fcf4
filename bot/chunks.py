"""Fitting text into a platform's message size: split at line breaks, never mid-character."""

from __future__ import annotations


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def _hard_split(line: str, max_bytes: int) -> list[str]:
    """A single line longer than the limit, cut between characters."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for ch in line:
        n = _utf8_len(ch)
        if size + n > max_bytes and current:
            parts.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += n
    if current:
        parts.append("".join(current))
    return parts


def split_text(text: str, max_bytes: int) -> list[str]:
    """Pieces of `text`, each at most `max_bytes` in UTF-8, split at line breaks where possible.

    Joining the pieces with "\\n" gives back `text` exactly when every line fits.
    """
    if max_bytes < 4:
        raise ValueError("max_bytes must hold at least one character (4 bytes)")
    if _utf8_len(text) <= max_bytes:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        for part in _hard_split(line, max_bytes) if _utf8_len(line) > max_bytes else [line]:
            candidate = part if not current else current + "\n" + part
            if current and _utf8_len(candidate) > max_bytes:
                pieces.append(current)
                current = part
            else:
                current = candidate
    if current:
        pieces.append(current)
    return pieces


def merge_texts(texts: list[str], max_bytes: int) -> list[list[int]]:
    """Group consecutive texts (by index) so each group joined by blank lines fits `max_bytes`."""
    groups: list[list[int]] = []
    size = 0
    for i, text in enumerate(texts):
        n = _utf8_len(text)
        if groups and size + 2 + n <= max_bytes:
            groups[-1].append(i)
            size += 2 + n
        else:
            groups.append([i])
            size = n
    return groups
