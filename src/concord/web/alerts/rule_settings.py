"""Settings of the core's rules as the clinic runs them (sources in docs/alerts.md)."""

from __future__ import annotations

from concord.analytics.risk import AdherenceSignalSettings, EngagementRiskSettings
from concord.analytics.trajectories import AllianceSignalSettings
from concord.analytics.trajectories.alliance_events import GuardCode, RuptureCriterion
from concord.analytics.trajectories.not_on_track import NotOnTrackSettings
from concord.web.medications.adherence import MEASURE

RUPTURE_CRITERION: RuptureCriterion = "strict"  # as the core's alliance_falling rule (2 SD)
STRICT_SD = 2.0  # the core's strict multiplier (AllianceSignalSettings.strict_sd)


def _alliance(
    concern: float | None, min_drop: float, falling_drop: float, maximum: float
) -> AllianceSignalSettings:
    """The rupture SD has a floor of ``falling_drop / STRICT_SD``: a strict (2 SD) rupture
    is then at least as deep as the fall that makes the alliance "falling", never a wobble
    of a near-constant series (rehabilitation patients rate WAI-SR 4.83-4.92 session after
    session, SD 0.07). At the scale maximum (half the ratings or more) the core reports a
    ``ceiling`` guard, under which the clinic raises no rupture at all
    (:data:`RUPTURE_GUARDS`)."""
    return AllianceSignalSettings(
        concern_threshold=concern,
        min_drop=min_drop,
        strict_sd=STRICT_SD,
        min_sd=falling_drop / STRICT_SD,
        scale_maximum=maximum,
        ceiling_share=0.5,
    )


#: Alliance rule settings per patient-rated instrument. SRS: concern below 36 (Duncan et al.
#: 2003) and the feedback systems' drop rule - any fall of at least one point from the
#: previous session is talked about (PCOMS; Miller, Duncan) -, the ``alliance_drop`` alert.
#: WAI-SR (1-5 item mean): no published cut-off, so no level rule; a fall of a whole scale
#: point (a quarter of the range) is a drop.
ALLIANCE_SETTINGS = {
    "srs": _alliance(36.0, 1.0, 3.0, 40.0),
    "waisr": _alliance(None, 1.0, 1.0, 5.0),
}
#: The fall that makes the alliance *falling* (which feeds the drop-out score and combined
#: risk, the highest priority): 3 SRS points, as ``ClinicRiskSettings`` - one point is
#: ordinary session-to-session noise of the SRS (docs/analytics/risk.md), enough to talk
#: about but not to escalate. SD floor of ruptures: this fall / 2 (1.5 SRS, 0.5 WAI-SR).
FALLING_MIN_DROP = {"srs": 3.0, "waisr": 1.0}
#: The core's guards under which no rupture is raised (nor a falling alliance built on one):
#: ratings at the ceiling compress a dip into a point or two, and with (near) zero variance
#: any fall is "2 SD" - the SD-based rule says nothing there (docs/alerts.md).
RUPTURE_GUARDS: frozenset[GuardCode] = frozenset({"ceiling", "zero_variance"})
INSTRUMENT_NAMES = {"srs": "SRS", "waisr": "WAI-SR"}
RECENT_ALLIANCE_SESSIONS = 3
#: Non-adherence: the core's defaults (threshold 0.80 - 0.90 for antiretrovirals, set per
#: class by concord.web.alerts.refill_windows -, a drop of 0.20 from the previous window,
#: windows ending in the last 31 days, 7 days' grace, 14 days of dose confirmations).
ADHERENCE_SETTINGS = AdherenceSignalSettings()
#: The refill measure of the sliding windows: the patient page's (CMA7).
REFILL_MEASURE = MEASURE
ENGAGEMENT_SETTINGS = EngagementRiskSettings()
NOT_ON_TRACK_SETTINGS = NotOnTrackSettings(max_fit_patients=1000)
