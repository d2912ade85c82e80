from django.contrib import admin
from django.http import HttpRequest

from concord.web.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only."""

    list_display = (
        "id",
        "at",
        "actor_username",
        "role",
        "action",
        "object_type",
        "object_id",
        "patient_refs",
        "channel",
        "source",
    )
    list_filter = ("action", "channel", "role")
    search_fields = ("actor_username", "object_type", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
