"""Consent records, supporter links and invitations, and supporter-reported observations.

Consent is versioned: every decision is a new :class:`ConsentRecord`, never changed or
deleted, and the *current* state of one consent is its latest record (by ``recorded_at``,
then ``pk``). A consent is identified by its *key*: (kind, topic, supporter link) — for
example ("channel", "sms", None) or ("supporter", "appointments", link 7).

Read and written only through :mod:`concord.web.consent.records` and
:mod:`concord.web.consent.supporters`; what a supporter may see is decided in one place,
:mod:`concord.web.consent.access`. Foreign keys to the patient cascade: the clinic protects
patients from deletion, so a cascade runs only when a whole (demo or test) record goes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import Patient


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", _("Treatment")
    SUPPORTER = "supporter", _("Sharing with a supporter")
    CHANNEL = "channel", _("Contact by")
    RESEARCH = "research", _("Research use of data")


class Decision(models.TextChoices):
    """The three decisions. A *re-confirmation* is a "granted" record after a "granted" one."""

    GRANTED = "granted", _("Given")
    DECLINED = "declined", _("Declined")  # asked, and said no (was not in force)
    WITHDRAWN = "withdrawn", _("Withdrawn")  # was in force, taken back: ends at once


class Method(models.TextChoices):
    """How the decision reached the record."""

    PORTAL = "portal", _("By the patient in the portal")
    IN_PERSON_VERBAL = "in_person_verbal", _("In person, spoken")
    IN_WRITING = "in_writing", _("In writing")
    PHONE = "phone", _("By phone")


STAFF_METHODS = (Method.IN_PERSON_VERBAL, Method.IN_WRITING, Method.PHONE)


class Scope(models.TextChoices):
    """What a supporter may see (or do) when the patient consents. Nothing else, ever."""

    APPOINTMENTS = "appointments", _("Appointments")
    REMINDERS = "reminders", _("Medicine reminders")
    ADHERENCE_SUMMARY = "adherence_summary", _("How medicines are going")
    GOALS = "goals", _("Goals")
    OBSERVATIONS = "observations", _("Telling the care team what they notice")


class HistoryIsAppendOnly(RuntimeError):
    """Raised on an attempt to change or delete a consent record or an observation."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses bulk changes: consent history and observations are never overwritten or
    deleted. (A cascade from a deleted patient, in demo or test clean-up, goes through
    Django's base manager, not this one.)"""

    def update(self, **kwargs: Any) -> int:
        raise HistoryIsAppendOnly("This history is never changed; record a new entry.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise HistoryIsAppendOnly("This history is never changed; record a new entry.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise HistoryIsAppendOnly("This history is never deleted; record a new entry.")


class SupporterLink(models.Model):
    """A person the patient invited to support them, and whether the link is in force.

    Pending until the supporter accepts the invitation (``supporter`` set, ``accepted_at``),
    active until ended (``ended_at``); an ended link never comes back — the patient invites
    again. What the supporter sees is decided by the link's supporter-scope consents.
    """

    class Relationship(models.TextChoices):
        PARTNER = "partner", _("Partner or spouse")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Son or daughter")
        OTHER_FAMILY = "other_family", _("Other family")
        FRIEND = "friend", _("Friend")
        PEER = "peer", _("Peer supporter")
        CARER = "carer", _("Carer")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="supporter_links")
    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supporter_links",
    )
    name = models.CharField(_("their name"), max_length=150)
    relationship = models.CharField(
        _("who they are to you"), max_length=20, choices=Relationship.choices
    )
    contact = models.CharField(_("how to reach them"), max_length=200)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    invited_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_method = models.CharField(max_length=20, choices=Method.choices, blank=True)
    end_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["patient", "-invited_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "supporter"],
                condition=models.Q(ended_at__isnull=True, supporter__isnull=False),
                name="one_open_link_per_supporter",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True, supporter__isnull=True)
                | models.Q(accepted_at__isnull=False, supporter__isnull=False),
                name="accepted_link_has_supporter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display()}) for patient {self.patient_id}"

    @property
    def status(self) -> str:
        if self.ended_at is not None:
            return "ended"
        return "active" if self.accepted_at is not None else "pending"


class ConsentRecord(models.Model):
    """One decision about one consent. Never changed or deleted."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consent_records")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    # The channel (clinic.models.Channel) or the supporter scope (Scope); empty otherwise.
    topic = models.CharField(max_length=30, blank=True)
    supporter_link = models.ForeignKey(
        SupporterLink,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="consent_records",
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    information_version = models.CharField(
        _("information given (wording or version)"), max_length=120
    )
    reconfirm_by = models.DateField(_("re-confirm by"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "kind", "topic", "recorded_at", "pk"]
        indexes = [models.Index(fields=["patient", "kind", "topic", "recorded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="supporter", supporter_link__isnull=False)
                | (~models.Q(kind="supporter") & models.Q(supporter_link__isnull=True)),
                name="supporter_consent_names_its_link",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["treatment", "research"], topic="")
                | (models.Q(kind__in=["channel", "supporter"]) & ~models.Q(topic="")),
                name="consent_topic_matches_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(decision="granted") | models.Q(reconfirm_by__isnull=True),
                name="only_granted_consent_is_reconfirmed",
            ),
        ]

    def __str__(self) -> str:
        subject = f"{self.kind}:{self.topic}" if self.topic else self.kind
        return f"{subject} {self.decision} ({self.recorded_at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise HistoryIsAppendOnly("Consent records are never changed; record a new decision.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise HistoryIsAppendOnly("Consent records are never deleted; record a new decision.")

    @property
    def key(self) -> tuple[str, str, int | None]:
        return (self.kind, self.topic, self.supporter_link_id)


class SupporterInvitation(models.Model):
    """A single-use, expiring link that lets the invited person accept a supporter link.

    Only the SHA-256 of the token is stored (like ``accounts.ApiToken``); the token itself
    is shown once, to the patient, who passes it on.
    """

    link = models.ForeignKey(SupporterLink, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"invitation for supporter link {self.link_id}"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.cancelled_at is None and self.expires_at > now


class TookMedicines(models.TextChoices):
    ALL = "all", _("All of them")
    MOST = "most", _("Most of them")
    SOME = "some", _("Some of them")
    NONE = "none", _("None of them")


class SupporterObservation(models.Model):
    """What a supporter noticed in the 7 days up to ``week_ending``: a series of its own,
    never mixed with the patient's self-report. Never changed or deleted."""

    link = models.ForeignKey(SupporterLink, on_delete=models.CASCADE, related_name="observations")
    patient = models.ForeignKey(
        Patient, on_delete=models.CASCADE, related_name="supporter_observations"
    )
    supporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    week_ending = models.DateField(_("the week ending on"))
    took_medicines = models.CharField(
        _("this week they took their medicines"), max_length=10, choices=TookMedicines.choices
    )
    note = models.CharField(_("anything to add (optional)"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["patient", "-week_ending", "-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.week_ending:%Y-%m-%d} {self.took_medicines} (link {self.link_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise HistoryIsAppendOnly("Observations are never changed; record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise HistoryIsAppendOnly("Observations are never deleted.")
