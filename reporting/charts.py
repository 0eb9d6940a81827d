"""Charts drawn on the server as SVG: no external service, nothing to load in the browser."""

from __future__ import annotations

import datetime

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

WIDTH, HEIGHT, PAD = 640, 220, 32


def trend_svg(months: list[tuple[datetime.date, int, int]]) -> SafeString:
    """Dossiers per month (bars, online in the darker part) with the online share written above."""
    if not months:
        return SafeString("")
    peak = max(total for _month, total, _online in months) or 1
    slot = (WIDTH - 2 * PAD) / len(months)
    bars = []
    for index, (month, total, online) in enumerate(months):
        x = PAD + index * slot + slot * 0.15
        width = slot * 0.7
        full = (HEIGHT - 2 * PAD) * total / peak
        part = (HEIGHT - 2 * PAD) * online / peak
        share = f"{100 * online / total:.0f}%" if total else "–"
        numbers = [x, HEIGHT - PAD - full, width, full, x, HEIGHT - PAD - part, width, part]
        (a, b, c, d, e, f, g, h) = (f"{value:.1f}" for value in numbers)
        middle = f"{x + width / 2:.1f}"
        bars.append((a, b, c, d, total, online, e, f, g, h, middle, f"{HEIGHT - PAD - full - 4:.1f}", share,
                     middle, f"{HEIGHT - PAD + 14:.1f}", month.strftime("%m/%y")))  # fmt: skip
    body = format_html_join(
        "",
        '<rect class="bar-all" x="{}" y="{}" width="{}" height="{}"><title>{} / {}</title></rect>'
        '<rect class="bar-online" x="{}" y="{}" width="{}" height="{}"></rect>'
        '<text x="{}" y="{}" text-anchor="middle" class="share">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" class="month">{}</text>',
        bars,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        WIDTH,
        HEIGHT,
        _("Dossiers received per month; the darker part was received online."),
        body,
    )
