"""WeCom customer service (微信客服): WeChat users, 1:1, through a customer-service account.

A WeChat user taps the account's link (or scans its QR code) and talks 1:1, inside WeChat, with
the organisation; one carebot group per account (`open_kfid`). The people who write are staff
(their `external_userid`, named by their WeChat nickname, fetched once with kf/customer/batchget
and cached); counsellors are WeCom members who serve the account. Posts for the person go to
them 1:1 through kf/send_msg; posts for the counsellors (assignments, notices, escalations) go to
the `team_group`, another carebot group, by the outbox's audiences (bot/outbox.py
`audience_of`); crisis alerts go privately to the leads through that group's platform.

Inbound (WeCom's documentation, 微信客服 "接收消息和事件" and "读取消息"): the callback at
/webhooks/wecom_kf/{group} is WeCom's encrypted callback (WXBizMsgCrypt, the receive id the
corp id; bot/platforms/wecom_crypto.py). GET verifies the URL (the decrypted echostr answered);
POST carries `<xml><ToUserName/><CreateTime/><MsgType>event</MsgType>
<Event>kf_msg_or_event</Event><Token/><OpenKfId/></xml>`: only that there is something new. It
is answered with an empty 200 at once; then POST {api_base}/cgi-bin/kf/sync_msg {"cursor",
"token" (the callback's, valid 10 minutes; without it the call is strictly rate-limited),
"limit": 1000, "open_kfid"} -> {"next_cursor", "has_more", "msg_list"} is called page by page
while has_more is 1 (an empty msg_list with has_more 1 is possible). Each page's messages and its
next_cursor are written in one transaction, only if the cursor is still the one the page was read
from (compare and set), so a kill between the pull and the commit repeats the page, whose
messages are stored once (unique msgid). On PostgreSQL the cursor's row is also locked from
before the call to the commit, so two instances take turns and never both advance it; on SQLite
(one writer for the whole file) the call is made outside any transaction (WeComKfPlatform._page).
Callbacks that arrive during a pull make one more pull, not one each; a pull every
`pull_every_s` (default 30 s) is the net under a lost callback.

msg_list items: origin 3 is the WeChat user's message (external_userid, msgtype, text.content),
4 a system event (msgtype "event", event.event_type: enter_session, msg_send_fail,
servicer_status_change, session_status_change, ...; its ids inside `event`), 5 a servicer
writing in the WeCom client (servicer_userid): a counsellor's first response. Messages sent
through kf/send_msg are not returned.

Hand-over (分配客服会话): a session is 0 new, 1 with the bot (carebot's replies), 2 in WeCom's
queue, 3 with a servicer (人工接待) or 4 ended; POST {api_base}/cgi-bin/kf/service_state/trans
{"open_kfid", "external_userid", "service_state", "servicer_userid"} may only go 0 -> 1/2/3,
1 -> 2/3, 2 -> 3, 3 -> 3 (another servicer) or 4, and the servicer must be activated and
正在接待 (else errcode 95014). carebot's outbox carries each assignment and each close as a row
of kind "session" in the person's lane (bot/conversations.py `hand_session`), after what carebot
said to them, since send_msg is refused once the session is a servicer's; send() carries it out
idempotently: service_state/get first, and nothing when the session is already there. A
session that a servicer took, transferred or ended in the WeCom client (event
session_status_change, change_type 1 从接待池接入, 2 转接, 3 结束, 4 重新接入) comes back
through the pull and is recorded (PlatformDeps.sessions), not fought.

Outbound to the person: POST {api_base}/cgi-bin/kf/send_msg {"touser", "open_kfid", "msgid"
(at most 32 bytes of [0-9a-zA-Z_-]: the outbox row's, so a retry is the same message),
"msgtype": "text", "text": {"content"}}, allowed while the session is new (0) or with the bot (1),
within 48 hours of the user's last message, at most 5 messages in that window.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from xml.etree.ElementTree import Element

import aiohttp
from pydantic import Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import BadRequest, PlatformError, Retry, SignatureError
from bot.i18n import join, t
from bot.models import KfCursor, OutboxRow
from bot.platforms import wecom_kf_limits as limits
from bot.platforms import wecom_kf_link
from bot.platforms.base import (
    InboundMessage,
    OutboundMessage,
    RawRequest,
    Reply,
    SessionChange,
    SessionEvent,
)
from bot.platforms.spec import PlatformDeps, PlatformSpec, keys_of
from bot.platforms.wecom import _xml, check_timestamp, read_envelope, signed_query
from bot.platforms.wecom_api import WeComAppKeys, WeComClient, WeComError
from bot.platforms.wecom_crypto import WeComCipher, is_encoding_aes_key
from bot.protocols import Clock, WallClock, WallTime
from bot.rota import ServiceHours

if TYPE_CHECKING:
    from bot.config import GroupConfig, Settings
    from bot.db import Database

log = logging.getLogger(__name__)

TEXT_LIMIT_BYTES = 2048  # kf/send_msg text.content: at most 2048 bytes
SYNC_LIMIT = 1000  # messages a sync_msg page may hold (the default and the maximum)
MAX_PAGES = 200  # pages one pull reads at most before it lets others have the cursor
PULL_EVERY_S = 30.0  # the periodic pull under a lost callback (real seconds)
CALLBACK_TOKEN_S = 600.0  # a callback's Token is valid 10 minutes
NAMES_PER_CALL = 100  # kf/customer/batchget takes at most 100 external_userids
CUSTOMER, EVENT, SERVICER = 3, 4, 5  # msg_list `origin`
SERVICER_INACTIVE = 95014  # trans: the servicer is not activated, or not 正在接待
KINDS = {"image": "image", "voice": "voice", "video": "video", "file": "file"}
# service_state: new, with the bot, in WeCom's queue, with a servicer, ended (or not begun)
NEW, BOT, QUEUED, SERVICER_STATE, ENDED = 0, 1, 2, 3, 4
# session_status_change change_type: 1 从接待池接入会话, 2 转接会话, 3 结束会话, 4 重新接入
CHANGES: dict[int, SessionEvent] = {1: "taken", 2: "transferred", 3: "ended", 4: "reopened"}
StoreInSession = Callable[[AsyncSession, list[InboundMessage]], Awaitable[list[bool]]]
SessionsInSession = Callable[[AsyncSession, list[SessionChange]], Awaitable[None]]


class WeComKfKeys(WeComAppKeys):
    """A customer-service account's keys: the account, the self-built application listed under
    微信客服 -> 可调用接口的应用 (corp_id, corp_secret), its callback's Token and EncodingAESKey,
    and the carebot group where its counsellors get their posts."""

    platform: Literal["wecom_kf"] = "wecom_kf"
    open_kfid: str = ""  # the account (wk...)
    token: str = ""
    encoding_aes_key: str = ""
    team_group: str = ""  # the id of the [[groups]] table the counsellors read
    # The periodic pull under a lost callback, in real seconds (a pull without a callback's
    # token is rate-limited by WeCom: keep it seconds, not less).
    pull_every_s: float = Field(PULL_EVERY_S, gt=0, le=3600)

    def receiver_url(self) -> str:
        return self.api_base


def _keys(group: GroupConfig) -> WeComKfKeys:
    return keys_of(group, WeComKfKeys)


# ---- the callback ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KfCallback:
    """What a kf_msg_or_event callback says: pull, with this token, for this account."""

    token: str
    open_kfid: str


def _cipher(group: GroupConfig) -> WeComCipher:
    k = _keys(group)
    try:
        return WeComCipher.from_config(k.token, k.encoding_aes_key)
    except ValueError:
        raise SignatureError(f"group {group.id!r} has no usable encoding_aes_key") from None


def verify_url(group: GroupConfig, query: Mapping[str, str], now: datetime) -> Reply:
    """URL verification (GET): the decrypted echostr as plain text."""
    msg_signature, timestamp, nonce = signed_query(query)
    echostr = query.get("echostr", "").replace(" ", "+")
    if not echostr:
        raise BadRequest("missing echostr in the query string")
    check_timestamp(timestamp, now)
    plain = _cipher(group).open(msg_signature, timestamp, nonce, echostr, {_keys(group).corp_id})
    try:
        return Reply(plain.decode("utf-8"))
    except UnicodeDecodeError:
        raise SignatureError("the decrypted echostr is not UTF-8") from None


def _text_of(root: Element, tag: str) -> str:
    node = root.find(tag)
    return (node.text or "").strip() if node is not None else ""


def parse_callback(
    group: GroupConfig, query: Mapping[str, str], body: bytes, now: datetime
) -> KfCallback | None:
    """A verified, decrypted callback: the pull it asks for, or None for another event."""
    msg_signature, timestamp, nonce = signed_query(query)
    check_timestamp(timestamp, now)
    _, encrypt = read_envelope(body)
    k = _keys(group)
    plain = _cipher(group).open(msg_signature, timestamp, nonce, encrypt, {k.corp_id})
    root = _xml(plain, "the decrypted callback")
    if _text_of(root, "Event") != "kf_msg_or_event":
        return None
    open_kfid = _text_of(root, "OpenKfId")
    if open_kfid and open_kfid != k.open_kfid:
        log.warning("wecom_kf group %s: a callback for another account %r; ignored (give "
                    "each account its own group)", group.id, open_kfid[:64])  # fmt: skip
        return None
    token = _text_of(root, "Token")
    if len(token) > 128:
        raise BadRequest("Token is longer than 128 bytes")
    return KfCallback(token, k.open_kfid)


# ---- what a pull returns -------------------------------------------------------------------


def _str(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    return value if isinstance(value, str) else ""


def _sent_at(item: Mapping[str, Any]) -> datetime | None:
    value = item.get("send_time")
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**11:
        return datetime.fromtimestamp(value, UTC)
    return None


def _session_change(group: GroupConfig, event: Mapping[str, Any]) -> SessionChange | None:
    """What a session_status_change event says was done in the WeCom client (None: another
    event, or one without the user or a known change_type)."""
    if _str(event, "event_type") != "session_status_change":
        return None
    user = _str(event, "external_userid")[:128]
    change = event.get("change_type")
    kind = CHANGES.get(change) if isinstance(change, int) else None
    if not user or kind is None:
        log.warning("wecom_kf group %s: a session_status_change without external_userid or "
                    "with change_type %r; kept, not acted on", group.id, change)  # fmt: skip
        return None
    new, old = _str(event, "new_servicer_userid")[:128], _str(event, "old_servicer_userid")[:128]
    return SessionChange(group.id, user, kind, "" if kind == "ended" else new, old)


@dataclass(frozen=True, slots=True)
class Pulled:
    """A msg_list item as carebot keeps it: the message, and what else it asks for."""

    message: InboundMessage
    welcome_code: str = ""  # enter_session: the code for the welcome text (20 s, once)
    change: SessionChange | None = None  # session_status_change: made in the WeCom client


def parse_item(
    group: GroupConfig,
    item: Mapping[str, Any],
    names: Mapping[str, str],
    is_member: Callable[[str], bool],
) -> Pulled | None:
    """One msg_list item (None when it has no msgid: nothing to store it once by)."""
    msg_id = _str(item, "msgid")
    if not msg_id or len(msg_id) > 128:
        log.warning("wecom_kf group %s: a sync_msg item without a usable msgid; skipped", group.id)
        return None
    origin = item.get("origin")
    msg_type = _str(item, "msgtype")
    sent_at = _sent_at(item)
    if msg_type == "event" or origin == EVENT:
        event = item.get("event")
        event = event if isinstance(event, dict) else {}
        who = _str(event, "external_userid") or _str(event, "servicer_userid") or "wecom"
        message = InboundMessage("wecom_kf", group.id, msg_id, who[:128], "", "", sent_at, "event")
        code = _str(event, "welcome_code") if _str(event, "event_type") == "enter_session" else ""
        return Pulled(message, code, _session_change(group, event))
    if origin == SERVICER:
        servicer = _str(item, "servicer_userid")[:128]
        # A counsellor answered in the WeCom client: the first response. The words stay in
        # WeCom; a servicer carebot does not know is only kept.
        msg_kind = "text" if servicer and is_member(servicer) else "event"
        answers = _str(item, "external_userid")[:128]  # whom they answered: theirs alone
        return Pulled(InboundMessage("wecom_kf", group.id, msg_id, servicer or "wecom", "", "",
                                     sent_at, msg_kind, answers))  # fmt: skip
    user = _str(item, "external_userid")[:128]
    if not user:
        log.warning("wecom_kf group %s: a message without external_userid; skipped", group.id)
        return None
    text = ""
    if msg_type == "text":
        content = item.get("text")
        text = _str(content, "content") if isinstance(content, dict) else ""
        msg_kind = "text"
    else:
        msg_kind = KINDS.get(msg_type, "other")
    return Pulled(InboundMessage("wecom_kf", group.id, msg_id, user, names.get(user, ""),
                                 text[:20_000], sent_at, msg_kind))  # fmt: skip


# ---- the platform --------------------------------------------------------------------------


@dataclass
class _Pulls:
    """One group's pulls: at most one running, and whether a callback came during it."""

    task: asyncio.Task[None] | None = None
    again: bool = False
    token: str = ""
    token_at: float = 0.0  # monotonic seconds


