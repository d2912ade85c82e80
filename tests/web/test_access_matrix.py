"""Every page and API endpoint, every role, own versus other team: the exact status.

The matrix must list every URL the project serves; adding a view without a row here (and
without an access rule on the view) fails ``test_every_url_is_in_the_matrix``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from concord.web.api.api import api

from .access_tables import API_ANON, STAFF_A, ApiTable, PageTable, statuses
from .conftest import CAST_NAMES, Cast
from .test_alerts import ALERTS_PAGES
from .test_barriers import BARRIERS_API, BARRIERS_PAGES
from .test_consent import CONSENT_API, CONSENT_PAGES
from .test_decisions import DECISIONS_API, DECISIONS_PAGES
from .test_materials import MATERIALS_API, MATERIALS_PAGES
from .test_measures import MEASURES_API, MEASURES_PAGES
from .test_plans import PLANS_API, PLANS_PAGES
from .test_summaries import SUMMARIES_API, SUMMARIES_PAGES

# url name → (arguments from the cast, expected status by person)
PAGES: PageTable = {
    "home": (lambda c: {}, statuses(302)),  # each role to its own home (supporters: /supporting/)
    "healthz": (lambda c: {}, statuses(200, anonymous=200)),
    # The language links: anyone may choose the language they read in.
    "choose_language": (lambda c: {"code": "es"}, statuses(302, anonymous=302)),
    "accounts:login": (lambda c: {}, statuses(200, anonymous=200)),
    "accounts:logout": (lambda c: {}, statuses(405, anonymous=405)),  # POST only
    "accounts:two_factor": (lambda c: {}, statuses(200)),
    "clinic:caseload": (
        lambda c: {},
        statuses(404, clin_a=200, colleague_a=200, clin_b=200, sup_a=200, sup_b=200),
    ),
    "clinic:patient_new": (lambda c: {}, statuses(404, clin_a=200, colleague_a=200, clin_b=200)),
    "clinic:patient": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, clin_a=200, colleague_a=200, sup_a=200),
    ),
    "clinic:session_new": (
        lambda c: {"episode_id": c.episode_a.pk},
        statuses(404, clin_a=200, colleague_a=200),
    ),
    "clinic:session_edit": (
        lambda c: {"session_id": c.session_a.pk},
        statuses(404, clin_a=200, colleague_a=200),
    ),
    "clinic:observer_sessions": (lambda c: {}, statuses(404, observer_a=200, observer_b=200)),
    "clinic:portal": (lambda c: {}, statuses(404, patient_a=200, patient_b=200)),
    "audit:events": (lambda c: {}, statuses(404, admin=200)),
    "admin:index": (lambda c: {}, statuses(404, admin=200)),
    "medications:regimen_new": (
        lambda c: {"episode_id": c.episode_a.pk},
        statuses(404, clin_a=200, colleague_a=200),
    ),
    "medications:regimen_edit": (
        lambda c: {"regimen_id": regimen_a(c).pk},
        statuses(404, clin_a=200, colleague_a=200),
    ),
    "medications:dispensing_upload": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, clin_a=200, colleague_a=200),
    ),
    "medications:monitor_upload": (
        lambda c: {"regimen_id": regimen_a(c).pk},
        statuses(404, clin_a=200, colleague_a=200),
    ),
    # POST only: patients reach the method check (405), everyone else is refused first.
    "medications:confirm_dose": (lambda c: {}, statuses(404, patient_a=405, patient_b=405)),
}


def regimen_a(cast: Cast) -> Any:
    """Patient A's medication regimen (created on first use)."""
    from concord.web.medications.models import MedicationRegimen

    regimen, _ = MedicationRegimen.objects.get_or_create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        defaults={
            "medication_class": "N06AB",
            "daily_dose": 50,
            "dose_times": ["08:00"],
            "started_on": cast.episode_a.started_on,
        },
    )
    return regimen


PAGES.update(MEASURES_PAGES)  # the measures pages, listed in test_measures.py
PAGES.update(ALERTS_PAGES)  # the alert pages, listed in test_alerts.py
# The shared plan (issue 6), each area listed in its own test module.
for _area_pages in (
    PLANS_PAGES,
    CONSENT_PAGES,
    BARRIERS_PAGES,
    DECISIONS_PAGES,
    MATERIALS_PAGES,
    SUMMARIES_PAGES,
):
    PAGES.update(_area_pages)

# Admin URLs are generated per model; a sample stands for them, and the coverage test
# checks that every admin view is wrapped by the administrator-only rule.
ADMIN_SAMPLE = [
    "admin:accounts_user_changelist",
    "admin:clinic_careteam_changelist",
    "admin:audit_auditevent_changelist",
    "admin:jobs_job_changelist",
]


def client_for(cast: Cast, name: str) -> Client:
    client = Client()
    if name != "anonymous":
        client.force_login(cast.users[name])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_page_access(cast: Cast, url_name: str) -> None:
    kwargs_of, expected = PAGES[url_name]
    url = reverse(url_name, kwargs=kwargs_of(cast))
    observed = {name: client_for(cast, name).get(url).status_code for name in CAST_NAMES}
    assert observed == expected


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ADMIN_SAMPLE)
def test_admin_pages_are_for_administrators_only(cast: Cast, url_name: str) -> None:
    url = reverse(url_name)
    observed = {name: client_for(cast, name).get(url).status_code for name in CAST_NAMES}
    assert observed == statuses(404, admin=200)


