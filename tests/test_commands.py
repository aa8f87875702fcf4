"""The command registry: parsing (aliases, full-width slash, spaces), roles, /help from it."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.commands import (
    REGISTRY,
    command,
    commands_for,
    help_command,
    parse,
)


def test_help_parses_in_both_languages_with_full_width_slash_and_spaces() -> None:
    for text in ("/help", "/帮助", "／帮助", "  /help  ", "/HELP"):
        parsed = parse(text)
        assert parsed is not None and parsed[0].handler is help_command, text


def test_not_a_command() -> None:
    assert parse("hello /help") is None
    assert parse("/nosuchcommand") is None


def test_duplicate_registration_fails_loudly_naming_both() -> None:
    async def other(inv: Any) -> None:
        """Another."""

    with pytest.raises(ValueError, match=r"/help is registered twice: handlers\.commands"):
        command("help", "别的", role="everyone", usage="/help", example="/help")(other)
    assert "别的" not in REGISTRY


def test_commands_for_roles() -> None:
    assert help_command in [c.handler for c in commands_for("staff")]
    assert (
        len(commands_for("lead")) >= len(commands_for("counsellor")) >= len(commands_for("staff"))
    )


@pytest.mark.parametrize(
    "text", ["/ 我今晚不想活了", "／ 我今晚不想活了", "/", "//help", "/我不想活了", "/helpme"]
)
def test_text_that_only_begins_with_a_slash_names_no_command(text: str) -> None:
    assert parse(text) is None  # so from staff it is a message, routed and triaged


def test_a_command_with_more_words_is_still_that_command() -> None:
    parsed = parse("/help 我不想活了")
    assert parsed is not None and parsed[0].handler is help_command
