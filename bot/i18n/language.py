"""The languages the bot speaks, and the shape of a part of the catalogue."""

from __future__ import annotations

from typing import Literal

Language = Literal["zh", "en"]
Words = dict[str, dict[Language, str]]
