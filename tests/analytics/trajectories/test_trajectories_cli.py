"""`concord trajectories ...` through the main Typer app (typer.testing.CliRunner)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from concord.cli.main import app

DATA = Path(__file__).parent / "data"
SGDATA = str(DATA / "sgdata.csv")
BDI_1_12 = ",".join(f"bdi_s{i}" for i in range(1, 13))
BY_ARGS = [
    "--sg-var-list",
    BDI_1_12,
    "--sg-crit1-cutoff",
    "7",
    "--tx-start-var-name",
    "bdi_s1",
    "--tx-end-var-name",
    "bdi_s12",
    "--sg-measure-name",
    "bdi",
    "--compat",
    "suddengains",
]

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["trajectories", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("reference", "args"),
    [
        (
            "identify_sg_bdi_c7.csv",
            ["identify-sg", SGDATA, "--sg-var-list", BDI_1_12, "--sg-crit1-cutoff", "7"],
        ),
        (
            "identify_sg_bdi_c7_details.csv",
            [
                "identify-sg",
                SGDATA,
                "--sg-var-list",
                BDI_1_12,
                "--sg-crit1-cutoff",
                "7",
                "--crit123-details",
                "true",
            ],
        ),
        (
            "identify_sl_bdi_c-7.csv",
            ["identify-sl", SGDATA, "--sg-var-list", BDI_1_12, "--sg-crit1-cutoff", "-7"],
        ),
        (
            "identify_sl_bdi_c-7_details.csv",
            [
                "identify-sl",
                SGDATA,
                "--sg-var-list",
                BDI_1_12,
                "--sg-crit1-cutoff",
                "-7",
                "--crit123-details",
                "TRUE",
            ],
        ),
        ("create_bysg_sg_c7.csv", ["create-bysg", SGDATA, *BY_ARGS]),
        (
            "create_byperson_sg_c7_first.csv",
            ["create-byperson", SGDATA, *BY_ARGS, "--multiple-sg-select", "first"],
        ),
        (
            "select_cases_pattern.csv",
            ["select-cases", SGDATA, "--sg-var-list", BDI_1_12, "--return-id-lgl", "true"],
        ),
        (
            "select_cases_min_sess9.csv",
            [
                "select-cases",
                SGDATA,
                "--sg-var-list",
                BDI_1_12,
                "--method",
                "min_sess",
                "--min-sess-num",
                "9",
                "--return-id-lgl",
                "true",
            ],
        ),
    ],
)
def test_cli_output_is_byte_identical_to_suddengains_reference(
    tmp_path: Path, reference: str, args: list[str]
) -> None:
    out = tmp_path / "out.csv"
    extra = [] if args[0] == "select-cases" or "--compat" in args else ["--compat", "suddengains"]
    code, output = run(*args, *extra, "--out", str(out))
    assert code == 0, output
    assert out.read_bytes() == (DATA / reference).read_bytes()


def test_cli_define_crit1_cutoff(tmp_path: Path) -> None:
    out = tmp_path / "cut.csv"
    code, output = run(
        "define-crit1-cutoff", SGDATA, "--data-sd", "bdi_s0", "--reliability", "0.931",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    table = pl.read_csv(out)
    assert table["reliable_change_value"][0] == pytest.approx(4.657030258154422, rel=1e-13)
    code, output = run(
        "define-crit1-cutoff", "--sd", "10.5", "--reliability", "0.931", "--out", str(out)
    )
    assert code == 0, output
    assert pl.read_csv(out)["reliable_change_value"][0] == pytest.approx(7.645130685606359)


def test_cli_default_mode_fixes_reversal_window(tmp_path: Path) -> None:
    out = tmp_path / "bysg.csv"
    columns = ",".join(f"x_s{i}" for i in range(1, 13))
    args = [
        "create-bysg", str(DATA / "edgecases_wide.csv"), "--sg-var-list", columns,
        "--sg-crit1-cutoff", "7", "--tx-start-var-name", "x_s1", "--tx-end-var-name", "x_s12",
        "--sg-measure-name", "x", "--out", str(out),
    ]  # fmt: skip
    assert run(*args)[0] == 0
    default = pl.read_csv(out, null_values="NA").filter(pl.col("id") == 2)
    assert run(*args, "--compat", "suddengains")[0] == 0
    compat = pl.read_csv(out, null_values="NA").filter(pl.col("id") == 2)
    assert default["sg_reversal"][0] == 1
    assert compat["sg_reversal"][0] == 0


def test_cli_bad_cell_names_row_and_column_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,a,b,c,d,e\n1,10,12,11,3,4\n2,10,12,eleven,3,4\n")
    out = tmp_path / "out.csv"
    code, output = run(
        "identify-sg", str(bad), "--sg-var-list", "a,b,c,d,e", "--sg-crit1-cutoff", "7",
        "--out", str(out),
    )  # fmt: skip
    assert code == 1
    assert "row 2, column 'c': 'eleven' is not a number (CSV line 3)" in output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_cli_missing_column_and_bad_options(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, output = run(
        "identify-sg", SGDATA, "--sg-var-list", "bdi_s1,bdi_s2,bdi_s3,bdi_s99",
        "--sg-crit1-cutoff", "7", "--out", str(out),
    )  # fmt: skip
    assert code == 1
    assert "column 'bdi_s99': column not found" in output
    code, output = run(
        "identify-sg", SGDATA, "--sg-var-list", BDI_1_12, "--sg-crit1-cutoff", "7",
        "--sg-crit3", "maybe", "--out", str(out),
    )  # fmt: skip
    assert code == 2
    assert "'maybe' is not true or false" in output
    code, output = run(
        "identify-sg", SGDATA, "--sg-var-list", BDI_1_12, "--sg-crit1-cutoff", "-7",
        "--out", str(out),
    )  # fmt: skip
    # an impossible option value is a usage error, like any other bad option
    assert code == 2
    assert "--sg-crit1-cutoff: -7 is not allowed: must be zero or positive" in " ".join(
        output.replace("│", " ").split()
    )
    assert not out.exists()


def test_cli_no_gain_in_compat_mode_fails_cleanly(tmp_path: Path) -> None:
    flat = tmp_path / "flat.csv"
    flat.write_text("id,a,b,c,d,e\n1,10,10,10,10,10\n")
    out = tmp_path / "out.csv"
    args = [
        "create-bysg", str(flat), "--sg-var-list", "a,b,c,d,e", "--sg-crit1-cutoff", "7",
        "--tx-start-var-name", "a", "--tx-end-var-name", "e", "--sg-measure-name", "x",
        "--out", str(out),
    ]  # fmt: skip
    code, output = run(*args, "--compat", "suddengains")
    assert code == 1
    assert "No sudden gains were identified." in output
    assert not out.exists()
    code, output = run(*args)
    assert code == 0, output
    assert pl.read_csv(out).height == 0


def test_cli_criteria_switched_off_with_null(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    code, output = run(
        "identify-sg", str(DATA / "edgecases_wide.csv"),
        "--sg-var-list", ",".join(f"x_s{i}" for i in range(1, 13)),
        "--sg-crit1-cutoff", "null", "--sg-crit2-pct", "null", "--crit123-details", "true",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    table = pl.read_csv(out, null_values="NA")
    assert not any(c.startswith(("sg_crit1_", "sg_crit2_")) for c in table.columns)
    # id 6: 28 -> 22 passes criterion 3 alone (6 > 2.776 * 0)
    assert table.filter(pl.col("id") == 6)["sg_4to5"][0] == 1


def test_cli_parquet_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "sgdata.parquet"
    pl.read_csv(SGDATA, null_values="NA").write_parquet(source)
    out = tmp_path / "out.parquet"
    code, output = run(
        "identify-sg", str(source), "--sg-var-list", BDI_1_12, "--sg-crit1-cutoff", "7",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    table = pl.read_parquet(out)
    assert table.height == 43
    assert int(table.select(pl.col("^sg_.*$")).sum().sum_horizontal()[0]) == 24


LONG = """patient,session,date,srs
p1,1,2025-01-06,38
p1,2,2025-01-13,38
p1,3,2025-01-20,30
p1,4,2025-01-27,37
p1,5,2025-02-03,39
p2,1,2025-01-07,40
"""


def test_cli_ruptures_long_format(tmp_path: Path) -> None:
    source = tmp_path / "srs.csv"
    source.write_text(LONG)
    out = tmp_path / "events.csv"
    code, output = run(
        "ruptures", str(source), "--score-column", "srs", "--date-column", "date",
        "--concern-threshold", "36", "--scale-maximum", "40", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    table = pl.read_csv(out, null_values="NA")
    assert table.select("patient", "rule").rows() == [
        ("p1", "alliance_below_threshold"),
        ("p1", "alliance_drop"),
        ("p1", "rupture_repair"),
        ("p2", "guard"),
        ("p2", "guard"),
    ]
    # p1: 38, 38, 30, 37, 39 -> mean 36.4; SD sqrt((2.56 * 2 + 40.96 + 0.36 + 6.76) / 4) = 3.647;
    # lenient cut 32.75: 30 at session 3, repaired at session 4 (37 >= 36.4) on 2025-01-27
    rupture = table.filter(pl.col("rule") == "rupture_repair").row(0, named=True)
    assert rupture["criterion"] == "lenient"
    assert rupture["reference_level"] == pytest.approx(36.4)
    assert rupture["sd"] == pytest.approx(math.sqrt(53.2 / 4))
    assert (rupture["start_session"], rupture["repair_session"]) == (3, 4)
    assert rupture["repair_date"] == "2025-01-27"
    assert rupture["repaired"] is True
    assert table.filter(pl.col("patient") == "p2")["code"].to_list() == [
        "ceiling",
        "single_session",
    ]


def test_cli_ruptures_bad_session_number(tmp_path: Path) -> None:
    source = tmp_path / "srs.csv"
    source.write_text(LONG.replace("p1,4,", "p1,4.5,"))
    out = tmp_path / "events.csv"
    code, output = run("ruptures", str(source), "--score-column", "srs", "--out", str(out))
    assert code == 1
    assert "row 4, column 'session': session number must be a whole number (CSV line 5)" in (output)
    assert not out.exists()


def test_cli_reliable_change(tmp_path: Path) -> None:
    out = tmp_path / "rc.csv"
    code, output = run(
        "reliable-change", str(DATA / "clinicalsignificance_claus_2020.csv"),
        "--patient-column", "id", "--session-column", "time", "--score-column", "bdi",
        "--reliability", "0.801", "--pre-session", "1", "--post-session", "4",
        "--cutoff", "21.02", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    table = pl.read_csv(out, null_values="NA")
    assert dict(table["category"].value_counts().iter_rows()) == {
        "improved": 18,
        "unchanged": 22,
        "missing": 3,
    }
    assert dict(table["clinical_category"].value_counts().iter_rows()) == {
        "recovered": 10,
        "improved": 8,
        "unchanged": 22,
        "missing": 3,
    }


@pytest.mark.parametrize(
    ("ids", "expected"),
    [
        # plain integers sort as numbers (suddengains arranges numeric ids)
        (["10", "2", "1"], ["1", "2", "10"]),
        # anything else stays text and is written back unchanged
        (["007", "10", "2"], ["007", "10", "2"]),
        (["b", "a", "c"], ["a", "b", "c"]),
    ],
)
def test_cli_ids_sort_and_round_trip(tmp_path: Path, ids: list[str], expected: list[str]) -> None:
    source = tmp_path / "ids.csv"
    rows = [f"{i},30,30,30,30,15,14,15,14" for i in ids]
    source.write_text("id,a,b,c,d,e,f,g,h\n" + "\n".join(rows) + "\n")
    out = tmp_path / "out.csv"
    code, output = run(
        "identify-sg", str(source), "--sg-var-list", "a,b,c,d,e,f,g,h", "--sg-crit1-cutoff", "7",
        "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    table = pl.read_csv(out, infer_schema=False)
    assert table["id"].to_list() == expected
    # d -> e (30 -> 15) is the sudden gain of every person
    assert table["sg_4to5"].to_list() == ["1", "1", "1"]


def test_every_trajectories_command_is_documented() -> None:
    from concord.cli.trajectories import app as trajectories_app

    docs = (Path(__file__).parents[3] / "docs" / "analytics" / "trajectories.md").read_text()
    names = [command.name for command in trajectories_app.registered_commands]
    assert len(names) == 9
    for name in names:
        assert f"concord trajectories {name} " in docs, name
