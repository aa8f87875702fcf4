"""Settings: TOML file plus `CAREBOT_<SECTION>__<KEY>` environment overrides, checked at start."""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot import dburl
from bot.errors import ConfigError
from bot.platforms import NAMES, spec_of
from bot.platforms import PLATFORMS as SPECS
from bot.platforms.spec import PlatformKeys
from bot.web.access import is_loopback

if TYPE_CHECKING:
    PlatformName = str
    PlatformKeysOf = PlatformKeys
else:  # the names the platform modules declare, in the order errors list them
    PlatformName = Literal[NAMES]
    # Each platform's keys model, told apart by the group's platform (copied into its keys).
    PlatformKeysOf = Annotated[
        Union[tuple(spec.keys for spec in SPECS)],  # noqa: UP007 (a Union built from the list)
        Field(discriminator="platform"),
    ]
PLATFORMS: tuple[str, ...] = NAMES
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


def parse_hhmm(value: str) -> int:
    """Minutes after midnight of "HH:MM"; "24:00" is the midnight that ends the day (1440)."""
    m = _HHMM.match(value.strip())
    if not m:
        raise ValueError(f'{value!r} is not a time of day; write HH:MM, e.g. "08:00" or "24:00"')
    minutes = int(m.group(1)) * 60 + int(m.group(2))
    if minutes > 24 * 60:
        raise ValueError(f'{value!r} is past 24:00; the latest time is "24:00"')
    return minutes


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BotSection(_Section):
    timezone: str = "Asia/Shanghai"
    language: Literal["zh", "en"] = "zh"
    database_url: str = "sqlite+aiosqlite:///carebot.db"
    listen: str = "127.0.0.1:8080"
    public_url: str = ""  # how people reach this server, for links (iCal); default http://listen
    # The local chat has no accounts: it is served on a non-loopback listen only with this opt-in.
    allow_local_on_network: bool = False
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks).
    trusted_proxies: list[str] = Field(default_factory=list)
    metrics_token: str = ""  # set: /metrics needs "Authorization: Bearer <it>"; empty: loopback
    log_format: Literal["text", "json"] = "text"  # json: one JSON object a line, with the ids
    console_link_minutes: int = Field(15, ge=1, le=7 * 24 * 60)  # a one-time sign-in link lasts

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f'unknown timezone {v!r}; use an IANA name such as "Asia/Shanghai"'
            ) from None
        return v

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, v: str) -> str:
        dburl.normalise(v)  # raises ValueError naming the two supported forms
        return v

    @field_validator("listen")
    @classmethod
    def _host_port(cls, v: str) -> str:
        host, _, port = v.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f'{v!r} is not HOST:PORT; write e.g. "127.0.0.1:8080"')
        return v

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        for net in v:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(
                    f'{net!r} is not an address or network; write e.g. "127.0.0.1" or "10.0.0.0/8"'
                ) from None
        return v

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0]

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])


class TriageSection(_Section):
    """The supervisors' word lists per level (bot/triage.py), added to the built-in ones."""

    builtin: bool = True  # false: only the words below and service.crisis_words count
    level1_words: list[str] = Field(default_factory=list)  # distress: up the queue, no crisis
    level2_words: list[str] = Field(default_factory=list)  # self-harm, suicide: a crisis
    level3_words: list[str] = Field(default_factory=list)  # a method, the means, a plan
    timeframe_words: list[str] = Field(default_factory=list)  # level 3 with a level-2 word


def category_key(word: str) -> str:
    """A category word as matched: NFKC (full-width forms), case-folded, without an outer
    pair of brackets or quotes."""
    return unicodedata.normalize("NFKC", word).strip().strip("\"'[]()【】「」").casefold()


