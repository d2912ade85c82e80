"""Shared helpers of the psychometrics package: input checks and the estimate record."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray


class PsychometricsInputError(ValueError):
    """The data given to a psychometric function cannot be used (shape, size, values)."""


@dataclass(frozen=True)
class Estimate:
    """One named estimate with its confidence interval.

    ``name`` is a stable code (``alpha``, ``omega_total``, ``ICC2`` ...), never translated text.
    ``lower``/``upper`` are ``nan`` when no interval is defined.
    """

    name: str
    value: float
    lower: float
    upper: float


def as_complete_matrix(data: ArrayLike, *, what: str, min_rows: int, min_cols: int) -> NDArray:
    """Return ``data`` as a 2-D float array without the rows that have a missing value.

    Missing values are ``nan`` (or ``None`` in nested lists). Listwise deletion is used because
    the classical formulas (alpha, ICC ANOVA) assume a complete table.
    """
    try:
        matrix = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise PsychometricsInputError(f"{what}: data must be numeric ({exc})") from exc
    if matrix.ndim != 2:
        raise PsychometricsInputError(
            f"{what}: expected a 2-D table (rows x columns), got {matrix.ndim} dimension(s)"
        )
    if np.isinf(matrix).any():
        raise PsychometricsInputError(f"{what}: data contain infinite values")
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    if complete.shape[1] < min_cols:
        raise PsychometricsInputError(
            f"{what}: needs at least {min_cols} columns, got {complete.shape[1]}"
        )
    if complete.shape[0] < min_rows:
        raise PsychometricsInputError(
            f"{what}: needs at least {min_rows} complete rows, got {complete.shape[0]}"
        )
    return complete


def check_confidence(confidence: float) -> float:
    """Validate a confidence level strictly between 0 and 1 and return it."""
    if not 0.0 < confidence < 1.0:
        raise PsychometricsInputError(f"confidence must be between 0 and 1, got {confidence}")
    return float(confidence)
