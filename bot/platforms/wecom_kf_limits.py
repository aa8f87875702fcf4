"""微信客服's send rules, kept by carebot before WeCom has to refuse anything.

The rules (WeCom's kf/send_msg page, and its global errcode page 90313 for 95001/95002/95018):
a message may be sent to a WeChat user only while their session is new (state 0) or with the
bot (1), within 48 hours of the user's last message, and at most 5 messages after that message;
each new message of the user opens a new window of 5. The welcome text (send_msg_on_event) is an
event response of its own and is not counted.

What carebot knows, durably and for every instance alike, is derived from rows it keeps anyway:
the user's last message is the newest stored message of theirs (`messages.sent_at`: the
`send_time` WeCom stamped, so WeCom's clock), and the messages sent since are the accepted parts
in `outbox_sends` (wall-clock `sent_at`, the instant WeCom said yes) of the rows addressed to
them. Both sides are real time, so the window is counted on the wall clock, never the service
clock (a demo may run ahead or fast). The two clocks are different machines': SKEW_S of margin
counts a send near the user's message as after it, and closes the window that much early.

A post the rules forbid is not attempted: the outbox makes it dead (bot/outbox.py) and the team
is told what could not be said and why, without the person's words, naming the person only
where the group's privacy allows (a crisis reply only privately, to the leads and the
counsellor). WeCom's own refusals of kf/send_msg (and of service_state/trans, for
bot/platforms/wecom_kf.py) are explained from ERRCODES with the fix, once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Refused
from bot.i18n import t
from bot.logs import ids
from bot.models import Conversation, Member, Message, OutboxRow, OutboxSend
from bot.platforms.base import OutboundMessage

if TYPE_CHECKING:
    from bot.config import GroupConfig, Settings

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
MAX_SENDS = 5
SKEW_S = 60.0  # our wall clock against WeCom's: counted against us, never for us
SEND_STATES = frozenset({0, 1})  # 新接入待处理, 由智能助手接待
REPORT_KIND = "escalation"

Reason = Literal["quota", "window", "state", "account", "secret", "api_off", "servicer", "other"]


@dataclass(frozen=True, slots=True)
class Errcode:
    """What one of WeCom's errcodes means for carebot: the reason told and whether the fix is
    in WeCom's admin or carebot's config (all are final: a Retry is -1 or 45009)."""

    reason: Reason
    meaning: str  # for the log line (English, as every log line)


# WeCom's global errcode page (document 90313), the 95xxx block and the few others kf/send_msg
# and service_state/trans answer with.
ERRCODES: dict[int, Errcode] = {
    95000: Errcode("account", "invalid open_kfid"),
    95001: Errcode("quota", "5 messages already sent since the user's last message"),
    95002: Errcode("window", "more than 48 h since the user's last message"),
    95004: Errcode("account", "open_kfid does not exist (another corp's, or deleted)"),
    95011: Errcode("secret", "微信客服 is used in WeCom, the token is the standalone secret's"),
    95012: Errcode("secret", "微信客服 is standalone, but the token is of a WeCom app's secret"),
    95013: Errcode("state", "the session has ended"),
    95014: Errcode("servicer", "not a servicer (接待人员) of the account, or not activated"),
    95016: Errcode("state", "this session state change is not allowed"),
    95017: Errcode("api_off", "the account's API switch is off (基础应用权限)"),
    95018: Errcode("state", "the session state does not allow send_msg (or 48 h passed)"),
    95019: Errcode("servicer", "the servicer stopped serving or is suspended"),
    95023: Errcode("api_off", "the account's API is granted to another (代开发) application"),
    95031: Errcode("window", "the user has not written in the last 48 h"),
    40096: Errcode("window", "invalid external_userid for this account"),
}


def explain(errcode: int) -> Errcode:
    return ERRCODES.get(errcode, Errcode("other", "see WeCom's errcode page"))


# ---- what carebot knows of a person's window ----------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """A person's last message (WeCom's time) and the messages sent to them since."""

    last_message_at: datetime | None
    sent: int

    def forbids(self, needed: int, now: datetime) -> Reason | None:
        """Why `needed` more messages may not go out at wall-clock `now` (None: they may)."""
        margin = timedelta(seconds=SKEW_S)
        if self.last_message_at is None or now - self.last_message_at > WINDOW - margin:
            return "window"
        if self.sent + needed > MAX_SENDS:
            return "quota"
        return None


async def window_of(s: AsyncSession, group_id: str, person: str) -> Window:
    """What the stored messages and accepted sends say of `person`'s current window."""
    m = Message
    last_sent, last_received = (
        await s.execute(
            select(func.max(m.sent_at), func.max(m.received_at)).where(
                m.group_id == group_id, m.sender_id == person, m.msg_type != "event"
            )
        )
    ).one()
    last = last_sent or last_received
    if last is None:
        return Window(None, 0)
    since = last - timedelta(seconds=SKEW_S)
    rows = await s.execute(
        select(OutboxRow.private_to, OutboxRow.mentions)
        .join(OutboxSend, OutboxSend.outbox_id == OutboxRow.id)
        .where(
            OutboxSend.group_id == group_id,
            OutboxSend.sent_at > since,
            OutboxRow.kind != SESSION_KIND,  # hand-overs are not messages
        )
    )
    sent = sum(1 for private_to, mentions in rows if person in (private_to or mentions))
    return Window(last, sent)


