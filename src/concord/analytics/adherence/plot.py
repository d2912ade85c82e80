"""Per-patient adherence plot as a self-contained, accessible SVG string.

In the spirit of AdhereR's ``plot()``: time runs left to right; each medication class has
its own lane; each event is a bar from its date for its supply duration (overlapping bars
of one class are stacked on sub-rows); gaps in supply are red bars; the follow-up and
observation windows are shaded behind the lanes; an optional panel below draws
sliding-window CMA values as a line with one point per window.

The SVG is hand-built: no script, no external font, stylesheet or image, and the output is a
pure function of the input (same input, same bytes). It has a ``<title>`` and ``<desc>``
referenced by ``aria-labelledby``, and every bar carries a ``<title>`` (tooltip and screen
reader text) and ``data-*`` attributes with its dates. Visible words come from ``labels``
so the web layer can pass translations (defaults: :data:`DEFAULT_LABELS`).

Gaps. If every event carries ``interval`` and ``gap_days`` (AdhereR's per-event
``event.interval`` and ``gap.days``, e.g. from the engine's event-gaps table), each gap is
drawn where AdhereR puts it, at the end of the event's interval:
``[date + interval - gap_days, date + interval]``. Otherwise gaps are derived per lane with
supply shifted forward (as for the PDC): the days between the end of the shifted supply and
the next event, and after the last event up to the end of the observation window (or of
the follow-up window).

Equivalent in AdhereR: ``plot(CMA9(data, ...), ...)`` for the events, supply and windows,
and ``plot(CMA_sliding_window(...))`` for the window series.

Layout constants (pixels): the plot area starts at :data:`MARGIN_LEFT` and ends
:data:`MARGIN_RIGHT` before ``width``; a day at ``d`` is at
``MARGIN_LEFT + (d - first_day) / (last_day - first_day) * plot_width``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape

import polars as pl

from concord.analytics.adherence.errors import AdherenceInputError

__all__ = [
    "DEFAULT_LABELS",
    "PlotEvent",
    "WindowValue",
    "adherence_plot_svg",
    "plot_events_from_table",
    "window_values_from_table",
]

MARGIN_LEFT = 140
MARGIN_RIGHT = 20
MARGIN_TOP = 32
BAR_HEIGHT = 10
SUBROW_GAP = 4
LANE_PADDING = 6
AXIS_HEIGHT = 30
CMA_PANEL_HEIGHT = 110
# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GAP_COLOUR = "#D7191C"

DEFAULT_LABELS: Mapping[str, str] = {
    "title": "Medication supply, gaps and windows",
    "desc": (
        "{events} medication events in {classes} classes from {start} to {end}; "
        "{gaps} gaps in supply totalling {gap_days} days."
    ),
    "event": "{medication_class}: dispensed {date}, {duration} days' supply",
    "gap": "Gap in supply: {start} to {end}, {days} days",
    "followup_window": "Follow-up window: {start} to {end}",
    "observation_window": "Observation window: {start} to {end}",
    "cma_panel": "Sliding-window adherence (CMA)",
    "cma_point": "Window {start} to {end}: CMA {value}",
    "cma_missing": "Window {start} to {end}: CMA not defined",
    "lane": "Class {medication_class}",
    "no_class": "All medication",
}


@dataclass(frozen=True)
class PlotEvent:
    """One medication event; ``interval`` and ``gap_days`` as in AdhereR's event table."""

    date: date
    duration: float
    medication_class: str = ""
    interval: float | None = None
    gap_days: float | None = None


@dataclass(frozen=True)
class WindowValue:
    """One sliding window ``[start, end)`` and its CMA (``None`` or NaN when undefined).

    ``end`` is AdhereR's ``window.end``, the day after the window's last day.
    """

    start: date
    end: date
    value: float | None

    @property
    def last_day(self) -> date:
        """The window's last day (what a person reading "from … to …" expects)."""
        return self.end - timedelta(days=1)


@dataclass(frozen=True)
class _Bar:
    lane: int
    subrow: int
    start: float
    end: float
    event: PlotEvent


