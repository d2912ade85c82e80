"""Generating, reviewing and sharing after-visit summaries (clinicians of the care team).

A clinician of the patient's care team generates the summary of an **attended** session
(:func:`generate`): the records of the visit are read through the areas' own read services
(:mod:`.summary_sources`), the sentences are written in the patient's language
(:mod:`.summary_content`) and stored as a **draft**. The clinician reviews the draft with its
readability scores (English), may add a note in plain words (:func:`preview` shows it with
the note, saving nothing), and shares it (:func:`share`): the text as shared, its language,
its scores, who shared it and when are frozen in the revision (:func:`freeze`). Generating
again makes a new revision; nothing shared is ever changed.

Supervisors get :class:`NotAllowed`; everyone else, and sessions of other teams,
:class:`NotFound`. Nothing is written unless the whole request is valid; each write and its
``visit_summary`` audit row share one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from concord.analytics.readability import ReadabilityCheck, assess_readability
from concord.web.accounts.models import User
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound, require_writer
from concord.web.clinic.models import CareSession, SessionStatus
from concord.web.clinic.services import FormInvalid
from concord.web.materials.summaries import (
    OBJECT,
    STAFF,
    check_of,
    staff_session,
    visible_summaries,
)
from concord.web.materials.summary_content import (
    compose,
    has_visit_content,
    summary_text,
    with_note,
)
from concord.web.materials.summary_forms import ShareForm
from concord.web.materials.summary_models import SummaryRevision, SummaryState, VisitSummary
from concord.web.materials.summary_sources import SummarySources, audited_readers, collect

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
        sources = collect(session, audited_readers(actor), now)
        draft = write_draft(sources, compose(sources), actor.user, now)
        revision = draft.revision
        audit(
            actor,
            Action.CREATE,
            OBJECT,
            revision.summary_id,
            [session.episode.patient_id],
            {
                "session_id": session.pk,
                "revision": revision.number,
                "new_summary": draft.new_summary,
                "replaced_draft": draft.replaced,
                "language": revision.language,
                "window": [revision.window_start.isoformat(), revision.window_end.isoformat()],
                "items": {s["key"]: len(s["items"]) for s in revision.content["sections"]},
            },
        )
    return revision


@dataclass(frozen=True)
class WrittenDraft:
    revision: SummaryRevision
    new_summary: bool
    replaced: int | None  # the number of the draft it replaced


def write_draft(
    sources: SummarySources, content: dict[str, Any], by: User, at: datetime
) -> WrittenDraft:
    """Store a draft (the caller holds the transaction, has checked access and audits)."""
    summary, created = VisitSummary.objects.select_for_update().get_or_create(
        session=sources.session, defaults={"created_at": at, "created_by": by}
    )
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
        generated_at=at,
        generated_by=by,
        generated_by_name=str(by),
    )
    return WrittenDraft(revision, created, replaced)


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
    if revision.state != SummaryState.DRAFT:
        raise _stale(revision)
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
        revision = freeze(revision, note, actor.user, now, last)
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


def freeze(
    revision: SummaryRevision,
    note: str,
    by: User,
    at: datetime,
    last_shared: SummaryRevision | None,
) -> SummaryRevision:
    """Share a draft: the text with the note, its readability, who and when, from now on
    unchangeable (the caller holds the transaction, has validated and audits)."""
    content = with_note(revision.content, note, str(by), revision.language)
    text = summary_text(content)
    result = assess_readability(text, revision.language).result
    revision.state = SummaryState.SHARED
    revision.content = content
    revision.note = note
    revision.text = text
    revision.shared_number = (last_shared.shared_number or 0) + 1 if last_shared else 1
    revision.shared_at = at
    revision.shared_by = by
    revision.shared_by_name = str(by)
    revision.reading_ease = result.reading_ease if result else None
    revision.grade_level = result.grade_level if result else None
    revision.words = result.counts.words if result else None
    revision.sentences = result.counts.sentences if result else None
    revision.syllables = result.counts.syllables if result else None
    revision.save()
    return revision
