"""Psychometrics: reliability (alpha, omega, ICC) and individual change (RCI, JT 1991).

Framework-free (numpy / scipy). Every function returns a frozen result dataclass; statistics are
never rounded. See docs/analytics/psychometrics.md for formulas and the equivalent R calls.
"""

from concord.analytics.psychometrics._common import Estimate, PsychometricsInputError
from concord.analytics.psychometrics.change import (
    CLINICAL_SIGNIFICANCE_CODES,
    CRITICAL_Z,
    RELIABLE_CHANGE_CODES,
    ClinicalSignificanceCutoffs,
    ClinicalSignificanceResult,
    ReliableChangeCriterion,
    ReliableChangeResult,
    clinical_significance_cutoffs,
    clinically_significant_change,
    reliable_change_criterion,
    reliable_change_index,
)
from concord.analytics.psychometrics.icc import (
    ICC_NAMES,
    IccForm,
    IccResult,
    intraclass_correlation,
)
from concord.analytics.psychometrics.reliability import (
    AlphaResult,
    OmegaResult,
    cronbach_alpha,
    mcdonald_omega,
)

__all__ = [
    "CLINICAL_SIGNIFICANCE_CODES",
    "CRITICAL_Z",
    "ICC_NAMES",
    "RELIABLE_CHANGE_CODES",
    "AlphaResult",
    "ClinicalSignificanceCutoffs",
    "ClinicalSignificanceResult",
    "Estimate",
    "IccForm",
    "IccResult",
    "OmegaResult",
    "PsychometricsInputError",
    "ReliableChangeCriterion",
    "ReliableChangeResult",
    "clinical_significance_cutoffs",
    "clinically_significant_change",
    "cronbach_alpha",
    "intraclass_correlation",
    "mcdonald_omega",
    "reliable_change_criterion",
    "reliable_change_index",
]
