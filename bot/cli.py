"""The `carebot` command: serve, demo, db (upgrade, backup), check-config, rota, audit, outbox,
report, privacy."""

from __future__ import annotations

import argparse
import asyncio
import codecs
import csv
import errno
import getpass
import io
import logging
import math
import os
import re
import socket
import sys
from collections.abc import Sequence
from datetime import date, datetime, time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from aiohttp import web

from bot import logs
from bot.clock import ScaledClock, SystemClock, SystemWallClock
from bot.config import (
    Settings,
    config_warnings,
    default_config_path,
    env_warnings,
    load_settings,
)
from bot.db import Database, probe
from bot.errors import ConfigError, RotaError
from bot.protocols import Clock

if TYPE_CHECKING:
    from bot import retention

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("carebot")


class _Parser(argparse.ArgumentParser):
    """A mistake on the command line is one line on stderr (exit 2), not usage and an error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


class _Help(argparse.HelpFormatter):
    """Help that shows each option's default where it has one worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        shown = default not in (None, False, argparse.SUPPRESS) and action.option_strings
        if shown and "default" not in text:
            text += " (default: %(default)s)"
        return text


def _version() -> str:
    try:
        return metadata.version("carebot")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


CONFIG_HELP = "the TOML config file (default: ./carebot.toml, else ./config.example.toml)"


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="carebot",
        description="carebot: duty rotas and hand-offs of staff messages to on-duty counsellors.",
        epilog="Every command also takes --config PATH after its name. Mistakes exit with 2.",
        formatter_class=_Help,
    )
    p.add_argument("--version", action="version", version=f"carebot {_version()}")
    p.add_argument("--config", metavar="PATH", help=CONFIG_HELP)
    # The same option after a command: SUPPRESS keeps a value given before the command.
    common = _Parser(add_help=False)
    common.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help=CONFIG_HELP)

    # The demo refuses it (it runs on its own sample config), but says so in one line.
    no_config = _Parser(add_help=False)
    no_config.add_argument(
        "--config", metavar="PATH", default=argparse.SUPPRESS,
        help="not taken: the demo runs on its own sample group and rota",
    )  # fmt: skip

    def command(parent: Any, name: str, text: str, config: bool = True) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = parent.add_parser(
            name,
            help=text,
            description=text[0].upper() + text[1:] + ".",
            parents=[common if config else no_config],
            formatter_class=_Help,
        )
        return parser

    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    serve = command(sub, "serve", "run the bot on the config's groups")
    serve.add_argument(
        "--start-at", metavar="ISO-TIME", help="run on a clock starting at this instant (testing)"
    )
    serve.add_argument(
        "--speed", type=_speed, default=1.0, metavar="N", help="clock speed-up, with --start-at"
    )
    demo = command(
        sub, "demo", "try carebot locally: a sample group and rota on its own database", False
    )
    demo.add_argument("--speed", type=_speed, default=1.0, metavar="N", help="clock speed-up")
    demo.add_argument(
        "--start-at",
        metavar="ISO-TIME",
        help="the instant the demo clock starts (default: today 09:59:30, just before a shift "
        "change; 07:59 when --speed is above 1)",
    )
    demo.add_argument(
        "--listen", type=_host_port, default="127.0.0.1:8080", metavar="HOST:PORT",
        help="where the demo serves its pages",
    )  # fmt: skip
    demo.add_argument(
        "--database", default="carebot-demo.db", metavar="PATH",
        help="the demo's SQLite file, made anew at each demo (never one the demo did not make)",
    )  # fmt: skip
    demo.add_argument("--language", choices=["zh", "en"], default="zh", help="the bot's language")
    db = command(sub, "db", "the database: upgrade its schema, or copy it while the bot runs")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION", title="actions")
    command(db_sub, "upgrade", "apply the migrations the database lacks (serve does it too)")
    backup = command(
        db_sub, "backup", "copy the SQLite database to a new file, safely while the bot runs"
    )
    backup.add_argument("path", metavar="PATH", help="the new file (never overwritten)")
    command(sub, "check-config", "check the config and the database, and say what is wrong")
    rota = command(sub, "rota", "import or export the rota as CSV")
    rota_sub = rota.add_subparsers(
        dest="rota_command", required=True, metavar="ACTION", title="actions"
    )
    imp = command(rota_sub, "import", "add the shifts of a CSV file (group,date,start,end,member)")
    imp.add_argument("file", metavar="FILE", help="CSV in UTF-8 (Excel: CSV UTF-8), UTF-16 or GBK")
    exp = command(rota_sub, "export", "print the rota as CSV")
    exp.add_argument(
        "--from", dest="date_from", type=_iso_day, metavar="YYYY-MM-DD",
        help="first day (default: the first shift stored)",
    )  # fmt: skip
    exp.add_argument(
        "--to", dest="date_to", type=_iso_day, metavar="YYYY-MM-DD",
        help="last day (default: the last shift stored)",
    )  # fmt: skip
    outbox = command(sub, "outbox", "list posts not yet sent; retry one")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", title="actions")
    retry = command(outbox_sub, "retry", "send a pending or dead post again")
    retry.add_argument("id", type=_positive_int, metavar="ID", help="the row's id in the list")
    kf = command(sub, "kf", "微信客服: the customer-service account's contact link and QR code")
    kf_sub = kf.add_subparsers(dest="kf_command", required=True, metavar="ACTION", title="actions")
    link = command(kf_sub, "link", "print the account's link and write its QR code as a PNG")
    link.add_argument("group", metavar="GROUP", help="the id of a 微信客服 group")
    link.add_argument(
        "--scene", default="carebot", metavar="SCENE",
        help="the scene the link carries (at most 32 of a-z A-Z 0-9 _ -)",
    )  # fmt: skip
    link.add_argument(
        "--png", metavar="FILE", help="where the QR code goes (default: kf-GROUP.png)"
    )
    audit = command(sub, "audit", "list rota changes: who, when, before, after")
    audit.add_argument("--group", metavar="GROUP", help="only this group (default: every group)")
    audit.add_argument(
        "--limit", type=_positive_int, default=50, metavar="N", help="the newest N changes"
    )
    console = command(sub, "console", "the lead console: make a one-time sign-in link")
    console_sub = console.add_subparsers(
        dest="console_command", required=True, metavar="ACTION", title="actions"
    )
    link = command(console_sub, "link", "print a one-time sign-in link for a lead")
    link.add_argument("lead", metavar="LEAD", help="the lead's member id")
    link.add_argument(
        "--group", metavar="GROUP", help="only this group (default: every group they lead)"
    )
    report = command(sub, "report", "print a day's figures for the leads")
    report.add_argument(
        "--day", type=_iso_day, metavar="YYYY-MM-DD", help="service day (default: today)"
    )
    report.add_argument("--group", metavar="GROUP", help="one group id (default: every group)")
    _privacy_parser(sub, command)
    return p


