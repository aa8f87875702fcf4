"""The catalogue and the language of each group: a bot serving a Chinese and an English group
answers each in its own language, in command replies and in notices alike."""

from __future__ import annotations

import ast
import re
import string
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.clock import FrozenClock
from bot.i18n import CATALOGUE
from tests.conftest import SECRET, Bot, FakePlatform, at, make_settings

D = "2026-11-25"


def _two_groups(database_url: str, webhook_url: str) -> Any:
    groups = [
        {"id": gid, "platform": "generic", "secret": SECRET, "webhook_url": webhook_url, **extra}
        for gid, extra in (("g-zh", {"language": "zh"}), ("g-en", {}))
    ]
    members = [
        {"group": gid, "id": mid, "name": name, "role": role}
        for gid in ("g-zh", "g-en")
        for mid, name, role in (("c1", "Chen", "counsellor"), ("l1", "Liu", "lead"))
    ]
    # bot.language is "en": the group without a language of its own speaks it.
    return make_settings(database_url, webhook_url, groups=groups, members=members)


async def test_each_group_hears_its_own_language(
    database_url: str, fake_platform: FakePlatform, make_bot: Any
) -> None:
    settings = _two_groups(database_url, fake_platform.url)
    assert (settings.language_of("g-zh"), settings.language_of("g-en")) == ("zh", "en")
    bot: Bot = await make_bot(settings, FrozenClock(at(D, "09:50")))
    for gid in ("g-zh", "g-en"):
        await bot.add_shift("c1", at(D, "10:00"), at(D, "12:00"), group=gid)
        body = {"msg_id": f"h-{gid}", "sender": {"id": "c1", "name": "Chen"}, "text": "/oncall"}
        resp = await bot.post_signed(body, group=gid)
        assert resp.status == 200, await resp.text()
    replies = await fake_platform.wait_for(
        lambda r: len(fake_platform.of_kind("command_reply")) == 2
    )
    said = {m["group"]: m["text"] for m in replies if m["kind"] == "command_reply"}
    assert said == {
        "g-zh": "现在无人值班。\n下一班：10:00 Chen（至 12:00）。",
        "g-en": "Nobody is on duty now.\nNext: 10:00 Chen (until 12:00).",
    }
    bot.advance(timedelta(minutes=10, seconds=1))
    await fake_platform.wait_for(lambda r: len(fake_platform.of_kind("shift_change")) == 2)
    notices = {m["group"]: m["text"] for m in fake_platform.of_kind("shift_change")}
    assert notices == {
        "g-zh": "【交接班 10:00】下班：无。上班：@Chen（至 12:00）。现在值班：Chen。",
        "g-en": "[Shift change 10:00] Going off duty: nobody. Coming on: @Chen (until 12:00). "
        "On duty now: Chen.",
    }


