"""The console's HTML, drawn on the server (the script only opens dialogs and posts edits)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from html import escape
from importlib import resources
from string import Template
from typing import Any
from urllib.parse import quote

from bot.config import Settings
from bot.i18n import age, level_name, t
from bot.names import Names
from bot.queue_health import QueueHealth, health_text
from bot.report import format_duration
from bot.rota_table import day_label
from bot.web import charts, console_auth, grid, strings
from bot.web.console_data import AuditRow, ConversationRow, Overview

CHARTS = ("messages", "first-response", "load")


def _asset(name: str) -> str:
    return resources.files("bot.web").joinpath("static", name).read_text(encoding="utf-8")


def _t(lang: str, key: str, **values: Any) -> str:
    """A catalogue sentence, escaped for HTML."""
    return escape(t(lang, key, **values))


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _page(lang: str, title: str, body: str, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="{"en" if lang == "en" else "zh-CN"}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="icon" href="data:,">{head}'
        f"<style>{_asset('console.css')}</style></head>"
        f"<body>{body}</body></html>"
    )


def message_page(lang: str, message: str) -> str:
    """A page with one sentence (sign-in needed, bad link, signed out)."""
    title = t(lang, "console_title")
    return _page(
        lang,
        title,
        f'<div class="message"><h1>{escape(title)}</h1><p id="message">{escape(message)}</p></div>',
    )


def login_page(lang: str, link: str) -> str:
    """The sign-in form: with a one-time link, one button that spends it (a GET never does: chat
    apps fetch links to preview them); without one, a field for the lead's console token."""
    title = t(lang, "console_title")
    if link:
        fields = (
            f'<p id="message">{escape(t(lang, "console_login_link_prompt"))}</p>'
            f'<input type="hidden" name="link" value="{escape(link)}">'
        )
    else:
        fields = (
            f'<p id="message">{escape(t(lang, "console_login_token_prompt"))}</p>'
            f'<input id="login-token" type="password" name="token" autocomplete="current-password"'
            f' aria-label="{escape(t(lang, "console_login_token_label"))}" required>'
        )
    return _page(
        lang,
        title,
        f'<div class="message"><h1>{escape(title)}</h1>'
        f'<form id="login" method="post" action="/console/login">{fields}'
        f'<button id="login-submit" type="submit">{escape(t(lang, "console_login_submit"))}'
        "</button></form></div>",
    )


STATUS_WORDS = {"waiting": "console_status_waiting", "open": "console_status_open"}


def _local(settings: Settings, at: datetime) -> datetime:
    return at.astimezone(settings.bot.tz)


def _duty_html(settings: Settings, lang: str, view: Overview) -> str:
    def chip(d: grid.Duty, key: str, at: datetime) -> str:
        when = t(lang, key, time=f"{_local(settings, at):%H:%M}")
        if key == "console_from":
            when += " " + t(lang, "console_until", time=f"{_local(settings, d.until):%H:%M}")
        return (
            f'<span class="chip" data-member="{escape(d.member_id)}">'
            f"<b>{escape(d.name)}</b> {escape(when)}</span>"
        )

    nobody = f'<span class="muted">{escape(t(lang, "nobody_on_duty"))}</span>'
    now_html = "".join(chip(d, "console_until", d.until) for d in view.now_on) or nobody
    next_html = "".join(chip(d, "console_from", d.start_at) for d in view.next_on) or nobody
    return (
        '<section id="duty" class="card duty">'
        f'<div><h2>{_t(lang, "console_on_duty_now")}</h2><div id="on-duty">{now_html}</div></div>'
        f"<div><h2>{_t(lang, 'console_on_duty_next')}</h2>"
        f'<div id="next-duty">{next_html}</div></div>'
        "</section>"
    )


LANE_MIN_PX = 60  # the narrowest a shift block gets: a three-character name and its padding
LANE_MAX_PX = 140  # a name with a longer word than this wraps inside its word
BLOCK_PAD_PX = 18  # a block's borders and padding (console.css .shift) and the gap to the next


def lane_px(names: Sequence[str]) -> int:
    """How wide a day's lanes must be for the longest word of its names to fit on one line
    (bold 12 px): a name wraps between its words, never inside one ("陈…" is never shown)."""
    words = [w for n in names for w in n.split()]
    widest = max((charts.text_width(w, 12, bold=True) for w in words), default=0.0)
    return int(min(LANE_MAX_PX, max(LANE_MIN_PX, math.ceil(widest) + BLOCK_PAD_PX)))


