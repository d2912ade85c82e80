"""Administrators manage the organisation's structure here. Clinical records (patients,
episodes, sessions) are deliberately absent: they are read and written only through the
audited clinic services."""

from django.contrib import admin

from concord.web.clinic.models import (
    CareTeam,
    Clinic,
    ObserverAssignment,
    Organisation,
    Supervision,
    TeamMembership,
)


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation")


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "clinic")
    inlines = [MembershipInline]


@admin.register(Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    list_display = ("supervisor", "supervisee")


@admin.register(ObserverAssignment)
class ObserverAssignmentAdmin(admin.ModelAdmin):
    list_display = ("session", "observer", "assigned_at")
    raw_id_fields = ("session",)
