"""After-visit summaries for the care team: finding them, reading them, their readability.

Clinicians of the patient's care team and their supervisors read every summary of the
patient's sessions, drafts included (the patient sees only what was shared:
:mod:`.summary_reading`). Generating and sharing: :mod:`.summary_sharing`. Everyone else,
and sessions of other teams: :class:`NotFound`. Every read is audited (``visit_summary``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from concord.analytics.readability import (
    GRADE_LEVEL_TARGET,
    READING_EASE_TARGET,
    Readability,
    ReadabilityCheck,
    TextCounts,
    assess_readability,
)
from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import CareSession, SessionStatus
from concord.web.materials.summary_content import (
    summary_text,
)
from concord.web.materials.summary_models import (
    SummaryRead,
    SummaryRevision,
    VisitSummary,
)

STAFF = (Role.CLINICIAN, Role.SUPERVISOR)
OBJECT = "visit_summary"


# ------------------------------------------------------------------ finding records


def visible_summaries(actor: Actor) -> QuerySet[VisitSummary]:
    return VisitSummary.objects.filter(session__in=access.sessions_for(actor.user))


def with_revisions(summaries: QuerySet[VisitSummary]) -> QuerySet[VisitSummary]:
    revisions = SummaryRevision.objects.select_related("read_receipt").order_by("number")
    return summaries.select_related(
        "session__episode__patient", "session__episode__team", "session__clinician"
    ).prefetch_related(Prefetch("revisions", queryset=revisions, to_attr="ordered_revisions"))


def staff_session(actor: Actor, session_id: object) -> CareSession:
    """A session of the care team's (or supervisee's) patients, else NotFound."""
    if actor.user.role not in STAFF:
        raise NotFound
    return access.get_or_not_found(
        access.sessions_for(actor.user).select_related(
            "clinician",
            "episode__patient__account",
            "episode__team__clinic",
            "episode__lead_clinician",
        ),
        session_id,
    )


@dataclass(frozen=True)
class SummaryRecord:
    """A session and its summary (if one was generated), revisions oldest first."""

    session: CareSession
    summary: VisitSummary | None
    revisions: list[SummaryRevision]

    @property
    def draft(self) -> SummaryRevision | None:
        return next((r for r in self.revisions if r.is_draft), None)

    @property
    def shared(self) -> list[SummaryRevision]:
        """Shared revisions, newest first."""
        return [r for r in reversed(self.revisions) if r.is_shared]

    @property
    def latest_shared(self) -> SummaryRevision | None:
        shared = self.shared
        return shared[0] if shared else None

    @property
    def can_have_summary(self) -> bool:
        return self.session.status == SessionStatus.ATTENDED


def _record(session: CareSession) -> SummaryRecord:
    summary = with_revisions(VisitSummary.objects.filter(session=session)).first()
    revisions = list(summary.ordered_revisions) if summary else []  # type: ignore[attr-defined]
    return SummaryRecord(session, summary, revisions)


def summary_of_session(actor: Actor, session_id: object) -> SummaryRecord:
    """The summary page of one session for staff (audited read, even when none exists yet)."""
    session = staff_session(actor, session_id)
    record = _record(session)
    audit(
        actor,
        Action.READ,
        OBJECT,
        record.summary.pk if record.summary else "",
        [session.episode.patient_id],
        {"session_id": session.pk, "revisions": [r.number for r in record.revisions]},
    )
    return record


def revision_for_staff(
    actor: Actor, revision_id: object, *, export: bool = False
) -> SummaryRevision:
    """One revision (draft, shared or replaced) for staff; ``export`` for a PDF."""
    if actor.user.role not in STAFF:
        raise NotFound
    revision = access.get_or_not_found(
        SummaryRevision.objects.filter(summary__in=visible_summaries(actor)).select_related(
            "summary__session__episode__patient", "read_receipt"
        ),
        revision_id,
    )
    audit(
        actor,
        Action.EXPORT if export else Action.READ,
        OBJECT,
        revision.summary_id,
        [revision.summary.session.episode.patient_id],
        {"revision": revision.number, "state": revision.state},
    )
    return revision


# ------------------------------------------------------------------ readability


def stored_check(revision: SummaryRevision) -> ReadabilityCheck:
    """The readability check as frozen with a shared revision."""
    if revision.reading_ease is None or revision.grade_level is None:
        return assess_readability(revision.text, revision.language)
    counts = TextCounts(revision.sentences or 0, revision.words or 0, revision.syllables or 0)
    result = Readability(
        counts, revision.reading_ease, revision.grade_level, READING_EASE_TARGET, GRADE_LEVEL_TARGET
    )
    return ReadabilityCheck(status="scored", language=revision.language, result=result)


def check_of(content: dict[str, Any], language: str) -> ReadabilityCheck:
    return assess_readability(summary_text(content), language)


# ------------------------------------------------------------------ the patient page and the API


@dataclass(frozen=True)
class PatientSummaries:
    records: list[SummaryRecord]  # newest session first


def summaries_of_patient(
    actor: Actor, patient_id: object, *, recent_sessions: int | None = None
) -> PatientSummaries:
    """The patient's summaries (and, with ``recent_sessions``, their latest attended sessions
    still without one) for staff of the team."""
    if actor.user.role not in STAFF:
        raise NotFound
    patient = access.get_or_not_found(access.patients_for(actor.user), patient_id)
    summaries = list(
        with_revisions(visible_summaries(actor).filter(session__episode__patient=patient))
    )
    by_session = {s.session_id: s for s in summaries}
    sessions = [s.session for s in summaries]
    if recent_sessions:
        attended = (
            access.sessions_for(actor.user)
            .filter(episode__patient=patient, status=SessionStatus.ATTENDED)
            .select_related("episode", "clinician")
            .order_by("-scheduled_at", "-pk")[:recent_sessions]
        )
        sessions.extend(s for s in attended if s.pk not in by_session)
    sessions.sort(key=lambda s: (s.scheduled_at, s.pk), reverse=True)
    records = [
        SummaryRecord(
            s,
            by_session.get(s.pk),
            list(by_session[s.pk].ordered_revisions) if s.pk in by_session else [],  # type: ignore[attr-defined]
        )
        for s in sessions
    ]
    audit(
        actor,
        Action.LIST,
        OBJECT,
        "",
        [patient.pk],
        {"summary_ids": [s.pk for s in summaries], "session_ids": [s.pk for s in sessions]},
    )
    return PatientSummaries(records)


def read_receipt(revision: SummaryRevision) -> SummaryRead | None:
    try:
        return revision.read_receipt
    except SummaryRead.DoesNotExist:
        return None
