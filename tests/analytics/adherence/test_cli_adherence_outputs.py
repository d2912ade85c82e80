"""`concord adherence`: output paths checked first, outputs written together, summary line.

A run that fails -- on a bad output path, or while writing -- leaves no output file and no
temporary file behind, and existing files keep their contents; outputs get the permissions
of any new file (the umask's). The summary line states the events and patients read, the
rows written to each file and the engine, with the numbers of AdhereR's ``med.events``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from _adherer_helpers import DATA, REFERENCE
from typer.testing import CliRunner

import concord.cli.adherence as cli_adherence
from concord.cli.adherence_output import group_output_path
from concord.cli.main import app
from concord.cli.output_files import StagedOutputs

runner = CliRunner()
MED_EVENTS = str(DATA / "med_events.csv")
COLUMNS = [
    "--event-daily-dose-colname", "PERDAY",
    "--medication-class-colname", "CATEGORY",
    "--date-format", "%Y-%m-%d",
]  # fmt: skip
EPISODES = [
    "--followup-window-start", "0", "--followup-window-duration", "730",
    "--carryover-within-obs-window", "true", "--carry-only-for-same-medication", "true",
    "--consider-dosage-change", "true", "--maximum-permissible-gap", "180",
    "--return-mapping-events-episodes", "true",
]  # fmt: skip
# med.events: 1080 events of 100 patients (shared/data/adherer/README.md)
EVENTS, PATIENTS = 1080, 100


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def _episodes(tmp_path: Path, out: str, mapping: str) -> str:
    result = runner.invoke(
        app, ["adherence", "episodes", MED_EVENTS, "--out", out, *COLUMNS, *EPISODES,
              "--mapping-out", mapping],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    return result.output


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("te.txt", "Error: --out 'te.txt' must end in .csv or .parquet [option --out]"),
        ("nodir/te.csv", "the directory 'nodir' does not exist [option --out]"),
    ],
)
def test_bad_out_path_leaves_no_mapping_file(
    out: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert message in _episodes(tmp_path, out, "m2.csv")
    assert list(tmp_path.iterdir()) == []


def test_bad_mapping_path_is_rejected_before_computing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    output = _episodes(tmp_path, "te.csv", "m2.txt")
    assert "--mapping-out 'm2.txt' must end in .csv or .parquet [option --mapping-out]" in output
    output = _episodes(tmp_path, "te.csv", "te.csv")
    assert "name the same file" in output
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_existing_files_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, mapping = tmp_path / "te.csv", tmp_path / "mapping.csv"
    out.write_text("old episodes\n")
    mapping.write_text("old mapping\n")
    real_write = cli_adherence.write_polars_table

    def fail_on_mapping(frame: pl.DataFrame, temporary: Path, target: Path) -> int:
        if target == mapping:
            raise OSError("disk full")
        return real_write(frame, temporary, target)

    monkeypatch.setattr(cli_adherence, "write_polars_table", fail_on_mapping)
    result = runner.invoke(
        app, ["adherence", "episodes", MED_EVENTS, "--out", str(out), *COLUMNS, *EPISODES,
              "--mapping-out", str(mapping)],
    )  # fmt: skip
    assert result.exit_code != 0
    assert out.read_text() == "old episodes\n"  # written first, never renamed onto te.csv
    assert mapping.read_text() == "old mapping\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mapping.csv", "te.csv"]


def test_a_failed_rename_puts_the_earlier_outputs_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("old a\n")
    staged = StagedOutputs()
    staged.add(first).write_text("new a\n")
    staged.add(second).write_text("new b\n")
    real_replace = os.replace

    def fail_on_second(source: object, target: object) -> None:
        if Path(str(target)) == second:
            raise OSError("rename failed")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", fail_on_second)
    with pytest.raises(OSError, match="rename failed"):
        staged.commit()
    monkeypatch.setattr(os, "replace", real_replace)
    staged.discard()
    assert first.read_text() == "old a\n"
    assert not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


@pytest.mark.usefixtures("umask_022")
def test_outputs_get_the_permissions_of_a_new_file(tmp_path: Path) -> None:
    out, mapping = tmp_path / "te.csv", tmp_path / "mapping.parquet"
    result = runner.invoke(
        app, ["adherence", "episodes", MED_EVENTS, "--out", str(out), *COLUMNS, *EPISODES,
              "--mapping-out", str(mapping)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert stat.S_IMODE(mapping.stat().st_mode) == 0o644
    os.umask(0o027)
    cma = tmp_path / "cma9.csv"
    result = runner.invoke(app, ["adherence", "CMA9", MED_EVENTS, "--out", str(cma), *COLUMNS])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(cma.stat().st_mode) == 0o640


def test_summary_states_events_patients_rows_output_and_engine(tmp_path: Path) -> None:
    out = tmp_path / "cma9.csv"
    result = runner.invoke(app, ["adherence", "CMA9", MED_EVENTS, "--out", str(out), *COLUMNS])
    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"CMA9: {EVENTS} events, {PATIENTS} patients -> {PATIENTS} rows written to "
        rf"{re.escape(str(out))} \(duckdb, \d+\.\d\d s\)",
        summary,
    ), summary
    # episodes and their mapping: the rows of AdhereR's te_default.csv and its mapping
    episodes = pl.read_csv(REFERENCE / "te_default.csv").height
    events_mapped = pl.read_csv(REFERENCE / "te_default_mapping.csv").height
    assert (episodes, events_mapped) == (242, 1066)
    te, mapping = tmp_path / "te.csv", tmp_path / "mapping.csv"
    result = runner.invoke(
        app, ["adherence", "episodes", MED_EVENTS, "--out", str(te), *COLUMNS, *EPISODES,
              "--mapping-out", str(mapping)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        rf"episodes: {EVENTS} events, {PATIENTS} patients -> {episodes} rows written to "
        rf"{re.escape(str(te))}, {events_mapped} rows to {re.escape(str(mapping))} "
        r"\(duckdb, \d+\.\d\d s\)",
        result.output.strip().splitlines()[-1],
    ), result.output
    quiet = runner.invoke(
        app, ["adherence", "CMA9", MED_EVENTS, "--out", str(out), *COLUMNS, "--quiet"]
    )
    assert quiet.exit_code == 0 and quiet.output == ""


def test_one_file_per_group_has_a_name_of_its_own() -> None:
    assert group_output_path(Path("out/cma.csv"), "Vitamins") == Path("out/cma.Vitamins.csv")
    assert group_output_path(Path("cma.parquet"), "A/B C") == Path("cma.A%2FB%20C.parquet")
    assert group_output_path(Path("cma.csv"), "__ALL_OTHERS__") == Path("cma.__ALL_OTHERS__.csv")
