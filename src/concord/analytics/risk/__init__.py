"""Early-warning rules that combine alliance, adherence and outcome signals.

Framework-free (numpy, polars; statsmodels via the not-on-track model). Every signal is a
frozen dataclass with a ``rule`` code and its evidence; priorities are codes, never
translated text. Rules, defaults and sources: docs/analytics/risk.md.
"""

from __future__ import annotations

from concord.analytics.risk.adherence_signals import (
    AdherenceBelowThreshold,
    AdherenceDrop,
    AdherenceSignal,
    AdherenceSignalSettings,
    BarsBelowThreshold,
    MissedDoseConfirmations,
    SupplyExhausted,
    adherence_below_threshold,
    adherence_drops,
    adherence_signals,
    bars_below_threshold,
    missed_dose_confirmations,
    supply_exhausted,
)
from concord.analytics.risk.alliance_trend import (
    AllianceFalling,
    falling_alliance,
    falling_alliance_from_ratings,
)
from concord.analytics.risk.clinic import ClinicRisk, ClinicRiskSettings, clinic_risk
from concord.analytics.risk.combined import (
    COMBINATION_RULES,
    RiskPriority,
    combined_risk,
    priorities_table,
)
from concord.analytics.risk.engagement import (
    EngagementRisk,
    EngagementRiskSettings,
    engagement_risk,
    engagement_risk_table,
)
from concord.analytics.risk.errors import RiskInputError

__all__ = [
    "COMBINATION_RULES",
    "AdherenceBelowThreshold",
    "AdherenceDrop",
    "AdherenceSignal",
    "AdherenceSignalSettings",
    "AllianceFalling",
    "BarsBelowThreshold",
    "ClinicRisk",
    "ClinicRiskSettings",
    "EngagementRisk",
    "EngagementRiskSettings",
    "MissedDoseConfirmations",
    "RiskInputError",
    "RiskPriority",
    "SupplyExhausted",
    "adherence_below_threshold",
    "adherence_drops",
    "adherence_signals",
    "bars_below_threshold",
    "clinic_risk",
    "combined_risk",
    "engagement_risk",
    "engagement_risk_table",
    "falling_alliance",
    "falling_alliance_from_ratings",
    "missed_dose_confirmations",
    "priorities_table",
    "supply_exhausted",
]
