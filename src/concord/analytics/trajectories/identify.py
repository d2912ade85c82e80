"""Sudden gains and sudden losses per person and interval (wide tables)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from concord.analytics.trajectories._input import check_columns, id_order, score_matrix
from concord.analytics.trajectories.criteria import (
    BoolArray,
    FloatArray,
    IntervalCriteria,
    evaluate_intervals,
)
from concord.analytics.trajectories.settings import Direction, SuddenChangeOptions


@dataclass(frozen=True)
class SuddenChangeSearch:
    """Result of a search: the sorted data, its score matrix and the criteria.

    Attributes
    ----------
    data
        Input rows ordered by id.
    scores
        Persons x occasions matrix of ``sg_var_list`` (NaN = missing).
    criteria
        Per person x interval criteria.
    labels
        Interval labels without prefix (``"2to3"``; ``"1to2"`` with
        ``identify_sg_1to2``).
    """

    options: SuddenChangeOptions
    id_var_name: str
    sg_var_list: tuple[str, ...]
    data: pl.DataFrame
    scores: FloatArray
    criteria: IntervalCriteria
    labels: tuple[str, ...]


def find_sudden_changes(
    data: pl.DataFrame,
    id_var_name: str,
    sg_var_list: Sequence[str],
    options: SuddenChangeOptions,
) -> SuddenChangeSearch:
    """Check the input and evaluate every examinable interval (vectorised)."""
    settings = options.criteria()
    check_columns(data, id_var_name, sg_var_list)
    # parse before sorting so that errors name the row as given
    scores = score_matrix(data, sg_var_list)
    order = id_order(data, id_var_name)
    ordered = data[order]
    scores = scores[order]
    criteria = evaluate_intervals(scores, settings)
    labels = tuple(
        f"{n}to{n + 1}" for n in (options.session_number(int(p)) for p in criteria.pre_position)
    )
    return SuddenChangeSearch(
        options=options,
        id_var_name=id_var_name,
        sg_var_list=tuple(sg_var_list),
        data=ordered,
        scores=scores,
        criteria=criteria,
        labels=labels,
    )


def _tristate(met: BoolArray, available: BoolArray, dtype: pl.DataType) -> list[pl.Series]:
    """One column per interval: ``met`` where ``available``, else null."""
    columns = []
    for i in range(met.shape[1]):
        series = pl.Series(met[:, i]).cast(dtype)
        columns.append(series.zip_with(pl.Series(available[:, i]), pl.Series([None], dtype=dtype)))
    return columns


def search_table(search: SuddenChangeSearch, *, crit123_details: bool) -> pl.DataFrame:
    """The wide table suddengains' ``identify_sg`` / ``identify_sl`` return."""
    prefix = search.options.prefix
    crit = search.criteria
    ids = search.data.select(search.id_var_name)
    combined = _tristate(crit.crit123_met, crit.crit123_available, pl.Int8())
    combined_named = [
        s.alias(f"{prefix}_{label}") for s, label in zip(combined, search.labels, strict=True)
    ]
    if not crit123_details:
        scores = search.data.select(search.sg_var_list)
        return pl.concat([ids, scores, pl.DataFrame(combined_named)], how="horizontal")
    detail_columns: list[pl.Series] = []
    for number, met, available in (
        (1, crit.crit1_met, crit.crit1_available),
        (2, crit.crit2_met, crit.crit2_available),
        (3, crit.crit3_met, crit.crit3_available),
    ):
        if met is None or available is None:
            continue
        for series, label in zip(
            _tristate(met, available, pl.Boolean()), search.labels, strict=True
        ):
            detail_columns.append(series.alias(f"{prefix}_crit{number}_{label}"))
    return pl.concat([ids, pl.DataFrame(detail_columns + combined_named)], how="horizontal")


