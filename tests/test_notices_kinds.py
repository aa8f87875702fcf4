"""The notice kinds are one registry (bot.notices.NOTICE_KINDS); the outbox's merge families are
derived from it. Every kind the code can post must have a family and a label: a kind forgotten
in either fails here, not silently in a merged post or a bare label in the local chat."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from bot.i18n import CATALOGUE
from bot.notices import KINDS, NOTICE_KINDS
from bot.outbox import OTHER_FAMILIES, families, family

ROOT = Path(__file__).resolve().parent.parent


def _kind_literals() -> dict[str, list[str]]:
    """Every string literal the code passes or assigns as an outbox kind, with where it is."""
    found: dict[str, list[str]] = {}

    def note(node: ast.expr, where: str) -> None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.setdefault(node.value, []).append(where)

    for path in sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "handlers").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "OutboundMessage" and len(node.args) >= 3:
                    note(node.args[2], where)
                # LocalPost(kind="message"): the local chat's copy of an inbound message;
                # segno's qr.save(kind="png"): an image format.
                for kw in node.keywords if name not in ("LocalPost", "save") else ():
                    if kw.arg == "kind":
                        note(kw.value, where)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                positional = [*args.posonlyargs, *args.args]
                for arg, default in zip(
                    positional[len(positional) - len(args.defaults) :], args.defaults, strict=True
                ):
                    if arg.arg == "kind":
                        note(default, where)
                for arg, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                    if arg.arg == "kind" and kw_default is not None:
                        note(kw_default, where)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == "kind":
                        note(node.value, where)
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for elt, value in zip(target.elts, node.value.elts, strict=False):
                            if isinstance(elt, ast.Name) and elt.id == "kind":
                                note(value, where)
    return found


def test_every_kind_the_code_posts_has_a_family_and_a_label() -> None:
    posted = _kind_literals()
    # The scan sees the kinds posted outside the notices (a scan that finds nothing proves nothing).
    assert set(OTHER_FAMILIES) <= set(posted), sorted(posted)
    every = {*posted, *(k.kind for k in NOTICE_KINDS if k.kind != "gaps")}
    missing = {k: posted.get(k) for k in every if k not in families()}
    assert not missing, f"kinds without a merge family in bot.outbox / bot.notices: {missing}"
    unlabelled = sorted(k for k in every if f"web_kind_{k}" not in CATALOGUE)
    assert not unlabelled, f"kinds without a web_kind_ label in bot/i18n/web.py: {unlabelled}"


def test_notice_registry_is_whole_and_the_outbox_families_come_from_it() -> None:
    assert len(KINDS) == len(NOTICE_KINDS)
    assert not set(OTHER_FAMILIES) & set(KINDS), "a kind is declared in both places"
    for k in NOTICE_KINDS:
        assert family(k.kind) == k.family
        assert k.label_key in CATALOGUE, k
        assert k.follows is None or k.follows in KINDS, k
    # The families as they were before the registry: merging behaves exactly as it did.
    assert {k: families()[k] for k in families() if k not in ("gaps", "review")} == {
        "assignment": "conversation",
        "off_hours": "conversation",
        "command_reply": "conversation",
        "shift_change": "notice",
        "reminder": "notice",
        "open": "notice",
        "close": "notice",
        "escalation": "alert",
        "crisis": "crisis",
        "report": "report",
        "session": "session",  # a 1:1 channel's hand-over (issue 15): merges with nothing else
        "followup": "followup",  # a counsellor's follow-up (issue 19): private, merges with none
    }
    assert family("something_new") == "something_new"


async def test_a_new_notice_kind_is_one_record(
    database_url: str, fake_platform: Any, make_bot: Any, monkeypatch: Any
) -> None:
    """The seam, as a lead would add "thank the night shift after close": one NoticeKind record
    (kind, merge family, compose, label) and nothing else. It is claimed once, posted after the
    close it follows, merges in its family and has its label, with no other module touched."""


    from bot import notices
    from bot.outbox import enqueue
    from bot.platforms.base import OutboundMessage

    async def compose_thanks(ctx: Any, s: Any, group_id: str, ev: Any, shifts: Any,
                             now: Any) -> None:  # fmt: skip
        text = "[Thanks] to everyone on duty today."  # a real kind's words go in the catalogue
        enqueue(s, OutboundMessage(group_id, text, "thanks"), now)

    thanks = notices.NoticeKind("thanks", "notice", compose_thanks, "web_kind_close",
                                follows="close")  # fmt: skip
    monkeypatch.setattr(notices, "NOTICE_KINDS", (*notices.NOTICE_KINDS, thanks))
    monkeypatch.setitem(notices.KINDS, "thanks", thanks)
    families.cache_clear()
    try:
        assert families()["thanks"] == "notice"  # derived from the record
        await _thanks_after_close(database_url, fake_platform, make_bot)
    finally:
        families.cache_clear()  # the registry as it was, once monkeypatch puts it back


async def _thanks_after_close(database_url: str, fake_platform: Any, make_bot: Any) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from bot import models, notices
    from bot.clock import FrozenClock
    from bot.keys import CONTEXT, DB
    from tests.conftest import at, make_settings

    day, midnight = "2026-11-25", at("2026-11-25", "00:00") + timedelta(days=1)
    clock = FrozenClock(at(day, "23:50"))
    bot = await make_bot(make_settings(database_url, fake_platform.url), clock)
    await bot.add_shift("c1", at(day, "20:00"), midnight)
    clock.set(midnight + timedelta(seconds=1))
    await fake_platform.wait_for(lambda r: bool(fake_platform.of_kind("thanks")), 10.0)
    [post] = fake_platform.of_kind("thanks")
    assert post["text"] == "[Thanks] to everyone on duty today."
    assert await notices.handle_due(bot.app[CONTEXT], "g1", clock.now()) == []  # claimed once
    async with bot.app[DB].read() as s:
        kinds = list(await s.scalars(select(models.Notice.kind).order_by(models.Notice.id)))
    assert kinds[:2] == ["close", "report"] and "thanks" in kinds
