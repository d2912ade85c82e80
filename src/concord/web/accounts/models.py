"""People who sign in to Concord and the role each one holds."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLINICIAN = "clinician", _("Clinician")
    SUPERVISOR = "supervisor", _("Supervisor")
    OBSERVER = "observer", _("Observer")
    ADMINISTRATOR = "administrator", _("Administrator")
    PATIENT = "patient", _("Patient")
    SUPPORTER = "supporter", _("Supporter")


STAFF_ROLES = frozenset({Role.CLINICIAN, Role.SUPERVISOR, Role.OBSERVER, Role.ADMINISTRATOR})


class Discipline(models.TextChoices):
    PSYCHIATRY = "psychiatry", _("Psychiatry")
    PSYCHOTHERAPY = "psychotherapy", _("Psychotherapy")
    PHYSIOTHERAPY = "physiotherapy", _("Physiotherapy")
    OCCUPATIONAL_THERAPY = "occupational_therapy", _("Occupational therapy")
    PHARMACY = "pharmacy", _("Pharmacy")
    PRIMARY_CARE = "primary_care", _("Primary care")


class User(AbstractUser):
    """A person who signs in. Exactly one role; clinicians also have a discipline."""

    role = models.CharField(max_length=20, choices=Role.choices)
    discipline = models.CharField(max_length=30, choices=Discipline.choices, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def clean(self) -> None:
        super().clean()
        if self.role == Role.CLINICIAN and not self.discipline:
            raise ValidationError({"discipline": _("A clinician needs a discipline.")})
        if self.role != Role.CLINICIAN and self.discipline:
            raise ValidationError({"discipline": _("Only clinicians have a discipline.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Only administrators enter the Django admin, and the role alone decides it.
        self.is_staff = self.role == Role.ADMINISTRATOR
        super().save(*args, **kwargs)

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        if self.is_active and self.role == Role.ADMINISTRATOR:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.ADMINISTRATOR:
            return True
        return super().has_module_perms(app_label)

    @property
    def is_staff_member(self) -> bool:
        """Clinical and administrative staff (everyone but patients and supporters)."""
        return self.role in STAFF_ROLES

    def __str__(self) -> str:
        return self.get_full_name() or self.username


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token for integrations. Only its SHA-256 is stored."""

    PREFIX = "cnc_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @classmethod
    def issue(
        cls, user: User, name: str, expires_at: datetime | None = None
    ) -> tuple[ApiToken, str]:
        """Create a token and return it with its secret, which is shown only once."""
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, digest=_hash_token(raw), expires_at=expires_at
        )
        return token, raw

    @classmethod
    def authenticate(cls, raw: str) -> User | None:
        """The active user owning a usable token, or None."""
        if not raw.startswith(cls.PREFIX):
            return None
        token = cls.objects.usable().select_related("user").filter(digest=_hash_token(raw)).first()
        if token is None or not token.user.is_active:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user
