"""The command router: parsing (aliases, full-width slash, spaces), roles, /help from it, and a
router a test builds with a command of its own (one function plus its catalogue entries)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import CATALOGUE
from handlers import commands
from handlers.commands import Invocation, Router, help_command
from handlers.registry import bot_commands
from handlers.rota_replies import number_arg
from tests.test_rota_commands import Chat, make_chat

ROUTER = bot_commands()


def test_help_parses_in_both_languages_with_full_width_slash_and_spaces() -> None:
    for text in ("/help", "/帮助", "／帮助", "  /help  ", "/HELP"):
        parsed = ROUTER.parse(text)
        assert parsed is not None and parsed[0].handler is help_command, text


def test_not_a_command() -> None:
    assert ROUTER.parse("hello /help") is None
    assert ROUTER.parse("/nosuchcommand") is None


def test_duplicate_registration_fails_loudly_naming_both() -> None:
    mine = Router()

    @mine.command(
        "help",
        "别的",
        role="everyone",
        usage="cmd.help.usage",
        summary="cmd.help.summary",
        example="cmd.help.example",
    )
    async def other(inv: Invocation) -> None:
        """Another."""

    with pytest.raises(ValueError, match=r"/help is registered twice: handlers\.commands"):
        Router(commands.router, mine)
    with pytest.raises(ValueError, match=r"/别的 is registered twice"):
        mine.command(
            "another",
            "别的",
            role="everyone",
            usage="cmd.help.usage",
            summary="cmd.help.summary",
            example="cmd.help.example",
        )(other)


def test_commands_for_roles() -> None:
    assert help_command in [c.handler for c in ROUTER.commands_for("staff")]
    lead, counsellor = ROUTER.commands_for("lead"), ROUTER.commands_for("counsellor")
    assert len(lead) > len(counsellor) > len(ROUTER.commands_for("staff"))


def test_composing_the_same_routers_twice_gives_equal_routers() -> None:
    assert [c.name for c in bot_commands().commands()] == [c.name for c in ROUTER.commands()]


@pytest.mark.parametrize(
    "text", ["/ 我今晚不想活了", "／ 我今晚不想活了", "/", "//help", "/我不想活了", "/helpme"]
)
def test_text_that_only_begins_with_a_slash_names_no_command(text: str) -> None:
    assert ROUTER.parse(text) is None  # so from staff it is a message, routed and triaged


def test_a_command_with_more_words_is_still_that_command() -> None:
    parsed = ROUTER.parse("/help 我不想活了")
    assert parsed is not None and parsed[0].handler is help_command


# --- a command of the test's own: one function plus its catalogue entries --------------------

DOUBLE_WORDS = {
    "cmd.double.usage": {"zh": "/加倍 数字", "en": "/double N"},
    "cmd.double.summary": {"zh": "把一个数加倍", "en": "Double a number"},
    "cmd.double.example": {"zh": "/加倍 21", "en": "/double 21"},
    "double_result": {"zh": "{n} 的两倍是 {twice}。", "en": "Twice {n} is {twice}."},
}


@pytest.fixture
async def double_chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Chat]:
    for key, words in DOUBLE_WORDS.items():
        monkeypatch.setitem(CATALOGUE, key, words)  # type: ignore[arg-type]
    router = Router(commands.router)

    @router.command(
        "double",
        "加倍",
        role="everyone",
        usage="cmd.double.usage",
        summary="cmd.double.summary",
        example="cmd.double.example",
        args=number_arg,
    )
    async def double(inv: Invocation, n: int) -> None:
        """Double a number."""
        inv.say("double_result", n=n, twice=2 * n)

    chat = await make_chat(f"sqlite+aiosqlite:///{tmp_path}/double.db")
    chat.commands = router
    yield chat
    await chat.ctx.db.dispose()


async def test_a_router_of_our_own_parses_answers_usage_errors_and_lists_its_command(
    double_chat: Any,
) -> None:
    chat: Chat = double_chat
    assert (await chat.reply("doc1", "/double 21")).text == "Twice 21 is 42."
    assert (await chat.reply("c1", "／加倍  4")).text == "Twice 4 is 8."
    bad = await chat.reply("doc1", "/加倍 twenty")
    assert bad.text == (
        "\u201ctwenty\u201d is not a number; write a number such as 3.\n"
        "Usage: /double N\nFor example: /加倍 1"
    )
    missing = await chat.reply("doc1", "/double")
    assert missing.text == "Some arguments are missing.\nUsage: /double N\nFor example: /double 21"
    assert (await chat.reply("doc1", "/help")).text == (
        "Commands you can use:\n"
        "/help /帮助 — List the commands you may use  e.g. /help\n"
        "/double N /加倍 — Double a number  e.g. /double 21"
    )
    unknown = await chat.reply("doc1", "/rota")  # not in this router
    assert unknown.text == "There is no /rota command; send /help to see the ones you can use."
