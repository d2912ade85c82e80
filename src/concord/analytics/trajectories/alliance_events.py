"""Typed alliance signal events, each carrying the evidence behind it.

Every event has a ``rule`` code (never translated text; the web layer
translates) and the numbers a clinician needs to check it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PatientId = str | int
GuardCode = Literal["single_session", "too_few_sessions", "zero_variance", "ceiling"]
DropBasis = Literal["post_to_post", "within_session"]
RuptureCriterion = Literal["lenient", "strict"]
SdSource = Literal["person", "sample", "minimum"]


@dataclass(frozen=True)
class LowAlliance:
    """A session rated below the instrument's concern threshold.

    Rule ``alliance_below_threshold``: ``score < threshold`` (or ``<=`` when
    ``inclusive``), e.g. SRS total below 36 (Duncan et al. 2003; PCOMS practice).
    """

    patient: PatientId
    session: int
    date: str | None
    score: float
    threshold: float
    inclusive: bool
    rule: str = field(default="alliance_below_threshold", init=False)


@dataclass(frozen=True)
class AllianceDrop:
    """The alliance rating fell by at least ``min_drop`` points.

    Rule ``alliance_drop``. ``basis`` says what was compared:
    ``post_to_post`` (this session's rating vs the previous rated session) or,
    when a pre-session rating of this session exists, ``within_session``
    (end vs start of the same session). ``between_change`` (pre of this
    session - post of the previous one) is reported as evidence but never
    alarms on its own (Huppert et al. 2020).
    """

    patient: PatientId
    session: int
    date: str | None
    score: float
    previous_session: int
    previous_score: float
    change: float
    basis: DropBasis
    min_drop: float
    between_change: float | None = None
    rule: str = field(default="alliance_drop", init=False)


@dataclass(frozen=True)
class RuptureRepairEpisode:
    """A V-shaped dip: ``k`` SD below the patient's reference level, then back.

    Rule ``rupture_repair``. The episode starts at a rated session with
    ``score <= reference_level - sd_multiplier * sd`` that follows at least one
    earlier rating, continues while ratings stay below the reference level, and
    is repaired at the first later rating at or above it.

    Attributes
    ----------
    criterion
        ``lenient`` (1 SD) or ``strict`` (2 SD); Gumz et al. (2012) recommend
        reporting both.
    sd, sd_source
        The SD used: the largest of the patient's own SD, the sample SD and the
        minimum SD given (the stricter rule; Gumz et al. 2012).
    depth
        ``reference_level - lowest_score``.
    rated_sessions
        Number of rated sessions in the episode (below the reference level).
    session_span
        ``end_session - start_session + 1`` (counts unrated sessions too).
    repaired, repair_session, repair_date, repair_score
        Whether and when the rating returned to the reference level.
    """

    patient: PatientId
    criterion: RuptureCriterion
    sd_multiplier: float
    reference_level: float
    sd: float
    sd_source: SdSource
    cut_off: float
    start_session: int
    start_date: str | None
    end_session: int
    lowest_session: int
    lowest_score: float
    depth: float
    rated_sessions: int
    session_span: int
    repaired: bool
    repair_session: int | None
    repair_date: str | None
    repair_score: float | None
    rule: str = field(default="rupture_repair", init=False)


@dataclass(frozen=True)
class SuddenAllianceChange:
    """A sudden gain (``kind="gain"``) or drop (``"loss"``) in the alliance.

    Rules ``sudden_alliance_gain`` / ``sudden_alliance_loss``: the Tang &
    DeRubeis criteria on a higher-is-better scale (criterion 1 cut-off,
    optional criterion 2 on ``score - scale_minimum``, criterion 3 with the
    missing-data critical values), as in Zilcha-Mano et al. (2019) and Weiss
    et al. (2014), whose exact adaptations are not verified here.
    """

    patient: PatientId
    kind: Literal["gain", "loss"]
    pre_session: int
    post_session: int
    pre_score: float
    post_score: float
    magnitude: float
    crit1_cutoff: float | None
    crit2_pct: float | None
    critical_value: float
    pooled_sd: float
    rule: str


@dataclass(frozen=True)
class DetectionGuard:
    """Why a rule was not applied (or should be read with care) for a patient.

    Rule ``guard`` with ``code``:

    * ``single_session`` / ``too_few_sessions``: fewer ratings than a rule needs;
    * ``zero_variance``: every rating equal and no sample or minimum SD given,
      so SD-based rupture rules cannot work;
    * ``ceiling``: at least ``ceiling_share`` of the ratings sit at the scale
      maximum; dips are compressed and SD-based rules unstable (rupture
      detection still runs, with the SD floor).
    """

    patient: PatientId
    code: GuardCode
    n_ratings: int
    sd: float | None
    share_at_maximum: float | None
    rule: str = field(default="guard", init=False)


@dataclass(frozen=True)
class SessionChange:
    """Within- and between-session change when pre and post ratings exist.

    ``within_change = post - pre`` of the same session;
    ``between_change = pre`` of this session ``- post`` of the previous rated
    session. A sawtooth (gains within, dips between) is the normal pattern
    (Weiss, Kivity & Huppert 2014).
    """

    patient: PatientId
    session: int
    pre_score: float | None
    post_score: float | None
    within_change: float | None
    between_change: float | None


AllianceEvent = (
    LowAlliance | AllianceDrop | RuptureRepairEpisode | SuddenAllianceChange | DetectionGuard
)


@dataclass(frozen=True)
class AllianceSignals:
    """All alliance events of a set of patients, plus the session changes."""

    events: tuple[AllianceEvent, ...]
    session_changes: tuple[SessionChange, ...]

    def by_rule(self, rule: str) -> tuple[AllianceEvent, ...]:
        """Events with the given rule code."""
        return tuple(event for event in self.events if event.rule == rule)

    def for_patient(self, patient: PatientId) -> tuple[AllianceEvent, ...]:
        """Events of one patient."""
        return tuple(event for event in self.events if event.patient == patient)

    def low_levels(self) -> tuple[LowAlliance, ...]:
        """``alliance_below_threshold`` events."""
        return tuple(e for e in self.events if isinstance(e, LowAlliance))

    def drops(self) -> tuple[AllianceDrop, ...]:
        """``alliance_drop`` events."""
        return tuple(e for e in self.events if isinstance(e, AllianceDrop))

    def ruptures(
        self, criterion: RuptureCriterion | None = None
    ) -> tuple[RuptureRepairEpisode, ...]:
        """``rupture_repair`` episodes, optionally of one criterion."""
        return tuple(
            e
            for e in self.events
            if isinstance(e, RuptureRepairEpisode) and criterion in (None, e.criterion)
        )

    def sudden_changes(self, kind: str | None = None) -> tuple[SuddenAllianceChange, ...]:
        """Sudden alliance gains and losses, optionally of one kind (gain / loss)."""
        return tuple(
            e for e in self.events if isinstance(e, SuddenAllianceChange) and kind in (None, e.kind)
        )

    def guards(self) -> tuple[DetectionGuard, ...]:
        """``guard`` events."""
        return tuple(e for e in self.events if isinstance(e, DetectionGuard))