def day_min_px(lang: str, d: grid.DayColumn) -> int:
    """The narrowest a day column may get: each of its lanes wide enough for its names, and its
    head (bold 14 px) whole. On a screen narrower than that (a phone) the week scrolls sideways;
    console.css also keeps one day no wider than the phone's screen."""
    lanes = max([1, *(b.lanes for b in d.blocks)])
    head = math.ceil(charts.text_width(day_label(lang, d.day), 14, bold=True)) + 16
    return max(head, lanes * lane_px([b.name for b in d.blocks]))


def _grid_html(lang: str, g: grid.WeekGrid) -> str:
    """The week as day columns beside a time column. The columns never get narrower than their
    names need (day_min_px): where the screen is narrower (a phone) the week scrolls sideways
    inside its card, the time column staying put."""
    span = g.closes_minute - g.opens_minute

    def pct(minute: int) -> str:
        return f"{100 * (minute - g.opens_minute) / span:.3f}%"

    def height(a: int, b: int) -> str:
        return f"{100 * (b - a) / span:.3f}%"

    labels = (
        "".join(
            f'<div class="hour-label" style="top:{pct(h.start_minute)}">'
            f"{_hhmm(h.start_minute)}</div>"
            for h in g.days[0].hours
        )
        + f'<div class="hour-label end" style="top:100%">{_hhmm(g.closes_minute)}</div>'
    )
    cols = [
        '<div class="gutter"><div class="day-head"></div>'
        f'<div class="col-body">{labels}</div></div>'
    ]
    for d in g.days:
        parts = []
        for h in d.hours:
            cls = "hour gap" if h.is_gap else "hour"
            tip = f"{_hhmm(h.start_minute)}-{_hhmm(h.end_minute)}: {h.fewest_on_duty}"
            parts.append(
                f'<div class="{cls}" data-hour="{h.hour}" data-fewest="{h.fewest_on_duty}" '
                f'style="top:{pct(h.start_minute)};height:{height(h.start_minute, h.end_minute)}" '
                f'title="{escape(tip)}"></div>'
            )
        for b in d.blocks:
            w = 100 / b.lanes
            start, end = _hhmm(b.start_minute), _hhmm(b.end_minute)
            parts.append(
                f'<div class="shift" tabindex="0" role="button" '
                f'data-member="{escape(b.member_id)}" data-name="{escape(b.name)}" '
                f'data-start="{start}" data-end="{end}" '
                f'title="{escape(b.name)} {start}-{end}" style="top:{pct(b.start_minute)};'
                f"height:{height(b.start_minute, b.end_minute)};left:calc({w * b.lane:.3f}% + 2px);"
                f'width:calc({w:.3f}% - 4px)"><b>{escape(b.name)}</b>'
                f"<span>{start}-<wbr>{end}</span></div>"
            )
        if d.now_minute is not None:
            parts.append(
                f'<div class="now-line" style="top:{pct(d.now_minute)}" '
                f'title="{_t(lang, "console_now")} {_hhmm(d.now_minute)}"></div>'
            )
        today = " today" if d.is_today else ""
        cols.append(
            f'<div class="day{today}" data-day="{d.day.isoformat()}" '
            f'style="--day-min:{day_min_px(lang, d)}px">'
            f'<div class="day-head">{escape(day_label(lang, d.day))}</div>'
            f'<div class="col-body editable" '
            f'data-day="{d.day.isoformat()}">'
            f"{''.join(parts)}</div></div>"
        )
    return (
        '<div class="scroll-x grid-scroll" id="grid-scroll">'
        f'<div id="grid" class="grid" data-gaps="{g.gap_count}">{"".join(cols)}</div></div>'
    )