class CategoryConfig(_Section):
    """One `[[service.categories]]` entry: what a counsellor tags a conversation with at /done.

    `id` is what the database and the console's CSV carry; `zh` and `en` are the
    labels the reports show; any of the id, the labels and the `aliases` may be typed."""

    id: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    zh: str = Field(min_length=1, max_length=40)
    en: str = Field(min_length=1, max_length=60)
    aliases: list[str] = Field(default_factory=list)

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh

    @property
    def words(self) -> list[str]:
        """What a counsellor may type for it (a word with a space cannot be one command word)."""
        return [w for w in (self.id, self.zh, self.en, *self.aliases) if len(w.split()) == 1]


def _category(id: str, zh: str, en: str, *aliases: str) -> CategoryConfig:
    return CategoryConfig(id=id, zh=zh, en=en, aliases=list(aliases))


# The Guangzhou hotlines' daily figures (DOMAIN.md), with short and traditional forms.
DEFAULT_CATEGORIES: tuple[CategoryConfig, ...] = (
    _category("prevention", "预防咨询", "prevention questions", "预防", "預防諮詢"),
    _category(
        "counselling",
        "心理疏导",
        "psychological counselling",
        "疏导",
        "心理疏導",
        "counseling",
    ),
    _category("emotional", "情绪支持", "emotional support", "情绪", "情緒支持", "emotion"),
    _category("practical", "实际帮助", "practical help", "实际", "實際幫助"),
    _category(
        "followup",
        "高危人群随访",
        "follow-up of vulnerable people",
        "随访",
        "高危人群隨訪",
        "follow-up",
    ),
)


class ServiceSection(_Section):
    opens: str = "08:00"
    closes: str = "24:00"
    first_response_minutes: int = Field(10, ge=1)
    reminder_minutes: int = Field(15, ge=0)
    max_open_per_counsellor: int = Field(5, ge=1)
    # a new conversation goes to someone with this much of their duty left, when one has room
    min_minutes_left: int = Field(15, ge=0)
    catch_up_minutes: int = Field(30, ge=0)
    idle_close_hours: float = Field(2, gt=0)
    min_on_duty: int = Field(1, ge=0)
    late_notice_minutes: int = Field(2, ge=0)  # a notice posted later than this says it is late
    crisis_hotlines: list[str] = Field(
        default_factory=lambda: [
            "全国心理援助热线 400-161-9995",
            "北京心理危机研究与干预中心 010-82951332",
        ]
    )
    crisis_words: list[str] = Field(default_factory=list)  # more level-2 words, as before levels
    # What a counsellor tags a conversation with at /done; [] turns categories off.
    categories: list[CategoryConfig] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))

    @field_validator("categories")
    @classmethod
    def _distinct_categories(cls, v: list[CategoryConfig]) -> list[CategoryConfig]:
        owner: dict[str, str] = {}
        for c in v:
            for word in {category_key(w) for w in c.words}:
                if word.startswith("@") or not word:
                    raise ValueError(
                        f"category {c.id!r}: {word!r} cannot be typed as a category "
                        "(a word starting with @ names a person); remove it"
                    )
                if word in owner and owner[word] != c.id:
                    raise ValueError(
                        f"category word {word!r} belongs to both {owner[word]!r} and {c.id!r}; "
                        "give each category its own words"
                    )
                owner[word] = c.id
        return v

    def category(self, word: str) -> CategoryConfig | None:
        """The category `word` names (its id, a label or an alias), or None."""
        key = category_key(word)
        return next((c for c in self.categories if key in map(category_key, c.words)), None)

    def category_by_id(self, category_id: str) -> CategoryConfig | None:
        return next((c for c in self.categories if c.id == category_id), None)

    @field_validator("opens", "closes")
    @classmethod
    def _valid_time(cls, v: str) -> str:
        parse_hhmm(v)
        return v

    @model_validator(mode="after")
    def _opens_before_closes(self) -> ServiceSection:
        if parse_hhmm(self.closes) <= parse_hhmm(self.opens):
            raise ValueError(
                f"service.closes ({self.closes}) must be after service.opens ({self.opens}); "
                'e.g. opens = "08:00", closes = "24:00"'
            )
        return self

    @property
    def opens_minute(self) -> int:
        return parse_hhmm(self.opens)

    @property
    def closes_minute(self) -> int:
        return parse_hhmm(self.closes)