def _speed(value: str) -> float:
    try:
        speed = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number, e.g. 1 or 60") from None
    if not (speed > 0 and math.isfinite(speed)):
        raise argparse.ArgumentTypeError(
            f"{value} is not a speed-up; give a number above 0 "
            "(1 is real time, 60 a minute a second)"
        )
    return speed


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return int(value)


def _host_port(value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not HOST:PORT, e.g. 127.0.0.1:8080")
    return value


def _iso_day(value: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value} is not a day of the calendar") from None


def _settings(args: argparse.Namespace) -> Settings:
    path = args.config or default_config_path()
    if path is None:
        raise ConfigError(
            f"no config file: neither carebot.toml nor config.example.toml is in {Path.cwd()}; "
            "copy config.example.toml to carebot.toml and edit it, or pass --config PATH"
        )
    settings = load_settings(path)
    logs.configure(settings.bot.log_format)
    return settings


def _clock(start_at: str | None, speed: float, settings: Settings) -> Clock:
    if not start_at:
        if speed != 1.0:
            raise ConfigError("--speed needs --start-at (the instant the fast clock starts from)")
        return SystemClock()
    try:
        at = datetime.fromisoformat(start_at)
    except ValueError:
        raise ConfigError(
            f"--start-at {start_at!r} is not ISO 8601, e.g. 2026-11-25T07:55"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=settings.bot.tz)
    if speed <= 0:
        raise ConfigError("--speed must be positive")
    return ScaledClock(at, speed)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure()  # plain lines until the config says otherwise (bot.log_format)
    try:
        return _dispatch(args)
    except ConfigError as e:
        print(f"carebot: {e}", file=sys.stderr)
        return EXIT_USAGE
    except RotaError as e:
        print(f"carebot: rota not changed:\n{e}", file=sys.stderr)
        return EXIT_USAGE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        if args.config:
            raise ConfigError(
                "demo runs on its own sample group and rota, not a config file; "
                "leave out --config (serve runs on it)"
            )
        return _demo(args)
    settings = _settings(args)
    if args.command == "check-config":
        for warning in config_warnings(settings) + env_warnings(os.environ):
            print(f"carebot: warning: {warning}", file=sys.stderr)
        print(asyncio.run(probe(settings.bot.database_url)))
        print(f"config OK: {len(settings.groups)} groups, {len(settings.members)} members")
        return EXIT_OK
    if args.command == "serve":
        return _serve(settings, _clock(args.start_at, args.speed, settings))
    if args.command == "db" and args.db_command == "backup":
        return _backup(settings, args.path)
    if args.command == "db":

        async def upgrade() -> None:
            db = await _open_db(settings)
            await db.dispose()

        asyncio.run(upgrade())
        print("database schema is up to date")
        return EXIT_OK
    if args.command == "rota":
        return asyncio.run(_rota(args, settings))
    if args.command == "outbox":
        return asyncio.run(_outbox(args, settings))
    if args.command == "kf":
        return asyncio.run(_kf_link(args, settings))
    if args.command == "audit":
        return asyncio.run(_audit(args, settings))
    if args.command == "report":
        return asyncio.run(_report(args, settings))
    if args.command == "privacy":
        return asyncio.run(_privacy(args, settings))
    if args.command == "console":
        url = asyncio.run(_console_link(settings, args.lead, args.group))
        minutes = settings.bot.console_link_minutes
        print(f"{url}\n(works once, for {minutes} minutes; send it to the lead privately)")
        return EXIT_OK
    return EXIT_USAGE


def _backup(settings: Settings, path: str) -> int:
    from bot.backup import backup

    done = backup(settings.bot.database_url, path)
    schema = f"schema {done.schema}" if done.schema else "no carebot tables yet"
    print(
        f"backed up {done.source} to {done.target}: {done.pages} pages, "
        f"{done.size / 1048576:.1f} MiB, integrity ok, {schema}"
    )
    return EXIT_OK


async def _open_db(settings: Settings) -> Database:
    """The database, reached and at the newest schema; one clear line (exit 2) if it cannot be
    reached."""
    await probe(settings.bot.database_url)
    db = Database(settings.bot.database_url)
    try:
        await db.upgrade()
    except BaseException:
        await db.dispose()
        raise
    return db


def base_url(settings: Settings) -> str:
    """How people reach this server: bot.public_url, else http://<bot.listen>."""
    return (settings.bot.public_url or f"http://{settings.bot.listen}").rstrip("/")


async def _console_link(
    settings: Settings, lead: str, group: str | None, now: datetime | None = None
) -> str:
    """A one-time console sign-in URL for `lead` (in `group`, or every group they lead)."""
    from bot.web import console_auth

    if group is not None and settings.group(group) is None:
        known = ", ".join(g.id for g in settings.groups) or "none configured"
        raise ConfigError(f"--group {group!r} is not in the config; use one of: {known}")
    if console_auth.lead_for_member(settings, lead, group) is None:
        leads = sorted({m.id for m in settings.members if m.role == "lead"})
        where = f" of group {group!r}" if group else ""
        raise ConfigError(
            f'{lead!r} is not a lead{where} in the config ([[members]] with role = "lead"); '
            f"leads: {', '.join(leads) or 'none'}"
        )
    db = await _open_db(settings)
    try:
        secret = await console_auth.create_link(
            db, lead, group, now or SystemWallClock().wall_now(), settings.bot.console_link_minutes
        )
    finally:
        await db.dispose()
    return f"{base_url(settings)}/console/login?link={secret}"


async def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.audit import format_entry, recent
    from bot.rota import ServiceHours

    if args.limit < 1:
        raise ConfigError("--limit must be at least 1")
    if args.group is not None and settings.group(args.group) is None:
        known = ", ".join(g.id for g in settings.groups) or "none configured"
        raise ConfigError(f"--group {args.group!r} is not in the config; use one of: {known}")
    svc = settings.service
    hours = ServiceHours(svc.opens_minute, svc.closes_minute, settings.bot.tz)
    db = await _open_db(settings)
    try:
        entries = await recent(db, args.group, args.limit)
    finally:
        await db.dispose()
    for entry in entries:
        print(format_entry(entry, hours))
    if not entries:
        print("no rota changes recorded")
    return EXIT_OK


def _cli_actor() -> str:
    """Who the audit log names for a change made from the command line."""
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment
        return "cli"


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else is touched: a busy port is a clear
    error (exit 2), not a traceback after the database was prepared."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise ConfigError(f"bot.listen {host}:{port}: cannot listen there ({e})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"{host}:{port} is already in use (another carebot?); stop it or choose "
                "another address with --listen (demo) or bot.listen"
            ) from None
        raise ConfigError(f"bot.listen {host}:{port}: cannot listen there ({e.strerror})") from None
    return sock


