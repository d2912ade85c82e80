"""The clinic's education materials, their language versions and revisions, and what each
patient was given and read.

* :class:`Material` — one topic of a clinic's library (say, "why you are taking sertraline"),
  linked to medication names, ATC codes and conditions so it can be suggested for a patient.
* :class:`MaterialVersion` — the material in one language.
* :class:`MaterialRevision` — the text of a language version at one moment. Editing adds a
  revision; a revision is never changed, so a read receipt can say exactly what was read.
* :class:`MaterialAssignment` — a material given to a patient by a clinician of their team.
* :class:`MaterialRead` — a read receipt: one per assignment and revision opened, with the
  first and last opening and how many times.
* After-visit summaries (:class:`VisitSummary`, :class:`SummaryRevision`,
  :class:`SummaryRead`) are defined in :mod:`concord.web.materials.summary_models`.

Read and written only through :mod:`concord.web.materials.library` (the library) and
:mod:`concord.web.materials.assignments` (the care team) and
:mod:`concord.web.materials.reading` (the patient).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareEpisode, Clinic, Patient


class RevisionChangeError(RuntimeError):
    """Raised on an attempt to change a saved revision (edits add a new revision)."""


class Topic(models.TextChoices):
    MEDICATION = "medication", _("A medicine")
    CONDITION = "condition", _("A condition")
    SELF_CARE = "self_care", _("Self-care, exercises and daily life")


class Material(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="materials")
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    medication_names = models.JSONField(_("medicines (names)"), default=list, blank=True)
    atc_codes = models.JSONField(_("ATC codes"), default=list, blank=True)
    conditions = models.JSONField(
        _("conditions (words in the reason for care)"), default=list, blank=True
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["clinic", "pk"]

    def __str__(self) -> str:
        return f"Material {self.pk} ({self.clinic})"


class MaterialVersion(models.Model):
    """A material in one language."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="versions")
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["material", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["material", "language"], name="material_language_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Material {self.material_id} [{self.language}]"


class MaterialRevision(models.Model):
    """The text of a language version at one moment. Never changed once saved."""

    version = models.ForeignKey(MaterialVersion, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), max_length=20000)
    body_html = models.TextField()  # the sanitised rendering, made when the revision is saved
    change_note = models.CharField(_("what changed (optional)"), max_length=300, blank=True)
    authored_at = models.DateTimeField()
    authored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    authored_by_name = models.CharField(max_length=300)
    # English only (None otherwise): the readability check when the revision was saved.
    reading_ease = models.FloatField(null=True, blank=True)
    grade_level = models.FloatField(null=True, blank=True)
    words = models.PositiveIntegerField(null=True, blank=True)
    sentences = models.PositiveIntegerField(null=True, blank=True)
    syllables = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="material_revision_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} (revision {self.number})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise RevisionChangeError("Revisions are never changed; save a new revision.")
        super().save(*args, **kwargs)


class MaterialAssignment(models.Model):
    """A material given to a patient, through one of their care episodes."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="assignments")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="materials")
    episode = models.ForeignKey(CareEpisode, on_delete=models.CASCADE, related_name="+")
    note = models.CharField(_("a note for the patient (optional)"), max_length=500, blank=True)
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "material"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="material_assigned_once",
            )
        ]

    def __str__(self) -> str:
        return f"Material {self.material_id} for patient {self.patient_id}"


class MaterialRead(models.Model):
    """A read receipt: the patient opened this revision of an assigned material."""

    assignment = models.ForeignKey(
        MaterialAssignment, on_delete=models.CASCADE, related_name="reads"
    )
    revision = models.ForeignKey(MaterialRevision, on_delete=models.CASCADE, related_name="+")
    first_opened_at = models.DateTimeField()
    last_opened_at = models.DateTimeField()
    times_opened = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["first_opened_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "revision"], name="material_read_unique")
        ]

    def __str__(self) -> str:
        return f"Assignment {self.assignment_id} read revision {self.revision_id}"


# After-visit summaries live in their own module; importing them here registers them with the app.
from concord.web.materials.summary_models import (  # noqa: E402
    SummaryRead,
    SummaryRevision,
    SummaryState,
    VisitSummary,
)

__all__ = [
    "Material",
    "MaterialAssignment",
    "MaterialRead",
    "MaterialRevision",
    "MaterialVersion",
    "RevisionChangeError",
    "SummaryRead",
    "SummaryRevision",
    "SummaryState",
    "Topic",
    "VisitSummary",
]