@pytest.mark.django_db
def test_other_team_records_are_404_like_missing_ones(cast: Cast) -> None:
    client = client_for(cast, "clin_a")
    other = client.get(reverse("clinic:patient", kwargs={"patient_id": cast.patient_b.pk}))
    missing = client.get(reverse("clinic:patient", kwargs={"patient_id": 999999}))
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content  # no hint that the record exists


def _walk(patterns: list[Any], namespace: str = "") -> list[tuple[str, Any]]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_walk(entry.url_patterns, inner))
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}{entry.name}", entry.callback))
    return found


def test_every_url_is_in_the_matrix() -> None:
    names = _walk(get_resolver().url_patterns)
    unlisted = []
    for name, callback in names:
        if name.startswith("admin:"):
            continue
        if name.startswith("api:"):
            continue  # the API is covered operation by operation below
        if name not in PAGES:
            unlisted.append(name)
        assert getattr(callback, "access_rule", None), f"view {name} declares no access rule"
    assert unlisted == []


def test_every_admin_view_goes_through_the_administrator_rule() -> None:
    from concord.web.admin_site import ConcordAdminSite

    admin_views = [(n, c) for n, c in _walk(get_resolver().url_patterns) if n.startswith("admin:")]
    assert len(admin_views) > 20
    for name, callback in admin_views:
        if name in ("admin:login", "admin:logout"):
            continue  # login redirects to Concord's sign-in; logout only ends a session
        # AdminSite.get_urls and ModelAdmin.get_urls wrap each view so that it runs
        # through admin_view(), which ConcordAdminSite overrides with the
        # administrator-only rule.
        site = getattr(callback, "admin_site", None) or getattr(
            getattr(callback, "model_admin", None), "admin_site", None
        )
        guarded = getattr(callback, "access_rule", None) == "roles:administrator"
        assert guarded or isinstance(site, ConcordAdminSite), name


# ---------------------------------------------------------------- the API


# (method, path template, body) → expected status by person; {p}, {e}, {s} are team A's
# patient, episode and session.
API: ApiTable = {
    ("GET", "/api/v1/me"): (None, statuses(200, anonymous=API_ANON)),
    ("GET", "/api/v1/patients"): (
        None,
        statuses(
            404, anonymous=API_ANON, clin_a=200, colleague_a=200, clin_b=200, sup_a=200, sup_b=200
        ),
    ),
    ("GET", "/api/v1/patients/{p}"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("GET", "/api/v1/patients/{p}/episodes"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("GET", "/api/v1/episodes/{e}"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("GET", "/api/v1/episodes/{e}/sessions"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("POST", "/api/v1/episodes/{e}/sessions"): (
        {"scheduled_at": "2030-01-01T10:00", "status": "scheduled"},
        statuses(404, anonymous=API_ANON, clin_a=201, colleague_a=201, sup_a=403),
    ),
    ("GET", "/api/v1/sessions/{s}"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("PATCH", "/api/v1/sessions/{s}"): (
        {"note": "Updated."},
        statuses(404, anonymous=API_ANON, clin_a=200, colleague_a=200, sup_a=403),
    ),
    ("GET", "/api/v1/patients/{p}/dispensing-events"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
    ("POST", "/api/v1/patients/{p}/dispensing-events"): (
        {"events": [{"date": "2025-01-05", "days_supply": 30, "medication_class": "N06AB"}]},
        statuses(404, anonymous=API_ANON, clin_a=201, colleague_a=201, sup_a=403),
    ),
    ("GET", "/api/v1/openapi.json"): (None, statuses(200, anonymous=200)),
    ("GET", "/api/v1/docs"): (None, statuses(200, anonymous=200)),
}

API.update(MEASURES_API)  # the measures endpoints, listed in test_measures.py
for _area_api in (
    PLANS_API,
    CONSENT_API,
    BARRIERS_API,
    DECISIONS_API,
    MATERIALS_API,
    SUMMARIES_API,
):
    API.update(_area_api)


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(API), ids=lambda k: f"{k[0]} {k[1]}")
def test_api_access(cast: Cast, key: tuple[str, str]) -> None:
    method, template = key
    body, expected = API[key]
    path = template.format(p=cast.patient_a.pk, e=cast.episode_a.pk, s=cast.session_a.pk)
    observed = {}
    for name in CAST_NAMES:
        headers = {} if name == "anonymous" else {"Authorization": f"Bearer {cast.token(name)}"}
        response = Client().generic(
            method,
            path,
            data=__import__("json").dumps(body) if body else "",
            content_type="application/json",
            headers=headers,
        )
        observed[name] = response.status_code
    assert observed == expected


def test_every_api_operation_is_in_the_matrix_with_an_access_rule() -> None:
    listed = {
        (
            m,
            t.replace("{p}", "{patient_id}")
            .replace("{e}", "{episode_id}")
            .replace("{s}", "{session_id}"),
        )
        for m, t in API
    }
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    assert (method, "/api/v1" + path) in listed, (
                        f"{method} {path} is not in the matrix"
                    )
                    assert getattr(operation.view_func, "access_rule", None), (
                        f"{method} {path} has no rule"
                    )


def test_every_api_operation_is_in_the_api_guide() -> None:
    """docs/api.md lists every operation (`METHOD /path` with `{id}` for any key)."""
    import re
    from pathlib import Path

    guide = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    missing = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    documented = f"{method} {re.sub(r'{[a-z_]+}', '{id}', path)}"
                    if not re.search("`" + re.escape(documented) + "[`?]", guide):
                        missing.append(documented)
    assert missing == []
