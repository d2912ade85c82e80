"""`concord adherence` options: every AdhereR argument, and none that silently does nothing.

An option the measure does not take, or that would change nothing, is an error naming the
option (exit code 1, nothing written); a window that does not fit names the window options
(or columns), not the ID column. The options added for AdhereR's remaining arguments are
checked against the reference outputs: output column names, flattened or per-group
medication-group tables, ``force.NA.CMA.for.failed.patients``, parallel backends.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from _adherer_helpers import DATA, REFERENCE, assert_matches_reference
from typer.testing import CliRunner

from concord.cli.main import app

runner = CliRunner()
MED_EVENTS = str(DATA / "med_events.csv")
MED_EVENTS_ATC = str(DATA / "med_events_ATC.csv")
MED_GROUPS = str(DATA / "med_groups.csv")
COLUMNS = [
    "--event-daily-dose-colname", "PERDAY",
    "--medication-class-colname", "CATEGORY",
    "--date-format", "%Y-%m-%d",
]  # fmt: skip
PDC_PERIOD = ["--period-start", "2036-01-01", "--period-end", "2036-12-31"]
DEFAULT_WINDOWS = [
    "--followup-window-start", "0", "--followup-window-duration", "730",
    "--observation-window-start", "182", "--observation-window-duration", "365",
]  # fmt: skip


def _run(*args: str) -> str:
    result = runner.invoke(app, ["adherence", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _fail(tmp_path: Path, measure: str, *args: str, data: str = MED_EVENTS) -> str:
    """Run and expect a usage error (exit code 1) that leaves ``tmp_path`` empty."""
    result = runner.invoke(
        app, ["adherence", measure, data, "--out", str(tmp_path / "out.csv"), *args]
    )
    assert result.exit_code == 1, result.output
    assert list(tmp_path.iterdir()) == []
    return result.output.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("measure", "args", "message"),
    [
        # the mapping exists for episodes only, and needs its file (and the other way round)
        ("CMA9", ["--mapping-out", "m.csv"], "[option --mapping-out]"),
        ("episodes", ["--mapping-out", "m.csv"], "[option --mapping-out]"),
        (
            "CMA9",
            ["--return-mapping-events-episodes", "true"],
            "CMA9 has no treatment episodes [option --return-mapping-events-episodes]",
        ),
        (
            "per-episode",
            ["--return-mapping-events-episodes", "true", "--mapping-out", "m.csv"],
            "per-episode event mapping is not reproduced",
        ),
        (
            "episodes",
            ["--return-mapping-events-episodes", "true"],
            "needs --mapping-out FILE [options --return-mapping-events-episodes, --mapping-out]",
        ),
        # invalid values, named by their option
        (
            "CMA9",
            ["--observation-window-duration-unit", "fortnights"],
            "must be one of days, weeks, months, years, not 'fortnights' "
            "[option --observation-window-duration-unit]",
        ),
        ("episodes", ["--maximum-permissible-gap-unit", "hours"], "not 'hours'"),
        (
            "CMA9",
            ["--followup-window-duration", "-5"],
            "--followup-window-duration '-5' must be a positive number (or a column of the "
            "input) [option --followup-window-duration]",
        ),
        ("CMA9", ["--observation-window-duration", "0"], "[option --observation-window-duration]"),
        (
            "CMA9",
            ["--observation-window-duration", "a year"],
            "'a year' is neither a number nor a column of the input",
        ),
        (
            "CMA9",
            ["--observation-window-start", "2036-13-01"],
            "nor a date in --date-format '%Y-%m-%d' [option --observation-window-start]",
        ),
        ("CMA9", ["--parallel-backend", "gpu"], "[option --parallel-backend]"),
        ("CMA9", ["--parallel-threads", "0"], "[option --parallel-threads]"),
        ("sliding-window", ["--sliding-window-duration", "0"], "must be a positive number"),
        # options of another measure
        (
            "CMA9",
            ["--sliding-window-duration", "30"],
            "--sliding-window-duration does nothing for CMA9: it applies to sliding-window",
        ),
        ("episodes", ["--observation-window-start", "10"], "does nothing for episodes"),
        ("episodes", ["--medication-groups", MED_GROUPS], "[option --medication-groups]"),
        ("CMA9", ["--maximum-permissible-gap", "30"], "applies to per-episode, episodes"),
        ("CMA9", ["--cma-to-apply", "CMA7"], "[option --cma-to-apply]"),
        ("episodes", ["--event-info"], "[option --event-info]"),
        ("CMA9", ["--period-start", "2036-01-01"], "it applies to pdc"),
        ("pdc", [*PDC_PERIOD, "--followup-window-start", "0"], "does nothing for pdc"),
        ("pdc", ["--period-start", "2036-01-01"], "pdc needs --period-start and --period-end"),
        # values a measure fixes
        (
            "CMA1",
            ["--carryover-within-obs-window", "true"],
            "CMA1 fixes it to false (AdhereR overrides it too) "
            "[option --carryover-within-obs-window]",
        ),
        ("CMA5", ["--carryover-into-obs-window", "true"], "CMA5 fixes it to false"),
        (
            "per-episode",
            ["--cma-to-apply", "CMA9", "--carryover-within-obs-window", "false"],
            "CMA9 fixes it to true",
        ),
        ("CMA2", ["--consider-dosage-change", "true"], "CMA1-CMA4 take no carry-over"),
        ("sliding-window", ["--force-na-cma-for-failed-patients", "false"], "always left out"),
        # options that qualify another one
        ("CMA9", ["--event-interval-colname", "iv"], "does nothing without --event-info"),
        (
            "CMA9",
            ["--flatten-medication-groups", "true"],
            "does nothing without --medication-groups",
        ),
        ("CMA9", ["--medication-groups-colname", "G"], "[option --medication-groups-colname]"),
        (
            "CMA9",
            ["--medication-groups", MED_GROUPS, "--event-info"],
            "[options --event-info, --medication-groups]",
        ),
        (
            "CMA9",
            ["--force-na-cma-for-failed-patients", "false", "--event-info"],
            "not available with --event-info",
        ),
        (
            "event-gaps",
            ["--carry-only-for-same-medication", "true"],
            "needs --carryover-within-obs-window true or --carryover-into-obs-window true",
        ),
        (
            "sliding-window",
            ["--sliding-window-no-steps", "3", "--sliding-window-step-duration", "10"],
            "[options --sliding-window-step-duration, --sliding-window-no-steps]",
        ),
    ],
)
def test_an_option_that_would_do_nothing_is_an_error(
    measure: str, args: list[str], message: str, tmp_path: Path
) -> None:
    assert message in _fail(tmp_path, measure, *COLUMNS, *args)


def test_carry_over_for_the_same_medication_needs_the_class_column(tmp_path: Path) -> None:
    line = _fail(tmp_path, "CMA9", "--carry-only-for-same-medication", "true")
    assert line.endswith(
        "--carry-only-for-same-medication true does nothing without --medication-class-colname "
        "[options --carry-only-for-same-medication, --medication-class-colname]"
    )


OW_START, OW_DURATION = "--observation-window-start", "--observation-window-duration"


@pytest.mark.parametrize(
    ("args", "how", "where"),
    [
        ([OW_DURATION, "800"], "ends after", f"[option {OW_DURATION}]"),
        ([OW_START, "500"], "ends after", f"[option {OW_START}]"),
        (
            ["--followup-window-duration", "100"],
            "ends after",
            "[option --followup-window-duration]",
        ),
        ([OW_START, "-5"], "starts before", f"[option {OW_START}]"),
        # a unit given alone applies to AdhereR's default value: 730 weeks do not fit in 730 days
        ([f"{OW_DURATION}-unit", "weeks"], "ends after", f"[option {OW_DURATION}-unit]"),
    ],
)
def test_window_that_does_not_fit_names_the_window_option(
    args: list[str], how: str, where: str, tmp_path: Path
) -> None:
    line = _fail(tmp_path, "CMA9", *COLUMNS, *args)
    assert line.startswith(
        f"Error: the observation window does not fit inside the follow-up window (it {how} it) "
        "for patient(s) 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 (rows 1, 25, 33, 61,"
    )
    assert line.endswith(where)
    assert "PATIENT_ID" not in line


def test_window_that_does_not_fit_names_the_window_start_column(tmp_path: Path) -> None:
    data = pl.read_csv(MED_EVENTS).with_columns(
        (pl.col("DATE").str.to_date().min().over("PATIENT_ID") + pl.duration(days=500))
        .dt.strftime("%Y-%m-%d")
        .alias("OW_START")
    )
    source = tmp_path.parent / f"{tmp_path.name}_events.csv"
    data.write_csv(source)
    args = ["--observation-window-start", "OW_START", "--observation-window-duration", "365"]
    line = _fail(tmp_path, "CMA7", *COLUMNS, *args, data=str(source))
    assert line.endswith("[column OW_START; option --observation-window-duration]")
    line = _fail(
        tmp_path, "CMA7", *COLUMNS, "--observation-window-start", "OW_START", data=str(source)
    )
    assert line.endswith(
        "(rows 1, 25, 33, 61, 67, 75, 84, 90, 104, 113 and 90 more) [column OW_START]"
    )


def test_a_unit_given_alone_applies_to_the_default_value_as_in_adherer(tmp_path: Path) -> None:
    weeks, days, default = (tmp_path / f"{n}.csv" for n in ("weeks", "days", "default"))
    _run(
        "CMA9",
        MED_EVENTS,
        "--out",
        str(weeks),
        *COLUMNS,
        "--followup-window-duration-unit",
        "weeks",
    )
    _run("CMA9", MED_EVENTS, "--out", str(days), *COLUMNS, "--followup-window-duration", "5110")
    _run("CMA9", MED_EVENTS, "--out", str(default), *COLUMNS)
    # 730 weeks = 5110 days: the follow-up runs on past the last events, CMA9 changes
    assert weeks.read_bytes() == days.read_bytes() != default.read_bytes()


def test_parallel_options_are_accepted_and_ignored_with_a_notice(tmp_path: Path) -> None:
    out = tmp_path / "cma7.csv"
    output = _run(
        "CMA7", MED_EVENTS, "--out", str(out), *COLUMNS, *DEFAULT_WINDOWS,
        "--parallel-backend", "snow(SOCK)", "--parallel-threads", "4",
    )  # fmt: skip
    assert out.read_text() == (REFERENCE / "cma7_default.csv").read_text()
    assert (
        "Note: --parallel-backend / --parallel-threads are accepted for AdhereR call "
        "compatibility and ignored: the duckdb engine parallelises on its own"
    ) in output


def test_dosage_change_episode_option_has_no_effect_as_in_adherer(tmp_path: Path) -> None:
    episodes = [
        "--carryover-within-obs-window", "true", "--carry-only-for-same-medication", "true",
        "--consider-dosage-change", "true", "--maximum-permissible-gap", "180",
    ]  # fmt: skip
    out = tmp_path / "te.csv"
    output = _run(
        "episodes", MED_EVENTS, "--out", str(out), *COLUMNS, *episodes,
        "--dosage-change-means-new-treatment-episode", "true",
    )  # fmt: skip
    assert out.read_text() == (REFERENCE / "te_default.csv").read_text()
    assert "--dosage-change-means-new-treatment-episode true has no effect" in output


def test_event_gaps_column_names_against_adherer_event_int_gaps_default(tmp_path: Path) -> None:
    out = tmp_path / "gaps.csv"
    _run(
        "event-gaps", MED_EVENTS, "--out", str(out), *COLUMNS, *DEFAULT_WINDOWS,
        "--carryover-within-obs-window", "true", "--carryover-into-obs-window", "true",
        "--keep-window-start-end-dates", "true",
        "--event-interval-colname", "interval", "--gap-days-colname", "gaps",
    )  # fmt: skip
    table = pl.read_csv(out, infer_schema=False)
    assert table.columns[5:7] == ["interval", "gaps"]
    renamed = table.rename({"interval": "event.interval", "gaps": "gap.days"})
    assert_matches_reference(renamed, "event_int_gaps_default.csv")
    info = tmp_path / "info.csv"
    _run(
        "CMA9", MED_EVENTS, "--out", str(info), *COLUMNS, *DEFAULT_WINDOWS, "--event-info",
        "--gap-days-colname", "GAP",
    )  # fmt: skip
    table = pl.read_csv(info, infer_schema=False)
    assert "GAP" in table.columns and "gap.days" not in table.columns
    assert_matches_reference(table.rename({"GAP": "gap.days"}), "cma9_default_eventinfo.csv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    line = _fail(elsewhere, "event-gaps", *COLUMNS, "--gap-days-colname", "DATE")
    assert line.endswith("the output already has a column 'DATE' [option --gap-days-colname]")


def test_medication_groups_flat_or_one_file_per_group(tmp_path: Path) -> None:
    groups = ["--medication-groups", MED_GROUPS]
    flat, explicit = tmp_path / "flat.csv", tmp_path / "explicit.csv"
    _run("CMA1", MED_EVENTS_ATC, "--out", str(flat), *COLUMNS, *groups)
    _run(
        "CMA1", MED_EVENTS_ATC, "--out", str(explicit), *COLUMNS, *groups,
        "--flatten-medication-groups", "true",
    )  # fmt: skip
    assert flat.read_bytes() == explicit.read_bytes()  # flat is the CLI's default
    named = tmp_path / "named.csv"
    _run(
        "CMA1", MED_EVENTS_ATC, "--out", str(named), *COLUMNS, *groups,
        "--medication-groups-colname", "GROUP",
    )  # fmt: skip
    table = pl.read_csv(flat, infer_schema=False)
    assert pl.read_csv(named, infer_schema=False).equals(table.rename({".MED_GROUP_ID": "GROUP"}))
    split = tmp_path / "split" / "cma1.csv"
    split.parent.mkdir()
    output = _run(
        "CMA1", MED_EVENTS_ATC, "--out", str(split), *COLUMNS, *groups,
        "--flatten-medication-groups", "false",
    )  # fmt: skip
    names = table.get_column(".MED_GROUP_ID").unique(maintain_order=True).to_list()
    # med.groups' six groups select rows; __ALL_OTHERS__ selects none and is omitted
    assert names == ["Vitamins", "VitaResp", "VitaShort", "VitELow", "VitaComb", "NotVita"]
    assert sorted(p.name for p in split.parent.iterdir()) == sorted(f"cma1.{n}.csv" for n in names)
    for name in names:
        part = pl.read_csv(split.parent / f"cma1.{name}.csv", infer_schema=False)
        expected = table.filter(pl.col(".MED_GROUP_ID") == name).drop(".MED_GROUP_ID")
        assert part.height == 16 and part.equals(expected)
    assert f"16 rows written to {split.parent / 'cma1.Vitamins.csv'}, 16 rows to " in output


def test_force_na_false_leaves_out_patients_without_a_followup_event(tmp_path: Path) -> None:
    # The follow-up window starts 600 days after each first event: 12 patients have no event
    # in it. AdhereR's force.NA.CMA.for.failed.patients = FALSE leaves them out; patients
    # with events but an undefined CMA1 (fewer than two events in the window) keep their NA.
    late = ["--followup-window-start", "600"]
    kept, dropped = tmp_path / "kept.csv", tmp_path / "dropped.csv"
    _run(
        "CMA1", MED_EVENTS, "--out", str(kept), *COLUMNS, *late,
        "--force-na-cma-for-failed-patients", "true",
    )  # fmt: skip
    _run(
        "CMA1", MED_EVENTS, "--out", str(dropped), *COLUMNS, *late,
        "--force-na-cma-for-failed-patients", "false",
    )  # fmt: skip
    all_rows = pl.read_csv(kept, infer_schema=False)
    some_rows = pl.read_csv(dropped, infer_schema=False)
    gaps = tmp_path / "gaps.csv"
    _run("event-gaps", MED_EVENTS, "--out", str(gaps), *COLUMNS, *late)
    with_events = pl.read_csv(gaps, infer_schema=False).get_column("PATIENT_ID").unique()
    assert (all_rows.height, some_rows.height, with_events.len()) == (100, 88, 88)
    assert some_rows.equals(all_rows.filter(pl.col("PATIENT_ID").is_in(with_events.implode())))
    left_out = all_rows.join(some_rows, on="PATIENT_ID", how="anti")
    assert left_out.get_column("CMA").unique().to_list() == ["NA"]
    assert some_rows.filter(pl.col("CMA") == "NA").height == 41 - 12  # NA kept, as in AdhereR
