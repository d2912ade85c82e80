"""Clinic pages. Thin: each calls a service, which applies the access rules and audits."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from concord.web.access_rules import roles, signed_in
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.charts import TimelinePoint, session_timeline_svg
from concord.web.clinic import services
from concord.web.clinic.access import NotFound, teams_for
from concord.web.clinic.caseload_rows import caseload_rows_html
from concord.web.clinic.forms import NewEpisodeForm, PatientForm, SessionForm
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.medications import adherence as medication_adherence
from concord.web.medications import doses as medication_doses

HOME_BY_ROLE: dict[str, str] = {
    Role.CLINICIAN: "clinic:caseload",
    Role.SUPERVISOR: "clinic:caseload",
    Role.OBSERVER: "clinic:observer_sessions",
    Role.PATIENT: "clinic:portal",
    Role.SUPPORTER: "consent:supporting",
    Role.ADMINISTRATOR: "audit:events",
}


@signed_in
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    target = HOME_BY_ROLE.get(str(getattr(request.user, "role", "")))
    if target:
        return redirect(target)
    return render(request, "clinic/nothing_shared.html")


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    sort = request.GET.get("sort", "priority")
    if sort not in services.CASELOAD_SORTS:
        sort = "priority"
    descending = request.GET.get("dir") == "desc"
    include_closed = request.GET.get("closed") == "1"
    team_members = services.supervisees(actor)
    clinician_id: int | None = None
    if request.GET.get("clinician", "").isdigit():
        clinician_id = int(request.GET["clinician"])
        if actor.user.role == Role.SUPERVISOR and clinician_id not in {u.pk for u in team_members}:
            raise Http404
        if actor.user.role == Role.CLINICIAN:
            clinician_id = None
    rows = services.caseload(
        actor,
        sort=sort,
        descending=descending,
        include_closed=include_closed,
        clinician_id=clinician_id,
    )
    return render(
        request,
        "clinic/caseload.html",
        {
            "rows": rows,
            "rows_html": caseload_rows_html(rows),
            "sort": sort,
            "descending": descending,
            "include_closed": include_closed,
            "supervisees": team_members,
            "clinician_id": clinician_id,
            "columns": [
                ("name", _("Patient")),
                ("priority", _("Alerts")),
                ("status", _("Episode")),
                ("last", _("Last session")),
                ("next", _("Next session")),
                ("attendance", _("Attendance")),
            ],
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def patient_new(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    teams = teams_for(actor.user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            patient = services.create_patient(actor, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
        else:
            return redirect("clinic:patient", patient_id=patient.pk)
    patient_form = PatientForm(request.POST or None)
    episode_form = NewEpisodeForm(
        request.POST or None, teams=teams, initial={"started_on": timezone.localdate()}
    )
    return render(
        request,
        "clinic/patient_new.html",
        {"patient_form": patient_form, "episode_form": episode_form, "errors": errors},
        status=400 if errors else 200,
    )


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_GET
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        patient = services.get_patient(actor, patient_id)
    except NotFound:
        raise Http404 from None
    episodes = services.episodes_of(actor, patient)
    sessions = services.sessions_of(actor, episodes)
    now = timezone.now()
    chart = session_timeline_svg(
        [
            TimelinePoint(timezone.localtime(s.scheduled_at), s.status, s.get_modality_display())
            for s in sessions
        ],
        now=timezone.localtime(now),
    )
    return render(
        request,
        "clinic/patient_detail.html",
        {
            "patient": patient,
            "episodes": episodes,
            "sessions": sessions[::-1],
            "timeline_svg": mark_safe(chart),  # noqa: S308 - built from escaped values
            "can_write": actor.user.role == Role.CLINICIAN,
            "session_form": SessionForm(),
            "medications": medication_adherence.patient_adherence(actor, patient),
        },
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def session_new(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        episode = services.get_episode(actor, episode_id)
    except NotFound:
        raise Http404 from None
    form = SessionForm(request.POST or None, initial={"status": "scheduled"})
    if request.method == "POST":
        try:
            services.create_session(actor, episode.pk, request.POST)
        except FormInvalid:
            pass  # the bound form shows the same field-level messages
        else:
            return redirect("clinic:patient", patient_id=episode.patient_id)
    return render(
        request,
        "clinic/session_form.html",
        {"form": form, "episode": episode},
        status=400 if form.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        session = services.get_session(actor, session_id)
    except NotFound:
        raise Http404 from None
    form = SessionForm(request.POST or None, instance=session)
    if request.method == "POST":
        try:
            services.update_session(actor, session.pk, request.POST)
        except FormInvalid:
            pass  # the bound form shows the same field-level messages
        except NotAllowed:
            raise Http404 from None
        else:
            return redirect("clinic:patient", patient_id=session.episode.patient_id)
    return render(
        request,
        "clinic/session_form.html",
        {"form": form, "episode": session.episode, "session": session},
        status=400 if form.errors else 200,
    )


@roles(Role.OBSERVER)
@require_GET
def observer_sessions(request: HttpRequest) -> HttpResponse:
    rows = services.observer_sessions(Actor.from_request(request))
    return render(request, "clinic/observer_sessions.html", {"rows": rows})


@roles(Role.PATIENT)
@require_GET
def portal(request: HttpRequest) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        overview = services.portal_overview(actor)
    except NotFound:
        raise Http404 from None
    medicines = medication_doses.portal_medicines(actor)
    return render(request, "clinic/portal.html", {"overview": overview, "medicines": medicines})
