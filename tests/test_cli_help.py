"""The command line an operator reads: --version, --config before or after any command, and
help for every command and option with its default, in the operator's words."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

from bot.cli import _parser

ROOT = Path(__file__).resolve().parent.parent
# What each command needs besides options, to parse.
REQUIRED = {
    ("db", "backup"): ["copy.db"],
    ("rota", "import"): ["rota.csv"],
    ("outbox", "retry"): ["7"],
    ("console", "link"): ["zuzhang"],
    ("kf", "link"): ["kf1"],
    ("privacy", "purge"): ["--before", "2026-01-01"],
    ("privacy", "forget"): ["g1", "zhangsan"],
}


def commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (sub)command's parser, with the words that reach it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


ALL = list(commands(_parser()))
LEAVES = [
    path
    for path, p in ALL
    if path and not any(isinstance(a, argparse._SubParsersAction) for a in p._actions)
]


def test_every_command_is_walked() -> None:
    top = {path[0] for path in LEAVES}
    assert top == {"serve", "demo", "db", "check-config", "rota", "outbox", "kf", "audit",
                   "console", "report", "privacy"}  # fmt: skip
    assert ("rota", "import") in LEAVES and ("console", "link") in LEAVES


@pytest.mark.parametrize("path", [p for p, _ in ALL], ids=lambda p: " ".join(p) or "carebot")
def test_every_command_and_option_has_help_and_shows_its_default(path: tuple[str, ...]) -> None:
    parser = dict(ALL)[path]
    text = parser.format_help()
    assert parser.description, f"{path} has no description"
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                assert choice.help, f"{path} {choice.dest} has no help"
            continue
        assert action.help, f"{path} {action.option_strings or action.dest} has no help"
        shown = action.default not in (None, False, argparse.SUPPRESS)
        if shown and action.option_strings and not isinstance(action, argparse._HelpAction):
            assert f"(default: {action.default})" in " ".join(text.split()), (path, action)
        if action.option_strings and action.nargs != 0 and not action.choices:
            # a value is named for the operator (PATH, YYYY-MM-DD), not by the code's variable
            assert action.metavar and action.metavar.upper() == action.metavar, (path, action)
    internal = {a.dest for _, p in ALL for a in p._actions if "_" in a.dest}
    assert internal >= {"date_from", "rota_command"}  # the check below looks for these
    for name in internal:
        assert name not in text, f"carebot {' '.join(path)} --help shows {name}"
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), text  # no identifiers at all


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_config_is_taken_before_and_after_every_command(path: tuple[str, ...]) -> None:
    parser = _parser()
    words = [*path, *REQUIRED.get(path, [])]
    assert parser.parse_args(["--config", "a.toml", *words]).config == "a.toml"
    assert parser.parse_args([*words, "--config", "b.toml"]).config == "b.toml"
    assert parser.parse_args([*path[:1], "--config", "c.toml", *words[1:]]).config == "c.toml"
    assert parser.parse_args(words).config is None


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, capture_output=True, text=True,
        timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_version_and_config_after_the_command(tmp_path: Path) -> None:
    version = run("--version", cwd=tmp_path)
    assert version.returncode == 0
    assert version.stdout.strip() == f"carebot {metadata.version('carebot')}"
    config = tmp_path / "elsewhere.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path}/x.db"\n'
        '[[groups]]\nid = "g1"\nplatform = "local"\n',
        encoding="utf-8",
    )
    after = run("check-config", "--config", str(config), cwd=tmp_path)
    assert after.returncode == 0 and "config OK: 1 groups" in after.stdout, after.stderr
    nested = run("rota", "export", "--config", str(config), cwd=tmp_path)
    assert nested.returncode == 0 and nested.stdout.startswith("group,date,start,end,member")
    # The demo runs on its own config and says so rather than ignore the option.
    demo = run("demo", "--config", str(config), cwd=tmp_path)
    assert demo.returncode == 2 and "demo runs on its own" in demo.stderr
