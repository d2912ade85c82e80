"""`concord score` and `concord instruments ...` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from concord.cli.main import app

runner = CliRunner()

PHQ9_CSV = (
    "administration,q1,q2,q3,q4,q5,q6,q7,q8,q9,q10\n"
    "A,3,2,1,0,1,2,3,0,1,2\n"  # 13, moderate, safety
    "B,1,1,1,1,1,1,1,,,0\n"  # 7 answered, 7 x 9 / 7 = 9, prorated, mild
    "C,0,0,0,,,,0,0,0,\n"  # 3 missing -> not scorable
)


def test_score_writes_one_row_per_administration(tmp_path: Path) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text(PHQ9_CSV, encoding="utf-8")
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "PHQ-9", str(responses), "--out", str(out)])
    assert result.exit_code == 0, result.output
    scores = pl.read_csv(out)
    assert scores["administration"].to_list() == ["A", "B", "C"]
    assert scores["total"].to_list() == [13.0, 9.0, None]
    assert scores["total_status"].to_list() == ["complete", "prorated", "not_scorable"]
    assert scores["total_reason"].to_list() == [None, None, "too_many_missing"]
    assert scores["total_band"].to_list() == ["moderate", "mild", None]
    assert scores["flag_safety_item9"].to_list() == [True, False, False]
    assert "safety_item9 (safety): 1 of 3" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (PHQ9_CSV.replace("A,3,2,1", "A,3,5,1"), "row 1, column 'q2'"),
        (PHQ9_CSV.replace("B,1,1,1,1", "B,1,1,x,1"), "row 2, column 'q3'"),
        (PHQ9_CSV.replace(",q9,", ",q9x,"), "column 'q9'"),
    ],
)
def test_score_errors_name_row_and_column_and_leave_no_file(
    tmp_path: Path, content: str, message: str
) -> None:
    responses = tmp_path / "responses.csv"
    responses.write_text(content, encoding="utf-8")
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", "phq9", str(responses), "--out", str(out)])
    assert result.exit_code == 1
    assert message in result.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [responses]


def test_score_unknown_instrument(tmp_path: Path) -> None:
    responses = tmp_path / "r.csv"
    responses.write_text(PHQ9_CSV, encoding="utf-8")
    result = runner.invoke(app, ["score", "nope", str(responses), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 1 and "unknown instrument 'nope'" in result.output


def test_instruments_list_and_show() -> None:
    listing = runner.invoke(app, ["instruments", "list"], env={"COLUMNS": "200"})
    assert listing.exit_code == 0
    for code in ("phq9", "gad7", "bars", "waisr", "waisrt", "waios", "srs", "ors", "mars5"):
        assert code in listing.output
    shown = runner.invoke(app, ["instruments", "show", "WAI-SR"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "licensed text not shipped" in shown.output
    assert "Hatcher" in shown.output
    phq = runner.invoke(app, ["instruments", "show", "phq9"], env={"COLUMNS": "200"})
    assert "Little interest or pleasure" in phq.output
    assert "moderately_severe >= 15" in phq.output


def test_instruments_install_text(tmp_path: Path) -> None:
    pack = {
        "instrument": "mars5",
        "version": "1.0",
        "language": "nl",
        "items": {f"q{i}": f"tekst {i}" for i in range(1, 6)},
        "options": {f"q{i}": {str(v): f"optie {v}" for v in range(1, 6)} for i in range(1, 6)},
    }
    path = tmp_path / "mars5-nl.json"
    path.write_text(json.dumps(pack), encoding="utf-8")
    target = tmp_path / "texts"
    result = runner.invoke(app, ["instruments", "install-text", str(path), "--target", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "mars5" / "1.0" / "nl.json").is_file()
    del pack["items"]["q4"]
    path.write_text(json.dumps(pack), encoding="utf-8")
    bad = runner.invoke(
        app, ["instruments", "install-text", str(path), "--target", str(tmp_path / "t2")]
    )
    assert bad.exit_code == 1
    assert "items.q4" in bad.output
