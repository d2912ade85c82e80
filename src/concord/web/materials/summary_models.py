"""After-visit summaries: what a visit covered, written for the patient, shared as a frozen text.

* :class:`VisitSummary` — the summary of one attended session (one per session).
* :class:`SummaryRevision` — one generation of it. A revision starts as a **draft** the
  clinician reviews; sharing it fills in the note, the text as shared, its readability scores,
  who shared it and when, and from then on the row never changes. Generating again while a
  draft waits marks that draft **replaced**; generating after sharing starts a new draft, so
  every text a patient was shown stays exactly as it was.
* :class:`SummaryRead` — a read receipt: the patient opened this shared revision (first and
  last time, how many times).

Read and written only through :mod:`concord.web.materials.summaries` (the care team) and
:mod:`concord.web.materials.summary_reading` (the patient).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareSession

NOTE_MAX = 1000


class SummaryChangeError(RuntimeError):
    """Raised on an attempt to change a shared or replaced revision."""


class SummaryState(models.TextChoices):
    DRAFT = "draft", _("Draft, not shared")
    SHARED = "shared", _("Shared with the patient")
    REPLACED = "replaced", _("Draft replaced before sharing")


class VisitSummary(models.Model):
    """The after-visit summary of one attended session, through all its revisions."""

    session = models.OneToOneField(
        CareSession, on_delete=models.CASCADE, related_name="visit_summary"
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-session__scheduled_at", "-pk"]

    def __str__(self) -> str:
        return f"Visit summary of session {self.session_id}"


# The one bulk change allowed: when an account is deleted, Django's SET_NULL unlinks it (through
# ``update()``); the revision keeps the person's name as text.
ACCOUNT_LINKS = frozenset({"generated_by", "shared_by"})


class RevisionQuerySet(models.QuerySet["SummaryRevision"]):
    def update(self, **kwargs: Any) -> int:
        if kwargs and all(k in ACCOUNT_LINKS and v is None for k, v in kwargs.items()):
            return super().update(**kwargs)
        raise SummaryChangeError("Summary revisions change only through SummaryRevision.save().")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise SummaryChangeError("Summary revisions change only through SummaryRevision.save().")


class SummaryRevision(models.Model):
    """One generated text of a summary; frozen once shared (or replaced)."""

    summary = models.ForeignKey(VisitSummary, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()  # 1, 2 … in the order generated, drafts included
    state = models.CharField(max_length=10, choices=SummaryState.choices)
    # The language of the fixed sentences, and the patient's preferred language at the time.
    language = models.CharField(max_length=10)
    preferred_language = models.CharField(max_length=10)
    # Rendered sentences in ``language`` (see summary_content): title, intro, sections.
    content = models.JSONField()
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    tasks_from = models.DateTimeField()
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    generated_by_name = models.CharField(max_length=300)
    # Filled once, when shared.
    note = models.TextField(_("a note for the patient (optional)"), blank=True, max_length=NOTE_MAX)
    text = models.TextField(blank=True)  # the plain text as shared, scored for readability
    shared_number = models.PositiveIntegerField(null=True, blank=True)  # version the patient sees
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shared_by_name = models.CharField(max_length=300, blank=True)
    # English only (None otherwise): the readability check of ``text``.
    reading_ease = models.FloatField(null=True, blank=True)
    grade_level = models.FloatField(null=True, blank=True)
    words = models.PositiveIntegerField(null=True, blank=True)
    sentences = models.PositiveIntegerField(null=True, blank=True)
    syllables = models.PositiveIntegerField(null=True, blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["summary", "number"]
        constraints = [
            models.UniqueConstraint(fields=["summary", "number"], name="summary_revision_unique"),
            models.UniqueConstraint(
                fields=["summary", "shared_number"],
                condition=models.Q(shared_number__isnull=False),
                name="summary_shared_number_unique",
            ),
            models.UniqueConstraint(
                fields=["summary"],
                condition=models.Q(state="draft"),
                name="summary_one_draft",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(state="shared")
                    & models.Q(shared_at__isnull=False)
                    & models.Q(shared_number__isnull=False)
                )
                | (~models.Q(state="shared") & models.Q(shared_number__isnull=True)),
                name="summary_shared_fields_match_state",
            ),
        ]

    def __str__(self) -> str:
        return f"Summary {self.summary_id} revision {self.number} ({self.state})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A draft may be shared or replaced once; a shared or replaced revision never changes."""
        if self.pk is not None and not self._state.adding:
            stored = (
                SummaryRevision.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            )
            if stored != SummaryState.DRAFT:
                raise SummaryChangeError(
                    "A shared or replaced summary is never changed; generate a new revision."
                )
        super().save(*args, **kwargs)

    @property
    def is_shared(self) -> bool:
        return self.state == SummaryState.SHARED

    @property
    def is_draft(self) -> bool:
        return self.state == SummaryState.DRAFT


class SummaryRead(models.Model):
    """A read receipt: the patient opened this shared revision."""

    revision = models.OneToOneField(
        SummaryRevision, on_delete=models.CASCADE, related_name="read_receipt"
    )
    first_opened_at = models.DateTimeField()
    last_opened_at = models.DateTimeField()
    times_opened = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["first_opened_at", "pk"]

    def __str__(self) -> str:
        return f"Summary revision {self.revision_id} read {self.times_opened} times"
