"""Per-patient adherence SVG: parsed with xml.etree and checked against hand-placed positions.

The hand-made patient spans 2020-01-01 (day 0) to 2020-07-19 (day 200). With the default
width 800 and margins 140 / 20 the plot is 640 px wide, so day d is at x = 140 + 3.2 d.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import polars as pl
import pytest

from concord.analytics.adherence.errors import AdherenceInputError
from concord.analytics.adherence.plot import (
    PlotEvent,
    WindowValue,
    adherence_plot_svg,
    plot_events_from_table,
    window_values_from_table,
)

NS = "{http://www.w3.org/2000/svg}"
D0 = date(2020, 1, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def x_of(n: float) -> float:
    return 140 + 3.2 * n


EVENTS = [
    PlotEvent(day(0), 30, "A"),  # [0, 30)
    PlotEvent(day(20), 30, "A"),  # overlaps: own sub-row; supply shifted to [30, 60)
    PlotEvent(day(100), 30, "A"),  # 2020-04-10, [100, 130)
    PlotEvent(day(40), 60, "B & <C>"),  # [40, 100)
]
FUW = (day(0), day(200))  # 2020-01-01 .. 2020-07-19
OW = (day(10), day(180))  # 2020-01-11 .. 2020-06-29
WINDOWS = [
    WindowValue(day(10), day(70), 0.8),
    WindowValue(day(40), day(100), None),
    WindowValue(day(70), day(130), 0.5),
    WindowValue(day(100), day(160), 0.6),
]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def draw(**kwargs: object) -> ET.Element:
    options: dict[str, object] = {
        "followup_window": FUW,
        "observation_window": OW,
        "sliding_windows": WINDOWS,
        **kwargs,
    }
    return parse(adherence_plot_svg(EVENTS, **options))  # type: ignore[arg-type]


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if e.get("class") == name]


def num(element: ET.Element, attribute: str) -> float:
    return float(element.attrib[attribute])


def test_one_bar_per_event_at_its_date_with_its_supply() -> None:
    bars = with_class(draw(), "event")
    assert [(b.get("data-date"), num(b, "x"), num(b, "width")) for b in bars] == [
        ("2020-01-01", x_of(0), 96.0),  # 30 days x 3.2 px
        ("2020-01-21", x_of(20), 96.0),
        ("2020-04-10", x_of(100), 96.0),
        ("2020-02-10", x_of(40), 192.0),  # 60 days
    ]


def test_overlapping_bars_of_a_class_go_to_a_second_sub_row() -> None:
    first, overlapping, later, other = with_class(draw(), "event")
    assert num(overlapping, "y") > num(first, "y")
    assert num(later, "y") == num(first, "y")
    assert num(other, "y") > num(overlapping, "y")  # the second lane is below the first


def test_gaps_are_derived_per_lane_with_supply_shifted_forward() -> None:
    # A: supply [0, 60) after shifting, [100, 130); gaps [60, 100) and [130, 180) to the OW end.
    # B: supply [40, 100); gap [100, 180).
    gaps = with_class(draw(), "gap")
    assert [(num(g, "x"), num(g, "width"), g.get("data-days")) for g in gaps] == [
        (x_of(60), 128.0, "40"),
        (x_of(130), 160.0, "50"),
        (x_of(100), 256.0, "80"),
    ]
    assert [g.get("data-start") for g in gaps] == ["2020-03-01", "2020-05-10", "2020-04-10"]


def test_gaps_given_by_the_event_table_are_drawn_at_the_end_of_each_interval() -> None:
    # AdhereR event table: e1 interval 50 gap 20 -> gap [30, 50]; e2 interval 150 gap 0 -> none;
    # domain day 0..200 from the follow-up window.
    events = [
        PlotEvent(day(0), 30, "A", interval=50, gap_days=20),
        PlotEvent(day(50), 150, "A", interval=150, gap_days=0),
    ]
    root = parse(adherence_plot_svg(events, followup_window=FUW))
    (gap,) = with_class(root, "gap")
    assert (num(gap, "x"), num(gap, "width")) == (x_of(30), 64.0)


def test_window_rectangles_span_their_dates() -> None:
    root = draw()
    (fuw,) = with_class(root, "followup-window")
    (ow,) = with_class(root, "observation-window")
    assert (num(fuw, "x"), num(fuw, "width")) == (140.0, 640.0)
    assert (num(ow, "x"), num(ow, "width")) == (x_of(10), 544.0)  # 170 days
    assert (ow.get("data-start"), ow.get("data-end")) == ("2020-01-11", "2020-06-29")
    assert num(ow, "height") == num(fuw, "height") > 0


def test_sliding_window_cma_points_and_line_break_at_missing_values() -> None:
    root = draw()
    points = with_class(root, "cma-point")
    # window midpoints: (10+70)/2 = 40, (70+130)/2 = 100, (100+160)/2 = 130
    assert [num(p, "cx") for p in points] == [x_of(40), x_of(100), x_of(130)]
    assert [p.get("data-value") for p in points] == ["0.8", "0.5", "0.6"]
    # y scale 0..1: higher CMA -> smaller y
    assert num(points[0], "cy") < num(points[2], "cy") < num(points[1], "cy")
    assert len(with_class(root, "cma-missing")) == 1
    # The missing second window splits the series; the lone first point draws no line.
    (line,) = with_class(root, "cma-line")
    coordinates = [tuple(map(float, p.split(","))) for p in line.attrib["points"].split()]
    assert [c[0] for c in coordinates] == [x_of(100), x_of(130)]


def test_nan_window_value_counts_as_missing() -> None:
    windows = [WindowValue(day(10), day(70), float("nan")), WindowValue(day(70), day(130), 1.0)]
    root = draw(sliding_windows=windows)
    assert len(with_class(root, "cma-point")) == 1
    assert len(with_class(root, "cma-missing")) == 1
    assert with_class(root, "cma-line") == []


def test_no_sliding_windows_means_no_panel() -> None:
    root = draw(sliding_windows=[])
    assert with_class(root, "cma-panel") == []
    assert num(root, "height") < num(draw(), "height")


def test_accessible_title_description_and_labels() -> None:
    root = draw()
    assert root.get("role") == "img"
    title_id, desc_id = root.attrib["aria-labelledby"].split()
    title = root.find(f"{NS}title")
    desc = root.find(f"{NS}desc")
    assert title is not None and title.get("id") == title_id
    assert desc is not None and desc.get("id") == desc_id
    # 3 gaps of 40 + 50 + 80 = 170 days
    assert desc.text == (
        "4 medication events in 2 classes from 2020-01-01 to 2020-07-19; "
        "3 gaps in supply totalling 170 days."
    )
    lanes = with_class(root, "lane")
    assert [lane.get("aria-label") for lane in lanes] == ["Class A", "Class B & <C>"]
    for element in with_class(root, "event") + with_class(root, "gap"):
        tooltip = element.find(f"{NS}title")
        assert tooltip is not None and tooltip.text == element.get("aria-label")


def test_labels_can_be_replaced_for_translation() -> None:
    root = draw(labels={"title": "Abgabe & Lücken", "lane": "Klasse {medication_class}"})
    title = root.find(f"{NS}title")
    assert title is not None and title.text == "Abgabe & Lücken"
    assert with_class(root, "lane")[0].get("aria-label") == "Klasse A"


def test_output_is_deterministic_and_self_contained() -> None:
    first = adherence_plot_svg(EVENTS, followup_window=FUW, sliding_windows=WINDOWS)
    again = adherence_plot_svg(
        list(reversed(EVENTS)), followup_window=FUW, sliding_windows=WINDOWS[::-1]
    )
    assert first == again
    lowered = first.lower()
    assert "<script" not in lowered
    assert "href" not in lowered
    assert "url(" not in lowered
    assert lowered.count("http") == 1  # the SVG namespace only


def test_id_prefix_keeps_ids_unique_on_a_page() -> None:
    root = draw(id_prefix="patient-7")
    assert root.attrib["aria-labelledby"] == "patient-7-title patient-7-desc"


def test_empty_patient_still_draws_a_valid_svg() -> None:
    root = parse(adherence_plot_svg([]))
    assert with_class(root, "event") == []
    desc = root.find(f"{NS}desc")
    assert desc is not None and desc.text is not None and desc.text.startswith("0 medication")


@pytest.mark.parametrize("width", [400, 1200])
def test_width_scales_the_time_axis(width: int) -> None:
    root = draw(width=width)
    (fuw,) = with_class(root, "followup-window")
    assert num(fuw, "width") == width - 160
    assert num(root, "width") == width


def test_events_and_windows_from_engine_tables() -> None:
    # Shaped like AdhereR's event info / event-gaps table and sliding-window output.
    events = pl.DataFrame(
        {
            "PATIENT_ID": [1, 1],
            "DATE": ["2020-01-01", "2020-02-20"],
            "CATEGORY": ["medA", "medA"],
            "DURATION": [30, 150],
            "event.interval": [50.0, 150.0],
            "gap.days": [20.0, 0.0],
        }
    )
    plot_events = plot_events_from_table(
        events,
        date_col="DATE",
        duration_col="DURATION",
        class_col="CATEGORY",
        interval_col="event.interval",
        gap_col="gap.days",
    )
    assert plot_events == [
        PlotEvent(day(0), 30.0, "medA", 50.0, 20.0),
        PlotEvent(day(50), 150.0, "medA", 150.0, 0.0),
    ]
    windows = window_values_from_table(
        pl.DataFrame(
            {
                "window.start": [day(0), day(90)],
                "window.end": [day(90), day(180)],
                "CMA": [0.75, None],
            }
        )
    )
    assert windows == [WindowValue(day(0), day(90), 0.75), WindowValue(day(90), day(180), None)]
    root = parse(adherence_plot_svg(plot_events, followup_window=FUW, sliding_windows=windows))
    (gap,) = with_class(root, "gap")
    assert (num(gap, "x"), num(gap, "width")) == (x_of(30), 64.0)  # [30, 50]


def test_table_adapters_name_bad_rows_and_unknown_columns() -> None:
    table = pl.DataFrame({"DATE": ["2020-01-01", "not a date"], "DURATION": [30, 30]})
    with pytest.raises(AdherenceInputError) as info:
        plot_events_from_table(table, date_col="DATE", duration_col="DURATION")
    assert (info.value.column, info.value.rows) == ("DATE", (2,))
    with pytest.raises(AdherenceInputError) as info:
        plot_events_from_table(table, date_col="DATE", duration_col="SUPPLY")
    assert info.value.column == "SUPPLY"


def test_bad_events_and_windows_are_refused() -> None:
    with pytest.raises(AdherenceInputError) as info:
        adherence_plot_svg([PlotEvent(day(0), 30), PlotEvent(day(5), 0), PlotEvent(day(9), -1)])
    assert (info.value.column, info.value.rows) == ("duration", (2, 3))
    with pytest.raises(AdherenceInputError) as info:
        adherence_plot_svg(EVENTS, observation_window=(day(10), day(5)))
    assert info.value.column == "observation_window"