def adherence_plot_svg(
    events: Sequence[PlotEvent],
    *,
    followup_window: tuple[date, date] | None = None,
    observation_window: tuple[date, date] | None = None,
    sliding_windows: Sequence[WindowValue] = (),
    labels: Mapping[str, str] | None = None,
    width: int = 800,
    id_prefix: str = "adherence-plot",
) -> str:
    """Draw one patient's events, supply, gaps and windows as an SVG document string.

    Parameters
    ----------
    events : sequence of PlotEvent
        The patient's medication events (any order).
    followup_window, observation_window : (date, date), optional
        Window start and end, shaded behind the lanes.
    sliding_windows : sequence of WindowValue
        Optional CMA per sliding window, drawn as a line at the windows' midpoints (an
        undefined value breaks the line).
    labels : mapping, optional
        Replacement texts for :data:`DEFAULT_LABELS` (same keys and placeholders).
    width : int
        Width in pixels (the height follows from the number of lanes).
    id_prefix : str
        Prefix of the element ids, to keep them unique when a page holds several plots.

    Returns
    -------
    str
        An ``<svg>`` element (UTF-8 text, no XML declaration) that can be inlined in HTML
        or saved as a ``.svg`` file.

    Raises
    ------
    AdherenceInputError
        A non-positive duration (names the 1-based event positions) or a window that ends
        before it starts.
    """
    bad = [i for i, e in enumerate(events, start=1) if not e.duration > 0]
    if bad:
        raise AdherenceInputError("non-positive duration", column="duration", rows=bad)
    for name, window in (
        ("followup_window", followup_window),
        ("observation_window", observation_window),
    ):
        if window and window[1] < window[0]:
            raise AdherenceInputError(f"{name} ends before it starts", column=name)
    text = {**DEFAULT_LABELS, **(labels or {})}
    ordered = sorted(events, key=lambda e: (e.medication_class, e.date))
    classes = sorted({e.medication_class for e in ordered})
    bars = _stack(ordered, classes)
    gaps = _gaps(ordered, classes, observation_window or followup_window)

    days: list[float] = []
    for bar in bars:
        days += [bar.start, bar.end]
    for _, gap_start, gap_end in gaps:
        days += [gap_start, gap_end]
    for window in (followup_window, observation_window):
        if window:
            days += [_day(window[0]), _day(window[1])]
    for sw in sliding_windows:
        days += [_day(sw.start), _day(sw.end)]
    first = min(days, default=float(date(2000, 1, 1).toordinal()))
    last = max(days, default=first + 1)
    if last <= first:
        last = first + 1
    plot_width = width - MARGIN_LEFT - MARGIN_RIGHT

    def x(day: float) -> float:
        return MARGIN_LEFT + (day - first) / (last - first) * plot_width

    subrows = [
        1 + max((b.subrow for b in bars if b.lane == i), default=0) for i in range(len(classes))
    ]
    lane_heights = [n * (BAR_HEIGHT + SUBROW_GAP) - SUBROW_GAP + 2 * LANE_PADDING for n in subrows]
    lane_tops = [MARGIN_TOP + sum(lane_heights[:i]) for i in range(len(classes))]
    lanes_bottom = MARGIN_TOP + sum(lane_heights) if classes else MARGIN_TOP + 20
    height = lanes_bottom + AXIS_HEIGHT + (CMA_PANEL_HEIGHT if sliding_windows else 0) + 10

    gap_total = sum(end - start for _, start, end in gaps)
    title = text["title"]
    desc = text["desc"].format(
        events=len(ordered),
        classes=len(classes),
        start=_iso(first),
        end=_iso(last),
        gaps=len(gaps),
        gap_days=_num(gap_total),
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11"'
        f' aria-labelledby="{_attr(id_prefix)}-title {_attr(id_prefix)}-desc">',
        f'<title id="{_attr(id_prefix)}-title">{escape(title)}</title>',
        f'<desc id="{_attr(id_prefix)}-desc">{escape(desc)}</desc>',
        f'<text x="{MARGIN_LEFT}" y="18" font-size="13" aria-hidden="true">{escape(title)}</text>',
    ]
    windows_height = lanes_bottom - MARGIN_TOP
    for key, window, fill in (
        ("followup_window", followup_window, "#EEEEEE"),
        ("observation_window", observation_window, "#CFE3F3"),
    ):
        if window:
            label = text[key].format(start=window[0].isoformat(), end=window[1].isoformat())
            x0, x1 = x(_day(window[0])), x(_day(window[1]))
            out.append(
                f'<rect class="{key.replace("_", "-")}" x="{_num(x0)}" y="{MARGIN_TOP}"'
                f' width="{_num(x1 - x0)}" height="{windows_height}" fill="{fill}"'
                f' data-start="{window[0].isoformat()}" data-end="{window[1].isoformat()}"'
                f' aria-label="{_attr(label)}"><title>{escape(label)}</title></rect>'
            )

    for lane, name in enumerate(classes):
        shown = name or text["no_class"]
        label = text["lane"].format(medication_class=shown)
        top = lane_tops[lane]
        out.append(f'<g class="lane" role="group" aria-label="{_attr(label)}">')
        out.append(
            f'<text class="lane-label" x="{MARGIN_LEFT - 6}"'
            f' y="{_num(top + lane_heights[lane] / 2 + 4)}" text-anchor="end"'
            f' aria-hidden="true">{escape(_short(shown))}</text>'
        )
        colour = PALETTE[lane % len(PALETTE)]
        for bar in (b for b in bars if b.lane == lane):
            y = top + LANE_PADDING + bar.subrow * (BAR_HEIGHT + SUBROW_GAP)
            event = bar.event
            label = text["event"].format(
                medication_class=shown, date=event.date.isoformat(), duration=_num(event.duration)
            )
            out.append(
                f'<rect class="event" x="{_num(x(bar.start))}" y="{y}"'
                f' width="{_num(x(bar.end) - x(bar.start))}" height="{BAR_HEIGHT}"'
                f' fill="{colour}" stroke="#333333" stroke-width="0.5"'
                f' data-date="{event.date.isoformat()}" data-duration="{_num(event.duration)}"'
                f' aria-label="{_attr(label)}"><title>{escape(label)}</title></rect>'
            )
        for gap_lane, gap_start, gap_end in gaps:
            if gap_lane != lane:
                continue
            middle = top + lane_heights[lane] / 2
            label = text["gap"].format(
                start=_iso(gap_start), end=_iso(gap_end), days=_num(gap_end - gap_start)
            )
            out.append(
                f'<rect class="gap" x="{_num(x(gap_start))}" y="{_num(middle - 2)}"'
                f' width="{_num(x(gap_end) - x(gap_start))}" height="4" fill="{GAP_COLOUR}"'
                f' data-start="{_iso(gap_start)}" data-end="{_iso(gap_end)}"'
                f' data-days="{_num(gap_end - gap_start)}"'
                f' aria-label="{_attr(label)}"><title>{escape(label)}</title></rect>'
            )
        out.append("</g>")

    out += _axis(first, last, x, lanes_bottom, width)
    if sliding_windows:
        out += _cma_panel(sliding_windows, x, lanes_bottom + AXIS_HEIGHT, width, text)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def plot_events_from_table(
    table: pl.DataFrame,
    *,
    date_col: str,
    duration_col: str,
    class_col: str | None = None,
    interval_col: str | None = None,
    gap_col: str | None = None,
) -> list[PlotEvent]:
    """Plot events from one patient's rows of an event table (e.g. AdhereR's event info).

    Dates may be ``Date`` values or ISO ``YYYY-MM-DD`` text; pass ``interval_col="event.interval"``
    and ``gap_col="gap.days"`` to draw the gaps exactly as the engine computed them (rows
    where either is missing make the plot derive gaps itself).

    Raises
    ------
    AdherenceInputError
        Unknown column, or a missing or unparseable date or duration (names the 1-based rows).
    """
    names = [c for c in (date_col, duration_col, class_col, interval_col, gap_col) if c]
    for name in names:
        if name not in table.columns:
            raise AdherenceInputError(f"unknown column {name!r}", column=name)
    frame = table.select(
        _date_expr(table.schema[date_col], date_col).alias("date"),
        pl.col(duration_col).cast(pl.Float64, strict=False).alias("duration"),
        (pl.col(class_col).cast(pl.String) if class_col else pl.lit("")).alias("class"),
        *(
            (pl.col(c).cast(pl.Float64, strict=False) if c else pl.lit(None, pl.Float64)).alias(a)
            for c, a in ((interval_col, "interval"), (gap_col, "gap"))
        ),
    )
    for column, source in (("date", date_col), ("duration", duration_col)):
        rows = [i + 1 for i, v in enumerate(frame[column].to_list()) if v is None]
        if rows:
            raise AdherenceInputError(
                f"column {source!r}: missing or unparseable value", column=source, rows=rows
            )
    return [
        PlotEvent(row["date"], row["duration"], row["class"] or "", row["interval"], row["gap"])
        for row in frame.iter_rows(named=True)
    ]


