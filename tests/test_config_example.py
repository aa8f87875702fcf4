"""config.example.toml lists every key the settings take, and only those: the settings model is
walked field by field (sections, and the items of [[groups]] and [[members]]) and compared with
the keys the example shows, set or commented out."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.config import Settings, env_names, env_warnings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config.example.toml"
# A table header or a key, set or commented out ("# key = ..."); prose comments match neither.
HEADER = re.compile(r"^#?\s*\[\[?([a-z_][a-z0-9_.]*)\]\]?\s*(#.*)?$")
KEY = re.compile(r"^#?\s*([a-z_][a-z0-9_]*)\s*=\s*\S")


def models_in(annotation: object) -> list[type[BaseModel]]:
    """The models an annotation holds: Section, list[Item], Item | None, ..."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or args:
        return [m for arg in args for m in models_in(arg)]
    return []


def model_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key path of `model`, recursively: "bot.listen", "groups.webhook_url", ..."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        inner = models_in(field.annotation)
        # A group's platform keys (each platform's own model, bot/platforms/) are written flat
        # in its [[groups]] table, beside the keys every group has.
        flat = prefix == "groups." and name == "keys"
        if inner:
            for sub in inner:
                keys |= model_keys(sub, prefix if flat else f"{path}.")
        else:
            keys.add(path)
    return keys


def example_keys(text: str) -> set[str]:
    keys: set[str] = set()
    table = ""
    for raw in text.splitlines():
        line = raw.strip()
        if m := HEADER.match(line):
            table = m.group(1)
        elif m := KEY.match(line):
            keys.add(f"{table}.{m.group(1)}" if table else m.group(1))
    return keys


def test_the_walk_sees_sections_and_list_items() -> None:
    keys = model_keys(Settings)
    assert {"bot.database_url", "service.opens", "outbox.give_up_hours"} <= keys
    assert {"groups.platform", "groups.webhook_url", "members.role"} <= keys
    # Every platform's own keys, as a [[groups]] table holds them.
    assert {"groups.corp_secret", "groups.app_key", "groups.app_id", "groups.open_kfid"} <= keys
    assert "bot" not in keys and "groups" not in keys


def test_the_reader_sees_commented_keys_and_tables() -> None:
    text = '[bot]\nlisten = "x"\n# public_url = "y"   # a note\n# see the README = prose\n' \
        '# [[groups]]\n# id = "g"\n#   python -c "import secrets"\n'  # fmt: skip
    assert example_keys(text) == {"bot.listen", "bot.public_url", "groups.id"}


def test_every_setting_is_in_the_example_and_nothing_else() -> None:
    model = model_keys(Settings)
    example = example_keys(EXAMPLE.read_text(encoding="utf-8"))
    assert sorted(model - example) == [], "settings missing from config.example.toml"
    assert sorted(example - model) == [], "config.example.toml shows keys that are no settings"


@pytest.mark.parametrize(
    "key",
    ["bot.public_url", "service.late_notice_minutes", "outbox.send_timeout_s",
     "groups.inbound_secret"],
)  # fmt: skip
def test_the_keys_it_once_lacked_are_there(key: str) -> None:
    assert key in example_keys(EXAMPLE.read_text(encoding="utf-8"))


def env_key(key: str) -> str:
    """The variable that sets `key`: a list of tables (groups, service.categories) is one JSON
    value, so the keys of its items are set through the list's own variable."""
    section, _, rest = key.partition(".")
    if section in ("groups", "members"):
        return f"CAREBOT_{section}".upper()
    return f"CAREBOT_{section}__{rest.partition('.')[0]}".upper()


def test_every_section_key_has_an_environment_name() -> None:
    names = set(env_names())
    for key in model_keys(Settings):
        assert env_key(key) in names
    assert env_warnings({env_key(k): "" for k in model_keys(Settings)}) == []
