"""Session-by-session trajectory analytics.

Sudden gains and losses (Tang & DeRubeis 1999) as implemented by the R package
suddengains 0.7.2 (``compat="suddengains"``) or with its quirks fixed (default),
alliance rupture / repair signals, and reliable change per patient (formulas from
:mod:`concord.analytics.psychometrics`). Framework-free: numpy, scipy and polars.
"""

from __future__ import annotations

from concord.analytics.trajectories.alliance import (
    AllianceSignalSettings,
    alliance_events_table,
    detect_alliance_signals,
    session_changes_table,
)
from concord.analytics.trajectories.alliance_events import (
    AllianceDrop,
    AllianceEvent,
    AllianceSignals,
    DetectionGuard,
    LowAlliance,
    RuptureRepairEpisode,
    SessionChange,
    SuddenAllianceChange,
)
from concord.analytics.trajectories.by_gain import (
    MULTIPLE_SELECT,
    sudden_gains_by_gain,
    sudden_gains_by_person,
)
from concord.analytics.trajectories.criteria import (
    Crit1Cutoff,
    crit3_critical_value,
    define_crit1_cutoff,
)
from concord.analytics.trajectories.errors import NoSuddenChangesError, TrajectoryInputError
from concord.analytics.trajectories.identify import (
    SuddenChangeSearch,
    find_sudden_changes,
    identify_sudden_gains,
    identify_sudden_losses,
)
from concord.analytics.trajectories.interval_statistics import interval_statistics
from concord.analytics.trajectories.reliable_change import reliable_change_by_patient
from concord.analytics.trajectories.select_cases import select_cases
from concord.analytics.trajectories.settings import SuddenChangeOptions

__all__ = [
    "MULTIPLE_SELECT",
    "AllianceDrop",
    "AllianceEvent",
    "AllianceSignalSettings",
    "AllianceSignals",
    "Crit1Cutoff",
    "DetectionGuard",
    "LowAlliance",
    "NoSuddenChangesError",
    "RuptureRepairEpisode",
    "SessionChange",
    "SuddenAllianceChange",
    "SuddenChangeOptions",
    "SuddenChangeSearch",
    "TrajectoryInputError",
    "alliance_events_table",
    "crit3_critical_value",
    "define_crit1_cutoff",
    "detect_alliance_signals",
    "find_sudden_changes",
    "identify_sudden_gains",
    "identify_sudden_losses",
    "interval_statistics",
    "reliable_change_by_patient",
    "select_cases",
    "session_changes_table",
    "sudden_gains_by_gain",
    "sudden_gains_by_person",
]
