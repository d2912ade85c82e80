"""The patient's side of after-visit summaries: their list, reading one (with a read receipt)
and printing it.

A patient sees only **shared** revisions of the summaries of their own sessions — never a
draft, never a replaced draft. The summary opens at its latest shared version; earlier
shared versions stay readable from its history. Opening a version records a read receipt for
it (first and last time, how many times); printing is not a read. Every read is audited
(``visit_summary`` list and export, ``visit_summary_read``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from concord.web.accounts.models import Role
from concord.web.audit.models import Action
from concord.web.audit.service import Actor, audit
from concord.web.clinic import access
from concord.web.clinic.access import NotFound
from concord.web.clinic.models import Patient
from concord.web.materials.summaries import OBJECT, read_receipt, visible_summaries, with_revisions
from concord.web.materials.summary_models import SummaryRead, SummaryRevision, VisitSummary


@dataclass(frozen=True)
class PortalSummary:
    """A summary as its patient sees it: the shared versions, newest first."""

    summary: VisitSummary
    shared: list[SummaryRevision]

    @property
    def latest(self) -> SummaryRevision:
        return self.shared[0]

    @property
    def state(self) -> str:
        """``"new"`` (never opened), ``"updated"`` (an earlier version was read) or ``"read"``."""
        if read_receipt(self.latest) is not None:
            return "read"
        if any(read_receipt(r) is not None for r in self.shared[1:]):
            return "updated"
        return "new"

    def version(self, shared_number: int | None) -> SummaryRevision:
        if shared_number is None:
            return self.latest
        for revision in self.shared:
            if revision.shared_number == shared_number:
                return revision
        raise NotFound


def _my_patient(actor: Actor) -> Patient:
    if actor.user.role != Role.PATIENT:
        raise NotFound
    patient = access.patients_for(actor.user).first()
    if patient is None:
        raise NotFound
    return patient


def _portal_views(summaries: list[VisitSummary]) -> list[PortalSummary]:
    views = []
    for summary in summaries:
        shared = [r for r in reversed(summary.ordered_revisions) if r.is_shared]  # type: ignore[attr-defined]
        if shared:
            views.append(PortalSummary(summary, shared))
    return views


def my_summaries(actor: Actor) -> list[PortalSummary]:
    """The patient's shared summaries, newest visit first."""
    patient = _my_patient(actor)
    views = _portal_views(list(with_revisions(visible_summaries(actor))))
    audit(
        actor,
        Action.LIST,
        OBJECT,
        "",
        [patient.pk],
        {"summary_ids": [v.summary.pk for v in views]},
    )
    return views


def _my_summary(actor: Actor, summary_id: object) -> PortalSummary:
    _my_patient(actor)
    summary = access.get_or_not_found(visible_summaries(actor), summary_id)
    views = _portal_views(list(with_revisions(VisitSummary.objects.filter(pk=summary.pk))))
    if not views:  # only drafts so far: nothing to see
        raise NotFound
    return views[0]


def open_summary(
    actor: Actor, summary_id: object, shared_number: int | None = None, now: datetime | None = None
) -> tuple[PortalSummary, SummaryRevision]:
    """The patient opens a summary (its latest version, or an earlier one): the read receipt
    of the version shown is recorded."""
    view = _my_summary(actor, summary_id)
    revision = view.version(shared_number)
    now = now or timezone.now()
    with transaction.atomic():
        receipt, created = SummaryRead.objects.select_for_update().get_or_create(
            revision=revision,
            defaults={"first_opened_at": now, "last_opened_at": now, "times_opened": 1},
        )
        if not created:
            SummaryRead.objects.filter(pk=receipt.pk).update(
                times_opened=F("times_opened") + 1, last_opened_at=now
            )
            receipt.refresh_from_db()
        audit(
            actor,
            Action.READ,
            "visit_summary_read",
            view.summary.pk,
            [view.summary.session.episode.patient_id],
            {
                "revision": revision.number,
                "shared_number": revision.shared_number,
                "language": revision.language,
                "times_opened": receipt.times_opened,
            },
        )
    view = _my_summary(actor, summary_id)
    return view, view.version(shared_number)


def summary_for_printing(
    actor: Actor, summary_id: object, shared_number: int | None = None
) -> SummaryRevision:
    """The patient prints a version (audited as an export; not a read receipt)."""
    view = _my_summary(actor, summary_id)
    revision = view.version(shared_number)
    audit(
        actor,
        Action.EXPORT,
        OBJECT,
        view.summary.pk,
        [view.summary.session.episode.patient_id],
        {"revision": revision.number, "shared_number": revision.shared_number},
    )
    return revision