class OutboxSection(_Section):
    give_up_hours: float = Field(24, gt=0)
    rate_per_minute: int = Field(20, ge=1)  # per outbound webhook (WeCom and DingTalk allow 20)
    send_timeout_s: float = Field(10, gt=0)
    # Seconds (service time) a group's assignment or "you are in the queue" post waits for
    # company: those queued meanwhile go out as one post (bot/outbox.py). 0 sends each at once.
    merge_window_s: float = Field(60, ge=0, le=600)


class PrivacySection(_Section):
    # Days that what people wrote is kept (messages, the bot's copies, local chat, handover
    # notes); a daily purge removes older text and keeps the counts and times reports need.
    # 0 keeps it forever. See README "Retention".
    retain_text_days: int = Field(365, ge=0, le=36500)
    # The bot's first reply to someone it has not seen before says, in one line, who reads
    # what they write and for how long it is kept.
    first_reply_notice: bool = False


class GroupConfig(_Section):
    """A `[[groups]]` table: the keys every group has, and its platform's own keys (written flat
    in the same table) as the model its platform declares, validated there."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = ""
    platform: PlatformName  # required: a missing key must not quietly make an open local chat
    privacy: bool = False
    language: Literal["zh", "en"] | None = None  # the group's words; default bot.language
    rate_per_minute: int | None = Field(None, ge=1)
    keys: PlatformKeysOf  # the platform's keys (its spec's `keys` model)

    @model_validator(mode="before")
    @classmethod
    def _gather_keys(cls, data: Any) -> Any:
        """The keys that are not every group's, handed to the platform's model."""
        if not isinstance(data, dict):
            return data
        common = {k: v for k, v in data.items() if k in cls.model_fields and k != "keys"}
        given = data.get("keys", {})
        keys = given.model_dump() if isinstance(given, BaseModel) else dict(given)
        keys.update({k: v for k, v in data.items() if k not in cls.model_fields})
        keys["platform"] = data.get("platform")
        return {**common, "keys": keys}

    @model_serializer(mode="wrap")
    def _flat(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Dumped in the shape users write: the platform's keys beside the common ones."""
        data: dict[str, Any] = handler(self)
        keys = data.pop("keys", {})
        keys.pop("platform", None)
        return {**data, **keys}

    @property
    def missing_private_keys(self) -> tuple[str, ...]:
        """The keys this group lacks to send private posts privately; () when it can.

        Generic carries `private_to` in its payload and local shows it privately; the others
        need their platform's application (its spec's private_keys). Without it a private post
        becomes a mention in the group without the text."""
        return tuple(k for k in spec_of(self.platform).private_keys if not getattr(self.keys, k))

    @property
    def has_private_app(self) -> bool:
        """Whether private posts go through the platform's own 1:1 API (not the group's robot)."""
        return bool(spec_of(self.platform).private_keys) and not self.missing_private_keys

    @model_validator(mode="after")
    def _platform_needs(self) -> GroupConfig:
        spec = spec_of(self.platform)
        missing = [k for k in spec.required_keys if not getattr(self.keys, k)]
        if spec.check is not None:
            missing = spec.check(self, missing)
        if missing:
            raise ValueError(
                f"group {self.id!r} on platform {self.platform!r} needs "
                + ", ".join(missing)
                + "; set them in its [[groups]] table"
            )
        return self


def config_warnings(settings: Settings) -> list[str]:
    """What check-config warns about: keys that work unset but leave a door open."""
    warnings = []
    if (note := dburl.note(settings.bot.database_url)) is not None:
        warnings.append(note)
    for g in settings.groups:
        if g.missing_private_keys:
            warnings.append(
                f"group {g.id!r} ({g.platform}) cannot send private posts privately (crisis "
                "alerts, escalations, /ical, /stats): the recipients are mentioned in the group "
                "without the text instead; set "
                f"{', '.join(g.missing_private_keys)} to send them 1:1"
            )
        if (warn := spec_of(g.platform).warnings) is not None:
            warnings += warn(g)
    return warnings


