"""`concord adherence ... --engine spark`: Spark end to end, the same files as the DuckDB path.

Each command runs twice through the Typer app, with ``--engine spark`` and with the default
DuckDB engine, and the two output files must be byte for byte the same (CSV) or hold the
same table (Parquet; values to 1e-12, as the engines may add terms in another order);
where AdhereR wrote the file, it is checked too. Bad input gives the
same message (rows and column named) and leaves no file behind. The Spark commands reuse
the test run's session (``conftest.spark``). Skipped without PySpark or Java.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from _adherer_helpers import DATA, REFERENCE, assert_matches_reference, assert_same_as_duckdb
from typer.testing import CliRunner

from concord.cli.main import app

pytestmark = pytest.mark.spark

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
]  # fmt: skip
FULL_OW = ["--observation-window-start", "0", "--observation-window-duration", "730"]


def _both(tmp_path: Path, measure: str, data: str, suffix: str, *args: str) -> tuple[Path, Path]:
    """Run the command on Spark and on DuckDB; return (Spark output, DuckDB output)."""
    tmp_path.mkdir(exist_ok=True)
    outputs = []
    for engine in ("spark", "duckdb"):
        out = tmp_path / f"{engine}{suffix}"
        result = runner.invoke(
            app, ["adherence", measure, data, "--out", str(out), *args, "--engine", engine]
        )
        assert result.exit_code == 0, result.output
        assert f"({engine}, " in result.output  # the summary line
        outputs.append(out)
    return outputs[0], outputs[1]


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


@pytest.mark.parametrize("measure", ["CMA1", "CMA5", "CMA8"])
def test_cli_spark_cma_csv_is_byte_identical_to_adherer(
    measure: str, tmp_path: Path, spark: Any
) -> None:
    out, duck = _both(tmp_path, measure, MED_EVENTS, ".csv", *COLUMNS, *DEFAULT_WINDOWS)
    expected = (REFERENCE / f"{measure.lower()}_default.csv").read_bytes()
    assert out.read_bytes() == expected == duck.read_bytes()


def test_cli_spark_event_info_against_adherer_cma9_default_eventinfo(
    tmp_path: Path, spark: Any
) -> None:
    args = [*COLUMNS, *DEFAULT_WINDOWS, "--event-info"]
    out, duck = _both(tmp_path, "CMA9", MED_EVENTS, ".csv", *args)
    assert_matches_reference(_read(out), "cma9_default_eventinfo.csv")
    assert out.read_bytes() == duck.read_bytes()


def test_cli_spark_episodes_and_parquet_mapping(tmp_path: Path, spark: Any) -> None:
    mappings = [tmp_path / "spark_mapping.parquet", tmp_path / "duck_mapping.parquet"]
    outputs = []
    for engine, mapping in zip(("spark", "duckdb"), mappings, strict=True):
        out = tmp_path / f"{engine}.csv"
        result = runner.invoke(
            app,
            [
                "adherence", "episodes", MED_EVENTS, "--out", str(out), *COLUMNS,
                "--followup-window-start", "0", "--followup-window-duration", "730",
                "--carryover-within-obs-window", "true",
                "--carry-only-for-same-medication", "true", "--consider-dosage-change", "true",
                "--maximum-permissible-gap", "180", "--return-mapping-events-episodes", "true",
                "--mapping-out", str(mapping), "--engine", engine,
            ],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        outputs.append(out)
    assert outputs[0].read_bytes() == (REFERENCE / "te_default.csv").read_bytes()
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    spark_mapping, duck_mapping = (pl.read_parquet(m) for m in mappings)
    assert spark_mapping.schema == duck_mapping.schema
    assert spark_mapping.equals(duck_mapping)
    text = spark_mapping.select(pl.all().cast(pl.String))
    assert_matches_reference(text, "te_default_mapping.csv")


def test_cli_spark_event_gaps_against_adherer_event_int_gaps_default(
    tmp_path: Path, spark: Any
) -> None:
    args = [
        *COLUMNS, *DEFAULT_WINDOWS,
        "--carryover-within-obs-window", "true", "--carryover-into-obs-window", "true",
        "--keep-window-start-end-dates", "true",
    ]  # fmt: skip
    out, duck = _both(tmp_path, "event-gaps", MED_EVENTS, ".csv", *args)
    assert_matches_reference(_read(out), "event_int_gaps_default.csv")
    assert out.read_bytes() == duck.read_bytes()


def test_cli_spark_per_episode_csv_and_sliding_windows_parquet(tmp_path: Path, spark: Any) -> None:
    args = [*COLUMNS, *FULL_OW, "--cma-to-apply", "CMA9", "--maximum-permissible-gap", "180"]
    out, duck = _both(tmp_path / "pe", "per-episode", MED_EVENTS, ".csv", *args)
    assert_matches_reference(_read(out), "cma9_per_episode.csv")
    assert out.read_bytes() == duck.read_bytes()
    args = [
        *COLUMNS, *FULL_OW, "--cma-to-apply", "CMA9",
        "--sliding-window-duration", "90", "--sliding-window-step-duration", "30",
    ]  # fmt: skip
    out, duck = _both(tmp_path / "sw", "sliding-window", MED_EVENTS, ".parquet", *args)
    spark_table = pl.read_parquet(out)
    assert spark_table.height == 2200
    # the engines may add a window's terms in another order: equal to 1e-12
    assert_same_as_duckdb(spark_table, pl.read_parquet(duck))


def test_cli_spark_medication_groups_file_and_date_window_column(
    tmp_path: Path, spark: Any
) -> None:
    groups = ["--medication-groups", str(DATA / "med_groups.csv")]
    out, duck = _both(tmp_path, "CMA7", str(DATA / "med_events_ATC.csv"), ".csv", *COLUMNS, *groups)
    table = _read(out)
    assert table.columns == ["PATIENT_ID", "CMA", ".MED_GROUP_ID"]
    assert table.height % 16 == 0  # every one of the 16 patients in every non-empty group
    assert out.read_bytes() == duck.read_bytes()
    # a per-patient OW start given as a CSV column of dates, 182 days after the first event
    data = pl.read_csv(MED_EVENTS).with_columns(
        (pl.col("DATE").str.to_date().min().over("PATIENT_ID") + pl.duration(days=182))
        .dt.strftime("%Y-%m-%d")
        .alias("OW_START")
    )
    source = tmp_path / "events.csv"
    data.write_csv(source)
    args = [*COLUMNS, "--observation-window-start", "OW_START"]
    out, duck = _both(tmp_path, "CMA7", str(source), ".csv", *args, *DEFAULT_WINDOWS[-2:])
    assert out.read_bytes() == (REFERENCE / "cma7_default.csv").read_bytes() == duck.read_bytes()


def _fail(engine: str, out: Path, *args: str) -> str:
    result = runner.invoke(app, ["adherence", *args, "--out", str(out), "--engine", engine])
    assert result.exit_code == 1, result.output
    return result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date-format", "%d.%m.%Y"], "column 'DATE'"),
        (["--event-duration-colname", "DAYS"], "unknown column 'DAYS'"),
        (["--observation-window-duration", "800"], "does not fit"),
    ],
)
def test_cli_spark_bad_input_same_error_and_nothing_written(
    args: list[str], message: str, tmp_path: Path, spark: Any
) -> None:
    common = ["CMA9", MED_EVENTS, "--id-colname", "PATIENT_ID", "--date-format", "%Y-%m-%d"]
    out = tmp_path / "out.csv"
    on_spark = _fail("spark", out, *common, *args)
    assert message in on_spark
    assert on_spark.strip().splitlines()[-1] == _fail("duckdb", out, *common, *args).strip()
    assert list(tmp_path.iterdir()) == []


def test_cli_spark_bad_rows_are_named(tmp_path: Path, spark: Any) -> None:
    source = tmp_path / "events.csv"
    source.write_text(
        "ID,DATE,DURATION\n1,2020-01-01,30\n1,2020-02-01,-3\n2,2020-01-01,30\n2,2020-03-01,0\n"
    )
    out = tmp_path / "out.parquet"
    args = ["CMA1", str(source), "--id-colname", "ID", "--date-format", "%Y-%m-%d"]
    on_spark = _fail("spark", out, *args)
    assert on_spark.strip().splitlines()[-1] == (
        "Error: missing, non-numeric or non-positive duration in column 'DURATION' "
        "(rows 2, 4) [column DURATION]"
    )
    assert on_spark.strip().splitlines()[-1] == _fail("duckdb", out, *args).strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]
    assert "Polars only" in _fail(
        "spark", tmp_path / "pdc.csv", "pdc", str(source), "--id-colname", "ID"
    )


def test_cli_spark_checks_outputs_first_and_writes_them_with_normal_permissions(
    tmp_path: Path, spark: Any
) -> None:
    episodes = [
        "adherence", "episodes", MED_EVENTS, *COLUMNS, "--maximum-permissible-gap", "180",
        "--return-mapping-events-episodes", "true", "--engine", "spark",
    ]  # fmt: skip
    mapping = tmp_path / "mapping.csv"
    for out in (tmp_path / "te.txt", tmp_path / "nodir" / "te.csv"):
        result = runner.invoke(app, [*episodes, "--out", str(out), "--mapping-out", str(mapping)])
        assert result.exit_code == 1 and "[option --out]" in result.output
        assert list(tmp_path.iterdir()) == []
    old = os.umask(0o022)
    try:
        out = tmp_path / "te.csv"
        result = runner.invoke(app, [*episodes, "--out", str(out), "--mapping-out", str(mapping)])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mapping.csv", "te.csv"]
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(mapping.stat().st_mode) == 0o644
    assert re.fullmatch(
        rf"episodes: 1080 events, 100 patients -> {pl.read_csv(out).height} rows written to "
        rf"{re.escape(str(out))}, 1066 rows to {re.escape(str(mapping))} "
        r"\(spark, \d+\.\d\d s\)",
        result.output.strip().splitlines()[-1],
    ), result.output


def test_cli_spark_groups_per_file_and_failed_patients_left_out_as_on_duckdb(
    tmp_path: Path, spark: Any
) -> None:
    groups = ["--medication-groups", str(DATA / "med_groups.csv")]
    split = ["--flatten-medication-groups", "false"]
    for engine in ("spark", "duckdb"):
        (tmp_path / engine).mkdir()
        out = tmp_path / engine / "cma9.csv"
        result = runner.invoke(
            app, ["adherence", "CMA9", str(DATA / "med_events_ATC.csv"), "--out", str(out),
                  *COLUMNS, *groups, *split, "--engine", engine],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "spark").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "duckdb").iterdir())
    assert len(names) == 6 and "cma9.Vitamins.csv" in names
    for name in names:
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "duckdb" / name).read_bytes()
    late = ["--followup-window-start", "600", "--force-na-cma-for-failed-patients", "false"]
    out, duck = _both(tmp_path / "failed", "CMA1", MED_EVENTS, ".csv", *COLUMNS, *late)
    assert out.read_bytes() == duck.read_bytes()
    assert pl.read_csv(out).height == 88  # 12 of the 100 patients have no event in the FUW


def test_cli_spark_window_start_column_that_does_not_fit_names_the_column(
    tmp_path: Path, spark: Any
) -> None:
    data = pl.read_csv(MED_EVENTS).with_columns(
        (pl.col("DATE").str.to_date().min().over("PATIENT_ID") + pl.duration(days=500))
        .dt.strftime("%Y-%m-%d")
        .alias("OW_START")
    )
    source = tmp_path.parent / f"{tmp_path.name}_events.csv"
    data.write_csv(source)
    args = ["CMA7", str(source), *COLUMNS, "--observation-window-start", "OW_START"]
    line = _fail("spark", tmp_path / "out.csv", *args).strip().splitlines()[-1]
    assert line == _fail("duckdb", tmp_path / "out.csv", *args).strip().splitlines()[-1]
    assert line.startswith(
        "Error: the observation window does not fit inside the follow-up window (it ends after "
        "it) for patient(s) 1, 2, 3,"
    )
    assert line.endswith("[column OW_START]")
    assert list(tmp_path.iterdir()) == []