def identify_sudden_gains(
    data: pl.DataFrame,
    id_var_name: str,
    sg_var_list: Sequence[str],
    *,
    sg_crit1_cutoff: float | None,
    sg_crit2_pct: float | None = 0.25,
    sg_crit3: bool = True,
    sg_crit3_alpha: float = 0.05,
    sg_crit3_adjust: bool = True,
    sg_crit3_critical_value: float = 2.776,
    identify_sg_1to2: bool = False,
    crit123_details: bool = False,
    direction: Direction = "lower_is_better",
    crit2_scale_minimum: float = 0.0,
    compat: str | None = None,
) -> pl.DataFrame:
    r"""Identify sudden gains (Tang & DeRubeis 1999) in every examinable interval.

    For pre-gain score :math:`a` (occasion :math:`j-1`), post-gain score
    :math:`b` (occasion :math:`j`) and improvement :math:`d = a - b`
    (:math:`b - a` when ``direction="higher_is_better"``), an interval is a gain when

    1. :math:`d \ge C_1` (``sg_crit1_cutoff``),
    2. :math:`d \ge p\,(a - m)` (``sg_crit2_pct``, :math:`m` = ``crit2_scale_minimum``, 0
       in suddengains),
    3. :math:`M_{pre} - M_{post} > t_{crit} S_{pool}` over up to three values on
       each side, :math:`t_{crit} = |qt(\alpha/2, n_{pre} + n_{post} - 2)|`
       (``sg_crit3_adjust=True``) or ``sg_crit3_critical_value``.

    Intervals 2->3 .. (k-2)->(k-1) are examined; the flag is 1/0, or null when an
    enabled criterion cannot be computed (missing values).

    Parameters
    ----------
    data
        One row per person; ``sg_var_list`` columns in time order.
    id_var_name, sg_var_list
        Id column and score columns.
    sg_crit1_cutoff, sg_crit2_pct, sg_crit3
        Criteria; ``None`` / ``False`` switches one off.
    sg_crit3_alpha, sg_crit3_adjust, sg_crit3_critical_value
        Critical value of criterion 3.
    identify_sg_1to2
        First column is a baseline ("session 0"): labels shift down by one.
    crit123_details
        Return the three criteria per interval (``sg_crit1_2to3`` ...) too.
    direction
        ``"higher_is_better"`` for alliance-like scales (not in compat mode).
    crit2_scale_minimum
        Criterion 2 on ``a - m`` instead of ``a`` (scales that do not start at 0).
    compat
        ``"suddengains"`` to reproduce suddengains 0.7.2 exactly.

    Returns
    -------
    polars.DataFrame
        ``id``, the scores, ``sg_2to3`` ...; with details ``id``, ``sg_crit1_*``,
        ``sg_crit2_*``, ``sg_crit3_*`` and the combined columns. Rows by id.

    References
    ----------
    Tang, T. Z., & DeRubeis, R. J. (1999). J Consult Clin Psychol 67(6), 894-904.
    Lutz et al. (2013). Psychother Res 23(1), 14-24 (critical values for missing data).
    Wiedemann, Thew, Stott & Ehlers (2020). PLOS ONE 15(3): e0230276.

    Notes
    -----
    R equivalent: ``suddengains::identify_sg(data, id_var_name = "id",
    sg_var_list = c("bdi_s1", ..., "bdi_s12"), sg_crit1_cutoff = 7,
    crit123_details = TRUE)``.
    """
    options = SuddenChangeOptions(
        identify="sg",
        sg_crit1_cutoff=sg_crit1_cutoff,
        sg_crit2_pct=sg_crit2_pct,
        sg_crit3=sg_crit3,
        sg_crit3_alpha=sg_crit3_alpha,
        sg_crit3_adjust=sg_crit3_adjust,
        sg_crit3_critical_value=sg_crit3_critical_value,
        identify_sg_1to2=identify_sg_1to2,
        direction=direction,
        crit2_scale_minimum=crit2_scale_minimum,
        compat=compat,
    )
    search = find_sudden_changes(data, id_var_name, sg_var_list, options)
    return search_table(search, crit123_details=crit123_details)


def identify_sudden_losses(
    data: pl.DataFrame,
    id_var_name: str,
    sg_var_list: Sequence[str],
    *,
    sg_crit1_cutoff: float | None,
    sg_crit2_pct: float | None = 0.25,
    sg_crit3: bool = True,
    sg_crit3_alpha: float = 0.05,
    sg_crit3_adjust: bool = True,
    sg_crit3_critical_value: float = 2.776,
    identify_sg_1to2: bool = False,
    crit123_details: bool = False,
    direction: Direction = "lower_is_better",
    crit2_scale_minimum: float = 0.0,
    compat: str | None = None,
) -> pl.DataFrame:
    r"""Identify sudden losses (sudden worsening), the mirror image of sudden gains.

    With worsening :math:`w = b - a` (:math:`a - b` for ``higher_is_better``):

    1. :math:`w \ge |C_1|` (``sg_crit1_cutoff`` must be <= 0, e.g. -7),
    2. default mode: :math:`w \ge |p|\,(a - m)`; compat mode: suddengains'
       :math:`a - b \le p\,a`, which with the usual ``p = 0.25`` is true for
       every increase (criterion inert; pass ``-0.25`` there),
    3. :math:`M_{post} - M_{pre} > t_{crit} S_{pool}`.

    Parameters and return value as :func:`identify_sudden_gains`, with ``sl_``
    column prefixes.

    Notes
    -----
    R equivalent: ``suddengains::identify_sl(data, "id", bdi_1_12, sg_crit1_cutoff = -7)``.
    """
    options = SuddenChangeOptions(
        identify="sl",
        sg_crit1_cutoff=sg_crit1_cutoff,
        sg_crit2_pct=sg_crit2_pct,
        sg_crit3=sg_crit3,
        sg_crit3_alpha=sg_crit3_alpha,
        sg_crit3_adjust=sg_crit3_adjust,
        sg_crit3_critical_value=sg_crit3_critical_value,
        identify_sg_1to2=identify_sg_1to2,
        direction=direction,
        crit2_scale_minimum=crit2_scale_minimum,
        compat=compat,
    )
    search = find_sudden_changes(data, id_var_name, sg_var_list, options)
    return search_table(search, crit123_details=crit123_details)


def count_flags(search: SuddenChangeSearch) -> int:
    """Number of sudden gains (or losses) found."""
    return int(np.count_nonzero(search.criteria.crit123_met))