def recipients(row: OutboxRow) -> tuple[str, ...]:
    return tuple(row.private_to or row.mentions)


# ---- telling the team ---------------------------------------------------------------------

WHAT = {"assignment": "kf_what_assignment", "off_hours": "kf_what_off_hours",
        "crisis": "kf_what_crisis"}  # fmt: skip
REASON_WORDS: dict[Reason, str] = {
    "quota": "kf_reason_quota",
    "window": "kf_reason_window",
    "state": "kf_reason_state",
    "account": "kf_reason_account",
    "secret": "kf_reason_secret",
    "api_off": "kf_reason_api_off",
    "servicer": "kf_reason_servicer",
    "other": "kf_reason_other",
}
FIX: dict[Reason, str] = {
    "quota": "kf_fix_person",
    "window": "kf_fix_person",
    "state": "kf_fix_state",
    "account": "kf_fix_account",
    "secret": "kf_fix_secret",
    "api_off": "kf_fix_api_off",
    "servicer": "kf_fix_servicer",
    "other": "kf_fix_other",
}


async def unsent_reports(
    s: AsyncSession,
    settings: Settings,
    group: GroupConfig,
    kind: str,
    person: str,
    reason: Reason,
    detail: str = "",
) -> list[OutboundMessage]:
    """The posts that tell the team a message for `person` could not be sent: to the team
    group, the person named only outside privacy mode (then privately to whoever holds them,
    by name); a crisis reply only privately, to the leads and the counsellor."""
    lang = settings.language_of(group.id)
    counsellor_id = await s.scalar(
        select(Conversation.counsellor_id).where(
            Conversation.group_id == group.id,
            Conversation.staff_id == person,
            Conversation.status != "closed",
        )
    )
    nickname = await s.scalar(
        select(Member.name).where(Member.group_id == group.id, Member.id == person)
    )
    leads = tuple(m.id for m in settings.leads_of(group.id))
    to = (counsellor_id,) if counsellor_id else leads
    holder = _name(settings, group, counsellor_id)
    fix = t(lang, FIX[reason], counsellor=holder)
    if reason == "state" and kind == "off_hours":
        # The person wrote while nobody is on duty and their session is still a servicer's
        # (state 3 allows no send): they are queued, and the next counsellor on duty takes the
        # session over (3 -> 3) when the queue drains, at the opening if it is closed now.
        fix = t(lang, "kf_fix_state_queued", opens=settings.service.opens)
    values = {
        "what": t(lang, WHAT.get(kind, "kf_what_other"), kind=kind),
        "reason": t(lang, REASON_WORDS[reason], detail=detail),
        "fix": fix,
    }

    def text(who: str, mention: Sequence[str]) -> str:
        at = " ".join(f"@{_name(settings, group, m)}" for m in mention)
        return t(lang, "kf_unsent", to=at, person=who, **values)

    named = text(nickname or person, to)
    if kind == "crisis":
        private = tuple(dict.fromkeys([*leads, *to]))
        return [OutboundMessage(group.id, named, REPORT_KIND, private, private)]
    if not group.privacy:
        return [OutboundMessage(group.id, named, REPORT_KIND, to)]
    return [
        OutboundMessage(group.id, text(t(lang, "kf_someone"), to), REPORT_KIND, to),
        OutboundMessage(group.id, named, REPORT_KIND, to, to),
    ]