_HEX = re.compile(r"^[0-9a-fA-F]+$")
_WEAK_WORDS = ("change-me", "changeme", "change_me", "example", "password", "secret", "demo-lead")


def console_token_problem(token: str) -> str | None:
    """Why `token` is too weak to stand for a lead (None if it is strong enough).

    Strength is estimated from length and alphabet (4 bits a hex digit, at most 6 bits any other
    character: 32 hex or 22 base64url characters make 128 bits), and a token must not look
    chosen by hand: an example value, few distinct characters, or a repeated run."""
    lowered = token.lower()
    if any(w in lowered for w in _WEAK_WORDS) or set(token) <= set(".-_ x"):
        return "console_token is an example or placeholder value"
    bits = len(token) * (4 if _HEX.match(token) else 6)
    if bits < 128:
        return f"console_token is too short (about {bits} bits)"
    if len(set(token)) < (7 if _HEX.match(token) else 10):
        return "console_token repeats too few characters to be random"
    runs = [token[i : i + 6] for i in range(len(token) - 5)]
    if len(runs) != len(set(runs)):
        return "console_token repeats itself, which a random token does not"
    return None


class MemberConfig(_Section):
    group: str
    id: str = Field(min_length=1, max_length=128)
    name: str = ""
    role: Literal["counsellor", "lead", "supervisor"] = "counsellor"
    # A lead who is also a supervisor (督导): alerted and on the supervision rota as one.
    supervisor: bool = False
    console_token: str = ""  # leads, optional: typed into the console's sign-in form

    @model_validator(mode="after")
    def _supervisor_flag(self) -> MemberConfig:
        if self.supervisor and self.role == "counsellor":
            raise ValueError(
                f"member {self.id!r}: supervisor = true is for a lead who also supervises; "
                'a counsellor who supervises is role = "supervisor" (and takes no conversations)'
            )
        return self

    @property
    def supervises(self) -> bool:
        """A supervisor (督导): role = "supervisor", or a lead with supervisor = true."""
        return self.role == "supervisor" or self.supervisor

    @field_validator("console_token")
    @classmethod
    def _strong_token(cls, v: str) -> str:
        problem = console_token_problem(v) if v else None
        if problem:
            raise ValueError(
                f"{problem}; a console token must carry 128 bits or more, e.g. make one with "
                'python -c "import secrets; print(secrets.token_urlsafe(32))" (or leave it out '
                "and sign in with a one-time link: carebot console link LEAD)"
            )
        return v

    @property
    def display_name(self) -> str:
        return self.name or self.id


