from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from concord.web.accounts.models import ApiToken, User


@admin.register(User)
class ConcordUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "discipline", "is_active")
    list_filter = ("role", "discipline", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,  # type: ignore[misc]
        ("Role", {"fields": ("role", "discipline")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        ("Role", {"fields": ("role", "discipline", "first_name", "last_name")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("digest", "created_at", "last_used_at")
    list_filter = ("revoked_at",)

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are issued with `concord token create`, which shows the secret once