def _conversations_html(
    settings: Settings, lang: str, rows: Sequence[ConversationRow], now: datetime, privacy: bool
) -> str:
    if not rows:
        return f'<p class="muted" id="no-conversations">{_t(lang, "console_no_conversations")}</p>'
    cols = [
        t(lang, k)
        for k in (
            "console_col_staff",
            "console_col_status",
            "console_col_assignee",
            "console_col_age",
            "console_col_reply",
            "console_col_flags",
        )
    ]
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    staff_l, status_l, assignee_l, age_l, reply_l, flags_l = (escape(c) for c in cols)
    body = []
    for r in rows:
        flags = []
        if r.is_crisis:
            flags.append(f'<span class="flag crisis">{_t(lang, "console_crisis")}</span>')
        if r.level:
            flags.append(
                f'<span class="flag level" data-level="{r.level}" '
                f'title="{escape(level_name(lang, r.level))}">'
                f"{_t(lang, 'level_mark', level=r.level).strip()}</span>"
            )
        if r.reassign_count:
            flags.append(
                f'<span class="flag">{_t(lang, "console_reassigned", n=r.reassign_count)}</span>'
            )
        if r.first_response_at is not None:
            since = r.first_assigned_at or r.assigned_at or r.opened_at
            reply = age(lang, (r.first_response_at - since).total_seconds())
        elif r.status == "open":
            reply = f'<span class="late">{_t(lang, "console_unanswered")}</span>'
        else:
            reply = "–"
        opened = f"{_local(settings, r.opened_at):%H:%M} · " + t(
            lang, "console_ago", age=age(lang, (now - r.opened_at).total_seconds())
        )
        action = (
            ""
            if privacy
            else f'<button type="button" class="link open-conv" data-id="{r.id}" '
            f'data-staff="{escape(r.staff_name)}">{_t(lang, "console_open_conversation")}</button>'
        )
        status = t(lang, STATUS_WORDS[r.status])
        flags_cls = "" if flags else ' class="none"'
        body.append(
            f'<tr class="conv {escape(r.status)}{" crisis" if r.is_crisis else ""}" '
            f'data-id="{r.id}">'
            f'<td data-label="{staff_l}">{escape(r.staff_name)}</td>'
            f'<td data-label="{status_l}">{escape(status)}</td>'
            f'<td data-label="{assignee_l}">{escape(r.counsellor_name or "–")}</td>'
            f'<td data-label="{age_l}">{escape(opened)}</td>'
            f'<td data-label="{reply_l}">{reply}</td>'
            f'<td data-label="{flags_l}"{flags_cls}>{"".join(flags)}</td>'
            f'<td class="action">{action}</td></tr>'
        )
    note = f'<p class="muted">{_t(lang, "console_privacy_hidden")}</p>' if privacy else ""
    return (
        f'{note}<table id="conversations" class="stack"><thead><tr>{head}<th></th></tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _health_html(lang: str, health: QueueHealth, names: Names) -> str:
    """The queue's health at a glance, on top of the queue card: the line /queue starts with,
    each figure also in a data attribute."""
    data = (
        f'data-waiting-long="{health.waiting_long}" data-waiting-at-risk="{health.waiting_at_risk}"'
        f' data-counsellors="{health.counsellors_on_duty}" data-open="{health.open}"'
    )
    warn = " warn" if health.waiting_long or health.waiting_at_risk else ""
    return (
        f'<p id="queue-health" class="health{warn}" {data}>'
        f"{escape(health_text(lang, health, names))}</p>"
    )


def _audit_html(settings: Settings, lang: str, rows: Sequence[AuditRow]) -> str:
    if not rows:
        return f'<p class="muted" id="no-audit">{_t(lang, "console_no_audit")}</p>'
    cols = [
        t(lang, k)
        for k in ("console_col_when", "console_col_who", "console_col_action", "console_col_change")
    ]
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    when_l, who_l, action_l, change_l = (escape(c) for c in cols)
    body = "".join(
        f'<tr class="audit{" undone" if r.undone else ""}" data-id="{r.id}" '
        f'data-action="{escape(r.action)}">'
        f'<td data-label="{when_l}">{_local(settings, r.at):%m-%d %H:%M}</td>'
        f'<td data-label="{who_l}">{escape(r.actor_name)}</td>'
        f'<td data-label="{action_l}">{escape(r.action)}</td>'
        f'<td data-label="{change_l}">{escape(r.change)}'
        f"{escape(t(lang, 'console_undone')) if r.undone else ''}</td></tr>"
        for r in rows
    )
    return (
        f'<table id="audit" class="stack"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def chart(name: str, report: Any, names: Names, lang: str) -> str:
    """One chart of a bot.report Report as SVG."""
    empty = t(lang, "console_no_data")
    people = list(report.per_counsellor)
    labels = [names[c.member_id] for c in people]
    if name == "messages":
        return charts.bar_chart(
            list(report.messages_per_hour),
            [f"{h:02d}" for h in range(24)],
            title=t(lang, "console_chart_messages"),
            label_every=3,
            empty_text=empty,
        )
    if name == "first-response":
        median = report.first_response_median_s
        return charts.bar_chart(
            [
                c.first_response_median_s / 60 if c.first_response_median_s is not None else None
                for c in people
            ],
            labels,
            title=t(lang, "console_chart_first_response"),
            color="#07a35a",
            empty_text=empty,
            reference=(t(lang, "console_all"), median / 60) if median is not None else None,
        )
    return charts.grouped_bar_chart(
        labels,
        [
            (t(lang, "console_assigned"), [float(c.assigned) for c in people], "#2a6fdb"),
            (t(lang, "console_closed"), [float(c.closed) for c in people], "#f6903d"),
        ],
        title=t(lang, "console_chart_load"),
        empty_text=empty,
    )


def _report_html(lang: str, report: Any, names: Names) -> str:
    summary = t(
        lang,
        "console_report_summary",
        messages=report.messages,
        opened=report.conversations_opened,
        closed=report.conversations_closed,
        median=format_duration(report.first_response_median_s, lang),
        p90=format_duration(report.first_response_p90_s, lang),
        waited=report.waited,
        longest=format_duration(report.longest_wait_s, lang),
        crisis=report.crisis_flags,
        off=report.off_hours_messages,
    )
    svgs = "".join(
        f'<figure class="chart" id="chart-{n}">{chart(n, report, names, lang)}</figure>'
        for n in CHARTS
    )
    return (
        f'<p id="report-summary">{escape(summary)}</p>{_categories_html(lang, report)}'
        f"{_levels_html(lang, report)}"
        f'<div class="charts">{svgs}</div>'
    )


def _count_table(
    lang: str, table_id: str, caption: str, column: str, rows: list[tuple[str, str, int]]
) -> str:
    """A small table of counts (the hotlines' daily figures): (data attribute, label, count)."""
    head = f"<tr><th>{column}</th><th>{_t(lang, 'console_col_count')}</th></tr>"
    body = "".join(
        f'<tr {attr}><td>{escape(label)}</td><td class="num">{n}</td></tr>'
        for attr, label, n in rows
    )
    return (
        f'<table id="{table_id}"><caption>{caption}</caption>'
        f"<thead>{head}</thead><tbody>{body}</tbody></table>"
    )


def _categories_html(lang: str, report: Any) -> str:
    """The day's closed conversations by category."""
    if not report.by_category:
        return ""
    rows = [
        (f'data-category="{escape(c.category or "")}"', c.label(lang), c.count)
        for c in report.by_category
    ]
    caption, column = _t(lang, "console_by_category"), _t(lang, "console_col_category")
    return _count_table(lang, "report-categories", caption, column, rows)


def _levels_html(lang: str, report: Any) -> str:
    """The day's closed conversations by triage level (0-3): the leads' view of the day's risk."""
    if not report.conversations_closed:
        return ""
    rows = [
        (f'data-level="{level}"', level_name(lang, level), n)
        for level, n in enumerate(report.by_level)
    ]
    caption, column = _t(lang, "console_by_level"), _t(lang, "console_col_level")
    return _count_table(lang, "report-levels", caption, column, rows)


def _export_html(lang: str, group_id: str, day: date, week_start: date) -> str:
    """Links to the CSV of the day's and the week's conversations (one row each, no text)."""
    base = f"/console/api/groups/{quote(group_id)}/conversations.csv"
    week_end = week_start + timedelta(days=6)
    return (
        f'<p class="export">{_t(lang, "console_export")} '
        f'<a id="export-day" href="{base}?day={day.isoformat()}" download>'
        f"{_t(lang, 'console_export_day', date=day.isoformat())}</a> · "
        f'<a id="export-week" href="{base}?from={week_start.isoformat()}&amp;to='
        f'{week_end.isoformat()}" download>'
        f"{_t(lang, 'console_export_week', start=f'{week_start:%m-%d}', end=f'{week_end:%m-%d}')}"
        f'</a> <span class="muted">{_t(lang, "console_export_note")}</span></p>'
    )


def kf_link_card(lang: str, group_id: str, url: str | None, problem: str = "") -> str:
    """A 1:1 channel's card: the account's contact link and its QR code, to pin in the WeChat
    group (or why the link could not be had)."""
    head = f'<section id="kf-link" class="card"><h2>{_t(lang, "console_kf_link")}</h2>'
    if url is None:
        failed = _t(lang, "console_kf_link_failed", problem=problem)
        return f'{head}<p class="muted" id="kf-link-failed">{failed}</p></section>'
    png = f"/console/api/groups/{quote(group_id)}/kf-link.png"
    alt, help_text = _t(lang, "console_kf_link_qr"), _t(lang, "console_kf_link_help")
    return (
        f'{head}<p><a id="kf-link-url" href="{escape(url)}">{escape(url)}</a></p>'
        f'<img id="kf-link-qr" src="{png}" width="232" height="232" alt="{alt}">'
        f'<p class="muted">{help_text}</p></section>'
    )


def group_page(
    *,
    settings: Settings,
    session: console_auth.Session,
    group_id: str,
    view: Overview,
    conversations: Sequence[ConversationRow],
    health: QueueHealth,
    audit: Sequence[AuditRow],
    report: Any,
    report_day: date,
    today: date,
    now: datetime,
    contact: str = "",
) -> str:
    lang = settings.language_of(group_id)
    group = settings.group(group_id)
    assert group is not None
    title = t(lang, "console_title")
    base = f"/console/groups/{quote(group_id)}"
    tabs = "".join(
        f'<a class="tab{" on" if gid == group_id else ""}" href="/console/groups/{quote(gid)}">'
        f"{escape((settings.group(gid).name if settings.group(gid) else gid) or gid)}</a>"  # type: ignore[union-attr]
        for gid in session.lead.memberships
    )
    g = view.week
    week_start = g.start_day
    week_end = week_start + timedelta(days=6)
    prev_w, next_w = week_start - timedelta(days=7), week_start + timedelta(days=7)
    day_q = f"&day={report_day.isoformat()}" if report_day != today else ""
    week_q = f"week={week_start.isoformat()}&" if grid.week_start(today) != week_start else ""
    week_nav = (
        f'<a href="{base}?week={prev_w.isoformat()}{day_q}">{_t(lang, "console_prev_week")}</a>'
        f'<a href="{base}?{day_q.lstrip("&")}">{_t(lang, "console_this_week")}</a>'
        f'<a href="{base}?week={next_w.isoformat()}{day_q}">{_t(lang, "console_next_week")}</a>'
    )
    day_nav = (
        f'<a href="{base}?{week_q}day={(report_day - timedelta(days=1)).isoformat()}">'
        f"{escape(t(lang, 'console_prev_day'))}</a>"
        f'<a href="{base}?{week_q}day={(report_day + timedelta(days=1)).isoformat()}">'
        f"{escape(t(lang, 'console_next_day'))}</a>"
    )
    edit_note = f'<span class="muted">{_t(lang, "console_grid_help")}</span>'
    undo = f'<button type="button" id="undo">{_t(lang, "console_undo")}</button>'
    add = f'<button type="button" id="add-shift">{_t(lang, "console_add_shift")}</button>'
    config = {
        "group": group_id,
        "csrf": session.csrf,
        "opens": g.opens_minute,
        "closes": g.closes_minute,
        "today": today.isoformat(),
        "now_minute": _local(settings, now).hour * 60 + _local(settings, now).minute,
        "week": [d.day.isoformat() for d in g.days],
        "counsellors": view.counsellors,
        "texts": strings.console(lang),
    }
    config_json = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    names = Names(view.names)
    local_now = _local(settings, now)
    fields = {
        "title": escape(title),
        "tabs": tabs,
        "lead": escape(session.lead.name),
        "clock": f"{local_now:%Y-%m-%d %H:%M}",
        "csrf": escape(session.csrf),
        "logout": _t(lang, "console_logout"),
        "group": escape(group_id),
        "duty": _duty_html(settings, lang, view),
        "contact": contact,
        "week_title": escape(
            t(lang, "console_week", start=f"{week_start:%m-%d}", end=f"{week_end:%m-%d}")
        ),
        "week_nav": week_nav,
        "gap_legend": escape(t(lang, "console_gap_legend", n=g.min_on_duty)),
        "now_legend": _t(lang, "console_now"),
        "edit_note": edit_note,
        "undo": undo,
        "add": add,
        "scroll_hint": _t(lang, "console_grid_scroll"),
        "grid": _grid_html(lang, g),
        "queue_title": _t(lang, "console_queue"),
        "health": _health_html(lang, health, names),
        "conversations": _conversations_html(settings, lang, conversations, now, group.privacy),
        "report_title": escape(t(lang, "console_report", date=report_day.isoformat())),
        "day_nav": day_nav,
        "report": _report_html(lang, report, names)
        + _export_html(lang, group_id, report_day, week_start),
        "audit_title": _t(lang, "console_audit"),
        "audit": _audit_html(settings, lang, audit),
        "config": config_json,
        "script": _asset("console.js"),
    }
    for key in (
        "console_add_shift",
        "console_date",
        "console_start",
        "console_end",
        "console_counsellor",
        "console_cancel",
        "console_save",
        "console_remove",
        "console_swap_to",
        "console_swap",
        "console_close",
    ):
        fields["t_" + key.removeprefix("console_")] = escape(t(lang, key))
    body = Template(_asset("console_group.html")).substitute(fields)
    return _page(lang, f"{title} · {group.name or group_id}", body)