class Settings(BaseSettings):
    """The whole configuration; build it with `load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="CAREBOT_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    bot: BotSection = Field(default_factory=BotSection)
    service: ServiceSection = Field(default_factory=ServiceSection)
    triage: TriageSection = Field(default_factory=TriageSection)
    outbox: OutboxSection = Field(default_factory=OutboxSection)
    privacy: PrivacySection = Field(default_factory=PrivacySection)
    groups: list[GroupConfig] = Field(default_factory=list)
    members: list[MemberConfig] = Field(default_factory=list)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file; the file arrives as init arguments.
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        seen: set[str] = set()
        for i, g in enumerate(self.groups):
            if g.id in seen:
                raise ValueError(
                    f"groups[{i}].id {g.id!r} is used twice; give each group its own id"
                )
            seen.add(g.id)
        pairs: set[tuple[str, str]] = set()
        for i, m in enumerate(self.members):
            if m.group not in seen:
                known = ", ".join(sorted(seen)) or "none yet"
                raise ValueError(
                    f"members[{i}] ({m.id}) is in unknown group {m.group!r}; "
                    f"use one of the [[groups]] ids ({known})"
                )
            if (m.group, m.id) in pairs:
                raise ValueError(
                    f"members[{i}].id {m.id!r} appears twice in group {m.group!r}; list each once"
                )
            pairs.add((m.group, m.id))
        for g in self.groups:
            if (team_key := spec_of(g.platform).team_key) and (
                team := str(getattr(g.keys, team_key))
            ) not in seen:
                raise ValueError(
                    f"{team_key} {team!r} of group {g.id!r} is not a group; set it to the id "
                    f"of the [[groups]] table where its counsellors read their posts (one of "
                    f"{', '.join(sorted(seen))})"
                )
            if team_key and spec_of((team_group := self._team_of(g, team_key)).platform).team_key:
                raise ValueError(
                    f"{team_key} {team_group.id!r} of group {g.id!r} is itself a 1:1 channel "
                    f"({team_group.platform}), which has no group to post in; set it to a group "
                    "where the counsellors read together (wecom, dingtalk, feishu, generic, local)"
                )
        local = [g.id for g in self.groups if spec_of(g.platform).loopback_only]
        if local and not is_loopback(self.bot.host) and not self.bot.allow_local_on_network:
            raise ValueError(
                f"bot.listen {self.bot.listen!r} is not a loopback address, and the local chat "
                f"(group {local[0]!r}) has no accounts: anyone who reaches the port could post as "
                'a lead and read private posts. Listen on "127.0.0.1:PORT", or set '
                "bot.allow_local_on_network = true if you accept that risk"
            )
        return self

    def _team_of(self, g: GroupConfig, team_key: str) -> GroupConfig:
        team = str(getattr(g.keys, team_key))
        return next(x for x in self.groups if x.id == team)

    def group(self, group_id: str) -> GroupConfig | None:
        return self._index[0].get(group_id)

    def served_by(self, team_id: str) -> list[str]:
        """The 1:1 channels (their group ids) whose team reads in group `team_id`."""
        return [
            g.id
            for g in self.groups
            if (key := spec_of(g.platform).team_key) and str(getattr(g.keys, key)) == team_id
        ]

    def members_of(self, group_id: str) -> list[MemberConfig]:
        return list(self._index[1].get(group_id, ()))

    def leads_of(self, group_id: str) -> list[MemberConfig]:
        """The group's leads, in config order."""
        return [m for m in self.members_of(group_id) if m.role == "lead"]

    def counsellors_of(self, group_id: str) -> list[MemberConfig]:
        """The group's counsellors, in config order."""
        return [m for m in self.members_of(group_id) if m.role == "counsellor"]

    def supervisors_of(self, group_id: str) -> list[MemberConfig]:
        """The group's supervisors (督导), leads who supervise included, in config order."""
        return [m for m in self.members_of(group_id) if m.supervises]

    def member(self, group_id: str, member_id: str) -> MemberConfig | None:
        return self._index[2].get((group_id, member_id))

    def language_of(self, group_id: str) -> Literal["zh", "en"]:
        """The language the bot speaks in this group: its `language`, else `bot.language`."""
        group = self.group(group_id)
        return (group.language if group else None) or self.bot.language

    @cached_property
    def _index(
        self,
    ) -> tuple[
        dict[str, GroupConfig],
        dict[str, list[MemberConfig]],
        dict[tuple[str, str], MemberConfig],
    ]:
        # Looked up on every inbound message: a scan of 30,000 members took a millisecond.
        # Settings are frozen, so the index built on first use stays right.
        by_group: dict[str, list[MemberConfig]] = {}
        for m in self.members:
            by_group.setdefault(m.group, []).append(m)
        return (
            {g.id: g for g in self.groups},
            by_group,
            {(m.group, m.id): m for m in self.members},
        )


ENV_PREFIX = "CAREBOT_"
# CAREBOT_ variables that are not settings: the test suite's and the benchmarks' own.
NOT_SETTINGS = ("CAREBOT_TEST_", "CAREBOT_BENCH_")


def env_names() -> list[str]:
    """Every environment variable that sets something: CAREBOT_<SECTION> (a JSON value) and
    CAREBOT_<SECTION>__<KEY> for each key of a section."""
    names = []
    for name, field in Settings.model_fields.items():
        names.append(f"{ENV_PREFIX}{name}".upper())
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            names += [f"{ENV_PREFIX}{name}__{key}".upper() for key in field.annotation.model_fields]
    return names