# --- the catalogue is complete, and the only place for words -------------------------------

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for d in ("bot", "handlers", "schedules") for p in (ROOT / d).rglob("*.py"))
FIELDS = string.Formatter()
# Calls whose arguments people read: a sentence given to one of them must come from t().
SINKS = {"t", "reply", "say", "OutboundMessage", "RotaError", "ArgumentError"}
# Calls whose argument at these positions names a catalogue key (t and the helpers around it).
KEY_ARGS: dict[str, tuple[int, ...]] = {
    "t": (1,),
    "say": (0,),
    "ArgumentError": (0,),
    "_t": (1,),  # bot/web/console_page.py: t, escaped
    "_refuse": (2,),  # bot/web/console.py
    "_refused": (2,),  # bot/web/local_page.py
    "_tell": (3,),  # bot/conversations.py
    "chip": (1,),  # bot/web/console_page.py
}
# Keywords that name a catalogue key: @router.command(usage=..., ...), and bot/conversations.py
# assign(key=...) and _announce(key=...).
KEY_KEYWORDS: dict[str, set[str]] = {
    "command": {"usage", "summary", "example"},
    "assign": {"key"},
    "_announce": {"key"},
}
# Where a key reaches t() as a parameter or a lookup, and where its literals are checked
# instead (each with the reason the key is still a literal somewhere greppable).
PASS_THROUGH = {
    ("handlers/commands.py", "say"): "its callers' literals (KEY_ARGS say)",
    ("handlers/commands.py", "usage_error"): "ArgumentError(...) literals, the command's keys",
    ("handlers/commands.py", "help_command"): "the command's keys (KEY_KEYWORDS)",
    ("handlers/commands.py", "dispatch"): "ROLE_WORDS, literal keys (checked below)",
    ("bot/i18n/__init__.py", "media_word"): "MEDIA_WORDS, literal keys (checked below)",
    ("bot/i18n/__init__.py", "level_name"): "LEVEL_WORDS, literal keys (checked below)",
    ("bot/web/console_page.py", "_conversations_html"): "STATUS_WORDS, literal keys",
    ("bot/conversations.py", "assign"): "its callers' key= literals (KEY_KEYWORDS assign)",
    ("bot/conversations.py", "_announce"): "its callers' key= literals (KEY_KEYWORDS)",
    ("bot/conversations.py", "_tell"): "its callers' literals (KEY_ARGS _tell)",
    ("bot/web/console.py", "_refuse"): "its callers' literals (KEY_ARGS _refuse)",
    ("bot/platforms/wecom_kf_limits.py", "unsent_reports"): "WHAT, REASON_WORDS, FIX: literals",
    ("bot/platforms/wecom_kf_limits.py", "config_report"): "REASON_WORDS, FIX: literal keys",
    ("bot/web/local_page.py", "_refused"): "its callers' literals (KEY_ARGS _refused)",
    ("bot/web/console_page.py", "_t"): "its callers' literals (KEY_ARGS _t)",
    ("bot/web/console_page.py", "chip"): "its callers' literals (KEY_ARGS chip)",
}
# Sentences outside the catalogue that are for operators, not for the people in a group: the
# CSV import's structural errors (printed by `carebot rota import`, in English like every log
# line and CLI message).
OPERATOR_MODULES = {"bot/rota_csv.py"}


def _name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _literal(node: ast.expr) -> str | None:
    """The text of a string literal or of an f-string's literal parts; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_literal(v) or " " for v in node.values)
    return None


def is_sentence(text: str) -> bool:
    """Words a person reads: any Chinese, or two Latin words."""
    return bool(re.search(r"[\u4e00-\u9fff]", text) or re.search(r"[A-Za-z]{2,}\s+[A-Za-z]", text))


def _keys(node: ast.expr, func: ast.AST | None) -> list[str] | None:
    """The literal keys `node` can be: a literal, either side of `a if c else b`, or a local
    name assigned only such values in `func`; None when it is anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        a, b = _keys(node.body, func), _keys(node.orelse, func)
        return None if a is None or b is None else a + b
    if not isinstance(node, ast.Name) or func is None:
        return None
    found: list[str] = []
    sources: list[ast.expr] = []
    for n in ast.walk(func):
        if isinstance(n, ast.Assign):
            for target in n.targets:
                if isinstance(target, ast.Name) and target.id == node.id:
                    sources.append(n.value)
                if isinstance(target, ast.Tuple) and isinstance(n.value, ast.Tuple):
                    sources += [
                        v
                        for e, v in zip(target.elts, n.value.elts, strict=True)
                        if isinstance(e, ast.Name) and e.id == node.id
                    ]
        loop = isinstance(n, ast.For | ast.comprehension) and isinstance(n.target, ast.Name)
        if loop and n.target.id == node.id:  # type: ignore[union-attr]
            if not isinstance(n.iter, ast.Tuple | ast.List):  # type: ignore[union-attr]
                return None
            sources += n.iter.elts  # type: ignore[union-attr]
    for value in sources:
        keys = _keys(value, None)
        if keys is None:
            return None
        found += keys
    return found or None