def _serve(
    settings: Settings, clock: Clock, banner: str | None = None, sock: socket.socket | None = None
) -> int:
    from bot.app import create_app

    sock = sock or _bind(settings.bot.host, settings.bot.port)
    try:
        log.info("%s", asyncio.run(probe(settings.bot.database_url)))
    except BaseException:
        sock.close()
        raise
    for warning in config_warnings(settings) + env_warnings(os.environ):
        log.warning("%s", warning)
    app = create_app(settings, clock)

    def say(_: object) -> None:
        print(banner or f"carebot listening on http://{settings.bot.listen}", flush=True)

    web.run_app(app, sock=sock, print=say, handle_signals=True, access_log=None)
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from bot.demo import DEMO_LEAD, demo_settings, fresh_demo_database, seed_rota

    db_path = Path(args.database)
    settings = demo_settings(f"sqlite+aiosqlite:///{db_path}", args.listen, args.language)
    tz = settings.bot.tz
    if args.start_at:
        clock = _clock(args.start_at, args.speed, settings)
    else:
        today = SystemClock().now().astimezone(tz).date()  # the demo's one real read
        # Half a minute before the 10:00 shift change; fast demos start before opening instead.
        start = datetime.combine(today, time(7, 59) if args.speed > 1 else time(9, 59, 30), tz)
        clock = ScaledClock(start, args.speed)
    day = clock.now().astimezone(tz).date()

    async def prepare() -> None:
        db = await _open_db(settings)
        try:
            from bot.sync import sync_config

            await sync_config(db, settings, clock)
            await seed_rota(db, settings, day, clock.now())
        finally:
            await db.dispose()

    # Every check before anything is touched: the arguments, then the port, then the file.
    sock = _bind(settings.bot.host, settings.bot.port)
    try:
        if not db_path.absolute().parent.is_dir():
            raise ConfigError(
                f"--database {db_path}: folder {db_path.absolute().parent} does not exist; "
                "create it or give another path"
            )
        fresh_demo_database(db_path)
        asyncio.run(prepare())
        console_url = asyncio.run(_console_link(settings, DEMO_LEAD, None))
    except BaseException:
        sock.close()
        raise
    url = f"http://{settings.bot.listen}/"
    from bot.i18n import t

    banner = t(
        settings.bot.language,
        "demo_banner",
        url=url,
        start=f"{clock.now().astimezone(tz):%H:%M:%S}",
        speed=f"{args.speed:g}",
        console=console_url,
    )
    return _serve(settings, clock, banner, sock)


