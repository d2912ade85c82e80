"""Server-rendered SVG charts: the same picture on the page and in print, no scripts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

STATUS_STYLE: dict[str, tuple[str, str, Promise]] = {
    # status: (css class, shape, legend label)
    "attended": ("st-attended", "circle", gettext_lazy("Attended")),
    "no_show": ("st-no-show", "cross", gettext_lazy("No-show")),
    "cancelled_by_patient": ("st-cancel-patient", "square", gettext_lazy("Cancelled by patient")),
    "cancelled_by_clinic": ("st-cancel-clinic", "square-open", gettext_lazy("Cancelled by clinic")),
    "scheduled": ("st-scheduled", "circle-open", gettext_lazy("Scheduled")),
}


def month_tick(moment: datetime) -> str:
    """A month under a chart's axis, in the page's language ("Mar 26", "mar 26")."""
    return str(date_format(moment, pgettext("a month under a chart (a date format)", "M y")))


@dataclass(frozen=True)
class TimelinePoint:
    when: datetime
    status: str
    label: str


def session_timeline_svg(
    points: Sequence[TimelinePoint], *, width: int = 720, now: datetime
) -> str:
    """A one-row timeline of sessions, one marker per session shaped and coloured by status.

    Shapes differ as well as colours, so the chart reads without colour vision; every
    marker has a ``<title>`` for screen readers and hover.
    """
    height, left, right, axis_y = 120, 24, 24, 60
    title = escape(_("Session timeline"))
    if not points:
        none, empty = escape(_("no sessions")), escape(_("No sessions yet."))
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} 40" '
            f'class="chart" aria-label="{title}: {none}"><title>{title}</title>'
            f'<text x="{left}" y="24">{empty}</text></svg>'
        )
    start = min(p.when for p in points)
    end = max(max(p.when for p in points), now)
    span = max((end - start).total_seconds(), 1.0)

    def x_of(moment: datetime) -> float:
        return left + (width - left - right) * (moment - start).total_seconds() / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'class="chart timeline" aria-labelledby="tl-title tl-desc">',
        f'<title id="tl-title">{title}</title>',
        '<desc id="tl-desc">'
        + escape(
            ngettext(
                "%(n)s session from %(start)s to %(end)s.",
                "%(n)s sessions from %(start)s to %(end)s.",
                len(points),
            )
            % {
                "n": len(points),
                "start": date_format(start, "SHORT_DATE_FORMAT"),
                "end": date_format(end, "SHORT_DATE_FORMAT"),
            }
        )
        + "</desc>",
        f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" class="axis"/>',
    ]
    # Month ticks.
    year, month = start.year, start.month
    while True:
        tick = start.replace(
            year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        if tick > end:
            break
        if tick >= start:
            x = x_of(tick)
            parts.append(
                f'<line x1="{x:.1f}" y1="{axis_y - 4}" x2="{x:.1f}" '
                f'y2="{axis_y + 4}" class="tick"/>'
            )
            parts.append(
                f'<text x="{x:.1f}" y="{axis_y + 20}" class="tick-label">{month_tick(tick)}</text>'
            )
        month += 1
        if month == 13:
            year, month = year + 1, 1
    now_x = x_of(now)
    parts.append(f'<line x1="{now_x:.1f}" y1="20" x2="{now_x:.1f}" y2="{axis_y + 8}" class="now"/>')
    today = escape(_("today"))
    parts.append(f'<text x="{now_x:.1f}" y="16" class="now-label">{today}</text>')
    for point in points:
        css, shape, label = STATUS_STYLE.get(point.status, ("st-other", "circle", point.status))
        x, y = x_of(point.when), axis_y
        when = date_format(point.when, "SHORT_DATETIME_FORMAT")
        tip = escape(f"{when}: {label}. {point.label}".strip())
        parts.append(
            f'<g class="marker {css}" data-status="{escape(point.status)}"><title>{tip}</title>'
        )
        if shape == "cross":
            parts.append(f'<path d="M{x - 5:.1f} {y - 5} l10 10 m0 -10 l-10 10"/>')
        elif shape.startswith("square"):
            parts.append(f'<rect x="{x - 5:.1f}" y="{y - 5}" width="10" height="10"/>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="6"/>')
        parts.append("</g>")
    legend_x = left
    for status in STATUS_STYLE:
        css, _shape, lazy_legend = STATUS_STYLE[status]
        legend = escape(str(lazy_legend))
        parts.append(
            f'<g class="legend {css}"><circle cx="{legend_x + 5}" cy="{height - 12}" r="5"/>'
            f'<text x="{legend_x + 14}" y="{height - 8}">{legend}</text></g>'
        )
        legend_x += 20 + 7 * len(legend)
    parts.append("</svg>")
    return "".join(parts)
