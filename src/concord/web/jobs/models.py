"""Background jobs as database rows, claimed atomically by ``concord worker`` processes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    kind = models.CharField(max_length=100)
    payload = models.JSONField(default=dict, blank=True)
    # Optional de-duplication key: at most one job per key, ever.
    unique_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    claimed_by = models.CharField(max_length=100, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]
        ordering = ["due_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
