"""Bar charts as SVG, drawn on the server: no script, no CDN, nothing to download.

They are drawn about as wide as they are shown (WIDTH), on a phone or three side by side on a
desktop, so their 12 px labels stay 12 px or a little more (console.css bounds the scaling)."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from html import escape

FONT = "font-family=\"system-ui, 'Noto Sans CJK SC', sans-serif\""
AXIS = "#999"
GRID = "#e6e6e6"
TEXT = "#444"
WIDTH = 300  # a chart's drawing width: shown about 340 px wide on a phone, 300-420 on a desktop
HEIGHT = 220
LABEL = 12  # font size of every label, in the drawing's units (CSS px at WIDTH)
TITLE = 13
SLANT = 40  # degrees labels turn when they would not fit side by side


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A generous estimate of how wide `text` is at font size `size` (px): a wide (CJK)
    character is one em, others about 0.62 em (0.66 bold)."""
    narrow = 0.66 if bold else 0.62
    return size * sum(
        1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else narrow for ch in text
    )


def _category_labels(
    centres: Sequence[float], labels: Sequence[str], y: float, slot: float
) -> list[str]:
    """Labels under their bars: level when each fits its slot, else turned by SLANT degrees
    (anchored at their end, so they read down to the bar they name)."""
    widest = max((text_width(label, LABEL) for label in labels), default=0.0)
    out = []
    for x, label in zip(centres, labels, strict=True):
        if widest <= slot - 4:
            out.append(
                f'<text class="label" x="{x:.1f}" y="{y:.1f}" font-size="{LABEL}" '
                f'fill="{TEXT}" text-anchor="middle">{escape(label)}</text>'
            )
        else:
            out.append(
                f'<text class="label" x="{x:.1f}" y="{y - 4:.1f}" font-size="{LABEL}" '
                f'fill="{TEXT}" text-anchor="end" transform="rotate(-{SLANT} {x:.1f} '
                f'{y - 4:.1f})">{escape(label)}</text>'
            )
    return out


def label_room(labels: Sequence[str], slot: float) -> float:
    """The height the labels under a chart need: one line, or the drop of turned labels."""
    widest = max((text_width(label, LABEL) for label in labels), default=0.0)
    if widest <= slot - 4:
        return LABEL + 8
    return min(widest, 90) * math.sin(math.radians(SLANT)) + LABEL + 4


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
        f'<text x="0" y="14" font-size="{TITLE}" font-weight="600" fill="{TEXT}">{t}</text>'
        + "".join(body)
        + "</svg>"
    )


def _axis(
    left: int, top: int, plot_w: int, plot_h: float, vmax: float, unit: str
) -> tuple[list[str], float]:
    step = nice_step(vmax)
    top_value = max(step, math.ceil(vmax / step) * step)
    out = []
    v = 0.0
    while v <= top_value + 1e-9:
        y = top + plot_h - plot_h * v / top_value
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text class="label" x="{left - 5}" y="{y + 4:.1f}" font-size="{LABEL}" '
            f'fill="{TEXT}" text-anchor="end">{_num(v)}{escape(unit)}</text>'
        )
        v += step
    out.append(
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h:.1f}" '
        f'y2="{top + plot_h:.1f}" stroke="{AXIS}"/>'
    )
    return out, top_value


def _left(vmax: float, unit: str) -> int:
    """Room for the widest value label left of the plot."""
    step = nice_step(vmax)
    top_value = max(step, math.ceil(vmax / step) * step)
    widest = max(text_width(f"{_num(v * step)}{unit}", LABEL) for v in range(5))
    widest = max(widest, text_width(f"{_num(top_value)}{unit}", LABEL))
    return int(max(28, widest + 10))


