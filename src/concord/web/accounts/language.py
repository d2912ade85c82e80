"""The language a page is shown in.

Order: the language the person chose with the language links (Django's language cookie,
set by ``/language/<code>/``) → for a patient, the preferred language in their record (also on
the signed questionnaire link, which is opened without signing in) → the browser's
``Accept-Language`` → English. Only languages in ``settings.LANGUAGES`` are used;
a patient whose preferred language has no translation sees the browser's choice or English
(their preferred language still decides crisis text, interpreters and material versions).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = frozenset(code for code, _name in settings.LANGUAGES)


def translated_language(code: str | None) -> str | None:
    """``code`` (a preferred language such as ``es-MX`` or ``es_MX``) as a language Concord
    is translated into (``es``), or ``None`` when there is no translation for it."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    if code in SUPPORTED:
        return code
    base = code.split("-")[0]
    return base if base in SUPPORTED else None


def signed_in_patients_language(request: HttpRequest) -> str | None:
    """The preferred language in the signed-in patient's record (None for anyone else)."""
    user = request.user
    if not user.is_authenticated or getattr(user, "role", None) != "patient":
        return None
    from concord.web.clinic.models import Patient

    return Patient.objects.filter(account=user).values_list("preferred_language", flat=True).first()


def use_language_of_patient(request: HttpRequest, preferred_language: str | None) -> None:
    """Show this request in the patient's language (their own pages, and pages about one
    patient opened without their account, such as a signed questionnaire link): the
    language links' choice still wins, and an untranslated preferred language leaves the
    browser's choice in place."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    code = translated_language(preferred_language)
    if code:
        translation.activate(code)
        request.LANGUAGE_CODE = code


class PatientLanguageMiddleware:
    """Shows a patient's pages in their preferred language unless they chose another.

    Runs after authentication; Django's LocaleMiddleware has already applied the cookie and
    ``Accept-Language`` and sets ``Content-Language`` from whatever is active at the end.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            use_language_of_patient(request, signed_in_patients_language(request))
        return self.get_response(request)


def remember_choice(response: HttpResponse, code: str) -> HttpResponse:
    """Keep the person's choice of language in this browser (Django's language cookie)."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