SAVE_AS_UTF8 = (
    'in Excel use Save As > "CSV UTF-8 (Comma delimited) (*.csv)" '
    "(CSV UTF-8（逗号分隔）), or save it as UTF-8 from your editor"
)


def _read_csv(path: str) -> str:
    """The text of a rota CSV as Excel and editors save it: UTF-8 with or without a BOM, UTF-16
    with a BOM (Excel's "Unicode Text", tab-separated, included) or GBK (Excel's "CSV (Comma
    delimited)" on Chinese Windows). Anything else is refused with how to save it."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from None
    try:
        if data.startswith(codecs.BOM_UTF8):
            text = data.decode("utf-8-sig")
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        elif b"\x00" in data:
            raise ConfigError(f"{path} looks like UTF-16 without a byte-order mark; {SAVE_AS_UTF8}")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("gb18030")  # GBK and its successor
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8, UTF-16 or GBK text; {SAVE_AS_UTF8}") from None
    first = text.partition("\n")[0]
    if "\t" in first and "," not in first:  # tab-separated: rewritten as the CSV it stands for
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(
            csv.reader(io.StringIO(text), delimiter="\t")
        )
        text = out.getvalue()
    return text


async def _rota(args: argparse.Namespace, settings: Settings) -> int:
    from bot.rota_csv import export_csv, import_csv

    # The arguments and the file are checked before the database is opened (or made).
    text = _read_csv(args.file) if args.rota_command == "import" else ""
    end = args.date_to if args.rota_command == "export" else None
    if end and args.date_from and end < args.date_from:
        raise ConfigError("--to is before --from")
    db = await _open_db(settings)
    try:
        if args.rota_command == "import":
            from bot.sync import sync_config

            clock = SystemClock()
            await sync_config(db, settings, clock)
            report = await import_csv(db, settings, text, clock.now(), actor_id=_cli_actor())
            print(f"imported {report.added} shifts ({report.skipped_existing} already there)")
            return EXIT_OK
        sys.stdout.write(await export_csv(db, settings, args.date_from, end))
        return EXIT_OK
    finally:
        await db.dispose()


async def _outbox(args: argparse.Namespace, settings: Settings) -> int:
    from bot.outbox_admin import format_table, requeue, unsent_rows

    now = SystemClock().now()
    db = await _open_db(settings)
    try:
        if args.outbox_command == "retry":
            problem = await requeue(db, args.id, now)
            if problem is not None:
                print(f"carebot: {problem}", file=sys.stderr)
                return EXIT_USAGE
            print(f"outbox row {args.id} is queued again; a running carebot sends it shortly")
            return EXIT_OK
        sys.stdout.write(format_table(await unsent_rows(db, settings, now)))
        return EXIT_OK
    finally:
        await db.dispose()


async def _kf_link(args: argparse.Namespace, settings: Settings) -> int:
    """`carebot kf link GROUP`: the link from kf/add_contact_way, and its QR code as a PNG."""
    import aiohttp

    from bot.errors import PlatformError
    from bot.platforms import wecom_kf_link
    from bot.platforms.wecom_api import WeComClient

    group = settings.group(args.group)
    if group is None or group.platform != "wecom_kf":
        kf = ", ".join(g.id for g in settings.groups if g.platform == "wecom_kf") or "none"
        raise ConfigError(f"{args.group!r} is not a wecom_kf group; use one of: {kf}")
    try:
        wecom_kf_link.check_scene(args.scene)
    except ValueError as e:
        raise ConfigError(f"--scene {args.scene!r}: {e}") from None
    async with aiohttp.ClientSession() as http:
        try:
            url = await wecom_kf_link.contact_link(WeComClient(http), group, args.scene)
        except PlatformError as e:
            print(f"carebot: no link for group {group.id!r}: {e}", file=sys.stderr)
            return EXIT_USAGE
    path = Path(args.png or f"kf-{group.id}.png")
    await asyncio.to_thread(path.write_bytes, wecom_kf_link.qr_png(url))
    print(url)
    print(f"QR code written to {path} (pin it, or the link, in the WeChat group)")
    return EXIT_OK


async def _report(args: argparse.Namespace, settings: Settings) -> int:
    from bot import store
    from bot.report import build_report, format_report, hours_of, period_so_far, service_day

    if args.group and settings.group(args.group) is None:
        known = ", ".join(g.id for g in settings.groups) or "none configured"
        raise ConfigError(f"--group {args.group!r} is not in the config; use one of: {known}")
    groups = [args.group] if args.group else [g.id for g in settings.groups]
    hours = hours_of(settings)
    now = SystemClock().now()
    day = args.day or service_day(hours, now)
    start_at, end_at = period_so_far(hours, day, now)  # today: up to now, as /stats
    db = await _open_db(settings)
    try:
        texts = []
        async with db.read() as s:
            for group_id in groups:
                report = await build_report(s, settings, group_id, start_at, end_at)
                names = await store.member_names(s, group_id)
                texts.append(format_report(report, names, settings.language_of(group_id)))
    finally:
        await db.dispose()
    print("\n\n".join(texts))
    return EXIT_OK


# carebot privacy: retention and erasure of what people wrote (bot/retention.py)


def _privacy_parser(sub: Any, command: Any) -> None:
    """`carebot privacy purge|forget`, made with `_parser`'s `command` (help, --config)."""
    privacy = command(sub, "privacy", "remove what people wrote: by age, or at a person's request")
    privacy_sub = privacy.add_subparsers(
        dest="privacy_command", required=True, metavar="ACTION", title="actions"
    )
    purge = command(
        privacy_sub,
        "purge",
        "remove the text written before a day, as the daily retention purge does; "
        "the counts and times the reports use stay",
    )
    purge.add_argument(
        "--before", required=True, type=_iso_day, metavar="YYYY-MM-DD",
        help="text from before the start of this day (bot.timezone) goes",
    )  # fmt: skip
    purge.add_argument("--dry-run", action="store_true", help="only count what would be removed")
    forget = command(
        privacy_sub, "forget", "remove everything a person wrote in a group, at their request"
    )
    forget.add_argument("group", metavar="GROUP", help="the group id")
    forget.add_argument(
        "person", metavar="PERSON", help="the person's id on the platform (their sender id)"
    )


