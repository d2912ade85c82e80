"""After-visit summaries for the care team: generating a draft, reviewing it, sharing it.

A clinician of the patient's care team generates the summary of an **attended** session
(:func:`generate`): the records of the visit are read through the areas' own read services
(:mod:`.summary_sources`), the sentences are written in the patient's language
(:mod:`.summary_content`) and stored as a **draft**. The clinician reviews the draft with its
readability scores (English), may add a note in plain words, and shares it (:func:`share`):
the text as shared, its language, its scores, who shared it and when are frozen in the
revision. Generating again makes a new revision; nothing shared is ever changed.

Supervisors read summaries (drafts included); they never generate or share
(:class:`NotAllowed`). Everyone else, and sessions of other teams: :class:`NotFound`. Every
read and write is audited (``visit_summary``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

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
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import CareSession, SessionStatus
from concord.web.clinic.services import FormInvalid
from concord.web.materials.summary_content import (
    compose,
    has_visit_content,
    summary_text,
    with_note,
)
from concord.web.materials.summary_forms import ShareForm
from concord.web.materials.summary_models import (
    SummaryRead,
    SummaryRevision,
    SummaryState,
    VisitSummary,
)
from concord.web.materials.summary_sources import audited_readers, collect

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


# ------------------------------------------------------------------ generating


def _not_attended(session: CareSession) -> FormInvalid:
    return FormInvalid(
        {
            "session": [
                _(
                    "A summary is written after a visit that took place: this session is "
                    "“%(status)s”. Mark it attended first."
                )
                % {"status": session.get_status_display()}
            ]
        }
    )


def generate(actor: Actor, session_id: object, now: datetime | None = None) -> SummaryRevision:
    """A new draft from the visit's records; a draft still waiting is marked replaced."""
    session = staff_session(actor, session_id)
    require_writer(actor.user, "after-visit summaries")
    if session.status != SessionStatus.ATTENDED:
        raise _not_attended(session)
    now = now or timezone.now()
    with transaction.atomic():
        summary, created = VisitSummary.objects.select_for_update().get_or_create(
            session=session, defaults={"created_at": now, "created_by": actor.user}
        )
        sources = collect(session, audited_readers(actor), now)
        content = compose(sources)
        replaced = None
        for draft in SummaryRevision.objects.filter(summary=summary, state=SummaryState.DRAFT):
            draft.state = SummaryState.REPLACED
            draft.save(update_fields=["state"])
            replaced = draft.number
        last = summary.revisions.order_by("-number").first()
        revision = SummaryRevision.objects.create(
            summary=summary,
            number=(last.number if last else 0) + 1,
            state=SummaryState.DRAFT,
            language=sources.language.code,
            preferred_language=sources.language.preferred,
            content=content,
            window_start=sources.window.start,
            window_end=sources.window.end,
            tasks_from=sources.window.tasks_from,
            generated_at=now,
            generated_by=actor.user,
            generated_by_name=str(actor.user),
        )
        audit(
            actor,
            Action.CREATE,
            OBJECT,
            summary.pk,
            [session.episode.patient_id],
            {
                "session_id": session.pk,
                "revision": revision.number,
                "new_summary": created,
                "replaced_draft": replaced,
                "language": revision.language,
                "window": [revision.window_start.isoformat(), revision.window_end.isoformat()],
                "items": {s["key"]: len(s["items"]) for s in content["sections"]},
            },
        )
    return revision


# ------------------------------------------------------------------ reviewing and sharing


@dataclass(frozen=True)
class SharePreview:
    revision: SummaryRevision
    content: dict[str, Any]
    check: ReadabilityCheck
    note: str


def _staff_draft(actor: Actor, revision_id: object) -> SummaryRevision:
    if actor.user.role not in STAFF:
        raise NotFound
    return access.get_or_not_found(
        SummaryRevision.objects.filter(summary__in=visible_summaries(actor)).select_related(
            "summary__session__episode__patient"
        ),
        revision_id,
    )


