"""docs/cli.md is generated from the commands' --help and must match the code."""

from __future__ import annotations

from pathlib import Path

from concord.cli.main import app
from concord.cli.reference import cli_reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def test_cli_reference_is_up_to_date() -> None:
    generated = cli_reference(app)
    assert "## `concord demo`" in generated and "## `concord audit verify`" in generated
    assert DOC.read_text(encoding="utf-8") == generated, (
        "docs/cli.md is out of date: run `python -m concord.cli.reference > docs/cli.md`"
    )
