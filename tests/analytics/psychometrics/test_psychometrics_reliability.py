"""Cronbach's alpha and McDonald's omega: hand-computed cases and exact one-factor data."""

from __future__ import annotations

import numpy as np
import pytest

from concord.analytics.psychometrics import (
    PsychometricsInputError,
    cronbach_alpha,
    mcdonald_omega,
)

SMALL = [[1, 2, 3], [2, 3, 3], [3, 3, 4], [4, 5, 5]]


def test_cronbach_alpha_hand_computed() -> None:
    # item variances 5/3, 4.75/3, 2.75/3 -> sum 12.5/3; totals 6, 8, 10, 14 -> variance 35/3
    # alpha = 3/2 * (1 - 12.5/35) = 33.75/35 = 0.9642857
    # Feldt: df (3, 6); F.975(3,6) = 6.5988, F.025(3,6) = 1/F.975(6,3) = 1/14.735
    # lower = 1 - (1 - 0.9642857) * 6.5988 = 0.76433; upper = 1 - 0.0357143/14.735 = 0.99758
    result = cronbach_alpha(SMALL)
    assert result.alpha == pytest.approx(33.75 / 35, rel=1e-12)
    assert result.lower == pytest.approx(0.76433, abs=2e-4)
    assert result.upper == pytest.approx(0.99758, abs=2e-5)
    assert (result.n_respondents, result.n_items) == (4, 3)
    assert result.estimates()[0].name == "alpha"


def test_cronbach_alpha_drops_rows_with_missing_items() -> None:
    result = cronbach_alpha([*SMALL, [1, np.nan, 2]])
    assert result.n_respondents == 4
    assert result.alpha == pytest.approx(33.75 / 35)


def test_cronbach_alpha_errors_name_the_problem() -> None:
    with pytest.raises(PsychometricsInputError, match="at least 2 columns"):
        cronbach_alpha([[1], [2], [3]])
    with pytest.raises(PsychometricsInputError, match="no variance"):
        cronbach_alpha([[1, 1], [1, 1], [1, 1]])
    with pytest.raises(PsychometricsInputError, match="confidence"):
        cronbach_alpha(SMALL, confidence=1.5)


def exact_one_factor_sample(loadings: np.ndarray, sds: np.ndarray, n: int = 400) -> np.ndarray:
    """Data whose sample covariance equals the one-factor model's covariance exactly."""
    corr = np.outer(loadings, loadings)
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(sds, sds)
    rng = np.random.default_rng(7)
    z = rng.standard_normal((n, len(loadings)))
    z -= z.mean(axis=0)
    whitening = np.linalg.cholesky(np.cov(z, rowvar=False))
    z = z @ np.linalg.inv(whitening).T  # sample covariance now exactly identity
    return z @ np.linalg.cholesky(cov).T + 3.0


def test_mcdonald_omega_recovers_exact_one_factor_model() -> None:
    # loadings .9 .8 .7 .6 (standardised), item SDs 2 1 3 1
    # standardised: (3.0)^2 / (9 + .19 + .36 + .51 + .64) = 9 / 10.7 = 0.841121
    # raw: sum(l*s) = 1.8 + .8 + 2.1 + .6 = 5.3 -> 28.09;
    #      sum(psi*s^2) = .76 + .36 + 4.59 + .64 = 6.35 -> 28.09 / 34.44 = 0.815621
    data = exact_one_factor_sample(np.array([0.9, 0.8, 0.7, 0.6]), np.array([2.0, 1, 3, 1]))
    standardised = mcdonald_omega(data, standardized=True, n_bootstrap=0)
    raw = mcdonald_omega(data, n_bootstrap=0)
    assert standardised.omega_total == pytest.approx(9 / 10.7, abs=1e-6)
    assert raw.omega_total == pytest.approx(28.09 / 34.44, abs=1e-6)
    assert standardised.loadings == pytest.approx((0.9, 0.8, 0.7, 0.6), abs=1e-5)
    assert np.isnan(raw.lower)


def test_mcdonald_omega_equals_alpha_for_parallel_items() -> None:
    # Equal loadings and uniquenesses: omega total and alpha coincide (both 0.8 here:
    # 4 items with r = .5 -> alpha = 4*.5 / (1 + 3*.5) = 0.8).
    data = exact_one_factor_sample(np.full(4, np.sqrt(0.5)), np.ones(4))
    assert mcdonald_omega(data, n_bootstrap=0).omega_total == pytest.approx(0.8, abs=1e-6)
    assert cronbach_alpha(data).alpha == pytest.approx(0.8, abs=1e-9)


def test_mcdonald_omega_bootstrap_interval_is_reproducible() -> None:
    data = exact_one_factor_sample(np.array([0.8, 0.7, 0.6, 0.5]), np.ones(4), n=120)
    first = mcdonald_omega(data, n_bootstrap=200, seed=3)
    again = mcdonald_omega(data, n_bootstrap=200, seed=3)
    assert (first.lower, first.upper) == (again.lower, again.upper)
    assert first.lower < first.omega_total < first.upper
    assert first.estimates()[0].name == "omega_total"


def test_mcdonald_omega_needs_three_items() -> None:
    with pytest.raises(PsychometricsInputError, match="at least 3 columns"):
        mcdonald_omega([[1, 2], [2, 3], [3, 5], [4, 4]])