def window_values_from_table(
    table: pl.DataFrame,
    *,
    start_col: str = "window.start",
    end_col: str = "window.end",
    value_col: str = "CMA",
) -> list[WindowValue]:
    """Sliding-window CMA values from one patient's rows of a sliding-window result."""
    for name in (start_col, end_col, value_col):
        if name not in table.columns:
            raise AdherenceInputError(f"unknown column {name!r}", column=name)
    frame = table.select(
        _date_expr(table.schema[start_col], start_col).alias("start"),
        _date_expr(table.schema[end_col], end_col).alias("end"),
        pl.col(value_col).cast(pl.Float64, strict=False).alias("value"),
    )
    for column, source in (("start", start_col), ("end", end_col)):
        rows = [i + 1 for i, v in enumerate(frame[column].to_list()) if v is None]
        if rows:
            raise AdherenceInputError(
                f"column {source!r}: missing or unparseable date", column=source, rows=rows
            )
    return [WindowValue(r["start"], r["end"], r["value"]) for r in frame.iter_rows(named=True)]


def _date_expr(dtype: pl.DataType | type[pl.DataType], column: str) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(column)
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.date()
    return (
        pl.col(column)
        .cast(pl.String)
        .str.slice(0, 10)
        .str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    )


def _stack(events: list[PlotEvent], classes: list[str]) -> list[_Bar]:
    """Bars with a lane per class and the first sub-row where each bar does not overlap."""
    bars: list[_Bar] = []
    for lane, name in enumerate(classes):
        row_ends: list[float] = []
        for event in (e for e in events if e.medication_class == name):
            start = _day(event.date)
            end = start + event.duration
            row = next((i for i, row_end in enumerate(row_ends) if row_end <= start), None)
            if row is None:
                row = len(row_ends)
                row_ends.append(end)
            else:
                row_ends[row] = end
            bars.append(_Bar(lane, row, start, end, event))
    return bars


