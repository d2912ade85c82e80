"""Checking long-format session tables (one row per patient and session)."""

from __future__ import annotations

import polars as pl

from concord.analytics.trajectories._input import numeric_column
from concord.analytics.trajectories.errors import TrajectoryInputError


def check_long(
    ratings: pl.DataFrame,
    patient: str,
    session: str,
    score: str,
    date: str | None,
    pre_score: str | None,
) -> pl.DataFrame:
    """Validate and normalise a long table; errors name the row as given.

    Returns columns ``patient``, ``session`` (Int64), ``post`` (the score),
    ``date`` (text, evidence only) and ``pre`` (pre-session score or null),
    ordered by patient, then session. Duplicate (patient, session) pairs,
    fractional session numbers and text that is not a number are errors.
    """
    for name in (patient, session, score, date, pre_score):
        if name is not None and name not in ratings.columns:
            raise TrajectoryInputError("column not found in the data", column=name)
    ids = ratings.get_column(patient)
    if ids.null_count():
        raise TrajectoryInputError(
            "missing patient", row=int(ids.is_null().arg_true()[0]) + 1, column=patient
        )
    sessions = numeric_column(ratings, session)
    bad = sessions.is_null() | (sessions != sessions.round(0)).fill_null(True)
    if bad.any():
        row = int(bad.arg_true()[0]) + 1
        raise TrajectoryInputError("session number must be a whole number", row=row, column=session)
    columns = [
        ids.alias("patient"),
        sessions.cast(pl.Int64).alias("session"),
        numeric_column(ratings, score).alias("post"),
        (
            ratings.get_column(date).cast(pl.String).alias("date")
            if date is not None
            else pl.Series("date", [None] * ratings.height, dtype=pl.String)
        ),
        (
            numeric_column(ratings, pre_score).alias("pre")
            if pre_score is not None
            else pl.Series("pre", [None] * ratings.height, dtype=pl.Float64)
        ),
    ]
    table = pl.DataFrame(columns)
    duplicated = table.select(pl.struct("patient", "session").is_duplicated()).to_series()
    if duplicated.any():
        row = int(duplicated.arg_true()[1]) + 1
        raise TrajectoryInputError(
            f"patient {table['patient'][row - 1]!r} has session {table['session'][row - 1]} twice",
            row=row,
            column=session,
        )
    return table.sort(["patient", "session"], maintain_order=True)