def _calls() -> list[tuple[str, str, ast.AST | None, ast.Call]]:
    """(module path, enclosing function's name and node, call) for every call in the sources."""
    found = []
    for path in SOURCES:
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))

        stack: list[tuple[ast.AST, str, ast.AST | None]] = [(tree, "", None)]
        while stack:
            node, name, func = stack.pop()
            for child in ast.iter_child_nodes(node):
                inner, inner_func = name, func
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    inner, inner_func = child.name, child
                if isinstance(child, ast.Call):
                    found.append((rel, name, func, child))
                stack.append((child, inner, inner_func))
    return found


CALLS = _calls()


def test_every_key_has_every_language_with_the_same_placeholders() -> None:
    for key, entry in CATALOGUE.items():
        assert set(entry) == {"zh", "en"}, key
        fields = {
            lang: {f for _, f, _, _ in FIELDS.parse(text) if f} for lang, text in entry.items()
        }
        assert fields["zh"] == fields["en"], (key, fields)


def test_every_key_named_in_the_code_is_a_literal_in_the_catalogue() -> None:
    from bot.i18n import LEVEL_WORDS, MEDIA_WORDS
    from bot.platforms import wecom_kf_limits as limits
    from bot.web.console_page import STATUS_WORDS
    from handlers.commands import ROLE_WORDS

    named, unknown, dynamic = 0, [], []
    for rel, name, func, call in CALLS:
        args = [call.args[i] for i in KEY_ARGS.get(_name(call), ()) if i < len(call.args)]
        args += [k.value for k in call.keywords if k.arg in KEY_KEYWORDS.get(_name(call), ())]
        for arg in args:
            keys = _keys(arg, func)
            if keys is not None:
                named += len(keys)
                unknown += [f"{rel}:{call.lineno} {k!r}" for k in keys if k not in CATALOGUE]
            elif (rel, name) not in PASS_THROUGH and _name(call) != "ArgumentError":
                dynamic.append(f"{rel}:{call.lineno} in {name}: {ast.unparse(arg)}")
    for words in (MEDIA_WORDS, STATUS_WORDS, ROLE_WORDS, LEVEL_WORDS, limits.WHAT,
                  limits.REASON_WORDS, limits.FIX):  # fmt: skip
        unknown += [k for k in words.values() if k not in CATALOGUE]
    assert named > 250  # the walk found the calls
    assert unknown == []
    assert dynamic == [], "a key built at run time cannot be grepped or checked"


def test_no_sentence_reaches_people_outside_the_catalogue() -> None:
    found = []
    for rel, _, _, call in CALLS:
        if _name(call) not in SINKS or rel in OPERATOR_MODULES:
            continue
        keys = KEY_ARGS.get(_name(call), ())
        values = [v for i, v in enumerate(call.args) if i not in keys]
        values += [k.value for k in call.keywords]
        for v in values:
            text = _literal(v)
            if text is not None and is_sentence(text):
                found.append(f"{rel}:{call.lineno} {text!r}")
    assert found == []


def test_the_checks_see_what_they_look_for() -> None:
    assert is_sentence("shift ends before it starts") and is_sentence("本周")
    assert not is_sentence("command_reply") and not is_sentence("/{name} ")
    tree = ast.parse(
        "def f(x):\n"
        "    k = 'a' if x else 'b'\n"
        "    t(lang, k)\n"
        "    t(lang, 'media_' + x)\n"
        "    reply(f'/rota swap {x} ANOTHER')\n"
    )
    func = tree.body[0]
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert _keys(calls[0].args[1], func) == ["a", "b"]
    assert _keys(calls[1].args[1], func) is None  # built from a slug: refused
    assert is_sentence(_literal(calls[2].args[0]) or "")
