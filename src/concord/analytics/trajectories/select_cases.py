"""Which persons provide enough data to look for sudden gains."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import NDArray

from concord.analytics.trajectories._input import check_columns, id_order, score_matrix
from concord.analytics.trajectories.errors import TrajectoryInputError

SelectMethod = Literal["pattern", "min_sess"]

# x = observed, . = missing (Tang & DeRubeis criterion 3 needs these runs)
_PATTERNS = ("xxxx", "xxx.x", "x.xxx", "x.xx.x")


def has_sudden_gain_pattern(observed: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """True for rows whose availability contains one of the four data patterns.

    The patterns (x observed, . missing, consecutive occasions) are
    ``x x x x``, ``x x x . x``, ``x . x x x`` and ``x . x x . x``: the
    minimum around one interval for which criterion 3 can be computed.
    """
    n_persons, n_occasions = observed.shape
    found = np.zeros(n_persons, dtype=np.bool_)
    for pattern in _PATTERNS:
        width = len(pattern)
        for start in range(n_occasions - width + 1):
            match = np.ones(n_persons, dtype=np.bool_)
            for offset, symbol in enumerate(pattern):
                column = observed[:, start + offset]
                match &= column if symbol == "x" else ~column
            found |= match
    return found


def select_cases(
    data: pl.DataFrame,
    id_var_name: str,
    sg_var_list: Sequence[str],
    *,
    method: SelectMethod = "pattern",
    min_sess_num: int | None = None,
    return_id_lgl: bool = False,
) -> pl.DataFrame:
    """Select persons with enough data to identify sudden gains.

    Parameters
    ----------
    method
        ``"pattern"``: keep persons whose availability sequence contains one of
        ``x x x x``, ``x x x . x``, ``x . x x x``, ``x . x x . x``
        (x = observed, . = missing). ``"min_sess"``: keep persons with at least
        ``min_sess_num`` observed values in ``sg_var_list``.
    return_id_lgl
        If True return ``id`` and the logical ``sg_select`` for every person, ordered
        by id; otherwise every row of ``data`` (all its columns, in its own order) with
        ``sg_select`` added, as the package does. Keep the selected persons with
        ``.filter(pl.col("sg_select"))``.

    Returns
    -------
    polars.DataFrame
        One row per person.

    Notes
    -----
    R equivalent: ``suddengains::select_cases(sgdata, "id", bdi_1_12,
    method = "pattern", return_id_lgl = TRUE)`` (39 of 43 kept) or
    ``method = "min_sess", min_sess_num = 9`` (35 kept).
    """
    check_columns(data, id_var_name, sg_var_list)
    scores = score_matrix(data, sg_var_list)
    order = id_order(data, id_var_name)
    ordered = data[order]
    observed = ~np.isnan(scores[order])
    if method == "pattern":
        selected = has_sudden_gain_pattern(observed)
    elif method == "min_sess":
        if min_sess_num is None or min_sess_num < 0:
            raise TrajectoryInputError("method 'min_sess' needs min_sess_num >= 0")
        selected = observed.sum(axis=1) >= min_sess_num
    else:
        raise TrajectoryInputError(f"method must be 'pattern' or 'min_sess', got {method!r}")
    if return_id_lgl:
        return ordered.select(id_var_name).with_columns(pl.Series("sg_select", selected))
    # As the package's left join of the input onto the selection: every input row, in the
    # input's order, with sg_select added.
    in_input_order = np.empty_like(selected)
    in_input_order[order] = selected
    return data.with_columns(pl.Series("sg_select", in_input_order))
