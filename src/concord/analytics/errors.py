"""The error every analytics module raises for input it cannot use."""

from __future__ import annotations


class AnalyticsInputError(ValueError):
    """An input table or argument cannot be used.

    Statistical situations ("no gain was found") are results, not errors.

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
