"""Internal consistency: Cronbach's alpha (Feldt CI) and McDonald's omega total (one factor)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from concord.analytics.psychometrics._common import (
    Estimate,
    PsychometricsInputError,
    as_complete_matrix,
    check_confidence,
)


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha with its Feldt confidence interval.

    ``n_respondents`` counts the complete rows used (rows with a missing item are dropped).
    """

    alpha: float
    lower: float
    upper: float
    confidence: float
    n_respondents: int
    n_items: int

    def estimates(self) -> tuple[Estimate, ...]:
        """The result as named estimates (``alpha``)."""
        return (Estimate("alpha", self.alpha, self.lower, self.upper),)


@dataclass(frozen=True)
class OmegaResult:
    """McDonald's omega total from a one-factor model, with a percentile bootstrap CI.

    ``loadings`` and ``uniquenesses`` are on the metric that omega refers to: the raw item
    metric (``standardized=False``) or the standardised one (``standardized=True``).
    """

    omega_total: float
    lower: float
    upper: float
    confidence: float
    n_respondents: int
    n_items: int
    loadings: tuple[float, ...]
    uniquenesses: tuple[float, ...]
    standardized: bool
    n_bootstrap: int

    def estimates(self) -> tuple[Estimate, ...]:
        """The result as named estimates (``omega_total``)."""
        return (Estimate("omega_total", self.omega_total, self.lower, self.upper),)


def cronbach_alpha(data: ArrayLike, *, confidence: float = 0.95) -> AlphaResult:
    r"""Cronbach's alpha of a respondents x items table, with Feldt's confidence interval.

    .. math::

        \alpha = \frac{k}{k-1}\left(1 - \frac{\sum_i s_i^2}{s_T^2}\right)

    with :math:`k` items, item variances :math:`s_i^2` and the variance of the total score
    :math:`s_T^2`. The interval (Feldt 1965; Feldt, Woodruff & Salih 1987) uses
    :math:`(1-\alpha)/(1-\hat\alpha) \sim F(n-1, (n-1)(k-1))`:

    .. math::

        [\,1 - (1-\hat\alpha) F_{1-\gamma/2},\; 1 - (1-\hat\alpha) F_{\gamma/2}\,]

    Parameters
    ----------
    data
        2-D array, one row per respondent, one column per item; ``nan`` marks a missing answer.
        Rows with any missing value are dropped (listwise deletion).
    confidence
        Confidence level of the interval (default 0.95).

    Returns
    -------
    AlphaResult

    Raises
    ------
    PsychometricsInputError
        Fewer than 2 items or 3 complete rows, or a total score without variance.

    Notes
    -----
    R equivalent: ``psych::alpha(x)$total$raw_alpha`` and
    ``psych::alpha.ci(alpha, n.obs, n.var)`` for the interval.
    """
    level = check_confidence(confidence)
    x = as_complete_matrix(data, what="cronbach_alpha", min_rows=3, min_cols=2)
    n, k = x.shape
    item_var = x.var(axis=0, ddof=1)
    total_var = x.sum(axis=1).var(ddof=1)
    if total_var == 0:
        raise PsychometricsInputError("cronbach_alpha: the total score has no variance")
    alpha = k / (k - 1) * (1.0 - item_var.sum() / total_var)
    gamma = 1.0 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - gamma / 2, df1, df2)
    upper = 1.0 - (1.0 - alpha) * stats.f.ppf(gamma / 2, df1, df2)
    return AlphaResult(float(alpha), float(lower), float(upper), level, n, k)