@dataclass
class PullStats:
    """What this process's pulls did (for tests and the log)."""

    pulls: int = 0
    pages: int = 0
    stored: int = 0
    failures: int = 0
    dropped: int = 0  # pages read from a cursor another pull had moved meanwhile (SQLite)
    per_group: dict[str, int] = field(default_factory=dict)
    # the last pages written: (the cursor each was read from, the one it moved to, its items)
    committed: deque[tuple[str, str, int]] = field(default_factory=lambda: deque(maxlen=1000))


@dataclass(frozen=True, slots=True)
class _Fetched:
    """A sync_msg answer: its items, where the cursor goes next, and whether there is more."""

    items: list[dict[str, Any]]
    next_cursor: str
    more: bool


@dataclass(frozen=True, slots=True)
class _Page:
    """What writing a page did: new messages, more to read, welcome codes, the outbox woken."""

    stored: int = 0
    more: bool = False
    welcomes: list[tuple[str, str]] = field(default_factory=list)
    wake: bool = False
    written: tuple[str, str, int] | None = None  # (from cursor, to cursor, items) if written


class WeComKfPlatform:
    """微信客服: the callback starts a pull; posts for the person go out through kf/send_msg."""

    name = "wecom_kf"

    def __init__(
        self,
        http: aiohttp.ClientSession,
        db: Database,
        settings: Settings | None,
        store: StoreInSession | None,
        wake: Callable[[], None] = lambda: None,
        timeout_s: float = 10,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        wall: WallClock,
        clock: Clock | None = None,
        sessions: SessionsInSession | None = None,
    ) -> None:
        self.client = WeComClient(http, timeout_s, monotonic)
        self._clock = clock  # the service clock: whether service runs, for the welcome text
        self._sessions = sessions
        self._wall = wall  # when a cursor was written: real time
        self._db = db
        self._settings = settings
        self._store = store
        self._wake = wake
        self._monotonic = monotonic
        self._pulls: dict[str, _Pulls] = {}
        self._names: dict[tuple[str, str], str] = {}  # (open_kfid, external_userid) -> nickname
        self._net: list[asyncio.Task[None]] = []
        self._links: dict[str, str] = {}  # group -> its contact link
        self.stats = PullStats()

    # ---- inbound --------------------------------------------------------------------------

    def parse_inbound(
        self, group: GroupConfig, request: RawRequest, now: WallTime
    ) -> list[InboundMessage] | Reply:
        if request.method == "GET":
            return verify_url(group, request.query, now)
        if request.method != "POST":
            raise BadRequest("the WeCom callback takes GET (verification) and POST only")
        callback = parse_callback(group, request.query, request.body, now)
        if callback is not None:
            self.pull_soon(group, callback.token)
        return Reply("")  # WeCom reads any answer as a reply: an empty 200, at once

    def pull_soon(self, group: GroupConfig, token: str = "") -> None:
        """Pull the group's new messages now, or once more after the pull under way."""
        state = self._pulls.setdefault(group.id, _Pulls())
        if token:
            state.token, state.token_at = token, self._monotonic()
        if state.task is not None and not state.task.done():
            state.again = True
            return
        state.task = asyncio.create_task(self._pull_loop(group, state), name=f"kf-pull-{group.id}")

    async def idle(self) -> None:
        """Wait until no pull runs (tests; and the app before it closes the database)."""
        while tasks := [p.task for p in self._pulls.values() if p.task and not p.task.done()]:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _pull_loop(self, group: GroupConfig, state: _Pulls) -> None:
        while True:
            state.again = False
            try:
                await self.pull(group, self._fresh_token(state))
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the cursor stays where it was; the next pull repeats it
                self.stats.failures += 1
                log.warning("wecom_kf group %s: pull failed (%s: %s); the next callback or the "
                            "periodic pull tries again", group.id, type(e).__name__,
                            str(e)[:200])  # fmt: skip
            if not state.again:
                return

    def _fresh_token(self, state: _Pulls) -> str:
        young = self._monotonic() - state.token_at < CALLBACK_TOKEN_S - 30
        return state.token if state.token and young else ""

    async def pull(self, group: GroupConfig, token: str = "") -> int:
        """Read every page from the stored cursor; return how many new messages were stored."""
        if self._store is None:
            raise PlatformError("this process does not store messages (no inbox)")
        self.stats.pulls += 1
        self.stats.per_group[group.id] = self.stats.per_group.get(group.id, 0) + 1
        stored = 0
        for _ in range(MAX_PAGES):
            page = await self._page(group, token)
            stored += page.stored
            for user, code in page.welcomes:
                await self._welcome(group, user, code)
            if not page.more:
                break
        else:
            log.warning("wecom_kf group %s: %s pages in one pull; going on at the next",
                        group.id, MAX_PAGES)  # fmt: skip
        return stored

    async def _page(self, group: GroupConfig, token: str) -> _Page:
        """One sync_msg page, stored with its next_cursor in one transaction.

        PostgreSQL: the cursor's row is locked (FOR UPDATE) before the call and until the page
        is committed, so instances take turns: no two call sync_msg with the same cursor, and
        nothing else waits (no other writer touches the row). SQLite has one writer at a time
        for the whole file: a transaction held across the HTTP call would stall every webhook
        and the outbox for the round trip. There the cursor is read, the call made outside any
        transaction (this process pulls a group once at a time: pull_soon), and the page
        committed only if the cursor is still the one it was read from (compare and set);
        if another pull moved it, the page is dropped and read again from the new cursor.
        """
        if self._db.is_sqlite:
            cursor = await self._read_cursor(group.id)
            items = await self._sync_msg(group, cursor, token)
            async with self._db.write() as s:
                page = await self._commit(s, group, cursor, items)
        else:
            async with self._db.write() as s:
                cursor = await self._lock_cursor(s, group.id)
                items = await self._sync_msg(group, cursor, token)
                page = await self._commit(s, group, cursor, items)
        if page.written is not None:  # committed
            self.stats.stored += page.stored
            self.stats.committed.append(page.written)
        if page.wake:
            self._wake()
        return page

    async def _sync_msg(self, group: GroupConfig, cursor: str, token: str) -> _Fetched:
        """kf/sync_msg from `cursor`, and the nicknames of the people it brings."""
        payload: dict[str, Any] = {
            "cursor": cursor,
            "limit": SYNC_LIMIT,
            "open_kfid": _keys(group).open_kfid,
        }
        if token:
            payload["token"] = token
        data = await self.client.call(group, "/cgi-bin/kf/sync_msg", payload)
        self.stats.pages += 1
        items = data.get("msg_list")
        items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        await self._learn_names(group, items)
        next_cursor = data.get("next_cursor")
        next_cursor = next_cursor[:128] if isinstance(next_cursor, str) and next_cursor else cursor
        return _Fetched(items, next_cursor, data.get("has_more") == 1)

    async def _commit(
        self, s: AsyncSession, group: GroupConfig, cursor: str, fetched: _Fetched
    ) -> _Page:
        """Store the page's messages and move the cursor, if it is still at `cursor`."""
        assert self._store is not None
        if not fetched.items and fetched.next_cursor == cursor:
            return _Page(more=fetched.more)  # nothing new: nothing to write
        if not cursor:  # the first page: the row to compare and set (PostgreSQL has it locked)
            await s.execute(
                self._db.insert(KfCursor)
                .values(group_id=group.id, cursor="", updated_at=self._wall.wall_now())
                .on_conflict_do_nothing(index_elements=["group_id"])
            )
        moved = await s.execute(
            update(KfCursor)
            .where(KfCursor.group_id == group.id, KfCursor.cursor == cursor)
            .values(cursor=fetched.next_cursor, updated_at=self._wall.wall_now())
        )
        if getattr(moved, "rowcount", 0) != 1:  # another pull stored this page first
            self.stats.dropped += 1
            log.info("wecom_kf group %s: the cursor moved during the pull; page read again",
                     group.id)  # fmt: skip
            return _Page(more=True)
        k = _keys(group)
        names = {u: n for (kf, u), n in self._names.items() if kf == k.open_kfid}
        settings = self._settings
        pulled = [
            p
            for item in fetched.items
            if (p := parse_item(group, item, names, lambda m: _is_member(settings, group, m)))
            is not None
        ]
        duplicates = await self._store_in_order(s, pulled) if pulled else []
        new = [p for p, dup in zip(pulled, duplicates, strict=True) if not dup]
        welcomes = [(p.message.sender_id, p.welcome_code) for p in new if p.welcome_code]
        wake = bool(s.info.get("carebot.enqueued"))
        written = (cursor, fetched.next_cursor, len(fetched.items))
        return _Page(len(new), fetched.more, welcomes, wake, written)

    async def _read_cursor(self, group_id: str) -> str:
        """The group's cursor, read outside a transaction ("" before the first page: its row
        is made only with the first page written, so a pull that fails writes nothing)."""
        query = select(KfCursor.cursor).where(KfCursor.group_id == group_id)
        async with self._db.read() as s:
            cursor = await s.scalar(query)
        return str(cursor or "")

    async def _store_in_order(self, s: AsyncSession, pulled: list[Pulled]) -> list[bool]:
        """Store the page's messages, acting on each new session change where it comes (a
        message after a session ended belongs to the next one); per message, whether it was a
        duplicate."""
        assert self._store is not None
        duplicates: list[bool] = []
        run: list[Pulled] = []
        for i, p in enumerate(pulled):
            run.append(p)
            if p.change is None and i < len(pulled) - 1:
                continue
            stored = await self._store(s, [x.message for x in run])
            duplicates += stored
            if p.change is not None and not stored[-1] and self._sessions is not None:
                await self._sessions(s, [p.change])
            run = []
        return duplicates

    async def _lock_cursor(self, s: AsyncSession, group_id: str) -> str:
        """The group's cursor, its row locked until the transaction ends (PostgreSQL)."""
        await s.execute(
            self._db.insert(KfCursor)
            .values(group_id=group_id, cursor="", updated_at=self._wall.wall_now())
            .on_conflict_do_nothing(index_elements=["group_id"])
        )
        query = select(KfCursor.cursor).where(KfCursor.group_id == group_id)
        if not self._db.is_sqlite:
            query = query.with_for_update()
        return str(await s.scalar(query) or "")

    async def _learn_names(self, group: GroupConfig, items: list[dict[str, Any]]) -> None:
        """Fetch the nicknames of the users not seen before (once each, then cached)."""
        k = _keys(group)
        unknown = sorted({
            u for i in items
            if i.get("origin") == CUSTOMER and (u := _str(i, "external_userid"))
            and (k.open_kfid, u) not in self._names
        })  # fmt: skip
        for start in range(0, len(unknown), NAMES_PER_CALL):
            batch = unknown[start : start + NAMES_PER_CALL]
            try:
                data = await self.client.call(
                    group, "/cgi-bin/kf/customer/batchget", {"external_userid_list": batch}
                )
            except PlatformError as e:  # a name is a nicety: the message goes on without it
                log.warning("wecom_kf group %s: nicknames not fetched (%s)", group.id, e)
                return
            customers = data.get("customer_list")
            for c in customers if isinstance(customers, list) else []:
                if isinstance(c, dict) and (u := _str(c, "external_userid")):
                    self._names[(k.open_kfid, u)] = _str(c, "nickname")[:200]
            for u in batch:  # not found: asked once, not on every message
                self._names.setdefault((k.open_kfid, u), "")

    async def _welcome(self, group: GroupConfig, user: str, code: str) -> None:
        """enter_session's welcome text: once, within 20 s of the event (send_msg_on_event)."""
        settings = self._settings
        if settings is None:
            return
        svc = settings.service
        lang = settings.language_of(group.id)
        values = {"opens": svc.opens, "closes": svc.closes,
                  "hotlines": join(lang, svc.crisis_hotlines)}  # fmt: skip
        hours = ServiceHours(svc.opens_minute, svc.closes_minute, settings.bot.tz)
        now = self._clock.now() if self._clock is not None else None
        if now is None or hours.is_open(now):
            text = t(lang, "kf_welcome", **values)
        else:  # closed: say so, when someone answers, and where help is now
            next_open = f"{hours.next_open_at(now).astimezone(hours.tz):%m-%d %H:%M}"
            text = t(lang, "kf_welcome_closed", next_open=next_open, **values)
        payload = {"code": code, "msgtype": "text", "text": {"content": text}}
        try:
            await self.client.call(group, "/cgi-bin/kf/send_msg_on_event", payload)
        except PlatformError as e:
            log.warning("wecom_kf group %s: the welcome text for a new session was not sent (%s)",
                        group.id, e)  # fmt: skip

    # ---- outbound -------------------------------------------------------------------------

    async def forbids(
        self, s: AsyncSession, group: GroupConfig, row: OutboxRow, parts: int, now: WallTime
    ) -> PlatformError | None:
        """The 48 h / 5-message rule, kept before WeCom must refuse (wecom_kf_limits.py)."""
        if self._settings is None:
            return None
        return await limits.forbids(s, self._settings, group, row, parts, now)

    async def session_state(self, group: GroupConfig, user: str) -> int:
        """The person's session state in WeCom (service_state/get): 0 new ... 4 ended."""
        payload = {"open_kfid": _keys(group).open_kfid, "external_userid": user}
        data = await self.client.call(group, "/cgi-bin/kf/service_state/get", payload)
        state = data.get("service_state")
        if not isinstance(state, int) or isinstance(state, bool):
            raise Retry("wecom kf/service_state/get answered without a service_state")
        return state

    def _refusal(
        self, group: GroupConfig, message: OutboundMessage, user: str, reason: limits.Reason,
        detail: str,
    ) -> PlatformError:  # fmt: skip
        if self._settings is None:
            return PlatformError(f"wecom_kf group {group.id!r}: not sent ({reason}: {detail})")
        return limits.refusal(self._settings, group, message.kind, user, reason, detail)

    async def send(self, group: GroupConfig, message: OutboundMessage) -> None:
        """A post for the person (the outbox sends every other post to the team group), only
        while their session is with the bot: the state is asked first (a servicer may have
        taken it in WeCom), and a refusal for good is explained from WeCom's errcodes; or
        their session handed over or ended (kind "session")."""
        if message.kind == "session":
            await self._move_session(group, message)
            return
        to = message.private_to or message.mentions
        if not to:
            raise PlatformError(
                f"wecom_kf group {group.id!r}: a post without a person to send it to; set "
                "team_group for the counsellors' posts"
            )
        k = _keys(group)
        for user in to:
            state = await self.session_state(group, user)
            if state not in limits.SEND_STATES:
                log.warning("wecom_kf group %s: outbox row %s not sent: the session is in state "
                            "%s (%s), where kf/send_msg is not allowed; the team is told",
                            group.id, message.outbox_id, state,
                            limits.STATE_NAMES.get(state, "?"))  # fmt: skip
                detail = f"{state} {limits.STATE_NAMES.get(state, '')}".strip()
                raise self._refusal(group, message, user, "state", detail)
            digest = hashlib.sha256(f"{user}\n{message.text}".encode()).hexdigest()[:12]
            msgid = f"cb{message.outbox_id or 0}-{digest}"[:32]
            payload = {
                "touser": user,
                "open_kfid": k.open_kfid,
                "msgid": msgid,
                "msgtype": "text",
                "text": {"content": message.text},
            }
            try:
                await self.client.call(group, "/cgi-bin/kf/send_msg", payload)
            except WeComError as e:
                known = limits.explain(e.errcode)
                log.error("wecom_kf group %s: kf/send_msg refused outbox row %s: errcode %s, %s "
                          "(%s); the team is told the fix", group.id, message.outbox_id,
                          e.errcode, known.meaning, known.reason)  # fmt: skip
                raise self._refusal(group, message, user, known.reason,
                                    f"errcode {e.errcode}") from e  # fmt: skip

    async def contact_link(self, group: GroupConfig) -> str:
        """The account's contact link (kf/add_contact_way), asked once per process."""
        if group.id not in self._links:
            self._links[group.id] = await wecom_kf_link.contact_link(self.client, group)
        return self._links[group.id]

    async def _move_session(self, group: GroupConfig, message: OutboundMessage) -> None:
        """Put the person's session with mentions[0] (no mentions: end it), unless it is there
        already: idempotent, so a retry after a lost answer does nothing twice. A session a
        servicer took in the WeCom client is left alone unless that servicer is one carebot
        gave it to before (mentions[1:]): a reassignment made by hand is not fought."""
        if len(message.private_to) != 1:
            raise PlatformError(f"wecom_kf group {group.id!r}: a session row names no one person")
        user = message.private_to[0]
        k = _keys(group)
        who = {"open_kfid": k.open_kfid, "external_userid": user}
        data = await self.client.call(group, "/cgi-bin/kf/service_state/get", who)
        state, holder = data.get("service_state"), _str(data, "servicer_userid")
        target = message.mentions[0] if message.mentions else ""
        where = f"wecom_kf group {group.id}, outbox row {message.outbox_id}"
        if not target:
            if state != SERVICER_STATE:  # ended already, or never a servicer's: 3 -> 4 only
                log.info("%s: the session is in state %s; nothing to end", where, state)
                return
            await self._trans(group, who, {"service_state": ENDED}, where, "")
            return
        if state == SERVICER_STATE and holder == target:
            return  # there already (a retry, or the servicer took it themselves)
        if state == ENDED:
            log.info("%s: the session ended before it could go to %s; the person's next "
                     "message begins a new one", where, target)  # fmt: skip
            return
        if state == SERVICER_STATE and holder not in message.mentions[1:]:
            log.info("%s: %s holds the session in WeCom (moved there by hand); left with "
                     "them, not moved to %s", where, holder, target)  # fmt: skip
            return
        change = {"service_state": SERVICER_STATE, "servicer_userid": target}
        await self._trans(group, who, change, where, target)

    async def _trans(
        self,
        group: GroupConfig,
        who: dict[str, str],
        change: dict[str, Any],
        where: str,
        servicer: str,
    ) -> None:
        try:
            await self.client.call(group, "/cgi-bin/kf/service_state/trans", {**who, **change})
        except WeComError as e:
            if e.errcode == SERVICER_INACTIVE:
                log.error("%s: WeCom refused to hand the session to %s (errcode 95014: not "
                          "activated in WeCom, or not 正在接待 as a servicer of this account); "
                          "they should set themselves 正在接待 in the WeCom client", where,
                          servicer)  # fmt: skip
            else:
                log.warning("%s: service_state/trans to %s refused (errcode %s)", where,
                            change.get("service_state"), e.errcode)  # fmt: skip
            known = limits.explain(e.errcode)
            if self._settings is not None and known.reason in limits.SETUP:
                # the leads' post names the counsellor and the fix (once a day), not the row
                raise limits.refusal(self._settings, group, limits.SESSION_KIND,
                                     who["external_userid"], known.reason, f"errcode {e.errcode}",
                                     counsellor_id=servicer or None) from e  # fmt: skip
            raise

    # ---- the periodic pull ----------------------------------------------------------------

    async def start(self) -> None:
        groups = (
            [g for g in self._settings.groups if g.platform == self.name] if self._settings else []
        )
        if self._store is not None:
            self._net = [
                asyncio.create_task(self._every(g), name=f"kf-periodic-pull-{g.id}") for g in groups
            ]

    async def stop(self) -> None:
        for task in self._net:
            task.cancel()
        await asyncio.gather(*self._net, return_exceptions=True)
        self._net = []
        await self.idle()

    async def _every(self, group: GroupConfig) -> None:
        """A pull at the start and every pull_every_s after (a lost callback's messages)."""
        every_s = _keys(group).pull_every_s
        while True:
            self.pull_soon(group)
            await asyncio.sleep(every_s)


