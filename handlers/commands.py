"""Chat commands: one decorator registry, role checks, and /help generated from the registry.

A command has an English name and a Chinese alias (either may be two words, e.g. "rota add" /
"排班 添加"), the role it needs, a usage line and an example. Handlers live in modules named in
COMMAND_MODULES and receive everything through an `Invocation`.
"""

from __future__ import annotations

import importlib
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.context import Context
from bot.i18n import t
from bot.outbox import enqueue
from bot.platforms.base import InboundMessage, OutboundMessage
from bot.quoting import quote

Role = Literal["everyone", "counsellor", "lead"]
RANK: dict[str, int] = {"staff": 0, "counsellor": 1, "lead": 2}
NEEDS: dict[Role, int] = {"everyone": 0, "counsellor": 1, "lead": 2}

# Modules whose import registers commands (each adds its own; see load_commands).
COMMAND_MODULES: tuple[str, ...] = (
    "handlers.conversation_commands",
    "handlers.rota_commands",
    "handlers.rota_swaps",
    "handlers.stats_commands",
)


@dataclass
class Invocation:
    """What a command handler gets: the caller, the arguments, the open transaction."""

    ctx: Context
    session: AsyncSession
    msg: InboundMessage
    role: str
    command: Command
    args: list[str]
    now: datetime
    replies: list[OutboundMessage] = field(default_factory=list)

    @property
    def rest(self) -> str:
        """The text after the command words exactly as written (free text such as a note)."""
        words = len(self.msg.text.split()) - len(self.args)
        parts = self.msg.text.strip().split(None, words)
        return parts[words].strip() if len(parts) > words else ""

    @property
    def group_id(self) -> str:
        return self.msg.group_id

    @property
    def sender_id(self) -> str:
        return self.msg.sender_id

    def reply(
        self,
        text: str,
        mentions: tuple[str, ...] = (),
        *,
        kind: str = "command_reply",
        private_to: tuple[str, ...] = (),
    ) -> None:
        """Answer in the group (or privately), in the same transaction as the command's change."""
        out = OutboundMessage(self.group_id, text, kind, mentions, private_to)
        self.replies.append(out)
        enqueue(self.session, out, self.now)

    def say(self, key: str, **values: object) -> None:
        """Reply with a catalogue sentence, mentioning the caller."""
        self.reply(t(self.ctx.language, key, **values), (self.sender_id,))


Handler = Callable[[Invocation], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    alias: str
    role: Role
    usage: str
    example: str
    handler: Handler

    @property
    def summary(self) -> str:
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


REGISTRY: dict[str, Command] = {}


def command(
    name: str, alias: str, *, role: Role, usage: str, example: str
) -> Callable[[Handler], Handler]:
    """Register a handler under `/name` and `/alias`; a clash raises, naming both handlers."""

    def register(handler: Handler) -> Handler:
        cmd = Command(name, alias, role, usage, example, handler)
        for key in (_key(name), _key(alias)):
            if key in REGISTRY and REGISTRY[key].handler is not handler:
                other = REGISTRY[key].handler
                raise ValueError(
                    f"command /{key} is registered twice: {other.__module__}.{other.__qualname__}"
                    f" and {handler.__module__}.{handler.__qualname__}"
                )
            REGISTRY[key] = cmd
        return handler

    return register


def _key(words: str) -> str:
    return " ".join(words.split()).casefold()


def normalise(text: str) -> str:
    """Full-width forms to half-width (／ -> /, full-width spaces) and runs of spaces to one."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse(text: str) -> tuple[Command, list[str]] | None:
    """The command and its arguments, or None if `text` is not a command we know.

    The longest registered name wins, so "/rota add ..." is `rota add`, not `rota`.
    """
    norm = normalise(text)
    if not norm.startswith("/"):
        return None
    words = norm[1:].split(" ")
    for n in (2, 1):
        if len(words) >= n:
            cmd = REGISTRY.get(_key(" ".join(words[:n])))
            if cmd is not None:
                return cmd, words[n:]
    return None


def looks_like_command(text: str) -> bool:
    return normalise(text).startswith("/")


def may_use(role: str, cmd: Command) -> bool:
    return RANK.get(role, 0) >= NEEDS[cmd.role]


def commands_for(role: str) -> list[Command]:
    """The distinct commands `role` may use, in registration order."""
    seen: dict[int, Command] = {}
    for cmd in REGISTRY.values():
        if may_use(role, cmd):
            seen.setdefault(id(cmd), cmd)
    return list(seen.values())


async def dispatch(
    ctx: Context, s: AsyncSession, msg: InboundMessage, role: str, now: datetime
) -> bool:
    """Run `msg` as a command if it is one; return whether it was (handled or refused)."""
    if not looks_like_command(msg.text):
        return False
    parsed = parse(msg.text)
    lang = ctx.language
    if parsed is None:
        word = normalise(msg.text).split(" ")[0]
        out = OutboundMessage(
            msg.group_id,
            t(lang, "unknown_command", command=quote(word)),
            "command_reply",
            (msg.sender_id,),
        )
        enqueue(s, out, now)
        return True
    cmd, args = parsed
    if not may_use(role, cmd):
        leads = [m.display_name for m in ctx.settings.leads_of(msg.group_id)]
        who = t(lang, "role_" + cmd.role)
        text = t(
            lang,
            "not_allowed",
            command=f"/{cmd.name}",
            who=who,
            leads="、".join(leads) if lang == "zh" else ", ".join(leads),
        )
        enqueue(s, OutboundMessage(msg.group_id, text, "command_reply", (msg.sender_id,)), now)
        return True
    await cmd.handler(Invocation(ctx, s, msg, role, cmd, args, now))
    return True


def load_commands() -> None:
    """Import every command module so its commands register (idempotent)."""
    for module in COMMAND_MODULES:
        importlib.import_module(module)


@command("help", "帮助", role="everyone", usage="/help", example="/help")
async def help_command(inv: Invocation) -> None:
    """List the commands you may use."""
    lines = [t(inv.ctx.language, "help_title")]
    for cmd in commands_for(inv.role):
        alias = f" /{cmd.alias}" if cmd.alias else ""
        lines.append(f"{cmd.usage}{alias} — {cmd.summary}  e.g. {cmd.example}")
    inv.reply("\n".join(lines), (inv.sender_id,))
