"""Shared-decision pages. Thin: each calls a service, which applies the access rules and audits.

Clinicians of the care team record and revise decisions; supervisors read them; the patient
reads their own in the portal (``/me/decisions/…``), changes what matters to them and their
preference there, and prints them.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from concord.web.access_rules import roles
from concord.web.accounts.language import translated_language
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotAllowed, NotFound
from concord.web.clinic.services import FormInvalid
from concord.web.decisions import services
from concord.web.decisions.drafts import DecisionDraft, ParticipantDraft, draft_of
from concord.web.decisions.forms import PatientViewForm
from concord.web.decisions.history import history_of
from concord.web.decisions.models import ParticipantRole
from concord.web.decisions.submission import DecisionSubmission
from concord.web.pdf import pdf_response

NEW_OPTION_ROWS = 3
NEW_PARTICIPANT_ROWS = 4


def _first_participants(
    actor: Actor, patient_name: str, patient_user_id: int | None
) -> DecisionDraft:
    """A blank new decision with the patient and the clinician already listed as taking part."""
    return DecisionDraft(
        question="",
        context="",
        options=(),
        what_matters="",
        preferred_option=None,
        preference_words="",
        status="",
        chosen_option=None,
        participants=(
            ParticipantDraft(patient_name, ParticipantRole.PATIENT, patient_user_id),
            ParticipantDraft(str(actor.user), ParticipantRole.CLINICIAN, actor.user.pk),
        ),
        revisit_on=None,  # type: ignore[arg-type]  # the clinician chooses it
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def decision_new(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        episode = services.episode_for_writing(actor, episode_id)
    except (NotFound, NotAllowed):
        raise Http404 from None
    patient = episode.patient
    users = services.participant_users(episode)
    if request.method == "POST":
        try:
            record = services.create_decision(actor, episode.pk, request.POST)
        except FormInvalid:
            submission = DecisionSubmission(request.POST, users=users, today=timezone.localdate())
            submission.attach_errors()
        else:
            messages.success(request, _("The shared decision is recorded."))
            return redirect("decisions:detail", decision_id=record.decision.pk)
    else:
        submission = DecisionSubmission(
            None,
            users=users,
            today=timezone.localdate(),
            option_rows=NEW_OPTION_ROWS,
            participant_rows=NEW_PARTICIPANT_ROWS,
            initial=_first_participants(actor, str(patient), patient.account_id),
        )
    return render(
        request,
        "decisions/form.html",
        {"submission": submission, "episode": episode, "patient": patient},
        status=400 if submission.errors else 200,
    )


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def decision_revise(request: HttpRequest, decision_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        record = services.get_decision(actor, decision_id, view="revise")
    except NotFound:
        raise Http404 from None
    episode = record.decision.episode
    users = services.participant_users(episode)
    if request.method == "POST":
        try:
            services.revise_decision(actor, record.decision.pk, request.POST)
        except FormInvalid:
            submission = DecisionSubmission(
                request.POST, users=users, today=timezone.localdate(), current=record.current
            )
            submission.attach_errors()
        except NotAllowed:
            raise Http404 from None
        else:
            messages.success(request, _("A new version of the decision is recorded."))
            return redirect("decisions:detail", decision_id=record.decision.pk)
    else:
        current = draft_of(record.current)
        submission = DecisionSubmission(
            None,
            users=users,
            today=timezone.localdate(),
            current=record.current,
            option_rows=min(len(current.options) + 1, 6),
            participant_rows=len(current.participants) + 2,
            initial=current,
        )
    return render(
        request,
        "decisions/form.html",
        {
            "submission": submission,
            "episode": episode,
            "patient": episode.patient,
            "record": record,
        },
        status=400 if submission.errors else 200,
    )


def _staff_record(request: HttpRequest, decision_id: int, view: str) -> services.DecisionRecord:
    try:
        return services.get_decision(Actor.from_request(request), decision_id, view=view)
    except NotFound:
        raise Http404 from None


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_GET
def decisions_to_revisit(request: HttpRequest) -> HttpResponse:
    """Decisions of the person's patients that are overdue or due for revisit soon."""
    today = timezone.localdate()
    records = services.decisions_to_revisit(Actor.from_request(request), today=today)
    rows = [{"record": r, "state": r.revisit_state(today)} for r in records]
    return render(
        request,
        "decisions/to_revisit.html",
        {"rows": rows, "due_within_days": services.DUE_WITHIN_DAYS},
    )


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_GET
def decision_detail(request: HttpRequest, decision_id: int) -> HttpResponse:
    record = _staff_record(request, decision_id, "record")
    return render(
        request,
        "decisions/detail.html",
        {
            "record": record,
            "patient": record.decision.episode.patient,
            "history": history_of(record.versions),
            "can_write": request.user.role == Role.CLINICIAN,  # type: ignore[union-attr]
            "revisit_state": record.revisit_state(timezone.localdate()),
        },
    )


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_GET
def decision_history(request: HttpRequest, decision_id: int) -> HttpResponse:
    record = _staff_record(request, decision_id, "history")
    return render(
        request,
        "decisions/history.html",
        {
            "record": record,
            "patient": record.decision.episode.patient,
            "history": history_of(record.versions)[::-1],
        },
    )


def _pdf(request: HttpRequest, record: services.DecisionRecord) -> HttpResponse:
    current = record.current
    return pdf_response(
        "decisions/pdf.html",
        {
            "record": record,
            "version": current,
            "patient": record.decision.episode.patient,
            "history": history_of(record.versions),
            "printed_at": timezone.localtime(),
        },
        request,
        f"shared-decision-{record.decision.pk}-v{current.number}",
    )


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_GET
def decision_pdf(request: HttpRequest, decision_id: int) -> HttpResponse:
    """The record printed for the patient: in the patient's language when Concord is
    translated into it, whatever language the clinician reads the pages in."""
    record = _staff_record(request, decision_id, "pdf")
    language = translated_language(record.decision.episode.patient.preferred_language)
    with translation.override(language or translation.get_language()):
        return _pdf(request, record)


# ------------------------------------------------------------------ the portal


def _my_record(request: HttpRequest, decision_id: int, view: str) -> services.DecisionRecord:
    try:
        return services.get_decision(Actor.from_request(request), decision_id, view=view)
    except NotFound:
        raise Http404 from None


@roles(Role.PATIENT)
@require_GET
def portal_decision(request: HttpRequest, decision_id: int) -> HttpResponse:
    record = _my_record(request, decision_id, "portal")
    return render(
        request,
        "decisions/portal_detail.html",
        {"record": record, "history": history_of(record.versions)[::-1]},
    )


@roles(Role.PATIENT)
@require_http_methods(["GET", "POST"])
def portal_my_view(request: HttpRequest, decision_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    record = _my_record(request, decision_id, "portal_edit")
    form = PatientViewForm(request.POST or None, version=record.current)
    status = 200
    if request.method == "POST":
        try:
            services.record_patient_view(actor, record.decision.pk, request.POST)
        except FormInvalid as invalid:
            status = 400
            form.is_valid()
            for message in invalid.errors.get("__all__", []):
                form.add_error(None, message)
        else:
            messages.success(request, _("Thank you. Your care team will see what you wrote."))
            return redirect("decisions:portal_detail", decision_id=record.decision.pk)
    return render(
        request, "decisions/portal_edit.html", {"record": record, "form": form}, status=status
    )


@roles(Role.PATIENT)
@require_GET
def portal_decision_pdf(request: HttpRequest, decision_id: int) -> HttpResponse:
    return _pdf(request, _my_record(request, decision_id, "pdf"))