def config_report(
    settings: Settings,
    group: GroupConfig,
    reason: Reason,
    counsellor_id: str | None = None,
    detail: str = "",
) -> OutboundMessage:
    """The one post about a problem of the account's set-up (an errcode of the account, the
    secret, the API switch or a servicer): to the leads, naming the counsellor and the fix."""
    lang = settings.language_of(group.id)
    leads = tuple(m.id for m in settings.leads_of(group.id))
    mention = tuple(dict.fromkeys([*leads, *([counsellor_id] if counsellor_id else [])]))
    at = " ".join(f"@{_name(settings, group, m)}" for m in mention)
    text = t(
        lang,
        "kf_setup_problem",
        to=at,
        group=group.id,
        reason=t(lang, REASON_WORDS[reason], detail=detail),
        fix=t(lang, FIX[reason], counsellor=_name(settings, group, counsellor_id)),
    )
    return OutboundMessage(group.id, text, REPORT_KIND, mention)


async def tell_setup_problem(
    s: AsyncSession,
    settings: Settings,
    group: GroupConfig,
    errcode: int,
    now: datetime,
    counsellor_id: str | None = None,
) -> bool:
    """For a refusal outside the outbox (service_state/trans answering 95014 for a counsellor
    who is no servicer): a clear log line, and the leads' post naming the counsellor and the
    fix, once a day. Whether the post was enqueued (in the caller's transaction)."""
    from bot.outbox import enqueue_report_once  # the outbox imports the platforms

    known = explain(errcode)
    log.error("wecom_kf group %s: WeCom refused with errcode %s: %s (counsellor %s)", group.id,
              errcode, known.meaning, counsellor_id or "-", extra=ids(group=group.id))  # fmt: skip
    reason: Reason = known.reason if known.reason in SETUP else "other"
    post = config_report(settings, group, reason, counsellor_id, f"errcode {errcode}")
    return await enqueue_report_once(s, post, now)


def _name(settings: Settings, group: GroupConfig, member_id: str | None) -> str:
    if not member_id:
        return "-"
    member = settings.member(group.id, member_id)
    return member.display_name if member is not None else member_id


# ---- refusals -----------------------------------------------------------------------------

SESSION_KIND = "session"  # an outbox row that hands the session over (service_state/trans)
SETUP: frozenset[Reason] = frozenset({"account", "secret", "api_off", "servicer"})
STATE_NAMES = {0: "新接入待处理", 1: "由智能助手接待", 2: "待接入池排队中", 3: "由人工接待",
               4: "已结束或未开始"}  # fmt: skip


def refusal(
    settings: Settings,
    group: GroupConfig,
    kind: str,
    person: str,
    reason: Reason,
    detail: str = "",
    counsellor_id: str | None = None,
) -> Refused:
    """The refusal of a post for `person`, with the team's report of it: a problem of the
    set-up once for the leads; else who could not be told what, and why."""

    async def report(s: AsyncSession, now: datetime) -> list[OutboundMessage]:
        if reason in SETUP:
            return [config_report(settings, group, reason, counsellor_id)]
        return await unsent_reports(s, settings, group, kind, person, reason, detail)

    return Refused(f"wecom_kf group {group.id!r}: not sent ({reason}{': ' if detail else ''}"
                   f"{detail})", report)  # fmt: skip


async def forbids(
    s: AsyncSession,
    settings: Settings,
    group: GroupConfig,
    row: OutboxRow,
    parts: int,
    now: datetime,
) -> Refused | None:
    """Whether the rules forbid `row` (in `parts` more messages) now, for any of its people.
    A hand-over (kind "session") is no message: WeCom counts only send_msg."""
    if row.kind == SESSION_KIND:
        return None
    for person in recipients(row):
        window = await window_of(s, group.id, person)
        reason = window.forbids(parts, now)
        if reason is not None:
            log.warning("wecom_kf group %s: outbox row %s not attempted (%s: %s message(s) since "
                        "the person's last one at %s, %s more needed); the team is told",
                        group.id, row.id, reason, window.sent,
                        window.last_message_at.isoformat() if window.last_message_at else "never",
                        parts, extra=ids(group=group.id, outbox=row.id))  # fmt: skip
            return refusal(settings, group, row.kind, person, reason)
    return None
