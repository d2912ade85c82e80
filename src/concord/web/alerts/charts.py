"""The evidence chart of an alert: the series with the session(s) of the signal marked.

Hand-built SVG like :mod:`concord.web.charts`: no scripts, a ``<title>`` on every point,
marked points drawn as larger diamonds (shape as well as colour) and a dashed line for
the rule's threshold or boundary.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

#: What the x axis counts: sessions (the default), refill windows, ratings (BARS), days
#: (a supply timeline), due doses, measures due. (singular for a point's title, the axis
#: caption)
AXES = {
    "session": (_("Session"), _("session number")),
    "window": (_("Window ending"), _("90-day window, every 30 days")),
    "rating": (_("Rating"), _("rating number")),
    "day": (_("Day"), _("day, from the last refill")),
    "dose": (_("Dose"), _("due doses in time order")),
    "measure": (_("Measure"), _("measures due in time order")),
}
#: At most about this many numbers under the x axis (every point keeps its title).
MAX_TICKS = 16


def evidence_chart_svg(chart: dict[str, Any] | None, *, width: int = 640, ident: str = "ae") -> str:
    """SVG of ``evidence["chart"]`` (``label``, ``points`` [number, date, value],
    ``marked`` numbers, optional ``threshold`` and ``axis``, see :data:`AXES`); empty string
    when there is nothing to draw. Points without a value are left out. ``ident`` prefixes
    the ids of the title and description (unique per page when a page draws several)."""
    if not chart or not chart.get("points"):
        return ""
    points = [(int(n), str(d), float(v)) for n, d, v in chart["points"] if v is not None]
    if not points:
        return ""
    point_lazy, caption_lazy = AXES.get(str(chart.get("axis") or "session"), AXES["session"])
    point_name, caption = str(point_lazy), str(caption_lazy)
    marked = {int(n) for n in chart.get("marked") or []}
    threshold = chart.get("threshold")
    label = escape(str(chart.get("label", "")))
    height, left, right, top, bottom = 220, 48, 16, 16, 40
    values = [v for _, _, v in points] + ([float(threshold)] if threshold is not None else [])
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.1
    low, high = low - pad, high + pad
    first, last = points[0][0], points[-1][0]
    span = max(last - first, 1)

    def x_of(n: int) -> float:
        return left + (width - left - right) * (n - first) / span

    def y_of(v: float) -> float:
        return top + (height - top - bottom) * (high - v) / (high - low)

    n_marked = sum(1 for n, _, _ in points if n in marked)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'class="chart alert-evidence" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{label}</title>',
        f'<desc id="{ident}-desc">'
        + escape(
            gettext(
                "{count} values, {axis} {first} to {last}; {marked} marked as the evidence "
                "of this alert."
            ).format(count=len(points), axis=caption, first=first, last=last, marked=n_marked)
        )
        + "</desc>",
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}" class="axis"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" class="axis"/>',
        f'<text x="4" y="{top + 4}" class="tick-label">{high - pad:.4g}</text>',
        f'<text x="4" y="{height - bottom}" class="tick-label">{low + pad:.4g}</text>',
    ]
    if threshold is not None:
        y = y_of(float(threshold))
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'class="threshold" stroke-dasharray="6 4"><title>threshold '
            f"{float(threshold):.4g}</title></line>"
        )
    path = " ".join(
        f"{'M' if i == 0 else 'L'}{x_of(n):.1f} {y_of(v):.1f}" for i, (n, _, v) in enumerate(points)
    )
    parts.append(f'<path d="{path}" class="series" fill="none"/>')
    step = -(-len(points) // MAX_TICKS)  # ceiling division
    for i, (n, day, v) in enumerate(points):
        x, y = x_of(n), y_of(v)
        tip = escape(
            f"{point_name} {n}, {day}: {v:.4g}"
            + (" (" + gettext("evidence") + ")" if n in marked else "")
        )
        if n in marked:
            parts.append(
                f'<g class="marker marked" data-session="{n}"><title>{tip}</title>'
                f'<path d="M{x:.1f} {y - 8:.1f} l8 8 l-8 8 l-8 -8 z"/></g>'
            )
        else:
            parts.append(
                f'<g class="marker" data-session="{n}"><title>{tip}</title>'
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4"/></g>'
            )
        if i % step == 0 or i == len(points) - 1:
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" class="tick-label">{n}</text>'
            )
    evidence = gettext("evidence")
    parts.append(
        f'<text x="{left}" y="{height - 6}" class="tick-label">{escape(caption)} · ◆ = '
        f"{escape(evidence)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)
