"""One gain per person from an existing bysg table (``create_byperson(data_is_bysg = TRUE)``).

:func:`concord.analytics.trajectories.sudden_gains_by_person` searches the wide data
itself. suddengains' ``create_byperson`` can instead be given a table that
``create_bysg`` already produced (``data_is_bysg = TRUE``); the search arguments are
then not used. This module does that selection on such a table.
"""

from __future__ import annotations

import polars as pl

from concord.analytics.trajectories._input import numeric_column
from concord.analytics.trajectories.by_gain import MULTIPLE_SELECT, MultipleSelect
from concord.analytics.trajectories.errors import TrajectoryInputError
from concord.analytics.trajectories.settings import COMPAT_SUDDENGAINS

# columns every bysg table has (create_bysg writes them for gains and losses alike)
BYSG_REQUIRED = ("id_sg", "sg_crit123", "sg_session_n", "sg_freq_byperson", "sg_magnitude")


def sudden_gains_by_person_from_bysg(
    bysg: pl.DataFrame,
    *,
    id_var_name: str,
    multiple_sg_select: MultipleSelect = "first",
    compat: str | None = None,
) -> pl.DataFrame:
    """One row per person of a bysg table, keeping one gain (or loss) each.

    The selection is the one of :func:`sudden_gains_by_person`: ``first`` / ``last``
    = lowest / highest ``sg_session_n``; ``smallest`` / ``largest`` = smallest /
    largest ``sg_magnitude`` (absolute size by default; the signed magnitude with
    ``compat="suddengains"``), ties to the earliest session.

    Columns: the id, ``id_sg``, every ``sg_*`` column (in input order, as
    ``dplyr::select(id, id_sg, starts_with("sg_"))`` keeps them), then the other
    columns of the table (the score columns ``create_bysg`` copied, which are the
    same on every row of a person). Rows by id.

    A bysg table holds only persons with a gain, so persons without one are not in
    the result (run :func:`sudden_gains_by_person` on the wide data to keep them with
    ``sg_crit123 = 0``).

    Raises
    ------
    TrajectoryInputError
        A required bysg column is missing, an id is missing, or ``sg_session_n`` /
        ``sg_magnitude`` holds something that is not a number (the error names the
        row and column).

    Notes
    -----
    R equivalent: ``suddengains::create_byperson(data = bysg, data_is_bysg = TRUE,
    id_var_name = "id", multiple_sg_select = "first", ...)``; for the persons in the
    bysg table the result equals ``create_byperson`` on the wide data, restricted to
    the columns the bysg table carries.
    """
    if multiple_sg_select not in MULTIPLE_SELECT:
        raise TrajectoryInputError(
            f"multiple_sg_select must be one of {', '.join(MULTIPLE_SELECT)}, "
            f"got {multiple_sg_select!r}"
        )
    if compat not in (None, COMPAT_SUDDENGAINS):
        raise TrajectoryInputError(f"compat must be None or 'suddengains', got {compat!r}")
    if id_var_name not in bysg.columns:
        raise TrajectoryInputError("id column not found in the bysg table", column=id_var_name)
    for name in BYSG_REQUIRED:
        if name not in bysg.columns:
            raise TrajectoryInputError(
                "column not found: is the input a table written by create-bysg?", column=name
            )
    ids = bysg.get_column(id_var_name)
    if ids.null_count():
        row = int(ids.is_null().arg_true()[0]) + 1
        raise TrajectoryInputError("missing id", row=row, column=id_var_name)
    session = numeric_column(bysg, "sg_session_n")
    size = numeric_column(bysg, "sg_magnitude")
    if compat is None:
        size = size.abs()
    if multiple_sg_select in ("first", "last"):
        keys = [session.alias("_session")]
        descending = [multiple_sg_select == "last"]
    else:
        keys = [size.alias("_size"), session.alias("_session")]
        descending = [multiple_sg_select == "largest", False]
    helpers = [key.name for key in keys]
    chosen = (
        bysg.with_columns(keys)
        .sort([id_var_name, *helpers], descending=[False, *descending], nulls_last=True)
        .unique(subset=[id_var_name], keep="first", maintain_order=True)
        .drop(helpers)
    )
    per_gain = [
        "id_sg",
        *(c for c in bysg.columns if c.startswith("sg_") and c != id_var_name),
    ]
    rest = [c for c in bysg.columns if c != id_var_name and c not in per_gain]
    return chosen.select([id_var_name, *per_gain, *rest])
