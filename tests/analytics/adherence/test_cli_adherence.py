"""`concord adherence ...` end to end through the Typer app (CliRunner)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from _adherer_helpers import DATA, REFERENCE, assert_matches_reference
from typer.testing import CliRunner

from concord.analytics.adherence import proportion_of_days_covered
from concord.cli.main import app

runner = CliRunner()
MED_EVENTS = str(DATA / "med_events.csv")
COLUMNS = [
    "--id-colname", "PATIENT_ID",
    "--event-date-colname", "DATE",
    "--event-duration-colname", "DURATION",
    "--event-daily-dose-colname", "PERDAY",
    "--medication-class-colname", "CATEGORY",
    "--date-format", "%Y-%m-%d",
]  # fmt: skip
DEFAULT_WINDOWS = [
    "--followup-window-start", "0",
    "--followup-window-duration", "730",
    "--observation-window-start", "182",
    "--observation-window-duration", "365",
    "--observation-window-duration-unit", "days",
    "--carry-only-for-same-medication", "false",
    "--consider-dosage-change", "FALSE",
]  # fmt: skip


def _run(*args: str) -> str:
    result = runner.invoke(app, ["adherence", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


@pytest.mark.parametrize("measure", [f"CMA{i}" for i in range(1, 9)])
def test_cli_cma_csv_is_byte_identical_to_adherer(measure: str, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    output = _run(measure, MED_EVENTS, "--out", str(out), *COLUMNS, *DEFAULT_WINDOWS)
    assert "100 patients" in output
    expected = (REFERENCE / f"{measure.lower()}_default.csv").read_text()
    assert out.read_text() == expected


def test_cli_cma9_and_event_info(tmp_path: Path) -> None:
    out = tmp_path / "cma9.csv"
    _run("cma9", MED_EVENTS, "--out", str(out), *COLUMNS, *DEFAULT_WINDOWS)
    assert_matches_reference(_read(out), "cma9_default.csv")
    info = tmp_path / "info.csv"
    _run("CMA9", MED_EVENTS, "--out", str(info), *COLUMNS, *DEFAULT_WINDOWS, "--event-info")
    assert_matches_reference(_read(info), "cma9_default_eventinfo.csv")


def test_cli_episodes_with_mapping(tmp_path: Path) -> None:
    out, mapping = tmp_path / "te.csv", tmp_path / "mapping.parquet"
    _run(
        "episodes", MED_EVENTS, "--out", str(out), *COLUMNS,
        "--followup-window-start", "0", "--followup-window-duration", "730",
        "--carryover-within-obs-window", "true", "--carry-only-for-same-medication", "true",
        "--consider-dosage-change", "true", "--maximum-permissible-gap", "180",
        "--return-mapping-events-episodes", "true", "--mapping-out", str(mapping),
    )  # fmt: skip
    assert out.read_text() == (REFERENCE / "te_default.csv").read_text()
    table = pl.read_parquet(mapping)
    assert_matches_reference(table.select(pl.all().cast(pl.String)), "te_default_mapping.csv")


def test_cli_per_episode_and_sliding_window(tmp_path: Path) -> None:
    full_ow = ["--observation-window-start", "0", "--observation-window-duration", "730"]
    out = tmp_path / "pe.csv"
    _run(
        "per-episode", MED_EVENTS, "--out", str(out), *COLUMNS, *full_ow,
        "--cma-to-apply", "CMA9", "--maximum-permissible-gap", "180",
        "--medication-change-means-new-treatment-episode", "true",
    )  # fmt: skip
    assert_matches_reference(_read(out), "cma9_per_episode.csv")
    out = tmp_path / "sw.parquet"
    _run(
        "sliding-window", MED_EVENTS, "--out", str(out), *COLUMNS, *full_ow,
        "--cma-to-apply", "CMA9", "--sliding-window-duration", "90",
        "--sliding-window-step-duration", "30",
    )  # fmt: skip
    table = pl.read_parquet(out)
    assert table.columns == ["PATIENT_ID", "window.ID", "window.start", "window.end", "CMA"]
    assert table.height == 2200
    assert table.schema["window.start"] == pl.Date


def test_cli_event_gaps(tmp_path: Path) -> None:
    out = tmp_path / "gaps.csv"
    _run(
        "event-gaps", MED_EVENTS, "--out", str(out), *COLUMNS, *DEFAULT_WINDOWS,
        "--carryover-within-obs-window", "true", "--carryover-into-obs-window", "true",
        "--keep-window-start-end-dates", "true",
    )  # fmt: skip
    assert_matches_reference(_read(out), "event_int_gaps_default.csv")


def test_cli_parquet_input_and_window_start_column(tmp_path: Path) -> None:
    # A per-patient OW start given as a column of dates (CSV has no Date type: date strings
    # in --date-format are read as dates); here 182 days after each first event.
    data = pl.read_csv(MED_EVENTS).with_columns(
        (pl.col("DATE").str.to_date().min().over("PATIENT_ID") + pl.duration(days=182))
        .dt.strftime("%Y-%m-%d")
        .alias("OW_START")
    )
    source = tmp_path / "events.csv"
    data.write_csv(source)
    out = tmp_path / "cma7.csv"
    _run(
        "CMA7", str(source), "--out", str(out), *COLUMNS,
        "--observation-window-start", "OW_START", "--observation-window-duration", "365",
    )  # fmt: skip
    assert_matches_reference(_read(out), "cma7_default.csv")
    parquet = tmp_path / "events.parquet"
    pl.read_csv(MED_EVENTS).write_parquet(parquet)
    out = tmp_path / "cma2.csv"
    _run("CMA2", str(parquet), "--out", str(out), *COLUMNS, *DEFAULT_WINDOWS)
    assert out.read_text() == (REFERENCE / "cma2_default.csv").read_text()


def test_cli_medication_groups_file(tmp_path: Path) -> None:
    out = tmp_path / "groups.csv"
    _run(
        "CMA1", str(DATA / "med_events_ATC.csv"), "--out", str(out), *COLUMNS,
        "--medication-groups", str(DATA / "med_groups.csv"),
    )  # fmt: skip
    table = _read(out)
    assert table.columns == ["PATIENT_ID", "CMA", ".MED_GROUP_ID"]
    assert table.get_column(".MED_GROUP_ID").unique(maintain_order=True).to_list()[0] == "Vitamins"
    assert table.height % 16 == 0  # every one of the 16 patients in every non-empty group


def test_cli_pdc_calls_the_pqa_implementation(tmp_path: Path) -> None:
    out = tmp_path / "pdc.csv"
    _run(
        "pdc", MED_EVENTS, "--out", str(out), "--id-colname", "PATIENT_ID",
        "--event-date-colname", "DATE", "--event-duration-colname", "DURATION",
        "--period-start", "2036-01-01", "--period-end", "2036-12-31",
    )  # fmt: skip
    direct = proportion_of_days_covered(
        MED_EVENTS, id_col="PATIENT_ID", date_col="DATE", duration_col="DURATION",
        period_start="2036-01-01", period_end="2036-12-31",
    )  # fmt: skip
    assert _read(out).height == direct.height > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date-format", "%d.%m.%Y"], "column 'DATE'"),
        (["--event-duration-colname", "DAYS"], "unknown column 'DAYS'"),
        (["--observation-window-duration", "800"], "does not fit"),
        (["--carry-only-for-same-medication", "maybe"], "not true or false"),
    ],
)
def test_cli_bad_input_fails_and_writes_nothing(
    args: list[str], message: str, tmp_path: Path
) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["adherence", "CMA9", MED_EVENTS, "--out", str(out), "--id-colname", "PATIENT_ID",
              "--event-duration-colname", "DURATION", "--date-format", "%Y-%m-%d", *args]
    )  # fmt: skip
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_rows_are_named(tmp_path: Path) -> None:
    source = tmp_path / "events.csv"
    source.write_text("ID,DATE,DURATION\n1,2020-01-01,30\n1,2020-02-01,-3\n2,2020-01-01,30\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["adherence", "CMA1", str(source), "--out", str(out), "--id-colname", "ID",
              "--date-format", "%Y-%m-%d"]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "row 2" in result.output and "DURATION" in result.output
    assert not out.exists()


def test_cli_unknown_measure() -> None:
    result = runner.invoke(app, ["adherence", "CMA10", MED_EVENTS, "--out", "x.csv"])
    assert result.exit_code == 1
    assert "unknown measure" in result.output
