"""Every shared suddengains 0.7.2 reference file, reproduced column for column.

Calls: data/REFERENCE_CALLS.md. Inputs and licences: data/README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from concord.analytics.trajectories import (
    SuddenChangeOptions,
    crit3_critical_value,
    define_crit1_cutoff,
    find_sudden_changes,
    identify_sudden_gains,
    identify_sudden_losses,
    interval_statistics,
    select_cases,
    sudden_gains_by_gain,
    sudden_gains_by_person,
)

DATA = Path(__file__).parent / "data"
BDI_1_12 = [f"bdi_s{i}" for i in range(1, 13)]
BYSG_ARGS: dict[str, Any] = {
    "id_var_name": "id",
    "sg_var_list": BDI_1_12,
    "tx_start_var_name": "bdi_s1",
    "tx_end_var_name": "bdi_s12",
    "sg_measure_name": "bdi",
    "sg_crit1_cutoff": 7,
    "compat": "suddengains",
}


def read(name: str) -> pl.DataFrame:
    return pl.read_csv(DATA / name, null_values="NA")


@pytest.fixture(scope="module")
def sgdata() -> pl.DataFrame:
    return read("sgdata.csv")


def assert_same_table(actual: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Same columns in the same order, same rows, same values (nulls where NA)."""
    assert actual.columns == expected.columns
    assert actual.height == expected.height
    for name in expected.columns:
        want, got = expected.get_column(name), actual.get_column(name)
        assert got.null_count() == want.null_count(), name
        assert (got.is_null() == want.is_null()).all(), name
        if want.dtype == pl.String or got.dtype == pl.String:
            assert got.cast(pl.String).to_list() == want.cast(pl.String).to_list(), name
        elif want.dtype == pl.Boolean:
            assert got.dtype == pl.Boolean, name
            assert got.to_list() == want.to_list(), name
        else:
            a = got.cast(pl.Float64).to_numpy()
            b = want.cast(pl.Float64).to_numpy()
            keep = ~np.isnan(b)
            np.testing.assert_allclose(a[keep], b[keep], rtol=1e-12, atol=0, err_msg=name)


def test_identify_sg_against_suddengains_identify_sg_bdi_c7(sgdata: pl.DataFrame) -> None:
    expected = read("identify_sg_bdi_c7.csv")
    actual = identify_sudden_gains(sgdata, "id", BDI_1_12, sg_crit1_cutoff=7, compat="suddengains")
    assert_same_table(actual, expected)
    flags = actual.select(pl.col("^sg_.*$")).to_numpy()
    # 24 gains in 15 persons (vignette)
    assert np.nansum(flags) == 24
    assert int((np.nansum(flags, axis=1) > 0).sum()) == 15


def test_identify_sg_against_suddengains_identify_sg_bdi_c7_details(
    sgdata: pl.DataFrame,
) -> None:
    expected = read("identify_sg_bdi_c7_details.csv")
    actual = identify_sudden_gains(
        sgdata, "id", BDI_1_12, sg_crit1_cutoff=7, crit123_details=True, compat="suddengains"
    )
    assert_same_table(actual, expected)


def test_identify_sl_against_suddengains_identify_sl_bdi_c_minus7(sgdata: pl.DataFrame) -> None:
    expected = read("identify_sl_bdi_c-7.csv")
    actual = identify_sudden_losses(
        sgdata, "id", BDI_1_12, sg_crit1_cutoff=-7, compat="suddengains"
    )
    assert_same_table(actual, expected)
    assert int(actual.select(pl.col("^sl_.*$")).sum().sum_horizontal()[0]) == 3


def test_identify_sl_against_suddengains_identify_sl_bdi_c_minus7_details(
    sgdata: pl.DataFrame,
) -> None:
    expected = read("identify_sl_bdi_c-7_details.csv")
    actual = identify_sudden_losses(
        sgdata, "id", BDI_1_12, sg_crit1_cutoff=-7, crit123_details=True, compat="suddengains"
    )
    assert_same_table(actual, expected)


def test_bysg_against_suddengains_create_bysg_sg_c7(sgdata: pl.DataFrame) -> None:
    expected = read("create_bysg_sg_c7.csv")
    actual = sudden_gains_by_gain(sgdata, **BYSG_ARGS)
    assert_same_table(actual, expected)
    assert actual.height == 24
    assert int(actual["sg_reversal"].sum()) == 4


