"""The language a page is shown in: the switcher's choice, else a patient's preferred
language, else the browser's, else English (concord.web.accounts.language)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from .conftest import Cast


def _portal(client: Client, **headers: str) -> tuple[str, str]:
    response = client.get(reverse("clinic:portal"), headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index("<html")
    return response["Content-Language"], html[start : html.index(">", start) + 1]


@pytest.mark.django_db
def test_patient_pages_follow_the_preferred_language(cast: Cast) -> None:
    cast.patient_a.preferred_language = "es"
    cast.patient_a.save()
    client = Client()
    client.force_login(cast.users["patient_a"])
    # The record wins over the browser's English.
    assert _portal(client, accept_language="en") == ("es", '<html lang="es">')


@pytest.mark.django_db
def test_an_untranslated_preferred_language_falls_back_to_the_browser(cast: Cast) -> None:
    cast.patient_a.preferred_language = "so"  # Somali: no catalogue yet
    cast.patient_a.save()
    client = Client()
    client.force_login(cast.users["patient_a"])
    assert _portal(client, accept_language="es")[0] == "es"
    assert _portal(client, accept_language="so")[0] == "en"


@pytest.mark.django_db
def test_the_switcher_choice_wins_over_the_record(cast: Cast) -> None:
    cast.patient_a.preferred_language = "es"
    cast.patient_a.save()
    client = Client()
    client.force_login(cast.users["patient_a"])
    # The link goes back to the page it was followed from (Referer).
    response = client.get(
        reverse("choose_language", kwargs={"code": "en"}),
        headers={"referer": "http://testserver" + reverse("clinic:portal")},
    )
    assert response.status_code == 302
    assert response["Location"] == "http://testserver" + reverse("clinic:portal")
    assert _portal(client) == ("en", '<html lang="en">')


@pytest.mark.django_db
def test_staff_pages_follow_the_browser_not_a_patient_record(cast: Cast) -> None:
    cast.patient_a.preferred_language = "es"
    cast.patient_a.save()
    client = Client()
    client.force_login(cast.users["clin_a"])
    url = reverse("clinic:patient", kwargs={"patient_id": cast.patient_a.pk})
    assert client.get(url, headers={"accept-language": "en"})["Content-Language"] == "en"
    assert client.get(url, headers={"accept-language": "es"})["Content-Language"] == "es"


@pytest.mark.django_db
def test_language_links_refuse_unknown_codes_and_foreign_referers(cast: Cast) -> None:
    client = Client()
    assert client.get(reverse("choose_language", kwargs={"code": "xx"})).status_code == 404
    response = client.get(
        reverse("choose_language", kwargs={"code": "es"}),
        headers={"referer": "https://evil.example/phish"},
    )
    assert response["Location"] == "/"  # never an open redirect
    assert response.cookies["django_language"].value == "es"
    page = client.get(reverse("accounts:login"))
    assert page["Content-Language"] == "es"
    # The current language is marked, the other one is a link.
    html = page.content.decode()
    assert '<span lang="es" aria-current="true">Español</span>' in html
    assert f'href="{reverse("choose_language", kwargs={"code": "en"})}"' in html
