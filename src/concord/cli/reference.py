"""Generate docs/cli.md from the commands' own ``--help`` (``python -m concord.cli.reference``).

A test regenerates it and fails when docs/cli.md is out of date, so the reference never
drifts from the code.
"""

from __future__ import annotations

import os
import sys

import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

HEADER = """# Command-line reference

Generated from each command's `--help` by `python -m concord.cli.reference > docs/cli.md`;
`tests/test_cli_reference.py` fails when this file is out of date.
"""


def _commands(command: object, path: list[str]) -> list[list[str]]:
    found = [path]
    if isinstance(command, TyperGroup):
        for name in sorted(command.commands):
            sub = command.commands[name]
            if not getattr(sub, "hidden", False):
                found.extend(_commands(sub, [*path, name]))
    return found


def cli_reference(app: typer.Typer) -> str:
    """The Markdown reference of every command and sub-command of ``app``."""
    os.environ["NO_COLOR"] = "1"
    os.environ["TERMINAL_WIDTH"] = "100"
    os.environ["COLUMNS"] = "100"
    runner = CliRunner()
    parts = [HEADER]
    for path in _commands(typer.main.get_command(app), []):
        result = runner.invoke(
            app, [*path, "--help"], prog_name="concord", terminal_width=100, color=False
        )
        title = " ".join(["concord", *path])
        text = "\n".join(line.rstrip() for line in result.output.strip().splitlines())
        parts.append(f"## `{title}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


def main() -> None:
    from concord.cli.main import app

    sys.stdout.write(cli_reference(app))


if __name__ == "__main__":
    main()
