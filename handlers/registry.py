"""The commands the bot answers: the routers of the command modules, composed in one place.

A new command module adds its router here; a new command in an existing module is one decorated
function plus its catalogue entries (bot/i18n)."""

from __future__ import annotations

from handlers import (
    commands,
    conversation_commands,
    followup_commands,
    risk_commands,
    rota_commands,
    rota_swaps,
    stats_commands,
)
from handlers.commands import Router


def bot_commands() -> Router:
    """Every command, /help first, in the order /help lists them."""
    return Router(
        commands.router,
        conversation_commands.router,
        followup_commands.router,
        risk_commands.router,
        rota_commands.router,
        rota_swaps.router,
        stats_commands.router,
    )
