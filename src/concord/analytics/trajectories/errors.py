"""Errors raised by the trajectory analytics.

Input problems are errors (they stop the computation and say what and where);
statistical situations such as "no gain was found" are results, except in the
``compat="suddengains"`` mode, which mirrors the package and stops.
"""

from __future__ import annotations


class TrajectoryInputError(ValueError):
    """The input data or an argument cannot be used.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    row
        1-based data row (header not counted) where the problem was found, if any.
    column
        Column where the problem was found, if any.
    """

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = f"{', '.join(where)}: " if where else ""
        super().__init__(prefix + message)
        self.row = row
        self.column = column


class NoSuddenChangesError(ValueError):
    """No sudden gain or loss was identified (``compat="suddengains"`` only).

    suddengains' ``create_bysg`` and ``create_byperson`` stop with "No sudden
    gains were identified." in this case; the default mode returns an empty
    table instead.
    """
