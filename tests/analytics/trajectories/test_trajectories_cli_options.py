"""`concord trajectories ...` option checks: impossible values, options without effect,
``--compat`` everywhere, ``create-byperson --data-is-bysg`` and ``--data-reliability``.

Usage errors exit with code 2 (as Click's own), name the option and write nothing.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from concord.cli.main import app

DATA = Path(__file__).parent / "data"
SGDATA = str(DATA / "sgdata.csv")
EDGE = str(DATA / "edgecases_wide.csv")
BDI_1_12 = ",".join(f"bdi_s{i}" for i in range(1, 13))
X_1_12 = ",".join(f"x_s{i}" for i in range(1, 13))
IDENTIFY = ["identify-sg", SGDATA, "--sg-var-list", BDI_1_12, "--sg-crit1-cutoff", "7"]
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
]

# p1: 38, 38, 30, 37, 39 (mean 36.4, SD 3.647); p2 a single rating at the maximum
LONG = """patient,session,date,srs,srs_pre
p1,1,2025-01-06,38,39
p1,2,2025-01-13,38,37
p1,3,2025-01-20,30,36
p1,4,2025-01-27,37,35
p1,5,2025-02-03,39,38
p2,1,2025-01-07,40,40
"""

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["trajectories", *args])
    # the error panel wraps long messages: compare on single-spaced text
    text = " ".join(result.output.replace("│", " ").split())
    return result.exit_code, text


@pytest.fixture
def srs(tmp_path: Path) -> Path:
    path = tmp_path / "srs.csv"
    path.write_text(LONG)
    return path


# ---------------------------------------------------------------- ruptures


def test_negative_lenient_sd_used_to_report_ruptures_above_the_mean(
    tmp_path: Path, srs: Path
) -> None:
    out = tmp_path / "events.csv"
    code, output = run(
        "ruptures", str(srs), "--score-column", "srs", "--lenient-sd", "-1", "--out", str(out)
    )
    # before: exit 0 and a "rupture" at 39 with the cut-off 36.4 + 3.647 = 40.05
    assert code == 2
    assert "Invalid value for --lenient-sd: -1 is not allowed: must be greater than 0" in output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["--lenient-sd", "0"], "--lenient-sd", "greater than 0"),
        (["--strict-sd", "-2"], "--strict-sd", "greater than 0"),
        (["--strict-sd", "0.5"], "--strict-sd", "0.5 is smaller than --lenient-sd 1"),
        (["--lenient-sd", "3"], "--strict-sd", "2 is smaller than --lenient-sd 3"),
        (["--scale-maximum", "40", "--ceiling-share", "7"], "--ceiling-share", "at most 1"),
        (["--scale-maximum", "40", "--ceiling-share", "0"], "--ceiling-share", "greater than 0"),
        (["--sample-sd", "-2"], "--sample-sd", "at least 0 (a standard deviation)"),
        (["--min-sd", "-0.5"], "--min-sd", "at least 0 (a standard deviation)"),
        (["--min-ratings", "1"], "--min-ratings", "at least 2"),
        (["--min-drop", "-1"], "--min-drop", "greater than 0 (points)"),
        (["--min-drop", "0"], "--min-drop", "greater than 0 (points)"),
        (["--concern-threshold", "nan"], "--concern-threshold", "must be a finite number"),
        (["--scale-maximum", "inf"], "--scale-maximum", "must be a finite number"),
        (["--sudden-crit1-cutoff", "-5"], "--sudden-crit1-cutoff", "at least 0 (points)"),
        (
            ["--sudden-crit1-cutoff", "5", "--sudden-crit2-pct", "-0.25"],
            "--sudden-crit2-pct",
            "at least 0 (a proportion)",
        ),
        (
            ["--sudden-crit1-cutoff", "5", "--sudden-crit3-alpha", "1.5"],
            "--sudden-crit3-alpha",
            "less than 1",
        ),
        (
            [
                "--sudden-crit1-cutoff",
                "5",
                "--sudden-crit2-pct",
                "0.25",
                "--scale-minimum",
                "40",
                "--scale-maximum",
                "40",
            ],
            "--scale-minimum",
            "40 is not below --scale-maximum 40",
        ),
    ],
)
def test_ruptures_rejects_impossible_values(
    tmp_path: Path, srs: Path, args: list[str], option: str, message: str
) -> None:
    out = tmp_path / "events.csv"
    code, output = run("ruptures", str(srs), "--score-column", "srs", *args, "--out", str(out))
    assert code == 2, output
    assert f"Invalid value for {option}:" in output
    assert message in output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--threshold-inclusive", "true"],
            "--threshold-inclusive: has no effect without --concern-threshold",
        ),
        (["--ceiling-share", "0.6"], "--ceiling-share: has no effect without --scale-maximum"),
        (
            ["--sudden-crit2-pct", "0.25"],
            "--sudden-crit2-pct: has no effect without --sudden-crit1-cutoff",
        ),
        (
            ["--sudden-crit3-alpha", "0.01"],
            "--sudden-crit3-alpha: has no effect without --sudden-crit1-cutoff",
        ),
        (["--scale-minimum", "10"], "--scale-minimum: has no effect without --sudden-crit1-cutoff"),
        (
            ["--sudden-crit1-cutoff", "5", "--scale-minimum", "10"],
            "--scale-minimum: has no effect without --sudden-crit2-pct",
        ),
        (
            ["--session-changes-out", "{tmp}/changes.csv"],
            "--session-changes-out: has no effect without --pre-score-column",
        ),
    ],
)
def test_ruptures_rejects_options_without_effect(
    tmp_path: Path, srs: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "events.csv"
    args = [arg.format(tmp=tmp_path) for arg in args]
    code, output = run("ruptures", str(srs), "--score-column", "srs", *args, "--out", str(out))
    assert code == 2, output
    assert message in output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["srs.csv"]


def test_ruptures_accepts_equal_sds_and_the_new_sudden_alpha(tmp_path: Path, srs: Path) -> None:
    out = tmp_path / "events.csv"
    code, output = run(
        "ruptures",
        str(srs),
        "--score-column",
        "srs",
        "--lenient-sd",
        "2",
        "--strict-sd",
        "2",
        "--sudden-crit1-cutoff",
        "5",
        "--sudden-crit3-alpha",
        "0.01",
        "--compat",
        "default",
        "--out",
        str(out),
    )
    assert code == 0, output
    table = pl.read_csv(out, null_values="NA")
    # 30 is 6.4 below the mean 36.4, less than 2 SD = 7.29: no rupture at 2 SD
    assert "rupture_repair" not in table["rule"].to_list()


# ---------------------------------------------------------------- reliable change, not on track

CLAUS = str(DATA / "clinicalsignificance_claus_2020.csv")
CLAUS_ARGS = ["--patient-column", "id", "--session-column", "time", "--score-column", "bdi"]


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["--reliability", "1"], "--reliability", "less than 1"),
        (["--reliability", "-0.1"], "--reliability", "at least 0"),
        (["--reliability", "1.2"], "--reliability", "less than 1"),
        (["--reliability", "0.8", "--sd-pre", "0"], "--sd-pre", "greater than 0"),
        (["--reliability", "0.8", "--sd-pre", "-3"], "--sd-pre", "greater than 0"),
        (["--reliability", "0.8", "--cutoff", "nan"], "--cutoff", "finite"),
        (
            ["--reliability", "0.8", "--pre-session", "4", "--post-session", "1"],
            "--post-session",
            "1 is not after --pre-session 4",
        ),
    ],
)
def test_reliable_change_rejects_impossible_values(
    tmp_path: Path, args: list[str], option: str, message: str
) -> None:
    out = tmp_path / "rc.csv"
    code, output = run("reliable-change", CLAUS, *CLAUS_ARGS, *args, "--out", str(out))
    assert code == 2, output
    assert f"Invalid value for {option}:" in output
    assert message in output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--percentile", "120"], "Invalid value for --percentile: 120 is not allowed"),
        (["--percentile", "-5"], "Invalid value for --percentile: -5 is not allowed"),
        (["--percentile", "50"], "greater than 50 and less than 100"),
        (["--min-patients", "1"], "Invalid value for --min-patients: 1 is not allowed"),
        (
            ["--max-fit-patients", "5"],
            "--max-fit-patients: 5 is not allowed: must be at least 20",
        ),
        (["--max-fit-patients", "30", "--seed", "-1"], "Invalid value for --seed"),
        (["--seed", "3"], "--seed: has no effect without --max-fit-patients"),
    ],
)
def test_not_on_track_rejects_impossible_values(
    tmp_path: Path, srs: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "flags.csv"
    code, output = run("not-on-track", str(srs), "--score-column", "srs", *args, "--out", str(out))
    assert code == 2, output
    assert message in output
    assert not out.exists()


# ---------------------------------------------------------------- sudden gains options


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sg-crit3-alpha", "0"], "Invalid value for --sg-crit3-alpha: 0 is not allowed"),
        (["--sg-crit3-alpha", "1.5"], "Invalid value for --sg-crit3-alpha: 1.5 is not allowed"),
        (
            ["--sg-crit3-adjust", "false", "--sg-crit3-critical-value", "-2"],
            "Invalid value for --sg-crit3-critical-value: -2 is not allowed",
        ),
        (
            ["--sg-crit2-pct", "25"],
            "Invalid value for --sg-crit2-pct: 25 is not allowed: a "
            "decrease is never more than 100 %",
        ),
        (["--crit2-scale-minimum", "inf"], "Invalid value for --crit2-scale-minimum"),
        (
            ["--compat", "suddengains", "--direction", "higher_is_better"],
            "Invalid value for --direction: suddengains has no score direction",
        ),
        (["--direction", "up"], "Invalid value for --direction: 'up'"),
        (["--compat", "r"], "Invalid value for --compat: 'r': use suddengains or default"),
        # options that would be ignored
        (
            ["--sg-crit3", "false", "--sg-crit3-alpha", "0.05"],
            "--sg-crit3-alpha: has no effect with --sg-crit3 false",
        ),
        (
            ["--sg-crit3-critical-value", "3.182"],
            "--sg-crit3-critical-value: has no effect with --sg-crit3-adjust true",
        ),
        (
            ["--sg-crit3-adjust", "false", "--sg-crit3-alpha", "0.01"],
            "--sg-crit3-alpha: has no effect with --sg-crit3-adjust false",
        ),
        (
            ["--sg-crit2-pct", "null", "--crit2-scale-minimum", "1"],
            "--crit2-scale-minimum: has no effect with --sg-crit2-pct null",
        ),
        (
            ["--compat", "suddengains", "--crit2-scale-minimum", "0"],
            "--crit2-scale-minimum: has no effect with --compat suddengains",
        ),
    ],
)
def test_identify_sg_rejects_impossible_and_unused_options(
    tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "flags.csv"
    code, output = run(*IDENTIFY, *args, "--out", str(out))
    assert code == 2, output
    assert message in output
    assert not out.exists()


def test_sudden_losses_need_a_cut_off_of_zero_or_below(tmp_path: Path) -> None:
    out = tmp_path / "flags.csv"
    code, output = run(
        "identify-sl",
        SGDATA,
        "--sg-var-list",
        BDI_1_12,
        "--sg-crit1-cutoff",
        "7",
        "--out",
        str(out),
    )
    assert code == 2
    assert "--sg-crit1-cutoff: 7 is not allowed: must be zero or negative" in output
    # a rise of 150 % of the pre-loss score is possible: not an impossible share
    code, output = run(
        "identify-sl",
        SGDATA,
        "--sg-var-list",
        BDI_1_12,
        "--sg-crit1-cutoff",
        "-7",
        "--sg-crit2-pct",
        "-1.5",
        "--out",
        str(out),
    )
    assert code == 0, output


def test_fixed_critical_value_is_used_when_adjust_is_false(tmp_path: Path) -> None:
    out = tmp_path / "flags.csv"

    def gains(*args: str) -> int:
        code, output = run(*IDENTIFY, *args, "--out", str(out))
        assert code == 0, output
        flags = pl.read_csv(out, null_values="NA").select(pl.col("^sg_.*$"))
        return int(flags.sum().sum_horizontal()[0])

    # 24 with the adjusted critical value; a fixed 2.776 whatever the missingness adds the
    # two gains of cases 2 and 15 (sgdata was edited by hand for this); 100 leaves none
    assert gains() == 24
    assert gains("--sg-crit3-adjust", "false") == 26
    assert gains("--sg-crit3-adjust", "false", "--sg-crit3-critical-value", "100") == 0


def test_create_bysg_rejects_multiple_sg_select(tmp_path: Path) -> None:
    out = tmp_path / "bysg.csv"
    code, output = run(
        "create-bysg", SGDATA, *BY_ARGS, "--multiple-sg-select", "last", "--out", str(out)
    )
    assert code == 2
    assert (
        "--multiple-sg-select: not an option of create-bysg, which keeps every gain, one row "
        "each (suddengains::create_bysg has no such argument)" in output
    )
    assert not out.exists()
    # an option of another sub-command is unknown here
    code, output = run(
        "create-bysg", SGDATA, *BY_ARGS, "--crit123-details", "true", "--out", str(out)
    )
    assert code == 2
    assert "No such option: --crit123-details" in output


# ---------------------------------------------------------------- create-byperson --data-is-bysg


def _bysg_then_byperson(
    tmp_path: Path, source: str, by_args: list[str], select: str, compat: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    bysg = tmp_path / "bysg.csv"
    from_bysg = tmp_path / "from_bysg.csv"
    from_wide = tmp_path / "from_wide.csv"
    code, output = run("create-bysg", source, *by_args, "--compat", compat, "--out", str(bysg))
    assert code == 0, output
    code, output = run(
        "create-byperson",
        str(bysg),
        "--data-is-bysg",
        "true",
        "--multiple-sg-select",
        select,
        "--compat",
        compat,
        "--out",
        str(from_bysg),
    )
    assert code == 0, output
    code, output = run(
        "create-byperson",
        source,
        *by_args,
        "--multiple-sg-select",
        select,
        "--compat",
        compat,
        "--out",
        str(from_wide),
    )
    assert code == 0, output
    # compared as text: the bysg route must write the same cells
    return pl.read_csv(from_bysg, infer_schema=False), pl.read_csv(from_wide, infer_schema=False)


def test_create_byperson_from_bysg_against_suddengains_create_byperson_sg_c7_first(
    tmp_path: Path,
) -> None:
    result, _ = _bysg_then_byperson(tmp_path, SGDATA, BY_ARGS, "first", "suddengains")
    reference = pl.read_csv(DATA / "create_byperson_sg_c7_first.csv", infer_schema=False)
    # a bysg table holds the 15 persons with a gain and the columns create_bysg copied
    expected = reference.filter(pl.col("sg_crit123") == "1").select(result.columns)
    assert result.height == 15
    assert result.columns[:16] == reference.columns[:16]
    assert result.columns[16:] == [f"bdi_s{i}" for i in range(1, 13)]
    assert result.equals(expected)


EDGE_LOSS_ARGS = [
    "--sg-var-list",
    X_1_12,
    "--sg-crit1-cutoff",
    "-7",
    "--tx-start-var-name",
    "x_s1",
    "--tx-end-var-name",
    "x_s12",
    "--sg-measure-name",
    "x",
    "--identify",
    "sl",
    "--sg-crit2-pct",
    "null",
]


@pytest.mark.parametrize("select", ["first", "last", "smallest", "largest"])
@pytest.mark.parametrize("compat", ["suddengains", "default"])
@pytest.mark.parametrize(("source", "by_args"), [(SGDATA, BY_ARGS), (EDGE, EDGE_LOSS_ARGS)])
def test_create_byperson_from_bysg_equals_byperson_from_the_wide_data(
    tmp_path: Path, source: str, by_args: list[str], select: str, compat: str
) -> None:
    result, wide = _bysg_then_byperson(tmp_path, source, by_args, select, compat)
    expected = wide.filter(pl.col("sg_crit123") == "1").select(result.columns)
    assert result.height > 0
    assert result.equals(expected)


def test_edge_case_21_largest_loss_from_bysg_follows_the_mode(tmp_path: Path) -> None:
    # id 21: losses of 10 (s3 -> s4) and 20 (s7 -> s8); suddengains compares the signed
    # magnitude (-10 > -20), the default mode the size
    chosen = {}
    for compat in ("suddengains", "default"):
        result, _ = _bysg_then_byperson(tmp_path, EDGE, EDGE_LOSS_ARGS, "largest", compat)
        chosen[compat] = result.filter(pl.col("id") == "21")["id_sg"][0]
    assert chosen == {"suddengains": "21_sg_3", "default": "21_sg_7"}


def test_create_byperson_data_is_bysg_option_checks(tmp_path: Path) -> None:
    out = tmp_path / "byperson.csv"
    code, output = run(
        "create-byperson",
        SGDATA,
        "--data-is-bysg",
        "true",
        "--sg-crit1-cutoff",
        "7",
        "--out",
        str(out),
    )
    assert code == 2
    assert "--sg-crit1-cutoff: has no effect with --data-is-bysg true" in output
    code, output = run("create-byperson", SGDATA, "--out", str(out))
    assert code == 2
    assert "--sg-var-list: missing (required unless --data-is-bysg true)" in output
    # the wide data are not a bysg table
    code, output = run("create-byperson", SGDATA, "--data-is-bysg", "true", "--out", str(out))
    assert code == 1
    assert "column 'id_sg': column not found" in output
    assert not out.exists()


# ---------------------------------------------------------------- --compat everywhere


def test_select_cases_and_define_crit1_cutoff_accept_compat(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    for compat in ("suddengains", "default"):
        code, output = run(
            "select-cases",
            SGDATA,
            "--sg-var-list",
            BDI_1_12,
            "--return-id-lgl",
            "true",
            "--compat",
            compat,
            "--out",
            str(out),
        )
        assert code == 0, output
        assert out.read_bytes() == (DATA / "select_cases_pattern.csv").read_bytes()
        code, output = run(
            "define-crit1-cutoff",
            "--sd",
            "10.5",
            "--reliability",
            "0.931",
            "--compat",
            compat,
            "--out",
            str(out),
        )
        assert code == 0, output
        value = pl.read_csv(out)["reliable_change_value"][0]
        assert value == pytest.approx(7.645130685606359, rel=1e-13)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--method", "pattern", "--min-sess-num", "9"],
            "--min-sess-num: has no effect with --method pattern",
        ),
        (["--method", "min_sess"], "--min-sess-num: missing (needed with --method min_sess)"),
        (["--method", "min_sess", "--min-sess-num", "13"], "--min-sess-num: 13 is not allowed"),
        (["--method", "min_sess", "--min-sess-num", "-1"], "--min-sess-num: -1 is not allowed"),
    ],
)
def test_select_cases_option_checks(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out.csv"
    code, output = run("select-cases", SGDATA, "--sg-var-list", BDI_1_12, *args, "--out", str(out))
    assert code == 2, output
    assert message in output
    assert not out.exists()


# ---------------------------------------------------------------- define-crit1-cutoff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sd", "10.5", "--reliability", "1.5"], "--reliability: 1.5 is not allowed"),
        (["--sd", "-1", "--reliability", "0.9"], "--sd: -1 is not allowed"),
        (["--reliability", "0.9"], "give exactly one of --sd and --data-sd"),
        (["--sd", "10.5"], "give exactly one of --reliability and --data-reliability"),
        (["--data-sd", "bdi_s0", "--reliability", "0.9"], "need an INPUT file"),
        ([SGDATA, "--sd", "10.5", "--reliability", "0.9"], "INPUT has no effect without"),
    ],
)
def test_define_crit1_cutoff_option_checks(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "cut.csv"
    code, output = run("define-crit1-cutoff", *args, "--out", str(out))
    assert code == 2, output
    assert message in output
    assert not out.exists()


def test_define_crit1_cutoff_data_reliability_is_cronbachs_alpha(tmp_path: Path) -> None:
    items = tmp_path / "items.csv"
    items.write_text("id,i1,i2,i3\n1,1,2,2\n2,2,3,3\n3,3,3,4\n4,4,5,4\n5,2,2,3\n")
    out = tmp_path / "cut.csv"
    code, output = run(
        "define-crit1-cutoff",
        str(items),
        "--data-reliability",
        "i1,i2,i3",
        "--sd",
        "10.5",
        "--out",
        str(out),
    )
    assert code == 0, output
    row = pl.read_csv(out).row(0, named=True)
    # item variances 1.3 + 1.5 + 0.7 = 3.5; totals 5, 8, 10, 13, 7 have variance 9.3:
    # alpha = 3/2 * (1 - 3.5/9.3) = 29/31 (psych::alpha(x)$total$raw_alpha)
    assert row["reliability"] == pytest.approx(29 / 31, rel=1e-14)
    expected = 1.96 * math.sqrt(2) * 10.5 * math.sqrt(1 - 29 / 31)
    assert row["reliable_change_value"] == pytest.approx(expected, rel=1e-14)
    code, output = run(
        "define-crit1-cutoff",
        str(items),
        "--data-reliability",
        "i1,i9",
        "--sd",
        "10.5",
        "--out",
        str(out),
    )
    assert code == 1
    assert "column 'i9': column not found" in output
