"""The arguments of the commands, parsed before anything is done: members, days, spans.

Pure functions over the words of a command (already NFKC-normalised by handlers/commands.py),
the group's members and today's date. A fault raises ArgumentError naming the catalogue
sentence and carrying the arguments with every faulty part replaced, for a corrected example.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from bot.config import MemberConfig
from bot.errors import CarebotError
from bot.rota import ServiceHours

T = TypeVar("T")
MAX_REPEAT_DAYS = 31
WEEK = 7
_TODAY = {"today", "今天", "今日"}
_TOMORROW = {"tomorrow", "明天", "明日"}
_AFTER_TOMORROW = {"后天"}
_WEEK_WORDS = {"week", "周", "本周", "一周"}
_DAY_WORDS = {"day", "日", "天"}
_PERIOD_DAY = _DAY_WORDS | _TODAY
_PERIOD_WEEK = _WEEK_WORDS | {"七天"}
_ME = {"me", "我", "自己"}
_FULL_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_SHORT_DATE = re.compile(r"^(\d{1,2})[-/](\d{1,2})$")
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_LOOSE_SPAN = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?-(\d{1,2})(?:[:.](\d{2}))?$")
_SPAN_SEP = re.compile(r"(\d{1,2}:\d{2})\s*(?:-|~|至|到|–|—)\s*(\d{1,2}:\d{2})")
_RANGE_SEP = re.compile(r"\s*(?:~|\.\.|至|到)\s*")


class ArgumentError(CarebotError):
    """A command argument that cannot be understood; `key` names the catalogue sentence."""

    def __init__(
        self, key: str, *, fix: str | None = None, private: bool = False, **values: Any
    ) -> None:
        super().__init__(key)
        self.key = key
        self.values = values
        self.fix = fix  # what to write instead of the faulty part
        # Answered to the sender alone where the platform can: the fault may say something
        # about a person (a category word typed for their conversation).
        self.private = private
        self.fixed: list[str] | None = None  # all arguments, each faulty part replaced


@dataclass(frozen=True, slots=True)
class Span:
    """HH:MM-HH:MM on a service day, as minutes after local midnight (1440 is 24:00)."""

    day: date
    start_minute: int
    end_minute: int

    def instants(self, hours: ServiceHours) -> tuple[datetime, datetime]:
        return hours.at_minute(self.day, self.start_minute), hours.at_minute(
            self.day, self.end_minute
        )


@dataclass(frozen=True, slots=True)
class ShiftArgs:
    member_id: str
    span: Span


@dataclass(frozen=True, slots=True)
class SwapArgs:
    member_a: str
    member_b: str
    span: Span


@dataclass(frozen=True, slots=True)
class RepeatArgs:
    source: date
    targets: tuple[date, ...]


def words(args: Sequence[str]) -> list[str]:
    """The arguments with "08:00 - 10:00" (and 至/到/~) joined into one "08:00-10:00"."""
    text = _SPAN_SEP.sub(r"\1-\2", " ".join(args))
    return [w for w in text.split(" ") if w]


# --- single parts --------------------------------------------------------------------------


def parse_day(word: str, today: date) -> date:
    """today/今天, tomorrow/明天, 后天, YYYY-MM-DD or MM-DD (the nearest such day to today)."""
    w = word.casefold()
    fix = f"{today + timedelta(days=1):%m-%d}"
    if w in _TODAY:
        return today
    if w in _TOMORROW:
        return today + timedelta(days=1)
    if w in _AFTER_TOMORROW:
        return today + timedelta(days=2)
    full = _FULL_DATE.match(w)
    if full:
        try:
            return date(int(full[1]), int(full[2]), int(full[3]))
        except ValueError:
            raise ArgumentError("arg_no_such_day", word=word, fix=fix) from None
    short = _SHORT_DATE.match(w)
    if short:
        month, day = int(short[1]), int(short[2])
        found = []
        for year in (today.year - 1, today.year, today.year + 1):
            try:
                found.append(date(year, month, day))
            except ValueError:
                continue
        if not found:
            raise ArgumentError("arg_no_such_day", word=word, fix=fix)
        return min(found, key=lambda d: abs((d - today).days))
    raise ArgumentError("arg_bad_date", word=word, fix=fix)


def parse_span(word: str) -> tuple[int, int]:
    """ "HH:MM-HH:MM" as minutes after midnight; 24:00 may end a span, not start it."""
    m = _SPAN.match(word)
    if m:
        start_h, start_m, end_h, end_m = (int(x) for x in m.groups())
        start, end = start_h * 60 + start_m, end_h * 60 + end_m
        if start_m < 60 and end_m < 60 and start < 24 * 60 and end <= 24 * 60:
            if end <= start:
                fix = _hhmm_span(end, start) if end < start else _hhmm_span(start, start + 60)
                raise ArgumentError("arg_span_order", word=word, fix=fix)
            return start, end
    raise ArgumentError("arg_bad_span", word=word, fix=_guess_span(word))


def _hhmm_span(start: int, end: int) -> str:
    end = min(end, 24 * 60)
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def _guess_span(word: str) -> str:
    """What the writer of a malformed span probably meant ("8-10" -> "08:00-10:00")."""
    m = _LOOSE_SPAN.match(word)
    if m:
        a = int(m[1]) * 60 + int(m[2] or 0)
        b = int(m[3]) * 60 + int(m[4] or 0)
        if a < b <= 24 * 60 and int(m[2] or 0) < 60 and int(m[4] or 0) < 60:
            return _hhmm_span(a, b)
    return "08:00-10:00"


def resolve_member(word: str, members: Sequence[MemberConfig], sender_id: str) -> str:
    """A member id from an id, a display name, an @mention, or me/我 for the sender."""
    w = word.lstrip("@").strip()
    if w.casefold() in _ME:
        return sender_id
    for m in members:
        if m.id == w:
            return m.id
    named = [m for m in members if m.display_name.casefold() == w.casefold()]
    if len(named) == 1:
        return named[0].id
    if named:
        raise ArgumentError(
            "arg_ambiguous_member",
            word=word,
            ids=", ".join(m.id for m in named),
            fix=named[0].id,
        )
    counsellors = [m.display_name for m in members if m.role == "counsellor"]
    raise ArgumentError(
        "arg_unknown_member",
        word=word,
        names=counsellors,
        fix=counsellors[0] if counsellors else "…",
    )


def parse_number(word: str) -> int:
    w = word.lstrip("#")
    if w.isdigit() and 0 < int(w) < 2**53:
        return int(w)
    raise ArgumentError("arg_bad_number", word=word, fix="1")


# --- whole commands ------------------------------------------------------------------------


class _Parts:
    """Collects the parts of one command: the first fault wins, every fault gets its fix."""

    def __init__(self) -> None:
        self.fixed: list[str] = []
        self.first: ArgumentError | None = None

    def take(self, original: str, parse: Callable[[], T]) -> T | None:
        value, fixed = self.try_parse(original, parse)
        self.fixed.append(fixed)
        return value

    def try_parse(self, original: str, parse: Callable[[], T]) -> tuple[T | None, str]:
        """(value, what to write) or (None, the fix), remembering the first fault."""
        try:
            return parse(), original
        except ArgumentError as e:
            self.first = self.first or e
            return None, e.fix or original

    def done(self) -> None:
        if self.first is not None:
            self.first.fixed = self.fixed
            raise self.first


def _expect(ws: Sequence[str], least: int, most: int | None) -> None:
    if len(ws) < least:
        raise ArgumentError("arg_missing")
    if most is not None and len(ws) > most:
        raise ArgumentError("arg_extra", extra=" ".join(ws[most:]))


def parse_shift(
    args: Sequence[str], members: Sequence[MemberConfig], sender_id: str, today: date
) -> ShiftArgs:
    """MEMBER DAY HH:MM-HH:MM (a member's name may have spaces)."""
    ws = words(args)
    _expect(ws, 3, None)
    who, day_w, span_w = " ".join(ws[:-2]), ws[-2], ws[-1]
    p = _Parts()
    member = p.take(who, lambda: resolve_member(who, members, sender_id))
    span = _span(p, day_w, span_w, today)
    p.done()
    assert member is not None and span is not None
    return ShiftArgs(member, span)


def parse_swap(
    args: Sequence[str], members: Sequence[MemberConfig], sender_id: str, today: date
) -> SwapArgs:
    """MEMBER_A MEMBER_B DAY HH:MM-HH:MM (names with spaces: the split that names two members)."""
    ws = words(args)
    _expect(ws, 4, None)
    names, day_w, span_w = ws[:-2], ws[-2], ws[-1]
    split = 1
    for i in range(1, len(names)):
        try:
            resolve_member(" ".join(names[:i]), members, sender_id)
            resolve_member(" ".join(names[i:]), members, sender_id)
        except ArgumentError:
            continue
        split = i
        break
    a_w, b_w = " ".join(names[:split]), " ".join(names[split:])
    p = _Parts()
    a = p.take(a_w, lambda: resolve_member(a_w, members, sender_id))
    b = p.take(b_w, lambda: resolve_member(b_w, members, sender_id))
    span = _span(p, day_w, span_w, today)
    p.done()
    assert a is not None and b is not None and span is not None
    return SwapArgs(a, b, span)


def parse_span_args(args: Sequence[str], today: date) -> Span:
    """DAY HH:MM-HH:MM."""
    ws = words(args)
    _expect(ws, 2, 2)
    p = _Parts()
    span = _span(p, ws[0], ws[1], today)
    p.done()
    assert span is not None
    return span


def parse_number_args(args: Sequence[str], *, optional: bool = False) -> int | None:
    """N (or nothing, when `optional`)."""
    ws = words(args)
    _expect(ws, 0 if optional else 1, 1)
    if not ws:
        return None
    p = _Parts()
    n = p.take(ws[0], lambda: parse_number(ws[0]))
    p.done()
    return n


def parse_no_args(args: Sequence[str]) -> None:
    _expect(words(args), 0, 0)


def parse_optional_word(args: Sequence[str]) -> str | None:
    """Nothing, or one word."""
    _expect(args, 0, 1)
    return args[0] if args else None


def parse_period(args: Sequence[str]) -> int:
    """Nothing or day/today/今天 (1 day), week/周/七天 (the last 7 days)."""
    _expect(args, 0, 1)
    word = args[0].casefold() if args else "day"
    if word in _PERIOD_DAY:
        return 1
    if word in _PERIOD_WEEK:
        return WEEK
    raise ArgumentError("arg_bad_period", word=args[0], fix="week")


def parse_repeat(args: Sequence[str], today: date) -> RepeatArgs:
    """DAY_FROM DAY_TO ... where each target is a day or a range DAY~DAY (also .., 至, 到)."""
    ws = words(args)
    _expect(ws, 2, None)
    source_w = ws[0]
    items = [x for x in _RANGE_SEP.sub("~", " ".join(ws[1:])).replace(",", " ").split(" ") if x]
    p = _Parts()
    source = p.take(source_w, lambda: parse_day(source_w, today))
    targets: list[date] = []
    for item in items:
        ends: list[date] = []
        fixes: list[str] = []
        for w in item.split("~")[:2]:
            found = p.try_parse(w, lambda w=w: parse_day(w, today))  # type: ignore[misc]
            fixes.append(found[1])
            if found[0] is not None:
                ends.append(found[0])
        p.fixed.append("~".join(fixes))
        if len(ends) == len(fixes):
            first, last = min(ends), max(ends)
            while first <= last and len(targets) <= MAX_REPEAT_DAYS:
                targets.append(first)
                first += timedelta(days=1)
    p.done()
    assert source is not None
    unique = tuple(dict.fromkeys(targets))
    if len(unique) > MAX_REPEAT_DAYS:
        raise ArgumentError("arg_too_many_days", max=MAX_REPEAT_DAYS)
    return RepeatArgs(source, unique)


def parse_view(args: Sequence[str], today: date) -> tuple[date, ...]:
    """Nothing (today), day/日, week/周 (seven days from today), a DAY, or week DAY."""
    ws = words(args)
    _expect(ws, 0, 2)
    if not ws:
        return (today,)
    first = ws[0].casefold()
    if first in _WEEK_WORDS:
        start = today
        if len(ws) == 2:
            p = _Parts()
            p.fixed.append(ws[0])
            found = p.take(ws[1], lambda: parse_day(ws[1], today))
            p.done()
            assert found is not None
            start = found
        return tuple(start + timedelta(days=i) for i in range(WEEK))
    _expect(ws, 0, 1)
    if first in _DAY_WORDS:
        return (today,)
    p = _Parts()
    day = p.take(ws[0], lambda: parse_day(ws[0], today))
    p.done()
    assert day is not None
    return (day,)


def _span(p: _Parts, day_w: str, span_w: str, today: date) -> Span | None:
    day = p.take(day_w, lambda: parse_day(day_w, today))
    minutes = p.take(span_w, lambda: parse_span(span_w))
    if day is None or minutes is None:
        return None
    return Span(day, minutes[0], minutes[1])