def _describe_removal(r: retention.Removal, verb: str) -> str:
    """What was (or would be) removed, in one clause."""
    return (
        f"{verb} the text of {r.messages} messages, {r.posts} bot posts, "
        f"{r.local_posts} local chat posts and {r.notes} handover notes"
    )


def _describe_kept(r: retention.Removal) -> str:
    return (
        f"kept until delivered: {r.kept_messages} messages of conversations waiting for a "
        f"counsellor, {r.kept_notes} handover notes of conversations not closed, {r.kept_posts} "
        "posts not sent yet (run it again once they are assigned, closed and sent)"
    )


async def _privacy(args: argparse.Namespace, settings: Settings) -> int:
    from bot import retention

    now = SystemClock().now()
    tz = settings.bot.tz
    if args.privacy_command == "forget" and settings.group(args.group) is None:
        known = ", ".join(g.id for g in settings.groups) or "none configured"
        raise ConfigError(f"group {args.group!r} is not in the config; use one of: {known}")
    if args.privacy_command == "purge":
        before = datetime.combine(args.before, time(0), tz)
        if before > now:
            raise ConfigError(
                f"--before {args.before} is in the future; text from before today is "
                f"--before {now.astimezone(tz).date()}"
            )
    db = await _open_db(settings)
    try:
        if args.privacy_command == "forget":
            return await _forget(db, settings, args.group, args.person, now)
        removed = await retention.purge_all(db, before, now, dry_run=args.dry_run)
        if not args.dry_run:
            await _audit_purge(db, settings, removed, args.before, now)
    finally:
        await db.dispose()
    total = sum(removed.values(), retention.Removal())
    verb = "would remove" if args.dry_run else "removed"
    for group_id, r in removed.items():
        print(f"{group_id}: {_describe_removal(r, verb)}")
    print(f"written before {before:%Y-%m-%d %H:%M} ({tz.key}): {_describe_removal(total, verb)}")
    print(_describe_kept(total))
    print("the counts and times the reports use are kept")
    return EXIT_OK


