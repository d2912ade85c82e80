"""``{% patient_risk_alerts patient %}``: the patient's live alerts, for the patient page."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import Http404

from concord.web.alerts import services
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound

register = template.Library()


@register.inclusion_tag("alerts/patient_alerts.html", takes_context=True)
def patient_risk_alerts(context: Any, patient: Any) -> dict[str, Any]:
    request = context["request"]
    try:
        alerts = services.alerts_of_patient(Actor.from_request(request), patient.pk)
    except NotFound:
        raise Http404 from None
    return {"alerts": alerts}
