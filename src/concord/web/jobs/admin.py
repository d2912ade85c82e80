from django.contrib import admin

from concord.web.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "due_at", "attempts", "claimed_by", "finished_at")
    list_filter = ("status", "kind")
    readonly_fields = (
        "claim_token",
        "claimed_by",
        "lease_until",
        "attempts",
        "result",
        "last_error",
        "finished_at",
    )