def _empty(width: int, height: int, title: str, unit: str, empty_text: str) -> str:
    left, top = _left(1, unit), 26
    axis, _ = _axis(left, top, width - left - 8, height - top - LABEL - 8, 1, unit)
    body = [
        f'<text class="label" x="{width / 2:.0f}" y="{height / 2:.0f}" font-size="{TITLE}" '
        f'fill="{AXIS}" text-anchor="middle">{escape(empty_text)}</text>'
    ]
    return _frame(width, height, title, axis + body)


def bar_chart(
    values: Sequence[float | None],
    labels: Sequence[str],
    *,
    title: str,
    unit: str = "",
    color: str = "#2a6fdb",
    width: int = WIDTH,
    height: int = HEIGHT,
    label_every: int = 1,
    empty_text: str = "no data",
    reference: tuple[str, float] | None = None,
) -> str:
    """One bar per value (None draws nothing), a label under every `label_every`-th bar, and an
    optional dashed reference line (label, value)."""
    positive = [v for v in values if v is not None and v > 0]
    if not positive and reference is None:
        return _empty(width, height, title, unit, empty_text)
    vmax = max([*positive, reference[1] if reference else 0.0]) or 1.0
    left, top = _left(vmax, unit), 26 + (LABEL + 4 if reference else 0)
    plot_w = width - left - 8
    n = max(1, len(values))
    slot = plot_w / n
    shown = [label for i, label in enumerate(labels) if i % label_every == 0]
    room = label_room(shown, slot * label_every)
    plot_h = height - top - room
    body, top_value = _axis(left, top, plot_w, plot_h, vmax, unit)
    bar_w = max(2.0, slot * 0.7)
    centres, under = [], []
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
                    f'<text class="label" x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" '
                    f'font-size="{LABEL}" fill="{TEXT}" text-anchor="middle">{_num(v)}</text>'
                )
        if i % label_every == 0:
            centres.append(x + bar_w / 2)
            under.append(label)
    body += _category_labels(centres, under, top + plot_h + LABEL + 4, slot * label_every)
    if reference is not None:
        name, value = reference
        y = top + plot_h - plot_h * value / top_value
        body.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d43030" '
            f'stroke-dasharray="5 4"/><text class="label" x="{left + plot_w}" y="{y - 4:.1f}" '
            f'font-size="{LABEL}" fill="#d43030" text-anchor="end">'
            f"{escape(name)} {_num(value)}{escape(unit)}</text>"
        )
    return _frame(width, height, title, body)


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    title: str,
    width: int = WIDTH,
    height: int = HEIGHT,
    empty_text: str = "no data",
) -> str:
    """Bars side by side per category, one per series (name, values, colour), with a legend
    on its own line under the title."""
    values = [v for _, vs, _ in series for v in vs]
    if not categories or not any(values):
        return _empty(width, height, title, "", empty_text)
    left, top = _left(max(values), ""), 26 + LABEL + 10
    plot_w = width - left - 8
    slot = plot_w / len(categories)
    plot_h = height - top - label_room(categories, slot)
    body, top_value = _axis(left, top, plot_w, plot_h, max(values), "")
    group_w = slot * 0.75
    bar_w = group_w / max(1, len(series))
    centres = []
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
                f'{_num(v)}</title></rect><text class="label" x="{x + bar_w / 2:.1f}" '
                f'y="{y - 3:.1f}" font-size="{LABEL}" fill="{TEXT}" text-anchor="middle">'
                f"{_num(v)}</text>"
            )
        centres.append(x0 + group_w / 2)
    body += _category_labels(centres, categories, top + plot_h + LABEL + 4, slot)
    lx = 0.0
    for name, _, color in series:
        body.append(
            f'<rect x="{lx:.1f}" y="{26 + 1}" width="10" height="10" fill="{color}" rx="2"/>'
            f'<text class="label" x="{lx + 14:.1f}" y="{26 + 10}" font-size="{LABEL}" '
            f'fill="{TEXT}">{escape(name)}</text>'
        )
        lx += 14 + text_width(name, LABEL) + 14
    return _frame(width, height, title, body)
