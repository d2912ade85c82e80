"""Hand-built SVG charts of the alliance from three perspectives and of the outcome measure,
in the style of :mod:`concord.web.charts`: no scripts, a ``<title>`` on every mark, shapes and
dash patterns as well as colours (readable without colour vision), colours as presentation
attributes (allowed by the content security policy, unlike inline styles)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from django.utils.formats import date_format, number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

PERSPECTIVE_STYLE: dict[str, tuple[str, str, str, Promise]] = {
    # perspective: (colour, dash pattern, shape, legend)
    "patient": ("#1f5fa8", "", "circle", gettext_lazy("Patient (WAI-SR)")),
    "clinician": ("#9a5b00", "6 3", "square", gettext_lazy("Clinician (WAI-SRT)")),
    "observer": ("#1e7a46", "2 3", "triangle", gettext_lazy("Observer (WAI-O-S)")),
}
SCALE_TITLES: dict[str, Promise] = {
    "goal": gettext_lazy("Goal"),
    "task": gettext_lazy("Task"),
    "bond": gettext_lazy("Bond"),
}
FLAG_COLOUR = "#b3261e"


@dataclass(frozen=True)
class AlliancePoint:
    index: int  # position of the session in the episode's rated sessions
    when: datetime
    scale: str
    perspective: str
    value: float  # on the instrument's own scale
    percent: float  # percent of the scale's range


@dataclass(frozen=True)
class OutcomePoint:
    when: datetime
    value: float


def _day(moment: datetime) -> str:
    return str(date_format(moment, "SHORT_DATE_FORMAT"))


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        return (
            f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y + 4:.1f} L{x - 5:.1f} {y + 4:.1f} Z" '
            f'fill="{colour}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def alliance_chart_svg(
    points: Sequence[AlliancePoint],
    sessions: Sequence[tuple[int, datetime]],
    *,
    flagged: Iterable[tuple[int, str]] = (),
    width: int = 720,
) -> str:
    """Goal, Task and Bond panels; one line per perspective over the rated sessions.

    Values are drawn as percent of each form's range (WAI-SR/WAI-SRT 1-5, WAI-O-S 1-7);
    the titles give the scores on their own scales. Sessions where patient and clinician
    disagree beyond the reliable difference carry a red band and a "!" in that panel.
    """
    title = escape(_("Alliance from three perspectives"))
    if not points:
        none, empty = escape(_("no ratings yet")), escape(_("No alliance ratings yet."))
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} 40" '
            f'class="chart alliance" aria-label="{title}: {none}"><title>{title}</title>'
            f'<text x="24" y="24">{empty}</text></svg>'
        )
    flagged_set = set(flagged)
    left, right, top, panel_h, gap = 56, 16, 28, 120, 34
    height = top + 3 * (panel_h + gap) + 30
    count = max(len(sessions), 1)

    def x_of(index: int) -> float:
        if count == 1:
            return left + (width - left - right) / 2
        return left + (width - left - right) * index / (count - 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'class="chart alliance" aria-labelledby="al-title al-desc">',
        f'<title id="al-title">{title}</title>',
        '<desc id="al-desc">'
        + escape(
            _(
                "Goal, Task and Bond ratings by patient, clinician and observer over "
                "%(sessions)s rated sessions, as percent of each form's range. "
                "%(flagged)s patient-clinician disagreements beyond the reliable difference "
                "are marked."
            )
            % {"sessions": len(sessions), "flagged": len(flagged_set)}
        )
        + "</desc>",
    ]
    # Legend.
    legend_x = left
    for perspective, (colour, dash, shape, lazy_legend) in PERSPECTIVE_STYLE.items():
        legend = str(lazy_legend)
        parts.append(
            f'<g class="legend" data-perspective="{perspective}">'
            f'<line x1="{legend_x}" y1="12" x2="{legend_x + 24}" y2="12" stroke="{colour}" '
            f'stroke-width="2" stroke-dasharray="{dash}"/>'
            + _marker(shape, legend_x + 12, 12, colour)
            + f'<text x="{legend_x + 30}" y="16">{escape(legend)}</text></g>'
        )
        legend_x += 40 + 7 * len(legend)
    parts.append(
        f'<g class="legend"><text x="{legend_x}" y="16" fill="{FLAG_COLOUR}">'
        + "! = "
        + escape(_("reliable disagreement"))
        + "</text></g>"
    )
    for panel, scale in enumerate(("goal", "task", "bond")):
        y0 = top + panel * (panel_h + gap) + 14

        def y_of(percent: float, y0: float = y0) -> float:
            return y0 + panel_h * (1 - percent / 100.0)

        parts.append(f'<g class="panel" data-scale="{scale}">')
        scale_title = escape(str(SCALE_TITLES[scale]))
        parts.append(f'<text x="4" y="{y0 - 4}" font-weight="bold">{scale_title}</text>')
        for index, _when in sessions:
            if (index, scale) in flagged_set:
                x = x_of(index)
                parts.append(
                    f'<g class="disagreement" data-session-index="{index}">'
                    f"<title>{scale_title}: "
                    + escape(_("patient and clinician disagree beyond the reliable difference"))
                    + "</title>"
                    f'<rect x="{x - 9:.1f}" y="{y0}" width="18" height="{panel_h}" '
                    f'fill="#fbe4e2"/><text x="{x:.1f}" y="{y0 + 12}" text-anchor="middle" '
                    f'fill="{FLAG_COLOUR}" font-weight="bold">!</text></g>'
                )
        for percent in (0, 50, 100):
            y = y_of(percent)
            parts.append(
                f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                f'stroke="#d5dbe2"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                f'fill="#5b6775">{percent}%</text>'
            )
        for perspective, (colour, dash, shape, lazy_legend) in PERSPECTIVE_STYLE.items():
            legend = str(lazy_legend)
            mine = sorted(
                (p for p in points if p.scale == scale and p.perspective == perspective),
                key=lambda p: p.index,
            )
            if not mine:
                continue
            path = " ".join(
                f"{'M' if i == 0 else 'L'}{x_of(p.index):.1f} {y_of(p.percent):.1f}"
                for i, p in enumerate(mine)
            )
            parts.append(
                f'<g class="series" data-perspective="{perspective}" data-scale="{scale}">'
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2" '
                f'stroke-dasharray="{dash}"/>'
            )
            for p in mine:
                tip = escape(
                    _("%(day)s: %(who)s, %(scale)s %(value)s (%(percent)s%% of range)")
                    % {
                        "day": _day(p.when),
                        "who": legend,
                        "scale": SCALE_TITLES[scale],
                        "value": number_format(round(p.value, 2), 2),
                        "percent": f"{p.percent:.0f}",
                    }
                )
                parts.append(
                    f'<g class="point"><title>{tip}</title>'
                    + _marker(shape, x_of(p.index), y_of(p.percent), colour)
                    + "</g>"
                )
            parts.append("</g>")
        parts.append("</g>")
    # Session dates under the last panel.
    base = top + 3 * (panel_h + gap) - gap + 30
    step = max(1, len(sessions) // 8)
    for index, when in sessions[::step]:
        parts.append(
            f'<text x="{x_of(index):.1f}" y="{base}" text-anchor="middle" '
            f'fill="#5b6775">{date_format(when, "MONTH_DAY_FORMAT")}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


PHQ9_BANDS: tuple[tuple[int, Promise], ...] = (
    (5, gettext_lazy("mild")),
    (10, gettext_lazy("moderate")),
    (15, gettext_lazy("mod. severe")),
    (20, gettext_lazy("severe")),
)


def outcome_chart_svg(points: Sequence[OutcomePoint], *, width: int = 360) -> str:
    """PHQ-9 totals (0-27, lower is better) over time, with the severity band lines."""
    title = escape(_("PHQ-9 total over time"))
    if not points:
        none, empty = escape(_("no scores yet")), escape(_("No PHQ-9 scores yet."))
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} 40" '
            f'class="chart outcome" aria-label="{title}: {none}"><title>{title}</title>'
            f'<text x="8" y="24">{empty}</text></svg>'
        )
    ordered = sorted(points, key=lambda p: p.when)
    left, right, top, plot_h = 40, 96, 16, 200
    height = top + plot_h + 30
    start, end = ordered[0].when, ordered[-1].when
    span = max((end - start).total_seconds(), 1.0)

    def x_of(moment: datetime) -> float:
        if len(ordered) == 1:
            return left + (width - left - right) / 2
        return left + (width - left - right) * (moment - start).total_seconds() / span

    def y_of(value: float) -> float:
        return top + plot_h * (1 - value / 27.0)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'class="chart outcome" aria-labelledby="oc-title oc-desc">',
        f'<title id="oc-title">{title}</title>',
        '<desc id="oc-desc">'
        + escape(
            ngettext(
                "%(n)s PHQ-9 total from %(start)s to %(end)s; latest %(latest)s.",
                "%(n)s PHQ-9 totals from %(start)s to %(end)s; latest %(latest)s.",
                len(ordered),
            )
            % {
                "n": len(ordered),
                "start": _day(start),
                "end": _day(end),
                "latest": f"{ordered[-1].value:g}",
            }
        )
        + "</desc>",
    ]
    for value in (0, 27):
        parts.append(
            f'<text x="{left - 6}" y="{y_of(value) + 4:.1f}" text-anchor="end" '
            f'fill="#5b6775">{value}</text>'
        )
    for value, label in PHQ9_BANDS:
        y = y_of(value)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#d5dbe2" '
            f'stroke-dasharray="4 3"/><text x="{width - right + 4}" y="{y + 4:.1f}" '
            f'fill="#5b6775">{value} {escape(str(label))}</text>'
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x_of(p.when):.1f} {y_of(p.value):.1f}"
        for i, p in enumerate(ordered)
    )
    parts.append(f'<path d="{path}" fill="none" stroke="#5b3fa8" stroke-width="2"/>')
    for p in ordered:
        parts.append(
            f'<g class="point"><title>{_day(p.when)}: PHQ-9 {p.value:g}</title>'
            f'<circle cx="{x_of(p.when):.1f}" cy="{y_of(p.value):.1f}" r="4" fill="#5b3fa8"/></g>'
        )
    parts.append(
        f'<text x="{left}" y="{height - 8}" fill="#5b6775">{_day(start)}</text>'
        f'<text x="{width - right}" y="{height - 8}" text-anchor="end" fill="#5b6775">'
        f"{_day(end)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
