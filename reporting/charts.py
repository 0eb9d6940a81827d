"""Charts drawn on the server as SVG: no external service, nothing to load in the browser."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from reporting.selectors import share

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 664, 64, 252  # the plot area; counts on the left axis, per cent on the right
LABEL_WIDTH = 46  # room for "12/2026" under a bar
MAX_BAR = 64  # a short period's bars stay bars, not blocks


@dataclass(frozen=True)
class Month:
    """One month of the trend, as the chart and its table show it."""

    month: datetime.date
    total: int
    online: int

    @property
    def label(self) -> str:
        return self.month.strftime("%m/%Y")

    @property
    def other(self) -> int:
        return self.total - self.online

    @property
    def rate(self) -> Decimal | None:
        return share(self.online, self.total)


def trend_months(months: list[tuple[datetime.date, int, int]]) -> list[Month]:
    return [Month(month, total, online) for month, total, online in months]


def _step(peak: int) -> int:
    """A round step (1, 2, 5 × 10ⁿ) giving at most five intervals up to `peak`."""
    rough = max(peak, 1) / 5
    magnitude = 10 ** math.floor(math.log10(rough))
    return max(1, int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)))


def _f(value: float) -> str:
    return f"{value:.1f}"


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{formats.number_format(value)}%"


def trend_svg(months: list[Month], target: int) -> SafeString:
    """Dossiers per month as stacked bars (online below, other channels above) on a count axis, the
    online rate per month as a line on a per-cent axis with the target as a dashed line; a title, a
    legend, every month of the period labelled "MM/YYYY". For screen readers the figures are in the
    SVG's <desc> (and the page gives them as a table)."""
    if not months:
        return SafeString("")
    peak = max(m.total for m in months)
    step = _step(peak)
    top = max(step, math.ceil(peak / step) * step)
    height = BOTTOM - TOP
    slot = (RIGHT - LEFT) / len(months)
    every = math.ceil(LABEL_WIDTH / slot)  # label every n-th month when they would overlap

    def y_count(n: float) -> float:
        return BOTTOM - height * n / top

    def y_rate(rate: Decimal) -> float:
        return BOTTOM - height * float(rate) / 100

    title = _("Dossiers received per month, %(first)s – %(last)s") % {
        "first": months[0].label,
        "last": months[-1].label,
    }
    summary = [
        _("%(month)s: %(total)s dossiers, %(online)s online (%(rate)s)")
        % {"month": m.label, "total": m.total, "online": m.online, "rate": _percent(m.rate)}
        for m in months
    ]
    desc = " ".join([_("Target: %(target)s%% online.") % {"target": target}, *(line + ";" for line in summary)])
    parts = [
        format_html('<title id="trend-title">{}</title><desc id="trend-desc">{}</desc>', title, desc),
        format_html('<text class="chart-title" x="{}" y="18">{}</text>', LEFT, title),
    ]
    # Legend
    legend = [
        ("swatch bar-online", _("Online")),
        ("swatch bar-other", _("Other channels")),
        ("swatch rate-line", _("Online rate (%)")),
        ("swatch target-line", _("Target %(target)s%%") % {"target": target}),
    ]
    x = LEFT
    for kind, label in legend:
        if kind.endswith("-line"):
            parts.append(format_html('<line class="{}" x1="{}" y1="36" x2="{}" y2="36"></line>', kind, x, x + 16))
        else:
            parts.append(format_html('<rect class="{}" x="{}" y="30" width="12" height="12"></rect>', kind, x))
        parts.append(format_html('<text class="legend" x="{}" y="40">{}</text>', x + 20, label))
        x += 36 + round(6.2 * len(label))  # about the width of the 11px label
    # Axes, ticks and grid
    parts.append(format_html('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>', LEFT, TOP, LEFT, BOTTOM))
    parts.append(format_html('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>', RIGHT, TOP, RIGHT, BOTTOM))
    parts.append(format_html('<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>', LEFT, BOTTOM, RIGHT, BOTTOM))
    for n in range(0, top + 1, step):
        y = _f(y_count(n))
        parts.append(format_html('<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}"></line>', LEFT, y, RIGHT, y))
        parts.append(
            format_html('<text class="tick y-count" x="{}" y="{}">{}</text>', LEFT - 6, y, formats.number_format(n))
        )
    for percent in (0, 25, 50, 75, 100):
        y = _f(y_rate(Decimal(percent)))
        parts.append(format_html('<text class="tick y-rate" x="{}" y="{}">{}%</text>', RIGHT + 6, y, percent))
    parts.append(
        format_html(
            '<text class="axis-title" transform="translate(14 {}) rotate(-90)">{}</text>',
            (TOP + BOTTOM) // 2,
            _("Dossiers"),
        )
    )
    parts.append(
        format_html('<text class="axis-title" x="{}" y="{}">{}</text>', (LEFT + RIGHT) // 2, HEIGHT - 8, _("Month"))
    )
    # Bars and month labels
    path: list[str] = []
    dots: list[SafeString] = []
    for index, m in enumerate(months):
        bar = min(slot * 0.7, MAX_BAR)
        x0 = LEFT + index * slot + (slot - bar) / 2
        width = _f(bar)
        middle = _f(LEFT + index * slot + slot / 2)
        online_top, all_top = y_count(m.online), y_count(m.total)
        parts.append(
            format_html(
                '<g class="bar"><title>{}</title>'
                '<rect class="bar-online" x="{}" y="{}" width="{}" height="{}"></rect>'
                '<rect class="bar-other" x="{}" y="{}" width="{}" height="{}"></rect></g>',
                summary[index],
                _f(x0),
                _f(online_top),
                width,
                _f(BOTTOM - online_top),
                _f(x0),
                _f(all_top),
                width,
                _f(online_top - all_top),
            )
        )
        if index % every == 0:
            parts.append(format_html('<text class="tick month" x="{}" y="{}">{}</text>', middle, BOTTOM + 16, m.label))
        if m.rate is None:
            continue
        command = "L" if path and months[index - 1].rate is not None else "M"
        path.append(f"{command}{middle} {_f(y_rate(m.rate))}")
        dots.append(format_html('<circle class="rate-dot" cx="{}" cy="{}" r="3"></circle>', middle, _f(y_rate(m.rate))))
    y = _f(y_rate(Decimal(target)))
    parts.append(format_html('<line class="target-line" x1="{}" y1="{}" x2="{}" y2="{}"></line>', LEFT, y, RIGHT, y))
    if path:
        parts.append(format_html('<path class="rate-line" d="{}"></path>', " ".join(path)))
    parts += dots
    return format_html(
        '<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="trend-title trend-desc">{}</svg>',
        WIDTH,
        HEIGHT,
        format_html_join("", "{}", ((part,) for part in parts)),  # each part was built by format_html
    )