def _one_factor_uls(corr: NDArray, *, max_iter: int = 500, tol: float = 1e-9) -> NDArray:
    """Loadings of a one-factor model fitted to a correlation matrix by iterated principal axes.

    Communalities start at the squared multiple correlations and are replaced by the squared
    loadings until they change by less than ``tol``; at convergence this is the unweighted
    least-squares (minres) solution. Communalities are kept in [0, 0.995] (Heywood guard).
    """
    k = corr.shape[0]
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            smc = 1.0 - 1.0 / np.diag(np.linalg.inv(corr))
    except np.linalg.LinAlgError:
        smc = np.full(k, 0.5)
    smc = np.where(np.isfinite(smc), smc, 0.5)
    communality = np.clip(smc, 0.0, 0.995)
    loadings = np.sqrt(communality)
    for _ in range(max_iter):
        reduced = corr.copy()
        np.fill_diagonal(reduced, communality)
        eigenvalues, eigenvectors = np.linalg.eigh(reduced)
        first = eigenvectors[:, -1] * np.sqrt(max(eigenvalues[-1], 0.0))
        if first.sum() < 0:
            first = -first
        loadings = first
        updated = np.clip(loadings**2, 0.0, 0.995)
        if np.max(np.abs(updated - communality)) < tol:
            break
        communality = updated
    return loadings


def _omega_from_matrix(x: NDArray, standardized: bool) -> tuple[float, NDArray, NDArray]:
    cov = np.cov(x, rowvar=False, ddof=1)
    sd = np.sqrt(np.diag(cov))
    if np.any(sd == 0):
        raise PsychometricsInputError("mcdonald_omega: an item has no variance")
    corr = cov / np.outer(sd, sd)
    loadings = _one_factor_uls(corr)
    uniquenesses = 1.0 - loadings**2
    if not standardized:
        loadings = loadings * sd
        uniquenesses = uniquenesses * sd**2
    common = loadings.sum() ** 2
    return float(common / (common + uniquenesses.sum())), loadings, uniquenesses


def mcdonald_omega(
    data: ArrayLike,
    *,
    standardized: bool = False,
    confidence: float = 0.95,
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> OmegaResult:
    r"""McDonald's omega total of a respondents x items table from a one-factor model.

    .. math::

        \omega_t = \frac{(\sum_i \lambda_i)^2}{(\sum_i \lambda_i)^2 + \sum_i \psi_i}

    Estimation: a one-factor model is fitted to the item *correlation* matrix by unweighted
    least squares (iterated principal-axis factoring from squared multiple correlations until
    the communalities change by < 1e-9; communalities capped at 0.995). With
    ``standardized=False`` (default) the loadings and uniquenesses are rescaled by the item SDs
    (``lambda_i * s_i``, ``psi_i * s_i^2``), so omega is the reliability of the unit-weighted
    raw sum score that Concord reports; ``standardized=True`` gives omega of standardised items.
    The denominator is the model-implied total variance. The interval is a percentile bootstrap
    over respondents (``n_bootstrap`` resamples, reproducible with ``seed``).

    Parameters
    ----------
    data
        2-D array, respondents x items (at least 3 items); rows with a missing value are dropped.
    standardized, confidence, n_bootstrap, seed
        See above. ``n_bootstrap=0`` skips the interval (bounds are ``nan``).

    Returns
    -------
    OmegaResult

    Notes
    -----
    R: ``psych::omega(x, nfactors = 1, fm = "minres")`` fits the same model on correlations, but
    divides by the *observed* total variance (``sum(R)``); the two agree when the one-factor model
    fits exactly. McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
    """
    level = check_confidence(confidence)
    if n_bootstrap < 0:
        raise PsychometricsInputError("mcdonald_omega: n_bootstrap must be >= 0")
    x = as_complete_matrix(data, what="mcdonald_omega", min_rows=4, min_cols=3)
    n, k = x.shape
    omega, loadings, uniquenesses = _omega_from_matrix(x, standardized)
    lower = upper = float("nan")
    if n_bootstrap:
        rng = np.random.default_rng(seed)
        draws = []
        for _ in range(n_bootstrap):
            sample = x[rng.integers(0, n, size=n)]
            if np.any(sample.var(axis=0) == 0):
                continue
            draws.append(_omega_from_matrix(sample, standardized)[0])
        if draws:
            gamma = 1.0 - level
            lower, upper = (float(v) for v in np.quantile(draws, [gamma / 2, 1 - gamma / 2]))
    return OmegaResult(
        omega_total=omega,
        lower=lower,
        upper=upper,
        confidence=level,
        n_respondents=n,
        n_items=k,
        loadings=tuple(float(v) for v in loadings),
        uniquenesses=tuple(float(v) for v in uniquenesses),
        standardized=standardized,
        n_bootstrap=n_bootstrap,
    )
