"""/risk /风险: a counsellor's risk assessment of a conversation they hold (issue 19 item 2).

The four domains crisis lines assess — desire, capability, intent, buffers — and a level 0-3,
typed in one line that is easy on a phone, in either language:

    /risk 3 desire:yes capability:pills intent:tonight buffers:sister
    /风险 3 意愿:有 能力:有 意图:今晚 保护:家人
    /risk 2 d:yes c:no i:no b:family        (one-letter keys; ：or = work as well as :)

A domain's value runs to the next key, so it may have spaces. With several conversations held,
the staff member comes first (`/risk @王医生 3 ...`). The note is stored outside the group
(risk_notes), audited without its words, shown to the leads and supervisors in /queue, and a
level 3 pages the supervisor on duty at once and sets a follow-up 24 h on. Every reply is private
to the counsellor: a fault is never echoed in the group (a usage reply would quote the words)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot import followups, models
from bot.i18n import join, level_name, t
from bot.outbox import enqueue
from bot.platforms.base import OutboundMessage
from bot.quoting import quote
from bot.rota_args import ArgumentError
from bot.supervision import DOMAINS, domains_text, on_duty_supervisors
from handlers.commands import Invocation, Router, usage_error
from handlers.conversation_commands import _held, _match, _names

router = Router()
VALUE_MAX_CHARS = 200
RISK_NOTE_ACTION = "risk_note"  # its audit entries: no shifts, never undone (bot/rota_changes)
# Each domain's keys, in both languages (matched case-insensitively).
KEYS: dict[str, str] = {
    **{k: "desire" for k in ("desire", "d", "意愿", "想法", "欲望")},
    **{k: "capability" for k in ("capability", "c", "means", "能力", "手段")},
    **{k: "intent" for k in ("intent", "i", "plan", "意图", "计划")},
    **{k: "buffers" for k in ("buffers", "b", "protect", "保护", "支持")},
}
_LEVEL = re.compile(r"^(?:l|level|等级)?([0-3])(?:级)?$", re.IGNORECASE)
_PAIR = re.compile(r"^([^:=]+)[:=](.*)$")


@dataclass
class RiskArgs:
    level: int
    who: str | None = None
    domains: dict[str, str] = field(default_factory=dict)


def parse_risk(args: list[str]) -> RiskArgs:
    """The level, the optional staff member before it, and the domains (see the module doc)."""
    words = list(args)
    who = None
    if words and not _LEVEL.match(words[0]) and not _PAIR.match(words[0]):
        who = words.pop(0)
    if not words or not (m := _LEVEL.match(words[0])):
        raise ArgumentError("risk_err_level")
    level = int(m.group(1))
    domains: dict[str, list[str]] = {}
    current: str | None = None
    for word in words[1:]:
        pair = _PAIR.match(word)
        if pair and pair.group(1).casefold() in KEYS:
            current = KEYS[pair.group(1).casefold()]
            domains[current] = [pair.group(2)] if pair.group(2) else []
        elif pair and current is None:
            raise ArgumentError("risk_err_key", word=quote(pair.group(1)))
        elif current is None:
            raise ArgumentError("risk_err_key", word=quote(word))
        else:
            domains[current].append(word)
    out = {k: " ".join(v).strip() for k, v in domains.items()}
    if any(len(v) > VALUE_MAX_CHARS for v in out.values()):
        raise ArgumentError("risk_err_long", limit=VALUE_MAX_CHARS)
    return RiskArgs(level, who, {k: v for k, v in out.items() if v})


@router.command(
    "risk",
    "风险",
    role="counsellor",
    usage="cmd.risk.usage",
    summary="cmd.risk.summary",
    example="cmd.risk.example",
)
async def risk_command(inv: Invocation) -> None:
    """Record your risk assessment of a conversation you hold, privately."""
    lang = inv.lang
    me = (inv.sender_id,)

    def tell(text: str) -> None:
        inv.reply(text, me, private_to=me)

    try:
        parsed = parse_risk(inv.args)
    except ArgumentError as e:
        usage_error(inv, e, private=True)  # never the words in the group
        return
    held = await _held(inv)
    names = await _names(inv)
    chosen = _match(held, names, parsed.who) if parsed.who is not None else held
    if not chosen:
        tell(t(lang, "risk_none"))
        return
    if len(chosen) > 1:
        staff = join(lang, ["@" + quote(names.get(c.staff_id, c.staff_id)) for c in chosen])
        tell(t(lang, "risk_which", held=staff, example=t(lang, "risk_which_example")))
        return
    conv = chosen[0]
    note = models.RiskNote(
        group_id=conv.group_id,
        conversation_id=conv.id,
        counsellor_id=inv.sender_id,
        level=parsed.level,
        created_at=inv.now,
        **{k: parsed.domains.get(k, "") for k in DOMAINS},
    )
    inv.session.add(note)
    # Audited without its words: who assessed which conversation, at which level.
    inv.session.add(
        models.AuditEntry(
            at=inv.now,
            group_id=inv.group_id,
            actor_id=inv.sender_id,
            action=RISK_NOTE_ACTION,
            before={},
            after={
                "summary": f"risk note on conversation #{conv.id}, level {parsed.level}",
                "conversation": conv.id,
                "level": parsed.level,
            },
            undone=False,
        )
    )
    await inv.session.flush()
    paged: tuple[str, ...] = ()
    if parsed.level >= 3:
        paged = tuple(
            m
            for m in await on_duty_supervisors(inv.ctx, inv.session, conv.group_id, inv.now)
            if m != inv.sender_id
        )
        group = inv.ctx.settings.group(conv.group_id)
        staff = "" if group is None or group.privacy else quote(names.get(conv.staff_id, ""))
        page = t(
            lang,
            "risk_page",
            id=conv.id,
            staff=t(lang, "review_staff", name=staff) if staff else "",
            counsellor=quote(names.get(inv.sender_id, inv.sender_id)),
            level=level_name(lang, parsed.level),
            domains=domains_text(lang, note),
        )
        if paged:
            post = OutboundMessage(inv.group_id, page, "crisis", paged, paged)
            enqueue(inv.session, post, inv.now, quotes=(conv.id,))  # erased with the person
    key = "risk_ok_paged" if paged else "risk_ok"
    supervisors = join(lang, [quote(names.get(m, m)) for m in paged])
    text = t(lang, key, id=conv.id, level=parsed.level, supervisors=supervisors)
    if parsed.level >= 3:  # a plan, the means or a time frame: a follow-up starts at once
        text += await _start_followup(inv, conv)
    tell(text)


async def _start_followup(inv: Invocation, conv: models.Conversation) -> str:
    """A follow-up of the person 24 h on (moved into service hours), set for the counsellor,
    unless one of theirs for this conversation is pending already; the words that say so."""
    pending = await followups.pending_of(inv.session, conv.group_id, inv.sender_id)
    existing = next((f for f in pending if f.conversation_id == conv.id), None)
    if existing is None:
        due = followups.proposed_time(inv.now, inv.ctx.hours)
        existing = await followups.create(
            inv.ctx, inv.session, conv.group_id, inv.sender_id, conv.staff_id, conv.id, due,
            inv.now,
        )  # fmt: skip
    when = followups.local_text(existing.due_at, inv.ctx.hours)
    return t(inv.lang, "risk_followup_set", when=when, id=existing.id)
