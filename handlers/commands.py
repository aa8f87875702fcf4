"""Chat commands: a router of commands, the role check, argument parsing, usage errors, /help.

A command has an English name and a Chinese alias (either may be two words, e.g. "rota add" /
"排班 添加"), the role it needs, its usage line, summary and example as catalogue keys, and an
argument parser: a function from the `Invocation` to a typed value that raises ArgumentError.
The router parses the arguments before the handler runs, answers a fault in one way (the reason,
the usage line and a corrected example, in the group's language) and calls the handler with the
parsed value. Each command module has its own `Router`; handlers/registry.py composes them and
the app hands the result to the inbox, so a test can build a router of its own.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession

from bot import rota_args
from bot.config import MemberConfig
from bot.context import Context
from bot.i18n import join, t
from bot.outbox import enqueue
from bot.platforms.base import InboundMessage, OutboundMessage
from bot.quoting import quote
from bot.rota_args import ArgumentError

# "supervisor": the leads and the supervisors (督导), who review the day's risk.
Role = Literal["everyone", "counsellor", "supervisor", "lead"]
# A supervisor may use what a counsellor may (the rota, their shifts), and the supervisors' own.
RANK: dict[str, int] = {"staff": 0, "counsellor": 1, "supervisor": 1, "lead": 2}
NEEDS: dict[Role, int] = {"everyone": 0, "counsellor": 1, "supervisor": 1, "lead": 2}
A = TypeVar("A")


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
    router: Router  # the router that dispatched it (what /help lists)
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

    @property
    def lang(self) -> str:
        """The group's language: every reply to this command is in it."""
        return self.ctx.language_of(self.group_id)

    @property
    def posts_privately(self) -> bool:
        """Whether this group's platform can post to one person alone (its app keys are set)."""
        group = self.ctx.settings.group(self.group_id)
        return group is not None and not group.missing_private_keys

    @property
    def me(self) -> MemberConfig:
        """The caller as listed for this group. Only listed members are counsellors or leads,
        so a command that needs either role always has one."""
        member = self.ctx.settings.member(self.group_id, self.sender_id)
        if member is None:
            raise LookupError(f"/{self.command.name} ran for {self.sender_id}, who is not listed")
        return member

    @property
    def typed(self) -> str:
        """The command words as the caller wrote them ("/排班 添加"), for a corrected example."""
        words = normalise(self.msg.text)[1:].split(" ")
        return "/" + " ".join(words[: len(words) - len(self.args)])

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
        self.reply(t(self.lang, key, **values), (self.sender_id,))


