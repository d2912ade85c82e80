"""Reliable and clinically significant change per patient (Jacobson & Truax 1991).

The formulas live in :mod:`concord.analytics.psychometrics`; this module picks
each patient's pre and post scores from long-format session data and returns
one row per patient.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from concord.analytics.psychometrics import (
    PsychometricsInputError,
    clinically_significant_change,
    reliable_change_index,
)
from concord.analytics.trajectories._long import check_long
from concord.analytics.trajectories.errors import TrajectoryInputError


def _pre_post(
    table: pl.DataFrame, pre_session: int | None, post_session: int | None
) -> pl.DataFrame:
    rated = table.filter(pl.col("post").is_not_null())
    pre = rated if pre_session is None else rated.filter(pl.col("session") == pre_session)
    post = rated if post_session is None else rated.filter(pl.col("session") == post_session)
    first = pre.group_by("patient", maintain_order=True).agg(
        pl.col("session").first().alias("pre_session"), pl.col("post").first().alias("pre_score")
    )
    last = post.group_by("patient", maintain_order=True).agg(
        pl.col("session").last().alias("post_session"), pl.col("post").last().alias("post_score")
    )
    patients = table.select("patient").unique(maintain_order=True)
    joined = patients.join(first, on="patient", how="left", maintain_order="left").join(
        last, on="patient", how="left", maintain_order="left"
    )
    # a post score must come after the pre score (one rating is no change)
    usable = pl.col("post_session") > pl.col("pre_session")
    return joined.with_columns(
        pl.when(usable).then(pl.col("post_session")).alias("post_session"),
        pl.when(usable).then(pl.col("post_score")).alias("post_score"),
    )


def reliable_change_by_patient(
    ratings: pl.DataFrame,
    *,
    reliability: float,
    sd_pre: float | None = None,
    higher_is_better: bool = False,
    cutoff: float | None = None,
    pre_session: int | None = None,
    post_session: int | None = None,
    patient: str = "patient",
    session: str = "session",
    score: str = "score",
) -> pl.DataFrame:
    r"""Reliable change index (and clinical significance) of each patient.

    .. math::

        RCI = \frac{x_{post} - x_{pre}}{\sqrt{2}\, SD_{pre} \sqrt{1 - r_{xx}}},
        \quad \text{reliable if } |RCI| > 1.96

    Parameters
    ----------
    ratings
        Long table, one row per patient and session.
    reliability
        Reliability of the measure (alpha or test-retest), in [0, 1).
    sd_pre
        SD of the pre-treatment scores; default: sample SD (n - 1) of the pre
        scores of the patients who have both a pre and a post score (as R's
        clinicalsignificance does).
    higher_is_better
        Direction of the scale.
    cutoff
        Functional / dysfunctional boundary (Jacobson & Truax a, b or c, from
        :func:`concord.analytics.psychometrics.clinical_significance_cutoffs`);
        adds ``clinical_category`` (recovered / improved / unchanged /
        deteriorated / harmed / missing).
    pre_session, post_session
        Sessions to compare; default the first and the last rated session.

    Returns
    -------
    polars.DataFrame
        ``patient``, ``pre_session``, ``post_session``, ``pre_score``,
        ``post_score``, ``change`` (post - pre), ``rci``, ``reliable``,
        ``category`` (improved / unchanged / deteriorated / missing),
        ``sd_pre``, ``standard_error_difference`` and, with a cut-off,
        ``cutoff``, ``pre_functional``, ``post_functional``, ``clinical_category``.

    References
    ----------
    Jacobson, N. S., & Truax, P. (1991). J Consult Clin Psychol 59(1), 12-19.

    Notes
    -----
    R equivalent: ``clinicalsignificance::cs_distribution(data, id, time, bdi,
    pre = 1, post = 4, reliability = 0.801)`` (Jacobson-Truax method).
    """
    table = check_long(ratings, patient, session, score, None, None)
    pairs = _pre_post(table, pre_session, post_session)
    pre = pairs["pre_score"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    post = pairs["post_score"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    complete = ~(np.isnan(pre) | np.isnan(post))
    if sd_pre is None:
        if complete.sum() < 2:
            raise TrajectoryInputError("sd_pre needs at least two patients with pre and post")
        sd_pre = float(np.std(pre[complete], ddof=1))
    try:
        if cutoff is None:
            rc = reliable_change_index(
                pre, post, sd_pre=sd_pre, reliability=reliability, higher_is_better=higher_is_better
            )
            cs = None
        else:
            cs = clinically_significant_change(
                pre,
                post,
                sd_pre=sd_pre,
                reliability=reliability,
                cutoff=cutoff,
                higher_is_better=higher_is_better,
            )
            rc = cs.reliable_change
    except PsychometricsInputError as error:
        raise TrajectoryInputError(str(error)) from error
    result = pairs.with_columns(
        pl.Series("change", rc.change, nan_to_null=True),
        pl.Series("rci", rc.rci, nan_to_null=True),
        pl.Series("reliable", rc.reliable),
        pl.Series("category", rc.category.astype(str)),
        pl.lit(sd_pre).alias("sd_pre"),
        pl.Series("standard_error_difference", rc.standard_error_difference),
    ).rename({"patient": patient})
    if cs is not None:
        result = result.with_columns(
            pl.lit(float(cutoff)).alias("cutoff"),  # type: ignore[arg-type]
            pl.Series("pre_functional", cs.pre_functional).set(pl.Series(~complete), None),
            pl.Series("post_functional", cs.post_functional).set(pl.Series(~complete), None),
            pl.Series("clinical_category", cs.category.astype(str)),
        )
    return result
