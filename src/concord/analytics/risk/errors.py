"""Errors of the risk rules; statistical situations are results, not errors."""

from __future__ import annotations

from concord.analytics.errors import AnalyticsInputError


class RiskInputError(AnalyticsInputError):
    """An input table or argument of a risk rule cannot be used (names the row and column)."""
