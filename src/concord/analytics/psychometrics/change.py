"""Reliable change and clinically significant change (Jacobson & Truax 1991), vectorised.

All functions take scalars or arrays; ``pre`` and ``post`` are broadcast against each other (and
against ``sd_pre`` / ``reliability`` / ``cutoff`` when those are arrays), so a caller can pass a
whole cohort at once: one element per patient. ``nan`` marks a missing score; such elements get
the category code ``"missing"``.

Reference: Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach
to defining meaningful change in psychotherapy research. Journal of Consulting and Clinical
Psychology, 59(1), 12-19. doi:10.1037/0022-006X.59.1.12
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from concord.analytics.psychometrics._common import PsychometricsInputError

#: The normal quantile for a two-tailed p < .05 (Jacobson & Truax's 1.96).
CRITICAL_Z = 1.96

RELIABLE_CHANGE_CODES = ("improved", "unchanged", "deteriorated", "missing")
CLINICAL_SIGNIFICANCE_CODES = (
    "recovered",
    "improved",
    "unchanged",
    "deteriorated",
    "harmed",
    "missing",
)


@dataclass(frozen=True)
class ReliableChangeCriterion:
    """Size of a reliable change on a scale (suddengains' ``define_crit1_cutoff``).

    ``standard_error_measurement = sd * sqrt(1 - reliability)``,
    ``standard_error_difference = sqrt(2) * standard_error_measurement``,
    ``reliable_change_value = critical_z * standard_error_difference`` (score points).
    """

    sd: float
    reliability: float
    standard_error_measurement: float
    standard_error_difference: float
    reliable_change_value: float


@dataclass(frozen=True)
class ReliableChangeResult:
    """Per-element reliable change index and category.

    ``rci = (post - pre) / standard_error_difference`` (sign follows the raw scores, so a
    negative RCI is an improvement on a lower-is-better scale); ``category`` holds the codes
    ``improved`` / ``unchanged`` / ``deteriorated`` / ``missing``; ``reliable`` is
    ``|rci| > critical_z`` (strict, as in R's clinicalsignificance).
    """

    change: NDArray[np.float64]
    rci: NDArray[np.float64]
    reliable: NDArray[np.bool_]
    category: NDArray[np.str_]
    standard_error_difference: NDArray[np.float64]
    critical_z: float
    higher_is_better: bool

    def counts(self) -> dict[str, int]:
        """Number of elements per category code (every code present, zero if none)."""
        return _count(self.category, RELIABLE_CHANGE_CODES)


@dataclass(frozen=True)
class ClinicalSignificanceCutoffs:
    """Jacobson & Truax cut-offs a, b, c (``nan`` when the functional norms are not given).

    a = 2 SD beyond the dysfunctional mean in the healthy direction; b = 2 functional SDs from
    the functional mean towards the dysfunctional side; c = the SD-weighted midpoint
    ``(sd_dys * m_func + sd_func * m_dys) / (sd_dys + sd_func)``.
    """

    a: float
    b: float
    c: float
    higher_is_better: bool

    def get(self, name: str) -> float:
        """The cut-off called ``a``, ``b`` or ``c``."""
        if name not in ("a", "b", "c"):
            raise PsychometricsInputError(f"unknown cut-off {name!r}; choose a, b or c")
        return float(getattr(self, name))


@dataclass(frozen=True)
class ClinicalSignificanceResult:
    """Per-element reliable change plus the Jacobson & Truax category.

    ``category``: ``recovered`` (reliable improvement and moved from the dysfunctional to the
    functional side of ``cutoff``), ``improved`` (reliable improvement otherwise),
    ``unchanged``, ``deteriorated`` (reliable worsening otherwise), ``harmed`` (reliable
    worsening that moved from the functional to the dysfunctional side), ``missing``.
    A score is on the functional side when it is strictly beyond the cut-off in the healthy
    direction (``< cutoff`` if lower is better, ``> cutoff`` if higher is better).
    """

    reliable_change: ReliableChangeResult
    cutoff: NDArray[np.float64]
    pre_functional: NDArray[np.bool_]
    post_functional: NDArray[np.bool_]
    category: NDArray[np.str_]

    def counts(self) -> dict[str, int]:
        """Number of elements per category code (every code present, zero if none)."""
        return _count(self.category, CLINICAL_SIGNIFICANCE_CODES)


def _count(category: NDArray[np.str_], codes: tuple[str, ...]) -> dict[str, int]:
    found = Counter(str(c) for c in np.ravel(category))
    return {code: int(found.get(code, 0)) for code in codes}


def _check_reliability(sd_pre: ArrayLike, reliability: ArrayLike) -> tuple[NDArray, NDArray]:
    sd = np.asarray(sd_pre, dtype=float)
    rel = np.asarray(reliability, dtype=float)
    if np.any(~np.isfinite(sd)) or np.any(sd <= 0):
        raise PsychometricsInputError("sd_pre must be finite and > 0")
    if np.any(~np.isfinite(rel)) or np.any(rel < 0) or np.any(rel >= 1):
        raise PsychometricsInputError("reliability must be in [0, 1)")
    return sd, rel


def reliable_change_criterion(
    sd: float, reliability: float, *, critical_z: float = CRITICAL_Z
) -> ReliableChangeCriterion:
    """Standard errors and the smallest reliable change in score points.

    Parameters
    ----------
    sd
        SD of the pre-treatment (clinical) sample.
    reliability
        Reliability of the measure (Cronbach's alpha or test-retest r), in [0, 1).
    critical_z
        Two-tailed critical value (1.96 for p < .05).

    Notes
    -----
    R: ``suddengains::define_crit1_cutoff(sd = sd, reliability = reliability)``.
    """
    sd_arr, rel_arr = _check_reliability(sd, reliability)
    sem = float(sd_arr * np.sqrt(1.0 - rel_arr))
    sdiff = float(np.sqrt(2.0) * sem)
    return ReliableChangeCriterion(float(sd), float(reliability), sem, sdiff, critical_z * sdiff)


def reliable_change_index(
    pre: ArrayLike,
    post: ArrayLike,
    *,
    sd_pre: ArrayLike,
    reliability: ArrayLike,
    higher_is_better: bool = False,
    critical_z: float = CRITICAL_Z,
) -> ReliableChangeResult:
    r"""Jacobson & Truax (1991) reliable change index, element-wise.

    .. math::

        RCI = \frac{x_{post} - x_{pre}}{S_{diff}}, \quad
        S_{diff} = \sqrt{2}\, SD_{pre} \sqrt{1 - r_{xx}}

    A change is reliable when :math:`|RCI| > z` (``critical_z``, default 1.96). It is an
    improvement when it goes in the healthy direction (down if ``higher_is_better`` is False).

    Parameters
    ----------
    pre, post
        Scores before and after (scalars or arrays of equal / broadcastable shape; ``nan`` for
        missing).
    sd_pre
        SD of the pre-treatment sample (scalar, or array broadcastable to ``pre``).
    reliability
        Reliability of the measure in [0, 1) (scalar or broadcastable array).
    higher_is_better
        Direction of the scale (False for symptom scales such as PHQ-9 or BDI).
    critical_z
        Critical value of ``|RCI|``.

    Returns
    -------
    ReliableChangeResult
        Arrays with the broadcast shape of the inputs.

    Notes
    -----
    R: ``clinicalsignificance::cs_distribution(..., reliability = r)`` (Jacobson-Truax method).
    """
    sd, rel = _check_reliability(sd_pre, reliability)
    pre_arr = np.asarray(pre, dtype=float)
    post_arr = np.asarray(post, dtype=float)
    try:
        pre_b, post_b, sd_b, rel_b = np.broadcast_arrays(pre_arr, post_arr, sd, rel)
    except ValueError as exc:
        raise PsychometricsInputError(f"pre/post/sd_pre/reliability shapes differ: {exc}") from exc
    sdiff = np.sqrt(2.0) * sd_b * np.sqrt(1.0 - rel_b)
    change = post_b - pre_b
    rci = change / sdiff
    missing = np.isnan(rci)
    reliable = np.abs(np.nan_to_num(rci)) > critical_z
    healthy = rci > 0 if higher_is_better else rci < 0
    category = np.where(
        missing,
        "missing",
        np.where(reliable & healthy, "improved", np.where(reliable, "deteriorated", "unchanged")),
    ).astype(np.str_)
    return ReliableChangeResult(
        change=change,
        rci=rci,
        reliable=reliable,
        category=category,
        standard_error_difference=sdiff,
        critical_z=float(critical_z),
        higher_is_better=higher_is_better,
    )


def clinical_significance_cutoffs(
    mean_dysfunctional: float,
    sd_dysfunctional: float,
    mean_functional: float | None = None,
    sd_functional: float | None = None,
    *,
    higher_is_better: bool = False,
) -> ClinicalSignificanceCutoffs:
    r"""Jacobson & Truax (1991) cut-offs a, b and c.

    Lower is better: :math:`a = M_{dys} - 2 SD_{dys}`, :math:`b = M_{func} + 2 SD_{func}`;
    higher is better: :math:`a = M_{dys} + 2 SD_{dys}`, :math:`b = M_{func} - 2 SD_{func}`;
    both: :math:`c = (SD_{dys} M_{func} + SD_{func} M_{dys}) / (SD_{dys} + SD_{func})`.

    b uses the *functional* group's SD as published; R's clinicalsignificance 3.0.0 uses the
    clinical SD instead (``m_functional + 2 * sd_clinical``), which gives a different b.
    b and c are ``nan`` when the functional mean/SD are not given.
    """
    if not sd_dysfunctional > 0:
        raise PsychometricsInputError("sd_dysfunctional must be > 0")
    sign = 1.0 if higher_is_better else -1.0
    a = mean_dysfunctional + sign * 2.0 * sd_dysfunctional
    b = c = float("nan")
    if mean_functional is not None and sd_functional is not None:
        if not sd_functional > 0:
            raise PsychometricsInputError("sd_functional must be > 0")
        b = mean_functional - sign * 2.0 * sd_functional
        c = (sd_dysfunctional * mean_functional + sd_functional * mean_dysfunctional) / (
            sd_dysfunctional + sd_functional
        )
    elif (mean_functional is None) != (sd_functional is None):
        raise PsychometricsInputError("give both mean_functional and sd_functional, or neither")
    return ClinicalSignificanceCutoffs(float(a), float(b), float(c), higher_is_better)


def clinically_significant_change(
    pre: ArrayLike,
    post: ArrayLike,
    *,
    sd_pre: ArrayLike,
    reliability: ArrayLike,
    cutoff: ArrayLike,
    higher_is_better: bool = False,
    critical_z: float = CRITICAL_Z,
) -> ClinicalSignificanceResult:
    """Jacobson & Truax classification of each pre/post pair (vectorised).

    Parameters
    ----------
    pre, post, sd_pre, reliability, higher_is_better, critical_z
        As in :func:`reliable_change_index`.
    cutoff
        The functional/dysfunctional boundary (usually ``cutoffs.c`` or ``cutoffs.a`` from
        :func:`clinical_significance_cutoffs`); scalar or broadcastable array.

    Returns
    -------
    ClinicalSignificanceResult
        ``category`` codes per element; ``counts()`` for a summary.
    """
    rc = reliable_change_index(
        pre,
        post,
        sd_pre=sd_pre,
        reliability=reliability,
        higher_is_better=higher_is_better,
        critical_z=critical_z,
    )
    cut = np.asarray(cutoff, dtype=float)
    if np.any(~np.isfinite(cut)):
        raise PsychometricsInputError("cutoff must be finite (is the functional norm missing?)")
    pre_b, post_b, cut_b = np.broadcast_arrays(
        np.asarray(pre, dtype=float), np.asarray(post, dtype=float), cut
    )
    pre_b = np.broadcast_to(pre_b, rc.rci.shape)
    post_b = np.broadcast_to(post_b, rc.rci.shape)
    cut_b = np.broadcast_to(cut_b, rc.rci.shape)
    if higher_is_better:
        pre_functional, post_functional = pre_b > cut_b, post_b > cut_b
    else:
        pre_functional, post_functional = pre_b < cut_b, post_b < cut_b
    category = rc.category.copy()
    category[(rc.category == "improved") & ~pre_functional & post_functional] = "recovered"
    category[(rc.category == "deteriorated") & pre_functional & ~post_functional] = "harmed"
    return ClinicalSignificanceResult(
        reliable_change=rc,
        cutoff=np.asarray(cut_b, dtype=float),
        pre_functional=pre_functional,
        post_functional=post_functional,
        category=category,
    )
