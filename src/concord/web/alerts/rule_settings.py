"""Settings of the core's rules as the clinic runs them (sources in docs/alerts.md)."""

from __future__ import annotations

from concord.analytics.risk import AdherenceSignalSettings, EngagementRiskSettings
from concord.analytics.trajectories import AllianceSignalSettings
from concord.analytics.trajectories.alliance_events import RuptureCriterion
from concord.analytics.trajectories.not_on_track import NotOnTrackSettings
from concord.web.medications.adherence import MEASURE

#: Alliance rule settings per patient-rated instrument. SRS: concern below 36 and a drop of
#: at least 3 points (ClinicRiskSettings' defaults, Duncan et al. 2003; Miller et al.).
#: WAI-SR (1-5 item mean): no published cut-off, so no level rule; a fall of a whole
#: scale point (a quarter of the range) counts as a drop.
ALLIANCE_SETTINGS = {
    "srs": AllianceSignalSettings(concern_threshold=36.0, min_drop=3.0, scale_maximum=40.0),
    "waisr": AllianceSignalSettings(concern_threshold=None, min_drop=1.0, scale_maximum=5.0),
}
INSTRUMENT_NAMES = {"srs": "SRS", "waisr": "WAI-SR"}
RUPTURE_CRITERION: RuptureCriterion = "strict"  # as the core's alliance_falling rule (2 SD)
RECENT_ALLIANCE_SESSIONS = 3
#: Non-adherence: the core's defaults (threshold 0.80 - 0.90 for antiretrovirals, set per
#: class by concord.web.alerts.refill_windows -, a drop of 0.20 from the previous window,
#: windows ending in the last 31 days, 7 days' grace, 14 days of dose confirmations).
ADHERENCE_SETTINGS = AdherenceSignalSettings()
#: The refill measure of the sliding windows: the patient page's (CMA7).
REFILL_MEASURE = MEASURE
ENGAGEMENT_SETTINGS = EngagementRiskSettings()
NOT_ON_TRACK_SETTINGS = NotOnTrackSettings(max_fit_patients=1000)
