"""Commands about conversations: /done, /ack, /handover for counsellors; /queue, /resume for
leads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot import followups, models, store
from bot.config import ServiceSection
from bot.conversations import close, note_first_response, resume
from bot.i18n import age, join, t
from bot.queue_health import health_text
from bot.quoting import quote
from bot.report import day_period, service_day
from bot.rota_args import ArgumentError
from bot.supervision import domains_text, latest_notes, read_queue_health
from handlers.commands import Invocation, Router, no_args

NOTE_MAX_CHARS = 500
router = Router()


@dataclass(frozen=True, slots=True)
class Tagging:
    """What /done and /category were told: the staff member (as written) and the category id."""

    who: str | None = None
    category: str | None = None


def _categories(lang: str, service: ServiceSection) -> str:
    return join(lang, [c.label(lang) for c in service.categories])


def _fault(inv: Invocation, key: str) -> ArgumentError:
    """A category fault, naming the categories, answered privately where the platform can."""
    listed = _categories(inv.lang, inv.ctx.settings.service)
    return ArgumentError(key, private=True, categories=listed)


def _split(inv: Invocation) -> Tagging:
    """One or two words: a category word (its id, a label or an alias), a staff member, or one
    of each in either order. A word that names a category is the category; a person whose name
    is also a category word is written as an @mention, which is never a category."""
    service = inv.ctx.settings.service
    words = inv.args
    if len(words) > 2:
        raise ArgumentError("arg_extra", private=True, extra=" ".join(words[2:]))
    found = [(w, c) for w in words if not w.startswith("@") and (c := service.category(w))]
    if len(found) > 1:
        raise _fault(inv, "category_two")
    people = [w for w in words if not found or w != found[0][0]]
    if len(people) > 1:  # two words and neither a category: say which categories there are
        raise _fault(inv, "category_unknown")
    return Tagging(people[0] if people else None, found[0][1].id if found else None)


def done_args(inv: Invocation) -> Tagging:
    """Nothing; the staff member to close with (an id, a name or an @mention); a category; or
    a staff member and a category, in either order."""
    return _split(inv)


def category_args(inv: Invocation) -> Tagging:
    """A category, and the staff member whose conversation it is if there could be doubt."""
    service = inv.ctx.settings.service
    if not service.categories:
        raise ArgumentError("category_off")
    if not inv.args:
        raise _fault(inv, "category_missing")
    tagging = _split(inv)
    if tagging.category is None:
        raise _fault(inv, "category_unknown")
    return tagging


def note_arg(inv: Invocation) -> str:
    """The note: all the text after the command, as written."""
    if not inv.rest:
        raise ArgumentError("arg_missing")
    return inv.rest


def _groups(inv: Invocation) -> list[str]:
    """The groups whose conversations a command here is about: this one, and the 1:1 channels
    (微信客服) whose team reads here, where the person is not in the group."""
    return [inv.group_id, *inv.ctx.settings.served_by(inv.group_id)]


async def _held(inv: Invocation) -> list[models.Conversation]:
    c = models.Conversation
    return list(
        await inv.session.scalars(
            select(c)
            .where(
                c.group_id.in_(_groups(inv)), c.counsellor_id == inv.sender_id, c.status == "open"
            )
            .order_by(c.opened_at, c.id)
        )
    )


async def _names(inv: Invocation) -> dict[str, str]:
    """Display names of everyone known in this group and in the channels it serves."""
    names: dict[str, str] = {}
    for group_id in reversed(_groups(inv)):  # this group's own names win
        names.update(await store.member_names(inv.session, group_id))
    return names


def _match(
    convs: list[models.Conversation], names: dict[str, str], who: str
) -> list[models.Conversation]:
    """Conversations whose staff member is `who`: an id, a display name, or an @mention."""
    key = who.removeprefix("@").casefold()
    return [
        c for c in convs if key in (c.staff_id.casefold(), names.get(c.staff_id, "").casefold())
    ]


@router.command(
    "done",
    "结束",
    role="counsellor",
    usage="cmd.done.usage",
    summary="cmd.done.summary",
    example="cmd.done.example",
    args=done_args,
)
async def done_command(inv: Invocation, tagging: Tagging) -> None:
    """Close a conversation you hold, with its category (name the staff member if you hold
    several)."""
    lang = inv.lang
    held = await _held(inv)
    names = await _names(inv)
    who = tagging.who
    if who is not None:
        chosen = _match(held, names, who)
        if not chosen and tagging.category is None and inv.ctx.settings.service.categories:
            # Maybe a category misspelt: the word is not echoed, it may say why they wrote.
            _answer(
                inv,
                t(
                    lang,
                    "done_unknown_word",
                    categories=_categories(lang, inv.ctx.settings.service),
                    held=_list_staff(lang, held, names),
                ),
            )
            return
        if not chosen:
            listed = _list_staff(lang, held, names)
            _say_held(inv, held, t(lang, "done_unknown", who=quote(who), held=listed))
            return
    elif len(held) == 1:
        chosen = held
    elif not held:
        inv.say("done_none")
        return
    else:
        example = t(lang, "cmd.done.example")
        listed = _list_staff(lang, held, names)
        _say_held(inv, held, t(lang, "done_which", held=listed, example=example))
        return
    conv = chosen[0]
    if tagging.category is not None:
        conv.category = tagging.category
    await close(inv.ctx, inv.session, conv, "done", inv.now)
    staff = quote(names.get(conv.staff_id, conv.staff_id))
    text = t(lang, "done_ok", staff=staff)
    service = inv.ctx.settings.service
    if (cat := service.category_by_id(conv.category or "")) is not None:
        text += t(lang, "done_ok_category", category=cat.label(lang))
    elif service.categories:
        text += t(lang, "done_ok_untagged", example=t(lang, "cmd.category.example"))
    # The category is said to the counsellor alone, never in the group (_confirm).
    _confirm(inv, text)
    if followups.proposes_followup(conv):
        _propose_followup(inv, conv, names)


def _propose_followup(inv: Invocation, conv: models.Conversation, names: dict[str, str]) -> None:
    """After a crisis conversation: a follow-up 24 h on (in service hours), proposed to the
    counsellor alone as a ready-to-send /followup; where nothing can be posted to them alone,
    nothing is (a crisis is never hinted at in the group)."""
    lang = inv.lang
    due = followups.proposed_time(inv.now, inv.ctx.hours)
    name = names.get(conv.staff_id, conv.staff_id)
    word = t(lang, "cmd.followup.usage").split()[0]  # "/跟进" or "/followup"
    command = f"{word} {followups.local_text(due, inv.ctx.hours)} {quote('@' + name)}"
    _confirm(inv, t(lang, "followup_propose", staff=quote(name), command=command))


def _confirm(inv: Invocation, text: str) -> None:
    """A command that went as asked is confirmed to its sender alone where the platform can
    post privately, and not at all where it cannot: staff read the group too."""
    if inv.posts_privately:
        me = (inv.sender_id,)
        inv.reply(text, me, private_to=me)


def _say_held(inv: Invocation, convs: list[models.Conversation], text: str) -> None:
    """A reply that names the people the caller holds: privately if one of them is in a
    privacy group other than this one (a 1:1 channel's person, whom this group may not see)."""
    settings = inv.ctx.settings
    hidden = any(
        c.group_id != inv.group_id and (g := settings.group(c.group_id)) is not None and g.privacy
        for c in convs
    )
    me = (inv.sender_id,)
    inv.reply(text, me, private_to=me if hidden else ())


def _answer(inv: Invocation, text: str) -> None:
    """An answer the sender must see: privately where the platform can, else in the group (so
    it carries nothing about a person beyond what the group already reads)."""
    me = (inv.sender_id,)
    inv.reply(text, me, private_to=me if inv.posts_privately else ())


def _list_staff(lang: str, convs: list[models.Conversation], names: dict[str, str]) -> str:
    return join(lang, ["@" + quote(names.get(c.staff_id, c.staff_id)) for c in convs])


async def _recently_held(inv: Invocation) -> list[models.Conversation]:
    """What /category may tag: the sender's open conversations, then those they closed this
    service day, latest first (a day already reported keeps its figures)."""
    c = models.Conversation
    since = day_period(inv.ctx.hours, service_day(inv.ctx.hours, inv.now))[0]
    closed = list(
        await inv.session.scalars(
            select(c)
            .where(
                c.group_id.in_(_groups(inv)),
                c.counsellor_id == inv.sender_id,
                c.status == "closed",
                c.closed_at >= since,
            )
            .order_by(c.closed_at.desc(), c.id.desc())
        )
    )
    return [*await _held(inv), *closed]


@router.command(
    "category",
    "类别",
    role="counsellor",
    usage="cmd.category.usage",
    summary="cmd.category.summary",
    example="cmd.category.example",
    args=category_args,
)
async def category_command(inv: Invocation, tagging: Tagging) -> None:
    """Tag a conversation you hold or closed today with its category (answered privately)."""
    lang = inv.lang
    convs = await _recently_held(inv)
    names = await _names(inv)
    if tagging.who is not None:
        pool = _match(convs, names, tagging.who)[:1]  # open first, then the latest closed
        if not pool:
            _answer(
                inv,
                t(
                    lang,
                    "category_no_such",
                    who=quote(tagging.who),
                    held=_list_staff(lang, convs, names),
                ),
            )
            return
    else:
        untagged = [x for x in convs if x.category is None]
        pool = untagged or convs
    if not pool:
        _answer(inv, t(lang, "category_none"))
        return
    if len(pool) > 1:
        example = t(lang, "cmd.category.example")
        held = _list_staff(lang, pool, names)
        _answer(inv, t(lang, "category_which", held=held, example=example))
        return
    conv = pool[0]
    conv.category = tagging.category
    cat = inv.ctx.settings.service.category_by_id(tagging.category or "")
    assert cat is not None
    staff = quote(names.get(conv.staff_id, conv.staff_id))
    _confirm(inv, t(lang, "category_ok", staff=staff, category=cat.label(lang)))


@router.command(
    "ack",
    "接",
    role="counsellor",
    usage="cmd.ack.usage",
    summary="cmd.ack.summary",
    example="cmd.ack.example",
    args=no_args,
)
async def ack_command(inv: Invocation, _: None) -> None:
    """Confirm you have taken the conversations just assigned to you."""
    count = await note_first_response(inv.ctx, inv.session, inv.group_id, inv.sender_id, inv.now)
    resumed = await resume(inv.ctx, inv.session, inv.group_id, inv.sender_id, inv.now)
    if not count and not resumed:
        inv.say("ack_none")
        return
    _confirm(inv, t(inv.lang, "ack_ok" if count else "ack_resumed", count=count))


@router.command(
    "handover",
    "交接",
    role="counsellor",
    usage="cmd.handover.usage",
    summary="cmd.handover.summary",
    example="cmd.handover.example",
    args=note_arg,
)
async def handover_command(inv: Invocation, note: str) -> None:
    """Leave a note on your open conversations for whoever takes them over."""
    if len(note) > NOTE_MAX_CHARS:
        inv.say("handover_too_long", limit=NOTE_MAX_CHARS)
        return
    held = await _held(inv)
    if not held:
        inv.say("done_none")
        return
    for conv in held:
        conv.handover_note = note
    # The note itself is not echoed: it may be private, and it travels with the handover.
    inv.say("handover_ok", count=len(held))


@router.command(
    "queue",
    "队列",
    role="supervisor",
    usage="cmd.queue.usage",
    summary="cmd.queue.summary",
    example="cmd.queue.example",
)
async def queue_command(inv: Invocation) -> None:
    """Waiting and open conversations with their ages, privately (never message text)."""
    lang = inv.lang
    c = models.Conversation
    convs = list(
        await inv.session.scalars(
            select(c)
            .where(c.group_id == inv.group_id, c.status != "closed")
            .order_by(c.status.desc(), c.level.desc(), c.opened_at, c.id)
        )
    )
    known = await store.member_names(inv.session, inv.group_id)
    names = {k: quote(v) for k, v in known.items()}
    me = (inv.sender_id,)
    # The figures at a glance first (waits, levels, who is on duty), then each conversation.
    health = await read_queue_health(inv.ctx, inv.session, inv.group_id, convs, inv.now)
    summary = health_text(lang, health, known)
    if not convs:
        inv.reply(f"{summary}\n{t(lang, 'queue_empty')}", me, private_to=me)
        return
    # The latest risk note of each (/risk): for the lead or supervisor who asked alone.
    notes = await latest_notes(inv.session, [x.id for x in convs])
    lines = [
        summary,
        t(
            lang,
            "queue_title",
            waiting=sum(x.status == "waiting" for x in convs),
            open=sum(x.status == "open" for x in convs),
        ),
    ]
    for x in convs:
        flags = t(lang, "crisis_mark") if x.is_crisis else ""
        flags += t(lang, "level_mark", level=x.level) if x.level else ""
        if x.status == "open" and x.first_response_at is None:
            flags += t(lang, "queue_unanswered")
        if (note := notes.get(x.id)) is not None:
            flags += t(
                lang,
                "risk_queue_mark",
                level=note.level,
                counsellor=names.get(note.counsellor_id, note.counsellor_id),
                time=f"{note.created_at.astimezone(inv.ctx.hours.tz):%H:%M}",
                domains=domains_text(lang, note),
            )
        staff = names.get(x.staff_id, x.staff_id)
        if x.status == "waiting":
            lines.append(
                t(
                    lang,
                    "queue_waiting_line",
                    staff=staff,
                    age=age(lang, (inv.now - x.opened_at).total_seconds()),
                    flags=flags,
                )
            )
        else:
            holder = names.get(x.counsellor_id or "", x.counsellor_id or "")
            lines.append(
                t(
                    lang,
                    "queue_open_line",
                    staff=staff,
                    counsellor=holder,
                    age=age(lang, (inv.now - x.opened_at).total_seconds()),
                    flags=flags,
                )
            )
    # Names, crisis marks and levels: for the lead who asked alone, never in the group.
    inv.reply("\n".join(lines), me, private_to=me)


def who_arg(inv: Invocation) -> str:
    """The one member named: all the text after the command (a name may have spaces)."""
    who = inv.rest.lstrip("@＠").strip()
    if not who:
        raise ArgumentError("arg_missing")
    return who


@router.command(
    "resume",
    "恢复",
    role="lead",
    usage="cmd.resume.usage",
    summary="cmd.resume.summary",
    example="cmd.resume.example",
    args=who_arg,
)
async def resume_command(inv: Invocation, who: str) -> None:
    """Give new conversations again to a counsellor paused after a timeout (answered privately)."""
    lang = inv.lang
    m = models.Member
    paused = list(
        await inv.session.scalars(
            select(m).where(m.group_id == inv.group_id, m.paused_at.is_not(None)).order_by(m.id)
        )
    )
    key = who.casefold()
    found = [
        x
        for x in inv.ctx.settings.members_of(inv.group_id)
        if key in (x.id.casefold(), x.display_name.casefold())
    ]
    listed = join(lang, [quote(x.name or x.id) for x in paused])
    me = (inv.sender_id,)
    if len(found) != 1:
        text = t(lang, "resume_unknown", who=quote(who), paused=listed)
    elif await resume(inv.ctx, inv.session, inv.group_id, found[0].id, inv.now):
        text = t(lang, "resume_ok", name=quote(found[0].display_name))
    else:
        text = t(lang, "resume_not_paused", name=quote(found[0].display_name), paused=listed)
    # Who was paused is for the leads: answered to the lead who asked alone.
    inv.reply(text, me, private_to=me)