def _gaps(
    events: list[PlotEvent], classes: list[str], window: tuple[date, date] | None
) -> list[tuple[int, float, float]]:
    """``(lane, start, end)`` of every gap in supply (see the module docstring)."""
    lane_of = {name: i for i, name in enumerate(classes)}
    given = [
        (
            lane_of[e.medication_class],
            _day(e.date) + e.interval - e.gap_days,
            _day(e.date) + e.interval,
        )
        for e in events
        if e.interval is not None and e.gap_days is not None and e.gap_days > 0
    ]
    if events and all(e.interval is not None and e.gap_days is not None for e in events):
        return given
    derived = []
    horizon = _day(window[1]) if window else None
    for name, lane in lane_of.items():
        supplied_until: float | None = None
        for event in (e for e in events if e.medication_class == name):
            start = _day(event.date)
            if supplied_until is not None and start > supplied_until:
                derived.append((lane, supplied_until, start))
            begin = start if supplied_until is None else max(start, supplied_until)
            supplied_until = begin + event.duration
        if horizon is not None and supplied_until is not None and horizon > supplied_until:
            derived.append((lane, supplied_until, horizon))
    return derived


def _axis(
    first: float, last: float, x: Callable[[float], float], top: float, width: int
) -> list[str]:
    out = [
        '<g class="axis" aria-hidden="true">',
        f'<line x1="{MARGIN_LEFT}" y1="{top}" x2="{width - MARGIN_RIGHT}" y2="{top}"'
        ' stroke="#333333"/>',
    ]
    for tick in _month_ticks(first, last):
        tx = _num(x(float(tick.toordinal())))
        out.append(f'<line x1="{tx}" y1="{top}" x2="{tx}" y2="{top + 4}" stroke="#333333"/>')
        out.append(
            f'<text x="{tx}" y="{top + 16}" text-anchor="middle">{tick.isoformat()[:7]}</text>'
        )
    out.append("</g>")
    return out


