"""Administrators browse and filter the audit trail."""

from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.audit.models import Action, AuditEvent, Channel


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label=_("User name"))
    patient = forms.IntegerField(required=False, min_value=1, label=_("Patient number"))
    action = forms.ChoiceField(required=False, choices=[("", _("any")), *Action.choices])
    channel = forms.ChoiceField(required=False, choices=[("", _("any")), *Channel.choices])
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


@roles(Role.ADMINISTRATOR)
@require_GET
def events(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    rows = AuditEvent.objects.all().order_by("-id")
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            rows = rows.filter(actor_username=data["actor"])
        if data["patient"]:
            rows = rows.filter(patient_refs__contains=f",{data['patient']},")
        if data["action"]:
            rows = rows.filter(action=data["action"])
        if data["channel"]:
            rows = rows.filter(channel=data["channel"])
        zone = timezone.get_current_timezone()
        if data["since"]:
            rows = rows.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=zone))
        if data["until"]:
            rows = rows.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=zone))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/events.html",
        {"form": form, "page": page, "query": query.urlencode()},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
