"""Logging: plain lines for a terminal, or JSON lines (`bot.log_format = "json"`) for a collector.

A JSON line holds the time, level, logger and message, and the ids a log call names with
`extra=ids(group=..., message=..., outbox=..., conversation=...)`, as fields of their own so a
collector can filter on them. Never message text: log calls name people's posts by id only.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Literal, TextIO

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ID_FIELDS = ("group", "message", "outbox", "conversation")
_PREFIX = "carebot_"  # the record attribute names, kept apart from logging's own
_HANDLER = "carebot"


def ids(**values: object) -> dict[str, object]:
    """`extra=` for a log call: the ids a JSON line carries as fields."""
    unknown = set(values) - set(ID_FIELDS)
    if unknown:
        raise ValueError(f"unknown log id fields: {sorted(unknown)}")
    return {_PREFIX + k: v for k, v in values.items() if v is not None}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ID_FIELDS:
            value = getattr(record, _PREFIX + name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a line is written (as logging's last resort does)."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure(fmt: LogFormat = "text", level: int = logging.INFO) -> None:
    """Send the root logger's lines to stderr in `fmt`, replacing what was set before."""
    handler = _Stderr()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.set_name(_HANDLER)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)  # ours from an earlier call; others' (a test's) stay
    root.addHandler(handler)
    root.setLevel(level)
    for quiet in ("apscheduler", "alembic"):
        logging.getLogger(quiet).setLevel(logging.WARNING)
