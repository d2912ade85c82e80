"""Alert pages. Thin: each calls a service, which applies the access rules and audits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from concord.web.access_rules import roles
from concord.web.accounts.models import Role
from concord.web.alerts import services
from concord.web.alerts.charts import evidence_chart_svg
from concord.web.alerts.models import SUGGESTED_STRATEGIES, AlertStatus, Strategy
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid, NotAllowed

HIDDEN = {"patient", "rule"}  # the episode key and the rule are shown elsewhere


def _shown(value: Any) -> str:
    """A figure for people: 4 significant digits, lists joined, no Python reprs."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{k.replace('_', ' ')} {_shown(v)}" for k, v in value.items() if k not in HIDDEN
        )
    return str(value)


def figures(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """The evidence's numbers as (name, value) rows; the full values stay in the alert."""
    rows = [
        (name.replace("_", " "), _shown(value))
        for name, value in (evidence.get("signal") or {}).items()
        if name not in HIDDEN
    ]
    rows += [
        (str(s.get("rule", "")).replace("_", " "), _shown(s)) for s in evidence.get("signals", [])
    ]
    return rows


def refill_windows(evidence: dict[str, Any]) -> list[dict[str, str]]:
    """The sliding windows of a refill-adherence alert as table rows (value to 4 digits,
    "—" where the CMA is undefined, and whether it is below the threshold, in words)."""
    threshold = evidence.get("threshold")
    rows = []
    for window in evidence.get("windows") or []:
        value = window.get("value")
        below = value is not None and threshold is not None and value < threshold
        rows.append(
            {
                "number": str(window.get("number", "")),
                "start": str(window.get("start", "")),
                "last_day": str(window.get("last_day", "")),
                "value": _shown(value),
                "below": str(gettext("below the threshold")) if below else "",
            }
        )
    return rows


def chart_svgs(evidence: dict[str, Any]) -> list[str]:
    """The evidence's charts as SVG: the main one, then the others (a combined alert draws
    each joined signal, an engagement alert each part of its score)."""
    charts = [evidence.get("chart"), *(evidence.get("other_charts") or [])]
    drawn = [evidence_chart_svg(c, ident=f"ae{i}") for i, c in enumerate(charts)]
    return [mark_safe(svg) for svg in drawn if svg]  # noqa: S308 - built from escaped values


def day_ranges(evidence: dict[str, Any]) -> list[str]:
    """The days of the evidence (days without supply, days of missed doses, a BARS
    rating's day) as "first – last", or the one day."""
    return [
        d["first"] if d.get("first") == d.get("last") else f"{d.get('first')} – {d.get('last')}"
        for d in evidence.get("days") or []
    ]


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_http_methods(["GET", "POST"])
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The evidence, the strategy checklist, and (clinicians) acknowledge or snooze."""
    actor = Actor.from_request(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            if request.POST.get("action") == "snooze":
                services.snooze(actor, alert_id, request.POST)
            else:
                services.acknowledge(
                    actor,
                    alert_id,
                    request.POST.getlist("strategies"),
                    request.POST.get("note", ""),
                )
        except (NotFound, NotAllowed):
            raise Http404 from None
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            return redirect("alerts:detail", alert_id=alert_id)
    try:
        alert = services.get_alert(actor, alert_id)
    except NotFound:
        raise Http404 from None
    evidence = alert.evidence or {}
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "evidence": evidence,
            "figures": figures(evidence),
            "charts": chart_svgs(evidence),
            "days": day_ranges(evidence),
            "actions": services.actions_of(alert),
            "strategies": [
                (code, label, code in SUGGESTED_STRATEGIES.get(alert.kind, ()))
                for code, label in Strategy.choices
            ],
            "windows": refill_windows(evidence),
            "model": evidence.get("model"),
            "can_act": actor.user.role == Role.CLINICIAN and alert.status != AlertStatus.RESOLVED,
            "errors": errors,
            "tomorrow": timezone.localdate() + timedelta(days=1),
            "note_length": services.NOTE_LENGTH,
            "reason_length": services.REASON_LENGTH,
            "posted": request.POST if errors else None,
        },
        status=400 if errors else 200,
    )
