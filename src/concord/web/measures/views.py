"""Measures pages. Thin: each calls a service, which applies the access rules and audits."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from concord.web.access_rules import public, roles
from concord.web.accounts.language import use_language_of_patient
from concord.web.accounts.models import Role
from concord.web.audit.service import Actor
from concord.web.clinic.access import NotFound
from concord.web.clinic.services import FormInvalid, NotAllowed
from concord.web.measures import access, alliance, services, submission
from concord.web.measures.display import RATER_NAMES, form_view, instrument_name, score_lines
from concord.web.measures.forms import PlanForm
from concord.web.measures.models import Administration


@roles(Role.CLINICIAN)
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        episode = services.get_episode_for_staff(actor, episode_id)
    except NotFound:
        raise Http404 from None
    form = PlanForm(request.POST or None, initial={"starts_on": timezone.localdate()})
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.create_plan(actor, episode.pk, request.POST)
        except FormInvalid as invalid:
            errors = invalid.errors
            form.is_valid()
            for field, messages in errors.items():
                for message in messages:
                    if message not in form.errors.get(field, []):
                        form.add_error(field if field in form.fields else None, message)
        else:
            return redirect("clinic:patient", patient_id=episode.patient_id)
    return render(
        request,
        "measures/plan_form.html",
        {"form": form, "episode": episode},
        status=400 if errors else 200,
    )


def _language(request: HttpRequest, administration: Administration) -> str:
    if administration.rater == "patient":
        return administration.episode.patient.preferred_language
    return getattr(request, "LANGUAGE_CODE", "en") or "en"


def _form_context(
    request: HttpRequest,
    administration: Administration,
    answers: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    return {
        "administration": administration,
        "form": form_view(
            administration.instrument_code,
            _language(request, administration),
            answers if answers is not None else administration.answers,
            errors,
        ),
        "general_errors": (errors or {}).get("__all__", []),
        "rater_name": str(RATER_NAMES.get(administration.rater, administration.rater)),
    }


def _answer_page(
    request: HttpRequest,
    administration: Administration,
    *,
    action_url: str,
    template: str = "measures/answer.html",
    save: Any,
    send: Any,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form; POST saves a draft (``save``) or submits (``send``)."""
    context = {**(extra or {}), "action_url": action_url}
    if request.method == "POST":
        data = request.POST
        try:
            if data.get("action") == "draft":
                administration = save(data)
                context["saved"] = True
            else:
                result = send(data)
                return render(
                    request,
                    "measures/submitted.html",
                    {
                        **context,
                        "administration": result.administration,
                        "repeat": not result.created,
                        "crisis": result.crisis,
                        "scores": score_lines(result.administration.scores),
                        "name": instrument_name(result.administration.instrument_code),
                    },
                )
        except FormInvalid as invalid:
            context.update(
                _form_context(request, administration, dict(data.items()), invalid.errors)
            )
            return render(request, template, context, status=400)
        except submission.AdministrationClosed as closed:
            context["closed"] = str(closed)
    context.update(_form_context(request, administration))
    return render(request, template, context)


@roles(Role.PATIENT, Role.CLINICIAN, Role.SUPERVISOR, Role.OBSERVER)
@require_http_methods(["GET", "POST"])
def administration(request: HttpRequest, administration_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        found = services.get_administration(actor, administration_id)
    except NotFound:
        raise Http404 from None
    answerable = access.may_answer(actor.user, found) and found.is_open
    if not answerable:
        if request.method == "POST":
            raise Http404
        context: dict[str, Any] = {
            "administration": found,
            "scores": score_lines(found.scores),
            "name": instrument_name(found.instrument_code),
            "rater_name": str(RATER_NAMES.get(found.rater, found.rater)),
            "show_answers": actor.user.role in (Role.CLINICIAN, Role.SUPERVISOR),
        }
        if actor.user.role == Role.OBSERVER and found.session_id:
            context["comparison"] = alliance.session_comparison_for_observer(actor, found)
        if actor.user.role == Role.PATIENT and found.safety_flag:
            context["crisis"] = submission.crisis_for(found)
        return render(request, "measures/result.html", context)
    return _answer_page(
        request,
        found,
        action_url=reverse("measures:administration", args=[found.pk]),
        save=lambda data: submission.save_draft(actor, found.pk, data),
        send=lambda data: submission.submit(actor, found.pk, data),
    )


@roles(Role.CLINICIAN, Role.OBSERVER)
@require_GET
def to_rate(request: HttpRequest) -> HttpResponse:
    rows = services.open_for_me(Actor.from_request(request))
    return render(request, "measures/to_rate.html", {"rows": rows})


@roles(Role.CLINICIAN)
@require_POST
def link_new(request: HttpRequest, administration_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        link, raw = submission.issue_link(actor, administration_id)
    except NotFound:
        raise Http404 from None
    except NotAllowed as refused:
        return render(request, "measures/link.html", {"refused": str(refused)}, status=403)
    url = request.build_absolute_uri(reverse("measures:signed", args=[raw]))
    response = render(request, "measures/link.html", {"link": link, "url": url})
    response["Cache-Control"] = "no-store"
    return response


@public
@never_cache
@require_http_methods(["GET", "POST"])
def signed(request: HttpRequest, token: str) -> HttpResponse:
    """A patient answers one administration from a signed link: no password, nothing else."""
    actor = submission.link_actor(request.META.get("REMOTE_ADDR", "") or "")
    try:
        found = submission.read_by_link(actor, token)
    except NotFound:
        return render(request, "measures/link_invalid.html", status=404)
    use_language_of_patient(request, found.episode.patient.preferred_language)
    response = _answer_page(
        request,
        found,
        action_url=reverse("measures:signed", args=[token]),
        template="measures/answer_public.html",
        save=lambda data: submission.draft_by_link(actor, token, data),
        send=lambda data: submission.submit_by_link(actor, token, data),
        extra={"public": True},
    )
    # The site-wide Referrer-Policy (same-origin) keeps the token out of other sites' logs;
    # "no-referrer" would make browsers send "Origin: null" and fail the CSRF check.
    return response


@roles(Role.CLINICIAN)
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        alert = services.acknowledge_alert(actor, alert_id, request.POST.get("action_taken", ""))
    except NotFound:
        raise Http404 from None
    except FormInvalid as invalid:
        return render(
            request, "measures/alert_invalid.html", {"errors": invalid.errors}, status=400
        )
    return redirect("clinic:patient", patient_id=alert.patient_id)


@roles(Role.CLINICIAN, Role.SUPERVISOR)
@require_GET
def alliance_view(request: HttpRequest, episode_id: int) -> HttpResponse:
    actor = Actor.from_request(request)
    try:
        episode = services.get_episode_for_staff(actor, episode_id)
    except NotFound:
        raise Http404 from None
    view = alliance.episode_alliance(actor, episode)
    return render(request, "measures/alliance.html", {"episode": episode, "view": view})


@roles(Role.SUPERVISOR)
@require_GET
def agreement(request: HttpRequest) -> HttpResponse:
    rows = alliance.observer_agreement(Actor.from_request(request))
    return render(request, "measures/agreement.html", {"rows": rows})