def _is_member(settings: Settings | None, group: GroupConfig, member_id: str) -> bool:
    return settings is not None and settings.member(group.id, member_id) is not None


def check_config(g: GroupConfig, missing: list[str]) -> list[str]:
    """The formats of a customer-service group's keys (its team_group is checked with the
    other groups: bot/config.py reads the spec's `links`)."""
    k = _keys(g)
    if k.encoding_aes_key and not is_encoding_aes_key(k.encoding_aes_key):
        raise ValueError(
            f"group {g.id!r}: encoding_aes_key must be the 43 characters (letters, digits, "
            "+ and /) shown as EncodingAESKey in the application's receive settings"
        )
    if k.team_group == g.id:
        raise ValueError(
            f"group {g.id!r}: team_group must be another group (where the counsellors read "
            "their posts), not the customer-service account itself"
        )
    return missing


def _build(d: PlatformDeps) -> WeComKfPlatform:
    return WeComKfPlatform(
        d.http,
        d.db,
        d.settings,
        d.store,
        d.wake,
        d.timeout_s,
        wall=d.wall,
        clock=d.clock,
        sessions=d.sessions,
    )


SPEC = PlatformSpec(
    name="wecom_kf",
    build=_build,
    keys=WeComKfKeys,
    required_keys=(
        "open_kfid",
        "corp_id",
        "corp_secret",
        "token",
        "encoding_aes_key",
        "team_group",
    ),
    check=check_config,
    secret_fields=("token", "encoding_aes_key", "corp_secret"),
    text_limit_bytes=TEXT_LIMIT_BYTES,
    rate_limit="never",  # kf/send_msg counts per person (5 in 48 h), not per minute
    team_key="team_group",
    pulls=True,
    relays_text=False,
    hands_over=True,
    inbound_ack=Reply(""),
)
