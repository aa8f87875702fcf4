"""What a platform module declares about itself, once: the app, the config and the outbox read
these declarations (the list in bot/platforms/__init__.py) instead of naming platforms."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypeVar
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import aiohttp
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import GroupConfig, Settings
    from bot.db import Database
    from bot.platforms.base import InboundMessage, Reply, SessionChange
    from bot.protocols import Clock, Platform, WallClock

# "always": the chat platforms block robots that post too fast; "when_set": only when the group
# sets rate_per_minute (our own generic protocol); "never": nothing to throttle (the local chat).
RateLimit = Literal["always", "when_set", "never"]


class PlatformKeys(BaseModel):
    """A platform's own keys of a `[[groups]]` table: each platform subclasses it with its keys
    (and their formats as validators), names its subclass in its spec, and reads them with
    `keys_of`. Users write them flat beside the keys every group has (bot/config.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: str  # which platform's keys these are (each subclass narrows it to its name)

    def receiver_url(self) -> str:
        """Where the group's posts go; a receiver on loopback is a fake on the service clock."""
        return ""


K = TypeVar("K", bound=PlatformKeys)


def keys_of(group: GroupConfig, model: type[K]) -> K:
    """The group's platform keys as the platform's own model (TypeError for another platform's)."""
    keys = group.keys
    if not isinstance(keys, model):
        raise TypeError(f"group {group.id!r} is on {group.platform!r}, not {model.__name__}")
    return keys


@dataclass(frozen=True, slots=True)
class PlatformDeps:
    """What a platform may be built from; each takes the parts it needs."""

    http: aiohttp.ClientSession
    wall: WallClock
    clock: Clock
    timeout_s: float
    language: str
    db: Database
    notify_live: Callable[[str], None]  # wakes the local chat's live streams of a group
    settings: Settings | None = None
    # Stores and acts on messages a platform fetched itself (a pull), in the caller's
    # transaction: per message, whether it was a duplicate (handlers/messages.py).
    store: Callable[[AsyncSession, list[InboundMessage]], Awaitable[list[bool]]] | None = None
    wake: Callable[[], None] = lambda: None  # the outbox has new rows
    # Acts on session changes made in a 1:1 channel's own client (a servicer ended or
    # transferred it), in the caller's transaction (bot/conversations.py `session_changed`).
    sessions: Callable[[AsyncSession, list[SessionChange]], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class PlatformSpec:
    """Everything the rest of carebot needs to know about one platform."""

    name: str
    build: Callable[[PlatformDeps], Platform]
    keys: type[PlatformKeys]  # the model of the group keys this platform reads
    # Keys a group on this platform must set, in the order a missing-keys error names them.
    required_keys: tuple[str, ...] = ()
    # Keys of the platform's application that sends 1:1 messages; () when private posts need
    # no application (generic carries `private_to` in its payload, local shows it privately).
    private_keys: tuple[str, ...] = ()
    # The group's keys that must never be printed (bot/platforms/spec.py `redact`).
    secret_fields: tuple[str, ...] = ()
    # Platform-specific checks of a group's keys: given the missing required keys, the list to
    # report (it may add or drop some); raises ValueError for a malformed or inconsistent key.
    check: Callable[[GroupConfig, list[str]], list[str]] | None = None
    # What check-config warns about a group's keys: unset ones that leave a door open.
    warnings: Callable[[GroupConfig], list[str]] | None = None
    text_limit_bytes: int | None = None  # of one group post; None: never split or merged up to
    private_text_limit_bytes: int | None = None  # of one post through the 1:1 API
    rate_limit: RateLimit = "always"
    extra_windows: tuple[tuple[float, int], ...] = ()  # (seconds, posts) beyond the per-minute one
    # Whether the receiver lives in this process on the service clock (its windows and delays
    # are service seconds even at demo speed), not a remote server counting real seconds.
    on_service_clock: bool = False
    # The platform has no accounts (anyone who reaches the port may post): served on a
    # non-loopback listen only with bot.allow_local_on_network.
    loopback_only: bool = False
    inbound_ack: Reply | None = None  # the HTTP answer to an accepted message; None: JSON
    wakes_live: bool = False  # an accepted message wakes the local chat's live streams
    # Shows an accepted inbound message in the platform's own timeline, in its transaction.
    record_inbound: Callable[[AsyncSession, InboundMessage, datetime], None] | None = None
    # A 1:1 channel (the person alone, not a group) names the key of the group where its
    # team reads: the outbox sends that group every post whose audience is not the person
    # (bot/outbox.py `audience_of`), and the config checks that the group exists.
    team_key: str = ""
    # Its webhook only says there is something new; messages come from its API (a pull).
    pulls: bool = False
    # Whether the person's words may be quoted to the counsellors (a 1:1 channel hands them
    # over in its own client: carebot never repeats them).
    relays_text: bool = True
    # The person's session is handed to the counsellor in the platform's own client (a 1:1
    # channel with servicers): each assignment, and each close, is an outbox row of kind
    # "session" in the person's lane, behind what carebot says to them, which the platform's
    # send() carries out (bot/conversations.py `hand_session`); session changes made in the
    # client come back through PlatformDeps.sessions.
    hands_over: bool = False


def redact(text: str, group: GroupConfig | None, also: Iterable[str] = ()) -> str:
    """`text` with the group's secrets, keys and webhook credentials (and `also`) replaced by
    ***: the secret fields its platform declares, and of a secret URL its query values and long
    path segments too (a webhook's access token, a Feishu hook id)."""
    from bot.platforms import spec_of  # the list imports every platform module, which use this

    values = list(also)
    if group is not None:
        for field_name in spec_of(group.platform).secret_fields:
            value = str(getattr(group.keys, field_name))
            values.append(value)
            if value.startswith(("https://", "http://")):
                parts = urlsplit(value)
                values += [v for _, v in parse_qsl(parts.query)]
                values += [seg for seg in parts.path.split("/") if len(seg) >= 16]
    for value in sorted({v for v in values if len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, "***")
    return text