Handler = Callable[[Invocation], Awaitable[None]]
ArgsHandler = Callable[[Invocation, A], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str
    alias: str
    role: Role
    usage: str  # catalogue keys, each in every language
    summary: str
    example: str
    parse_args: Callable[[Invocation], Any]
    run: Callable[[Invocation, Any], Awaitable[None]]
    handler: Callable[..., Awaitable[None]]  # the function as written, for messages and tests


def no_args(inv: Invocation) -> None:
    """For a command that takes no arguments: any word after it is a usage error."""
    rota_args.parse_no_args(inv.args)


class Router:
    """Commands by name and alias. `Router(a, b)` holds the commands of `a` and `b`, in order;
    a name or alias used twice raises, naming both handlers."""

    def __init__(self, *routers: Router) -> None:
        self._by_key: dict[str, Command] = {}
        for router in routers:
            for cmd in router.commands():
                self.add(cmd)

    @overload
    def command(
        self, name: str, alias: str, *, role: Role, usage: str, summary: str, example: str
    ) -> Callable[[Handler], Handler]: ...

    @overload
    def command(
        self,
        name: str,
        alias: str,
        *,
        role: Role,
        usage: str,
        summary: str,
        example: str,
        args: Callable[[Invocation], A],
    ) -> Callable[[ArgsHandler[A]], ArgsHandler[A]]: ...

    def command(
        self,
        name: str,
        alias: str,
        *,
        role: Role,
        usage: str,
        summary: str,
        example: str,
        args: Callable[[Invocation], Any] | None = None,
    ) -> Callable[[Any], Any]:
        """Register a handler under `/name` and `/alias`, returned unchanged. With `args`, the
        handler is called with what `args` parsed; without, it reads `inv.args` itself."""

        def register(handler: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
            parse = _no_parse if args is None else args
            run = _ignoring_args(handler) if args is None else handler
            self.add(Command(name, alias, role, usage, summary, example, parse, run, handler))
            return handler

        return register

    def add(self, cmd: Command) -> None:
        for key in (_key(cmd.name), _key(cmd.alias)):
            if key in self._by_key and self._by_key[key] is not cmd:
                other = self._by_key[key].handler
                raise ValueError(
                    f"command /{key} is registered twice: {other.__module__}.{other.__qualname__}"
                    f" and {cmd.handler.__module__}.{cmd.handler.__qualname__}"
                )
        for key in (_key(cmd.name), _key(cmd.alias)):
            self._by_key[key] = cmd

    def commands(self) -> list[Command]:
        """The distinct commands, in registration order."""
        return list({id(c): c for c in self._by_key.values()}.values())

    def commands_for(self, role: str) -> list[Command]:
        """The distinct commands `role` may use, in registration order."""
        return [c for c in self.commands() if may_use(role, c)]

    def parse(self, text: str) -> tuple[Command, list[str]] | None:
        """The command and its arguments, or None if `text` is not a command we know.

        The longest registered name wins, so "/rota add ..." is `rota add`, not `rota`.
        """
        norm = normalise(text)
        if not norm.startswith("/"):
            return None
        words = norm[1:].split(" ")
        for n in (2, 1):
            if len(words) >= n:
                cmd = self._by_key.get(_key(" ".join(words[:n])))
                if cmd is not None:
                    return cmd, words[n:]
        return None

    async def dispatch(
        self, ctx: Context, s: AsyncSession, msg: InboundMessage, role: str, now: datetime
    ) -> bool:
        """Run `msg` as a command if it is one; return whether it was (handled or refused)."""
        if not looks_like_command(msg.text):
            return False
        parsed = self.parse(msg.text)
        lang = ctx.language_of(msg.group_id)
        if parsed is None:
            word = normalise(msg.text).split(" ")[0]
            text = t(lang, "unknown_command", command=quote(word))
            enqueue(s, OutboundMessage(msg.group_id, text, "command_reply", (msg.sender_id,)), now)
            return True
        cmd, args = parsed
        if not may_use(role, cmd):
            leads = [m.display_name for m in ctx.settings.leads_of(msg.group_id)]
            text = t(
                lang,
                "not_allowed",
                command=f"/{cmd.name}",
                who=t(lang, ROLE_WORDS[cmd.role]),
                leads=join(lang, leads),
            )
            enqueue(s, OutboundMessage(msg.group_id, text, "command_reply", (msg.sender_id,)), now)
            return True
        inv = Invocation(ctx, s, msg, role, cmd, args, now, self)
        try:
            value = cmd.parse_args(inv)
        except ArgumentError as e:
            usage_error(inv, e)
            return True
        await cmd.run(inv, value)
        return True


ROLE_WORDS: dict[Role, str] = {
    "everyone": "role_everyone",
    "counsellor": "role_counsellor",
    "supervisor": "role_supervisor",
    "lead": "role_lead",
}


def _no_parse(inv: Invocation) -> None:
    return None


def _ignoring_args(handler: Handler) -> Callable[[Invocation, Any], Awaitable[None]]:
    async def run(inv: Invocation, _: object) -> None:
        await handler(inv)

    return run


def usage_error(inv: Invocation, e: ArgumentError, *, private: bool = False) -> None:
    """The reason, the usage line and a corrected example (the caller's words, fixed);
    `private`: to the caller alone (a command whose words must stay out of the group)."""
    lang = inv.lang
    values = {k: join(lang, v) if isinstance(v, list) else v for k, v in e.values.items()}
    cmd = inv.command
    example = f"{inv.typed} {' '.join(e.fixed)}" if e.fixed else t(lang, cmd.example)
    text = t(
        lang,
        "usage_reply",
        reason=t(lang, e.key, **values),
        usage=t(lang, cmd.usage),
        example=example,
    )
    me = (inv.sender_id,)
    # `private`: the words must stay out of the group, even as a bare mention where the platform
    # cannot post privately; `e.private`: privately where it can (else the group may read it).
    inv.reply(text, me, private_to=me if private or (e.private and inv.posts_privately) else ())


def _key(words: str) -> str:
    return " ".join(words.split()).casefold()


def normalise(text: str) -> str:
    """Full-width forms to half-width (／ -> /, full-width spaces) and runs of spaces to one."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def looks_like_command(text: str) -> bool:
    return normalise(text).startswith("/")


def may_use(role: str, cmd: Command) -> bool:
    if cmd.role == "supervisor":
        return role in ("supervisor", "lead")
    return RANK.get(role, 0) >= NEEDS[cmd.role]


router = Router()


@router.command(
    "help",
    "帮助",
    role="everyone",
    usage="cmd.help.usage",
    summary="cmd.help.summary",
    example="cmd.help.example",
)
async def help_command(inv: Invocation) -> None:
    """List the commands you may use."""
    lang = inv.lang
    lines = [t(lang, "help_title")]
    for cmd in inv.router.commands_for(inv.role):
        other = cmd.name if lang == "zh" else cmd.alias  # the usage line names the other
        lines.append(
            t(
                lang,
                "help_line",
                usage=t(lang, cmd.usage),
                other=f" /{other}" if other else "",
                summary=t(lang, cmd.summary),
                example=t(lang, cmd.example),
            )
        )
    inv.reply("\n".join(lines), (inv.sender_id,))
