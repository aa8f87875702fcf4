"""Bar charts as SVG, drawn on the server: no script, no CDN, nothing to download."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

FONT = "font-family=\"system-ui, 'Noto Sans CJK SC', sans-serif\""
AXIS = "#999"
GRID = "#e6e6e6"
TEXT = "#444"


def nice_step(top: float, ticks: int = 4) -> float:
    """A step of 1, 2 or 5 times a power of ten giving about `ticks` steps up to `top`."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 5, 10):
        if raw <= m * power:
            return float(m * power)
    return float(10 * power)


def _num(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() or v >= 10 else f"{v:.1f}"


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    t = escape(title)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{t}" {FONT}>'
        f"<title>{t}</title>"
        f'<text x="0" y="14" font-size="13" font-weight="600" fill="{TEXT}">{t}</text>'
        + "".join(body)
        + "</svg>"
    )


def _axis(
    left: int, top: int, plot_w: int, plot_h: int, vmax: float, unit: str
) -> tuple[list[str], float]:
    step = nice_step(vmax)
    top_value = max(step, math.ceil(vmax / step) * step)
    out = []
    v = 0.0
    while v <= top_value + 1e-9:
        y = top + plot_h - plot_h * v / top_value
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" fill="{TEXT}" '
            f'text-anchor="end">{_num(v)}{escape(unit)}</text>'
        )
        v += step
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    return out, top_value


def bar_chart(
    values: Sequence[float | None],
    labels: Sequence[str],
    *,
    title: str,
    unit: str = "",
    color: str = "#2a6fdb",
    width: int = 640,
    height: int = 220,
    label_every: int = 1,
    empty_text: str = "no data",
    reference: tuple[str, float] | None = None,
) -> str:
    """One bar per value (None draws nothing), a label under every `label_every`-th bar, and an
    optional dashed reference line (label, value)."""
    left, top, bottom = 44, 26, 24
    plot_w, plot_h = width - left - 8, height - top - bottom
    positive = [v for v in values if v is not None and v > 0]
    if not positive and reference is None:
        axis, _ = _axis(left, top, plot_w, plot_h, 1, unit)
        body = [
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" font-size="13" fill="{AXIS}" '
            f'text-anchor="middle">{escape(empty_text)}</text>'
        ]
        return _frame(width, height, title, axis + body)
    vmax = max([*positive, reference[1] if reference else 0.0]) or 1.0
    body, top_value = _axis(left, top, plot_w, plot_h, vmax, unit)
    n = max(1, len(values))
    slot = plot_w / n
    bar_w = max(2.0, slot * 0.7)
    for i, (v, label) in enumerate(zip(values, labels, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        if v is not None and v > 0:
            h = plot_h * v / top_value
            y = top + plot_h - h
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{color}" rx="2"><title>{escape(label)}: {_num(v)}{escape(unit)}</title>'
                "</rect>"
            )
            if n <= 12:
                body.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" font-size="11" fill="{TEXT}" '
                    f'text-anchor="middle">{_num(v)}</text>'
                )
        if i % label_every == 0:
            body.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 8}" font-size="11" fill="{TEXT}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    if reference is not None:
        name, value = reference
        y = top + plot_h - plot_h * value / top_value
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d43030" '
            f'stroke-dasharray="5 4"/><text x="{left + plot_w}" y="{y - 4:.1f}" font-size="11" '
            f'fill="#d43030" text-anchor="end">{escape(name)} {_num(value)}{escape(unit)}</text>'
        )
    return _frame(width, height, title, body)


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    title: str,
    width: int = 640,
    height: int = 220,
    empty_text: str = "no data",
) -> str:
    """Bars side by side per category, one per series (name, values, colour), with a legend."""
    left, top, bottom = 44, 26, 24
    plot_w, plot_h = width - left - 8, height - top - bottom - 4
    values = [v for _, vs, _ in series for v in vs]
    if not categories or not any(values):
        axis, _ = _axis(left, top, plot_w, plot_h, 1, "")
        body = [
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" font-size="13" fill="{AXIS}" '
            f'text-anchor="middle">{escape(empty_text)}</text>'
        ]
        return _frame(width, height, title, axis + body)
    body, top_value = _axis(left, top, plot_w, plot_h, max(values), "")
    slot = plot_w / len(categories)
    group_w = slot * 0.75
    bar_w = group_w / max(1, len(series))
    for i, cat in enumerate(categories):
        x0 = left + i * slot + (slot - group_w) / 2
        for k, (name, vs, color) in enumerate(series):
            v = vs[i]
            if v <= 0:
                continue
            h = plot_h * v / top_value
            x = x0 + k * bar_w
            y = top + plot_h - h
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{color}" rx="2"><title>{escape(cat)} · {escape(name)}: '
                f'{_num(v)}</title></rect><text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" '
                f'font-size="11" fill="{TEXT}" text-anchor="middle">{_num(v)}</text>'
            )
        body.append(
            f'<text x="{x0 + group_w / 2:.1f}" y="{top + plot_h + 16}" font-size="11" '
            f'fill="{TEXT}" text-anchor="middle">{escape(cat)}</text>'
        )
    lx = width - 8
    for name, _, color in reversed(series):
        w = 14 + 7 * len(name) + 12
        lx -= w
        body.append(
            f'<rect x="{lx}" y="4" width="10" height="10" fill="{color}" rx="2"/>'
            f'<text x="{lx + 14}" y="13" font-size="11" fill="{TEXT}">{escape(name)}</text>'
        )
    return _frame(width, height, title, body)
