"""Helpers shared by the adherence tests: data paths and AdhereR-table comparison."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl

DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "reference"

MED_EVENTS_COLUMNS = {
    "id_colname": "PATIENT_ID",
    "event_date_colname": "DATE",
    "event_duration_colname": "DURATION",
    "date_format": "%Y-%m-%d",
}
WITH_DOSE_AND_CLASS = {
    **MED_EVENTS_COLUMNS,
    "event_daily_dose_colname": "PERDAY",
    "medication_class_colname": "CATEGORY",
}
DEFAULT_WINDOWS = {
    "followup_window_start": 0,
    "followup_window_duration": 730,
    "observation_window_start": 182,
    "observation_window_duration": 365,
}


def med_events() -> pl.DataFrame:
    return pl.read_csv(DATA / "med_events.csv")


def edge_events() -> pl.DataFrame:
    return pl.read_csv(DATA / "edge_events.csv")


def read_reference(name: str) -> pl.DataFrame:
    """A reference table with every cell as the text AdhereR wrote."""
    return pl.read_csv(REFERENCE / name, infer_schema=False)


def _same(mine: object, text: str | None) -> bool:
    if isinstance(mine, str) and mine == text:
        return True
    if text is None or text == "NA":
        return mine is None
    if mine is None:
        return False
    if isinstance(mine, str) and mine != text:
        try:  # a number read back from a written CSV
            return _same(float(mine), text)
        except ValueError:
            return False
    if isinstance(mine, bool):
        return text == ("TRUE" if mine else "FALSE")
    if isinstance(mine, dt.date):
        return mine.isoformat() == text
    if isinstance(mine, int | float):
        expected = float(text)
        value = float(mine)
        if math.isnan(expected) or math.isnan(value):
            return math.isnan(expected) and math.isnan(value)
        if math.isinf(expected) or math.isinf(value):
            return expected == value
        return math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12)
    return str(mine) == text


def assert_matches_reference(mine: pl.DataFrame, name: str) -> None:
    """Same columns, same rows in the same order, values equal to rel. tolerance 1e-9."""
    reference = read_reference(name)
    assert mine.columns == reference.columns
    assert mine.height == reference.height
    for column in reference.columns:
        ours = mine.get_column(column).to_list()
        theirs = reference.get_column(column).to_list()
        bad = [i for i, (a, b) in enumerate(zip(ours, theirs, strict=True)) if not _same(a, b)]
        assert not bad, (
            f"{name}: column {column!r} differs in {len(bad)} rows, first "
            f"row {bad[0] + 1}: ours {ours[bad[0]]!r}, AdhereR {theirs[bad[0]]!r}"
        )


def assert_same_as_duckdb(other: pl.DataFrame, duck: pl.DataFrame) -> None:
    """Same columns, dtypes, rows and order; NaN / Inf / missing identical; values to 1e-12.

    DuckDB and Spark may add a patient's terms in a different order (observed differences:
    one unit in the last place).
    """
    assert other.columns == duck.columns
    assert other.schema == duck.schema
    assert other.height == duck.height
    for column in duck.columns:
        for ours, theirs in zip(other[column].to_list(), duck[column].to_list(), strict=True):
            if isinstance(theirs, float) and ours is not None:
                if math.isnan(theirs) or math.isinf(theirs):
                    assert str(ours) == str(theirs), column
                else:
                    assert math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-15), column
            else:
                assert ours == theirs, column
