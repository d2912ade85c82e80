"""`concord trajectories ...`: sudden gains / losses, alliance signals, reliable change.

Sub-commands mirror the R package suddengains (options named after its
arguments, underscores turned into hyphens; booleans ``true``/``false``;
lists comma separated; ``null`` switches a criterion off) and write the
package's column names. Input: CSV (``NA`` or empty = missing) or Parquet.
Output: CSV (``NA`` for missing, ``TRUE``/``FALSE``) or Parquet by suffix.
Nothing is written when the input is rejected.

Exit codes: 2 for a usage error (an impossible option value, an option that would
have no effect in the combination given, a missing or unknown option), 1 for a
problem in the data, 0 on success.

Modules: :mod:`~concord.cli.trajectories_options` (option parsing and checks),
:mod:`~concord.cli.trajectories_io` (tables in and out),
:mod:`~concord.cli.trajectories_suddengains` and :mod:`~concord.cli.trajectories_signals`
(the commands).
"""

from __future__ import annotations

import typer

from concord.cli.trajectories_signals import (
    not_on_track_command,
    reliable_change_command,
    ruptures_command,
)
from concord.cli.trajectories_suddengains import (
    create_byperson_command,
    create_bysg_command,
    define_crit1_cutoff_command,
    identify_command,
    select_cases_command,
)

app = typer.Typer(
    name="trajectories",
    help="Sudden gains and losses (suddengains-compatible) and alliance signals.",
    no_args_is_help=True,
)

app.command("identify-sg", help="Flag sudden gains per interval (suddengains::identify_sg).")(
    identify_command("sg")
)
app.command("identify-sl", help="Flag sudden losses per interval (suddengains::identify_sl).")(
    identify_command("sl")
)
app.command("create-bysg")(create_bysg_command)
app.command("create-byperson")(create_byperson_command)
app.command("select-cases")(select_cases_command)
app.command("define-crit1-cutoff")(define_crit1_cutoff_command)
app.command("ruptures")(ruptures_command)
app.command("reliable-change")(reliable_change_command)
app.command("not-on-track")(not_on_track_command)


def register(main_app: typer.Typer) -> None:
    """Add this area's commands to the `concord` application."""
    main_app.add_typer(app, name="trajectories")