def _month_ticks(first: float, last: float) -> list[date]:
    """First days of months inside ``[first, last]``, thinned to at most 12 ticks."""
    start, end = date.fromordinal(int(first)), date.fromordinal(int(last))
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60, 120, 10**6) if months / s <= 12)
    ticks: list[date] = []
    index = start.year * 12 + start.month - 1
    while True:
        index += 1
        year, month = divmod(index, 12)
        tick = date(year, month + 1, 1)
        if tick > end:
            return ticks
        if (index % step) == 0 or step == 1:
            ticks.append(tick)


def _cma_panel(
    windows: Sequence[WindowValue],
    x: Callable[[float], float],
    top: float,
    width: int,
    text: Mapping[str, str],
) -> list[str]:
    values = [w.value for w in windows if _defined(w.value)]
    ceiling = max([1.0, *[float(v) for v in values if v is not None]])
    panel_top, panel_bottom = top + 24, top + CMA_PANEL_HEIGHT - 8

    def y(value: float) -> float:
        return panel_bottom - value / ceiling * (panel_bottom - panel_top)

    out = [
        f'<g class="cma-panel" role="group" aria-label="{_attr(text["cma_panel"])}">',
        f'<text x="{MARGIN_LEFT}" y="{_num(panel_top - 2)}" aria-hidden="true">'
        f"{escape(text['cma_panel'])}</text>",
    ]
    for level in (0.0, 1.0):
        out.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{_num(y(level) + 4)}" text-anchor="end"'
            f' aria-hidden="true">{_num(level)}</text>'
        )
        out.append(
            f'<line class="cma-reference" x1="{MARGIN_LEFT}" y1="{_num(y(level))}"'
            f' x2="{width - MARGIN_RIGHT}" y2="{_num(y(level))}" stroke="#999999"'
            f' stroke-dasharray="3 3" aria-hidden="true"/>'
        )
    segments: list[list[str]] = [[]]
    points = []
    for window in sorted(windows, key=lambda w: (w.start, w.end)):
        middle = (_day(window.start) + _day(window.end)) / 2
        span = {"start": window.start.isoformat(), "end": window.end.isoformat()}
        if not _defined(window.value):
            segments.append([])
            label = text["cma_missing"].format(**span)
            points.append(
                f'<g class="cma-missing" data-start="{span["start"]}" data-end="{span["end"]}"'
                f' aria-label="{_attr(label)}"><title>{escape(label)}</title></g>'
            )
            continue
        value = float(window.value)  # type: ignore[arg-type]
        cx, cy = _num(x(middle)), _num(y(value))
        segments[-1].append(f"{cx},{cy}")
        label = text["cma_point"].format(**span, value=_num(value, 3))
        points.append(
            f'<circle class="cma-point" cx="{cx}" cy="{cy}" r="3" fill="#000000"'
            f' data-start="{span["start"]}" data-end="{span["end"]}" data-value="{value!r}"'
            f' aria-label="{_attr(label)}"><title>{escape(label)}</title></circle>'
        )
    for segment in segments:
        if len(segment) >= 2:
            out.append(
                f'<polyline class="cma-line" points="{" ".join(segment)}" fill="none"'
                ' stroke="#000000" stroke-width="1.5" aria-hidden="true"/>'
            )
    out += points
    out.append("</g>")
    return out


def _short(name: str, limit: int = 22) -> str:
    """A lane label that fits the margin; the full name is in the lane's aria-label."""
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def _defined(value: float | None) -> bool:
    return value is not None and value == value and abs(value) != float("inf")


def _day(value: date) -> float:
    return float(value.toordinal())


def _iso(day: float) -> str:
    """ISO date of a (possibly fractional) day number; the fraction is dropped."""
    return date.fromordinal(int(day // 1)).isoformat()


def _num(value: float, places: int = 2) -> str:
    text = f"{value:.{places}f}"
    return "0" if text.strip("-0.") == "" else text.rstrip("0").rstrip(".")


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})