async def _audit_purge(
    db: Database,
    settings: Settings,
    removed: dict[str, retention.Removal],
    before: date,
    now: datetime,
) -> None:
    """One audit entry per group that lost text: who ran the purge, when, how many rows."""
    from bot import retention
    from bot.i18n import t

    lang = settings.bot.language
    async with db.write() as s:
        for group_id, r in removed.items():
            if not r.removed:
                continue
            summary = t(lang, "privacy_audit_purge", before=str(before), kept=r.kept, **r.as_dict())
            retention.audit(
                s, action=retention.PURGE_ACTION, group_id=group_id, actor_id=_cli_actor(),
                removal=r, summary=summary, now=now, before=str(before),
            )  # fmt: skip


async def _forget(
    db: Database, settings: Settings, group_id: str, person: str, now: datetime
) -> int:
    from bot import retention
    from bot.i18n import t

    if not await retention.is_known(db, group_id, person):
        raise ConfigError(
            f"nobody with id {person!r} has written in group {group_id!r}; give the person's "
            "id on the platform (the sender id of their messages), not their name"
        )
    r = await retention.forget(db, group_id, person, now)
    summary = t(settings.bot.language, "privacy_audit_forget", person=person, kept=r.kept,
                **r.as_dict())  # fmt: skip
    async with db.write() as s:
        entry = retention.audit(
            s, action=retention.FORGET_ACTION, group_id=group_id, actor_id=_cli_actor(),
            removal=r, summary=summary, now=now, person=person,
        )  # fmt: skip
        await s.flush()
        entry_id = entry.id
    print(f"{person} in {group_id}: {_describe_removal(r, 'removed')}")
    if r.kept:
        print(_describe_kept(r))
    print(
        f"recorded in the audit log as #{entry_id} (who, when and how many; never the text); "
        "their id and display name stay, so the reports still count their messages"
    )
    return EXIT_OK
