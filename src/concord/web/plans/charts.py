"""Server-rendered SVG charts of the shared plan, in the style of :mod:`concord.web.charts`:
no scripts, a ``<title>`` on every mark, shapes as well as colours, colours as presentation
attributes (allowed by the content security policy). Each chart has a text equivalent on the
page (a table), so nothing is shown by the picture alone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from concord.analytics.goal_progress import GBO_MAX, GBO_RELIABLE_CHANGE
from concord.analytics.task_adherence import WeekAdherence
from concord.web.plans.alliance_series import AllianceRating

INK, MUTED, GRID = "#1d2733", "#5b6775", "#d5dbe2"
RATING_COLOUR = "#1f5fa8"
BAR_COLOUR = "#7fa7d6"
ALLIANCE_STYLE = {"waisr": ("#9a5b00", "circle"), "srs": ("#1e7a46", "square")}


def _empty(css: str, title: str, message: str, width: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} 40" '
        f'class="chart {css}" aria-label="{escape(title)}: {escape(message)}">'
        f"<title>{escape(title)}</title>"
        f'<text x="8" y="24" fill="{MUTED}">{escape(message)}</text></svg>'
    )


def _short_date(moment: datetime) -> str:
    """A moment's local day in the page's language (5 Mar 2026, 5 mar 2026)."""
    return _day(timezone.localtime(moment))


def _day(day: date | datetime) -> str:
    return str(date_format(day, "SHORT_DATE_FORMAT"))


def _month_day(day: date) -> str:
    return str(date_format(day, "MONTH_DAY_FORMAT"))


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def goal_ratings_svg(
    ratings: Sequence[tuple[datetime, int]], *, chart_id: str, width: int = 360
) -> str:
    """A goal's 0-10 ratings over time, with the line a reliable improvement must reach
    (first rating + 2.45)."""
    title = _("Progress towards the goal (0-10)")
    if not ratings:
        return _empty("goal-ratings", title, _("No ratings yet."), width)
    ordered = sorted(ratings)
    left, right, top, plot_h = 28, 16, 14, 120
    height = top + plot_h + 26
    start, end = ordered[0][0], ordered[-1][0]
    span = max((end - start).total_seconds(), 1.0)

    def x_of(moment: datetime) -> float:
        if len(ordered) == 1:
            return left + (width - left - right) / 2
        return left + (width - left - right) * (moment - start).total_seconds() / span

    def y_of(score: float) -> float:
        return top + plot_h * (1 - score / GBO_MAX)

    first, last = ordered[0][1], ordered[-1][1]
    description = _(
        "%(n)d ratings from %(start)s to %(end)s: first %(first)d, latest %(last)d."
    ) % {
        "n": len(ordered),
        "start": _short_date(start),
        "end": _short_date(end),
        "first": first,
        "last": last,
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'class="chart goal-ratings" aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    for score in (0, 5, 10):
        y = y_of(score)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{score}</text>'
        )
    reliable = first + GBO_RELIABLE_CHANGE
    if reliable <= GBO_MAX:
        y = y_of(reliable)
        label = _("reliable improvement")
        parts.append(
            f'<g class="reliable-line"><title>{escape(label)}: '
            f"{reliable:g}</title>"
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{MUTED}" stroke-dasharray="4 3"/>'
            f'<text x="{width - right}" y="{y - 3:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(label)}</text></g>"
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x_of(w):.1f} {y_of(s):.1f}" for i, (w, s) in enumerate(ordered)
    )
    parts.append(f'<path d="{path}" fill="none" stroke="{RATING_COLOUR}" stroke-width="2"/>')
    for when, score in ordered:
        tip = f"{_short_date(when)}: {score}/10"
        parts.append(
            f'<g class="point"><title>{escape(tip)}</title>'
            + _marker("circle", x_of(when), y_of(score), RATING_COLOUR)
            + "</g>"
        )
    parts.append(
        f'<text x="{left}" y="{height - 6}" fill="{MUTED}">'
        f"{_short_date(start)}</text>"
        f'<text x="{width - right}" y="{height - 6}" text-anchor="end" fill="{MUTED}">'
        f"{_short_date(end)}</text></svg>"
    )
    return "".join(parts)


def adherence_alliance_svg(
    weeks: Sequence[WeekAdherence],
    alliance: Sequence[AllianceRating],
    *,
    chart_id: str,
    width: int = 720,
) -> str:
    """Weekly task adherence (bars, 0-100 %) with the patient's alliance ratings (markers,
    percent of each instrument's range) on one time axis of ISO weeks."""
    title = _("Task adherence by week, with the patient's alliance ratings")
    if not weeks:
        return _empty("adherence-alliance", title, _("No exercise or homework yet."), width)
    left, right, top, plot_h = 44, 16, 30, 180
    height = top + plot_h + 44
    first_day: date = weeks[0].week_start
    last_day: date = weeks[-1].week_start + timedelta(days=7)
    days = max((last_day - first_day).days, 1)
    plot_w = width - left - right
    zone = timezone.get_current_timezone()

    def x_of_day(day: date) -> float:
        return left + plot_w * (day - first_day).days / days

    def y_of(percent: float) -> float:
        return top + plot_h * (1 - percent / 100.0)

    shown = [a for a in alliance if first_day <= timezone.localtime(a.when, zone).date() < last_day]
    measured = [w for w in weeks if w.adherence is not None]
    description = _(
        "%(weeks)d weeks from %(start)s; adherence measured in %(measured)d of them; "
        "%(ratings)d alliance ratings in this time."
    ) % {
        "weeks": len(weeks),
        "start": _day(first_day),
        "measured": len(measured),
        "ratings": len(shown),
    }
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'class="chart adherence-alliance" aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(description)}</desc>',
    ]
    # Legend.
    bars = _("Task adherence (week)")
    legend = [
        f'<g class="legend"><rect x="{left}" y="6" width="12" height="12" fill="{BAR_COLOUR}"/>'
        f'<text x="{left + 16}" y="16">{escape(bars)}</text></g>'
    ]
    legend_x = left + 30 + 7 * len(bars)
    for code in sorted({a.instrument for a in shown}):
        colour, shape = ALLIANCE_STYLE.get(code, (INK, "circle"))
        name = "WAI-SR" if code == "waisr" else "SRS"
        label = _("%(name)s total (%% of range)") % {"name": name}
        legend.append(
            f'<g class="legend" data-instrument="{code}">'
            + _marker(shape, legend_x + 5, 12, colour)
            + f'<text x="{legend_x + 14}" y="16">{escape(label)}</text></g>'
        )
        legend_x += 30 + 7 * len(label)
    parts.extend(legend)
    for percent in (0, 50, 100):
        y = y_of(percent)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{percent}%</text>"
        )
    bar_w = plot_w * 7 / days
    for week in weeks:
        x = x_of_day(week.week_start)
        if week.adherence is None:
            tip = _("Week of %(day)s: nothing expected") % {"day": _month_day(week.week_start)}
            parts.append(
                f'<g class="week" data-adherence=""><title>{escape(tip)}</title>'
                f'<text x="{x + bar_w / 2:.1f}" y="{y_of(0) - 4:.1f}" text-anchor="middle" '
                f'fill="{MUTED}">–</text></g>'
            )
            continue
        share = 100 * week.adherence
        tip = _("Week of %(day)s: %(percent)d%% (%(done)d done, %(expected)s expected)") % {
            "day": _month_day(week.week_start),
            "percent": round(share),
            "done": week.completed,
            "expected": f"{week.expected:.1f}",
        }
        parts.append(
            f'<g class="week" data-adherence="{week.adherence:.4f}"><title>{escape(tip)}</title>'
            f'<rect x="{x + 2:.1f}" y="{y_of(share):.1f}" width="{max(bar_w - 4, 1):.1f}" '
            f'height="{plot_h * share / 100:.1f}" fill="{BAR_COLOUR}"/></g>'
        )
    for code in sorted({a.instrument for a in shown}):
        colour, shape = ALLIANCE_STYLE.get(code, (INK, "circle"))
        series = [a for a in shown if a.instrument == code]
        points = []
        for a in series:
            local = timezone.localtime(a.when, zone)
            fraction = (local.hour * 60 + local.minute) / (24 * 60)
            x = x_of_day(local.date()) + plot_w * fraction / days
            points.append((x, y_of(a.percent), a, local))
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y, _a, _l) in enumerate(points)
        )
        parts.append(
            f'<g class="alliance" data-instrument="{code}"><path d="{path}" fill="none" '
            f'stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>'
        )
        for x, y, a, local in points:
            tip = f"{_day(local)}: {a.instrument_name} {a.total:g} ({a.percent:.0f}%)"
            parts.append(
                f'<g class="point"><title>{escape(tip)}</title>'
                + _marker(shape, x, y, colour)
                + "</g>"
            )
        parts.append("</g>")
    step = max(1, len(weeks) // 6)
    for week in weeks[::step]:
        parts.append(
            f'<text x="{x_of_day(week.week_start):.1f}" y="{top + plot_h + 18}" '
            f'fill="{MUTED}">{_month_day(week.week_start)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
