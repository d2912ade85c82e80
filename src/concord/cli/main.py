"""Entry point of the ``concord`` command.

Each business area keeps its commands in its own module, which exposes
``register(app)``; this module only assembles them.
"""

from __future__ import annotations

import typer

from concord.cli import adherence, measures, trajectories, web

app = typer.Typer(
    name="concord",
    help="Concord: therapeutic alliance, shared plans and adherence analytics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (web, adherence, trajectories, measures):
    module.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