def test_byperson_against_suddengains_create_byperson_sg_c7_first(sgdata: pl.DataFrame) -> None:
    expected = read("create_byperson_sg_c7_first.csv")
    actual = sudden_gains_by_person(sgdata, multiple_sg_select="first", **BYSG_ARGS)
    assert_same_table(actual, expected)


def test_select_cases_against_suddengains_select_cases_pattern(sgdata: pl.DataFrame) -> None:
    expected = read("select_cases_pattern.csv")
    actual = select_cases(sgdata, "id", BDI_1_12, method="pattern", return_id_lgl=True)
    assert_same_table(actual, expected)
    assert actual["sg_select"].sum() == 39


def test_select_cases_against_suddengains_select_cases_min_sess9(sgdata: pl.DataFrame) -> None:
    expected = read("select_cases_min_sess9.csv")
    actual = select_cases(
        sgdata, "id", BDI_1_12, method="min_sess", min_sess_num=9, return_id_lgl=True
    )
    assert_same_table(actual, expected)
    assert actual["sg_select"].sum() == 35
    # return_id_lgl = FALSE (the package's default): the input's rows in the input's order,
    # every column, sg_select added (select_cases.R left-joins the selection onto the data).
    shuffled = sgdata.reverse()
    every = select_cases(shuffled, "id", BDI_1_12, method="min_sess", min_sess_num=9)
    assert every.columns == [*sgdata.columns, "sg_select"]
    assert every.drop("sg_select").equals(shuffled)
    assert every.height == 43 and every["sg_select"].sum() == 35
    by_id = dict(zip(actual["id"].to_list(), actual["sg_select"].to_list(), strict=True))
    assert every["sg_select"].to_list() == [by_id[i] for i in every["id"].to_list()]


def test_define_crit1_cutoff_against_suddengains_define_crit1_cutoff(
    sgdata: pl.DataFrame,
) -> None:
    expected = read("define_crit1_cutoff.csv")
    results = [
        define_crit1_cutoff(data_sd=sgdata["bdi_s0"].to_numpy(), reliability=0.931),
        define_crit1_cutoff(sd=10.5, reliability=0.931),
        define_crit1_cutoff(sd=10.5, reliability=0.961),
    ]
    for row, result in zip(expected.iter_rows(named=True), results, strict=True):
        for field in (
            "sd",
            "reliability",
            "standard_error_measurement",
            "standard_error_difference",
            "reliable_change_value",
        ):
            assert getattr(result, field) == pytest.approx(row[field], rel=1e-13, abs=0)
    assert results[0].reliable_change_value == pytest.approx(4.657030258154422, rel=1e-13)


def test_crit3_critical_value_against_suddengains_crit3_critical_values() -> None:
    expected = read("crit3_critical_values.csv")
    assert expected.height == 8
    for row in expected.iter_rows(named=True):
        assert row["df"] == row["n_pre"] + row["n_post"] - 2
        assert crit3_critical_value(row["alpha"], row["df"]) == pytest.approx(
            row["critical_value"], rel=1e-13, abs=0
        )


def test_interval_statistics_against_interval_stats_long_sg_bdi_c7(sgdata: pl.DataFrame) -> None:
    expected = read("interval_stats_long_sg_bdi_c7.csv")
    search = find_sudden_changes(
        sgdata,
        "id",
        BDI_1_12,
        SuddenChangeOptions(identify="sg", sg_crit1_cutoff=7, compat="suddengains"),
    )
    actual = interval_statistics(search)
    assert_same_table(actual, expected)


def test_identify_sg_on_sgdata_bad_names_matches_reference() -> None:
    """Arbitrary column names (sgdata_bad) give the same flags as sgdata."""
    bad = read("sgdata_bad.csv")
    session_columns = bad.columns[2:14]  # bdi1 .. bdi_s12_end
    actual = identify_sudden_gains(
        bad, "id", session_columns, sg_crit1_cutoff=7, compat="suddengains"
    )
    expected = read("identify_sg_bdi_c7.csv")
    flags = [c for c in expected.columns if c.startswith("sg_")]
    assert actual.select(flags).equals(expected.select(flags))
    assert actual.columns[1:13] == session_columns
