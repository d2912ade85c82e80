"""Bad input raises AdherenceInputError naming the 1-based input row(s) and the column."""

from __future__ import annotations

import polars as pl
import pytest

from concord.analytics.adherence import (
    AdherenceInputError,
    cma_per_episode,
    cma_sliding_window,
    compute_cma,
    treatment_episodes,
)

COLUMNS = {
    "id_colname": "ID",
    "event_date_colname": "DATE",
    "event_duration_colname": "DUR",
    "event_daily_dose_colname": "DOSE",
    "medication_class_colname": "CLASS",
    "date_format": "%Y-%m-%d",
}


def _events(**changes: list[object]) -> pl.DataFrame:
    data: dict[str, list[object]] = {
        "ID": [1, 1, 2, 2],
        "DATE": ["2020-01-01", "2020-02-01", "2020-01-05", "2020-03-01"],
        "DUR": [30, 30, 60, 30],
        "DOSE": [1, 1, 2, 2],
        "CLASS": ["A", "A", "B", "B"],
    }
    data.update(changes)
    return pl.DataFrame(data, strict=False)


def _error(data: pl.DataFrame, measure: str = "CMA9", **options: object) -> AdherenceInputError:
    with pytest.raises(AdherenceInputError) as caught:
        compute_cma(measure, data, **{**COLUMNS, **options})  # type: ignore[arg-type]
    return caught.value


def test_missing_patient_id_names_row_and_column() -> None:
    error = _error(_events(ID=[1, None, 2, 2]))
    assert error.rows == (2,)
    assert error.column == "ID"
    assert "row 2" in str(error)


def test_unparseable_dates_name_all_rows() -> None:
    error = _error(_events(DATE=["2020-01-01", "01/02/2020", "2020-01-05", "2020-13-01"]))
    assert error.rows == (2, 4)
    assert error.column == "DATE"
    assert "rows 2, 4" in str(error)


@pytest.mark.parametrize("bad", [0, -5, None])
def test_non_positive_or_missing_duration(bad: object) -> None:
    error = _error(_events(DUR=[30, 30, bad, 30]))
    assert (error.rows, error.column) == ((3,), "DUR")


def test_non_numeric_duration() -> None:
    error = _error(_events(DUR=["30", "thirty", "60", "30"]))
    assert (error.rows, error.column) == ((2,), "DUR")


def test_non_positive_dose() -> None:
    error = _error(_events(DOSE=[1, 0, 2, 2]))
    assert (error.rows, error.column) == ((2,), "DOSE")


def test_unknown_column_name() -> None:
    error = _error(_events(), event_duration_colname="DURATION")
    assert error.column == "DURATION"
    assert "unknown column 'DURATION'" in str(error)
    assert error.rows == ()


def test_unknown_window_column_or_bad_date() -> None:
    error = _error(_events(), followup_window_start="START_COLUMN")
    assert error.column == "START_COLUMN"


def test_observation_window_outside_followup_window_names_patients_first_rows() -> None:
    # OW 0-800 days does not fit in FUW 0-730 for any patient: first rows are 1 and 3.
    error = _error(_events(), observation_window_duration=800)
    assert error.rows == (1, 3)
    assert error.column == "ID"


def test_date_string_column_as_window_start_fails_like_adherer() -> None:
    error = _error(_events(START=["2020-01-01"] * 4), followup_window_start="START")
    assert error.column == "START"


def test_unknown_measure_and_units() -> None:
    with pytest.raises(AdherenceInputError, match="unknown measure"):
        compute_cma("CMA10", _events(), **COLUMNS)  # type: ignore[arg-type]
    error = _error(_events(), followup_window_duration_unit="fortnights")
    assert "days, weeks, months, years" in str(error)
    with pytest.raises(AdherenceInputError, match=r"maximum\.permissible\.gap\.unit"):
        treatment_episodes(_events(), **COLUMNS, maximum_permissible_gap_unit="hours")  # type: ignore[arg-type]
    with pytest.raises(AdherenceInputError, match=r"sliding\.window"):
        cma_sliding_window(_events(), cma_to_apply="CMA9", sliding_window_duration=0, **COLUMNS)  # type: ignore[arg-type]
    with pytest.raises(AdherenceInputError, match="unknown measure"):
        cma_per_episode(_events(), cma_to_apply="PDC", **COLUMNS)  # type: ignore[arg-type]


def test_missing_input_file(tmp_path: object) -> None:
    with pytest.raises(AdherenceInputError, match="does not exist"):
        compute_cma("CMA1", "/nonexistent/events.csv", **COLUMNS)  # type: ignore[arg-type]
