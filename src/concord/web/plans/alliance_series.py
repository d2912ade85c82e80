"""The patient's alliance ratings of an episode, to show task adherence beside the alliance.

Read through the measures app (:func:`concord.web.measures.services.administrations_of_episode`
applies the access rules and audits the read); the totals are the scores the measures app
stored when each questionnaire was submitted, never recomputed here. Patient-rated alliance
instruments: WAI-SR (total = mean of 12 items, 1-5) and SRS (total 0-40).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from concord.web.audit.service import Actor
from concord.web.clinic.models import CareEpisode
from concord.web.measures import services as measures_services
from concord.web.measures.alliance import percent_of_range
from concord.web.measures.models import AdministrationStatus

PATIENT_ALLIANCE_CODES = ("waisr", "srs")
INSTRUMENT_NAMES = {"waisr": "WAI-SR", "srs": "SRS"}


@dataclass(frozen=True)
class AllianceRating:
    when: datetime  # the session's time (or the submission's when not linked to a session)
    instrument: str  # "waisr" or "srs"
    total: float  # on the instrument's own scale
    percent: float  # percent of the scale's range, so both share one axis

    @property
    def instrument_name(self) -> str:
        return INSTRUMENT_NAMES.get(self.instrument, self.instrument)


def patient_alliance(actor: Actor, episode: CareEpisode) -> list[AllianceRating]:
    """Submitted WAI-SR and SRS totals of the episode, oldest first (clinical staff)."""
    administrations = measures_services.administrations_of_episode(actor, episode.pk)
    rows: list[AllianceRating] = []
    sessions = {s.pk: s for s in episode.sessions.all()}
    for a in administrations:
        if a.instrument_code not in PATIENT_ALLIANCE_CODES:
            continue
        if a.status != AdministrationStatus.SUBMITTED:
            continue
        total = a.total()
        if total is None:
            continue
        session = sessions.get(a.session_id) if a.session_id else None
        when = session.scheduled_at if session else a.submitted_at
        if when is None:
            continue
        rows.append(
            AllianceRating(
                when=when,
                instrument=a.instrument_code,
                total=float(total),
                percent=percent_of_range(a.instrument_code, float(total)),
            )
        )
    rows.sort(key=lambda r: r.when)
    return rows