def session_of_revision(actor: Actor, revision_id: object) -> int:
    """The session a revision the person may see belongs to (an access check, no read)."""
    return _staff_draft(actor, revision_id).summary.session_id


def _note(data: Mapping[str, Any]) -> str:
    form = ShareForm(data)
    if not form.is_valid():
        raise FormInvalid.from_forms(form)
    return str(form.cleaned_data["note"]).strip()


def preview(actor: Actor, revision_id: object, data: Mapping[str, Any]) -> SharePreview:
    """The draft with the note as the patient would read it, and its readability; not saved."""
    revision = _staff_draft(actor, revision_id)
    require_writer(actor.user, "after-visit summaries")
    note = _note(data)
    content = with_note(revision.content, note, str(actor.user), revision.language)
    audit(
        actor,
        Action.READ,
        OBJECT,
        revision.summary_id,
        [revision.summary.session.episode.patient_id],
        {"revision": revision.number, "view": "preview"},
    )
    return SharePreview(revision, content, check_of(content, revision.language), note)


def _stale(revision: SummaryRevision) -> FormInvalid:
    newer = revision.summary.revisions.order_by("-number").first()
    who = newer.generated_by_name if newer else ""
    if revision.state == SummaryState.SHARED:
        message = _("This draft was already shared by %(who)s.") % {"who": revision.shared_by_name}
    else:
        message = _(
            "A newer draft was generated by %(who)s after this one. Review the newer draft."
        ) % {"who": who}
    return FormInvalid({"draft": [message]})


def share(
    actor: Actor, revision_id: object, data: Mapping[str, Any], now: datetime | None = None
) -> SummaryRevision:
    """Share the draft with the patient, with the clinician's note: frozen from now on."""
    revision = _staff_draft(actor, revision_id)
    require_writer(actor.user, "after-visit summaries")
    note = _note(data)
    now = now or timezone.now()
    with transaction.atomic():
        VisitSummary.objects.select_for_update().filter(pk=revision.summary_id).first()
        revision = SummaryRevision.objects.select_related("summary__session__episode__patient").get(
            pk=revision.pk
        )
        if revision.state != SummaryState.DRAFT:
            raise _stale(revision)
        content = with_note(revision.content, note, str(actor.user), revision.language)
        if not note and not has_visit_content(revision.content):
            raise FormInvalid(
                {
                    "note": [
                        _(
                            "There is nothing from this visit to share: no goal, task, decision "
                            "or barrier was recorded at it. Write a note for the patient, or "
                            "record the visit first and generate the summary again."
                        )
                    ]
                }
            )
        last = (
            revision.summary.revisions.filter(state=SummaryState.SHARED)
            .order_by("-shared_number")
            .first()
        )
        if last is not None and last.content == content and last.language == revision.language:
            raise FormInvalid(
                {
                    "__all__": [
                        _("Nothing has changed since version %(n)d was shared on %(date)s.")
                        % {
                            "n": last.shared_number,
                            "date": formats.date_format(
                                timezone.localtime(last.shared_at), "j M Y"
                            ),
                        }
                    ]
                }
            )
        text = summary_text(content)
        result = assess_readability(text, revision.language).result
        revision.state = SummaryState.SHARED
        revision.content = content
        revision.note = note
        revision.text = text
        revision.shared_number = (last.shared_number or 0) + 1 if last else 1
        revision.shared_at = now
        revision.shared_by = actor.user
        revision.shared_by_name = str(actor.user)
        revision.reading_ease = result.reading_ease if result else None
        revision.grade_level = result.grade_level if result else None
        revision.words = result.counts.words if result else None
        revision.sentences = result.counts.sentences if result else None
        revision.syllables = result.counts.syllables if result else None
        revision.save()
        audit(
            actor,
            Action.UPDATE,
            OBJECT,
            revision.summary_id,
            [revision.summary.session.episode.patient_id],
            {
                "revision": revision.number,
                "shared_number": revision.shared_number,
                "language": revision.language,
                "reading_ease": revision.reading_ease,
                "grade_level": revision.grade_level,
                "note": bool(note),
            },
        )
    return revision


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
