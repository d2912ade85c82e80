"""The patient's language on the pages and papers they read: the portal in Spanish for a
patient whose record says Spanish (and in English for one whose record says English, whatever
the browser says), the switcher's choice over both, Spanish dates and numbers, the signed
questionnaire link in the language of the patient behind it, and printed decisions and
materials in the patient's language."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from concord.web.materials.models import MaterialVersion
from concord.web.measures import submission
from concord.web.medications.models import MedicationRegimen

from .conftest import Cast, make_session
from .plan_fixtures import web
from .test_decisions import decision_a
from .test_materials import material_a
from .test_measures import phq9_due

# Tuesday 5 March 2030, 10:00 in London (Greenwich time until the clocks change on 31 March).
APPOINTMENT = datetime(2030, 3, 5, 10, 0, tzinfo=UTC)


def patient_client(cast: Cast, language: str, accept: str) -> Client:
    cast.patient_a.preferred_language = language
    cast.patient_a.save()
    client = Client(headers={"accept-language": accept})
    client.force_login(cast.users["patient_a"])
    return client


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _with_medicine_and_appointment(cast: Cast) -> None:
    make_session(cast.episode_a, APPOINTMENT, status="scheduled")
    MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="N06AB",
        daily_dose=Decimal("12.5"),
        dose_times=["08:00"],
        started_on=APPOINTMENT.date().replace(year=2020),
    )


@pytest.mark.django_db
def test_a_patient_whose_record_says_spanish_sees_the_portal_in_spanish(cast: Cast) -> None:
    _with_medicine_and_appointment(cast)
    page = patient_client(cast, "es", accept="en").get(reverse("clinic:portal"))
    html = page.content.decode()
    assert page["Content-Language"] == "es" and '<html lang="es">' in html
    for sentence in (
        "Hola, Ada",
        "Sus próximas citas",
        "martes 5 de marzo de 2030, 10:00 · En persona",  # weekday and Spanish date format
        "Sertraline · 12,5 mg al día",  # the Spanish decimal comma
        "Mis medicamentos",
        "Cuestionarios para usted",
        'aria-current="page">Inicio</a>',  # the portal's menu, here marked
        "Lo que acepto",
        "Quién ha visto mi información",
    ):
        assert sentence in html, sentence
    assert "Your next appointments" not in html


@pytest.mark.django_db
def test_a_patient_whose_record_says_english_sees_english_whatever_the_browser(
    cast: Cast,
) -> None:
    _with_medicine_and_appointment(cast)
    html = patient_client(cast, "en", accept="es").get(reverse("clinic:portal")).content.decode()
    for sentence in (
        "Hello, Ada",
        "Your next appointments",
        "Tuesday 5 March 2030, 10:00 · In person",
        "Sertraline · 12.5 mg a day",
        'aria-current="page">Home</a>',
    ):
        assert sentence in html, sentence
    assert "Hola, Ada" not in html


@pytest.mark.django_db
def test_the_switcher_wins_over_the_record_on_every_portal_page(cast: Cast) -> None:
    client = patient_client(cast, "es", accept="es")
    assert "Mi plan" in client.get(reverse("plans:portal")).content.decode()
    client.get(reverse("choose_language", kwargs={"code": "en"}))
    for url_name, english in (
        ("plans:portal", "Your goals, and the things you and your care team planned."),
        ("consent:my_consents", "What you agree to"),
        ("barriers:my_barriers", "What makes treatment hard for you?"),
        ("materials:portal_list", "Your care team chose these for you."),
    ):
        page = client.get(reverse(url_name))
        assert page["Content-Language"] == "en" and english in page.content.decode(), url_name


@pytest.mark.django_db
def test_the_signed_questionnaire_link_is_in_the_language_of_the_patient_behind_it(
    cast: Cast,
) -> None:
    cast.patient_a.preferred_language = "es"
    cast.patient_a.save()
    _link, raw = submission.issue_link(web(cast, "clin_a"), phq9_due(cast).pk)
    url = reverse("measures:signed", args=[raw])
    browser = Client(headers={"accept-language": "en"})  # nobody signed in, English browser
    page = browser.get(url)
    html = page.content.decode()
    assert page["Content-Language"] == "es" and '<html lang="es">' in html
    assert "Su equipo de atención le pidió que respondiera estas preguntas." in html
    bad = browser.post(url, {"q1": "7", "action": "submit"})
    assert bad.status_code == 400
    assert "Pregunta 1: elija una de las respuestas (0, 1, 2, 3)." in bad.content.decode()
    # The switcher's choice still wins.
    browser.get(reverse("choose_language", kwargs={"code": "en"}))
    assert "Your care team asked you to answer" in browser.get(url).content.decode()
    # An unknown link says nothing about anyone: the browser's language.
    unknown = Client(headers={"accept-language": "en"}).get(
        reverse("measures:signed", args=["m_" + "x" * 43])
    )
    assert unknown.status_code == 404 and unknown["Content-Language"] == "en"


@pytest.mark.django_db
def test_printed_decisions_are_in_the_patients_language(cast: Cast) -> None:
    decision = decision_a(cast)
    own = patient_client(cast, "es", accept="en").get(
        reverse("decisions:portal_pdf", args=[decision.pk])
    )
    text = pdf_text(own.content)
    assert "Una decisión que tomamos juntos" in text and "Sus opciones" in text
    # Printed by the clinician (who reads English) to give to the patient: Spanish too.
    clinician = Client(headers={"accept-language": "en"})
    clinician.force_login(cast.users["clin_a"])
    handout = pdf_text(clinician.get(reverse("decisions:pdf", args=[decision.pk])).content)
    assert "Una decisión que tomamos juntos" in handout
    # And English for a patient whose record says English.
    cast.patient_a.preferred_language = "en"
    cast.patient_a.save()
    english = pdf_text(clinician.get(reverse("decisions:pdf", args=[decision.pk])).content)
    assert "A decision we made together" in english


@pytest.mark.django_db
def test_a_printed_material_has_its_note_in_the_materials_language(cast: Cast) -> None:
    version = MaterialVersion.objects.get(material=material_a(cast), language="es")
    revision = version.revisions.get(number=1)
    clinician = Client(headers={"accept-language": "en"})
    clinician.force_login(cast.users["clin_a"])
    text = pdf_text(clinician.get(reverse("materials:revision_pdf", args=[revision.pk])).content)
    assert "Por qué toma sertralina" in text
    assert "Impreso el" in text and "Pregunte a su equipo de atención" in text


@pytest.mark.django_db
def test_a_missing_page_is_explained_in_the_patients_language(cast: Cast) -> None:
    client = patient_client(cast, "es", accept="en")
    missing = client.get("/me/no-such-page/")
    other = client.get(reverse("plans:portal_goal", args=[999999]))  # no such goal, or not hers
    assert missing.status_code == other.status_code == 404
    assert "Esta página no está aquí" in missing.content.decode()
    assert missing.content == other.content  # nothing says which it was
