"""Every command-line tool writes its outputs the same way: through temporary files renamed
together on success, with the permissions of any new file (the umask's, not mkstemp's 0600),
and nothing left behind on failure. (`concord adherence` has its own, fuller tests in
tests/analytics/adherence/test_cli_adherence_outputs.py.)"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from concord.cli.main import app
from concord.cli.output_files import write_atomically

runner = CliRunner()


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_atomically_takes_the_umask_and_leaves_nothing_on_failure(
    tmp_path: Path, umask_027: None
) -> None:
    out = tmp_path / "table.csv"
    write_atomically(out, lambda p: p.write_text("a\n1\n"))
    assert out.read_text() == "a\n1\n" and mode(out) == 0o640  # 0o666 & ~0o027

    def fails(p: Path) -> None:
        p.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(out, fails)
    assert out.read_text() == "a\n1\n"  # the old contents kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]  # no temporary file


def test_score_output_takes_the_umask(tmp_path: Path, umask_027: None) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text("administration,q1,q2,q3,q4,q5,q6,q7,q8,q9,q10\nA,3,2,1,0,1,2,3,0,1,2\n")
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "PHQ-9", str(responses), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o640


def _ratings(tmp_path: Path) -> Path:
    # Two patients, five sessions each; patient 2 dips at session 4 and comes back.
    rows = ["patient,session,score"]
    rows += [f"1,{s},{score}" for s, score in enumerate([36, 37, 36, 37, 36], start=1)]
    rows += [f"2,{s},{score}" for s, score in enumerate([38, 38, 37, 30, 38], start=1)]
    source = tmp_path / "srs.csv"
    source.write_text("\n".join(rows) + "\n")
    return source


def test_trajectories_outputs_are_written_together_or_not_at_all(
    tmp_path: Path, umask_027: None
) -> None:
    source = _ratings(tmp_path)
    out = tmp_path / "events.csv"
    result = runner.invoke(app, ["trajectories", "ruptures", str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert mode(out) == 0o640
    # not-on-track with a model file whose companion --out cannot be renamed into place (it
    # is a directory): the model file written first is taken back, nothing is left.
    phq9 = tmp_path / "phq9.csv"
    lines = ["patient,session,score"]  # 24 patients improving by a point a session
    lines += [f"{p},{s},{20 - s + p % 5}" for p in range(24) for s in range(1, 7)]
    phq9.write_text("\n".join(lines) + "\n")
    blocked = tmp_path / "flags.csv"
    blocked.mkdir()
    model = tmp_path / "model.csv"
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(
        app,
        ["trajectories", "not-on-track", str(phq9), "--out", str(blocked),
         "--model-out", str(model)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"Error: cannot write {blocked}: Is a directory" in result.output
    assert not model.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    # The same call with a writable --out writes both.
    result = runner.invoke(
        app,
        ["trajectories", "not-on-track", str(phq9), "--out", str(tmp_path / "ok.csv"),
         "--model-out", str(model)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert model.exists() and mode(model) == 0o640
