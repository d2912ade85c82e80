"""`concord psychometrics alpha|omega|icc|rci` through Typer's CliRunner."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from concord.cli.main import app

runner = CliRunner()
DATA = Path(__file__).parent / "data"

SHROUT_FLEISS = (
    "target,j1,j2,j3,j4,note\n"
    "1,9,2,5,8,a\n2,6,1,3,2,b\n3,8,4,6,8,c\n4,7,1,2,6,d\n5,10,5,6,9,e\n6,6,2,4,7,f\n"
)


def read_estimates(path: Path) -> dict[str, tuple[str, str, str]]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["estimate", "value", "lower", "upper"]
    return {r[0]: (r[1], r[2], r[3]) for r in rows[1:]}


def test_icc_cli_shrout_fleiss_1979(tmp_path: Path) -> None:
    data = tmp_path / "sf.csv"
    data.write_text(SHROUT_FLEISS, encoding="utf-8")
    out = tmp_path / "icc.csv"
    result = runner.invoke(
        app, ["psychometrics", "icc", str(data), "--id", "target", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    estimates = read_estimates(out)
    assert list(estimates) == ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    assert round(float(estimates["ICC2"][0]), 2) == 0.29
    assert round(float(estimates["ICC3k"][0]), 2) == 0.91
    assert float(estimates["ICC3"][1]) == pytest.approx(0.342, abs=0.001)
    assert "6 targets, 4 raters" in result.output


def test_alpha_cli_columns_option(tmp_path: Path) -> None:
    data = tmp_path / "sf.csv"
    data.write_text(SHROUT_FLEISS, encoding="utf-8")
    out = tmp_path / "alpha.csv"
    result = runner.invoke(
        app, ["psychometrics", "alpha", str(data), "--columns", "j1,j2,j3,j4", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    value, lower, upper = read_estimates(out)["alpha"]
    # alpha equals ICC(3,k) = 0.9093 on this table
    assert float(value) == pytest.approx(0.909316, abs=1e-6)
    assert float(lower) < float(value) < float(upper)


def test_omega_cli_default_columns_skip_id_and_text(tmp_path: Path) -> None:
    data = tmp_path / "sf.csv"
    data.write_text(SHROUT_FLEISS, encoding="utf-8")
    out = tmp_path / "omega.csv"
    result = runner.invoke(
        app,
        [
            "psychometrics",
            "omega",
            str(data),
            "--id",
            "target",
            "--bootstrap",
            "100",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "4 items: j1, j2, j3, j4" in result.output
    assert list(read_estimates(out)) == ["omega_total"]


def test_rci_cli_claus_2020_bdi(tmp_path: Path) -> None:
    long = pl.read_csv(DATA / "clinicalsignificance_claus_2020.csv", null_values="NA")
    wide = long.filter(pl.col("time").is_in([1, 4])).pivot(on="time", index="id", values="bdi")
    data = tmp_path / "bdi.csv"
    wide.rename({"1": "pre", "4": "post"}).write_csv(data)
    out = tmp_path / "rci.csv"
    args = [
        "psychometrics",
        "rci",
        str(data),
        "--id",
        "id",
        "--reliability",
        "0.801",
        "--functional-mean",
        "7.69",
        "--functional-sd",
        "7.52",
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    estimates = {k: float(v[0]) for k, v in read_estimates(out).items()}
    assert estimates["n_pairs"] == 40
    assert estimates["cutoff_a"] == pytest.approx(19.16, abs=0.005)
    assert estimates["cutoff_b"] == pytest.approx(22.73, abs=0.005)
    assert estimates["cutoff_c"] == pytest.approx(21.02, abs=0.005)
    assert (estimates["n_recovered"], estimates["n_improved"], estimates["n_unchanged"]) == (
        10,
        8,
        22,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["alpha", "--columns", "j1,zz"], "column 'zz' not found"),
        (["alpha", "--columns", "j1,note"], "column 'note' is not numeric"),
        (["icc", "--columns", "j1"], "at least 2 columns"),
        (["rci", "--reliability", "0.8"], "expected 2 columns"),
        (["rci", "--reliability", "1.2", "--columns", "j1,j2"], "reliability"),
    ],
)
def test_psychometrics_cli_errors(tmp_path: Path, args: list[str], message: str) -> None:
    data = tmp_path / "sf.csv"
    data.write_text(SHROUT_FLEISS, encoding="utf-8")
    out = tmp_path / "o.csv"
    result = runner.invoke(app, ["psychometrics", args[0], str(data), *args[1:], "--out", str(out)])
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()
