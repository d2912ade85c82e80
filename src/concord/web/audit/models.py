"""The append-only, hash-chained audit trail of every read and write of patient data."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("List")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    CLI = "cli", _("Command line")
    WORKER = "worker", _("Worker")


class AppendOnlyError(RuntimeError):
    """Raised on an attempt to change or delete an audit row."""


class AppendOnlyQuerySet(models.QuerySet["AuditEvent"]):
    """Refuses bulk changes: ``AuditEvent.objects.filter(...).update()`` or ``.delete()``."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit rows are append-only and cannot be changed.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnlyError("Audit rows are append-only and cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit rows are append-only and cannot be deleted.")


class AuditEvent(models.Model):
    """One audited access. ``digest`` chains this row to the previous one.

    ``digest = sha256(previous digest + canonical JSON of this row's fields)``; see
    :func:`concord.web.audit.chain.row_digest`.
    """

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=50)
    object_id = models.CharField(max_length=64, blank=True)
    # ",12," for one patient, ",12,15,18," for a list: filter with contains=",12,".
    patient_refs = models.TextField(blank=True, db_index=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    source = models.CharField(max_length=100, blank=True, help_text=_("IP address or host"))
    detail = models.JSONField(default=dict, blank=True)
    previous_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.actor_username} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit rows are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit rows are append-only and cannot be deleted.")

    @property
    def patient_ids(self) -> list[int]:
        return [int(p) for p in self.patient_refs.strip(",").split(",") if p]


class ChainHead(models.Model):
    """A single row holding the latest digest; locking it serialises appends on PostgreSQL."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    digest = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"chain head {self.digest[:12]}"
