"""Errors raised by the trajectory analytics.

Input problems are errors (they stop the computation and say what and where);
statistical situations such as "no gain was found" are results, except in the
``compat="suddengains"`` mode, which mirrors the package and stops.
"""

from __future__ import annotations

from concord.analytics.errors import AnalyticsInputError


class TrajectoryInputError(AnalyticsInputError):
    """The input data or an argument cannot be used (names the row and column)."""


class NoSuddenChangesError(ValueError):
    """No sudden gain or loss was identified (``compat="suddengains"`` only).

    suddengains' ``create_bysg`` and ``create_byperson`` stop with "No sudden
    gains were identified." in this case; the default mode returns an empty
    table instead.
    """