def _closest(name: str) -> str:
    # Compared without the prefix that every name shares, which would make any two look alike.
    keys = {n.removeprefix(ENV_PREFIX): n for n in env_names()}
    close = difflib.get_close_matches(name.upper().removeprefix(ENV_PREFIX), keys, n=1, cutoff=0.75)
    if close:
        return f"; did you mean {keys[close[0]]}?"
    return "; settings are CAREBOT_<SECTION>__<KEY>, e.g. CAREBOT_BOT__DATABASE_URL"


def env_warnings(environ: Mapping[str, str]) -> list[str]:
    """The CAREBOT_ variables in `environ` that set nothing (a misspelt or single-underscore
    name would otherwise be ignored without a word), each with the closest known name."""
    known = set(env_names())
    return [
        f"environment variable {name} is not a setting and is ignored{_closest(name)}"
        for name in sorted(environ)
        if name.upper().startswith(ENV_PREFIX)
        and not name.upper().startswith(NOT_SETTINGS)
        and name.upper() not in known
    ]


def _owners(key: str) -> list[str]:
    """The platforms that have a group key named `key`."""
    return [spec.name for spec in SPECS if key in spec.keys.model_fields and key != "platform"]


def _describe(
    err: ValidationError, environ: Mapping[str, str] | None = None, groups: Any = None
) -> str:
    """One line per fault: where (`groups[0].token`, with the group's id), what, and the fix."""
    from_env = {name.upper(): name for name in (os.environ if environ is None else environ)}
    lines = []
    for e in err.errors():
        loc = list(e["loc"])
        platform = ""
        if loc[:1] == ["groups"] and len(loc) >= 3 and loc[2] == "keys":
            if e["type"].startswith("union_tag"):
                continue  # an unknown or missing platform: its own error says so
            platform = str(loc[3])
            del loc[2:4]  # a platform's key is written in the group's table: groups[0].token
        where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc)
        where = where.replace(".[", "[")
        if loc[:1] == ["groups"] and len(loc) > 2 and isinstance(loc[1], int):
            group = groups[loc[1]] if isinstance(groups, list) and loc[1] < len(groups) else None
            if isinstance(group, dict) and isinstance(group.get("id"), str):
                where += f" (group {group['id']!r})"
        msg = e["msg"].removeprefix("Value error, ")
        env_name = ENV_PREFIX + "__".join(str(p) for p in e["loc"]).upper()
        if e["type"] == "extra_forbidden" and env_name in from_env:
            name = from_env[env_name]
            msg = f"unknown key, set by environment variable {name}{_closest(name)}"
        elif e["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling against config.example.toml"
            owners = _owners(str(loc[-1])) if platform else []
            if owners:
                msg = (
                    f"a key of {' and '.join(owners)}, which a {platform} group does not have; "
                    "remove it, or check the group's platform"
                )
        elif e["type"] == "missing":
            msg = "required key missing; add it (config.example.toml shows each key)"
        elif e["type"] == "literal_error":
            msg = f"{msg} (got {e['input']!r})"
        lines.append(f"{where or 'config'}: {msg}" if where else msg)
    if len(lines) == 1:
        return f"invalid configuration: {lines[0]}"
    return "invalid configuration:\n  " + "\n  ".join(lines)


def load_settings(path: str | Path | None = None, **overrides: Any) -> Settings:
    """Read the TOML file (if any), apply env overrides, validate; raise ConfigError on a fault."""
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"config file {p} not found; copy config.example.toml to start"
            ) from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"config file {p} is not valid TOML: {e}") from None
    data.update(overrides)
    try:
        return Settings(**data)
    except ValidationError as e:
        raise ConfigError(_describe(e, groups=data.get("groups"))) from None


def default_config_path() -> Path | None:
    """./carebot.toml if present, else config.example.toml if present, else none."""
    for name in ("carebot.toml", "config.example.toml"):
        if Path(name).is_file():
            return Path(name)
    return None
