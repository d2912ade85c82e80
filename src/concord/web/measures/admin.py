"""Administrators set each clinic's crisis text per language here. Plans, administrations
and alerts are clinical records: they are read and written through the audited services."""

from django.contrib import admin

from concord.web.measures.models import ClinicCrisisText


@admin.register(ClinicCrisisText)
class ClinicCrisisTextAdmin(admin.ModelAdmin):
    list_display = ("clinic", "language")
    list_filter = ("clinic",)
