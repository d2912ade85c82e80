"""The barriers API with values: what staff and patients get, errors in the API's one shape,
and the audit channel."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from concord.web.audit.models import AuditEvent
from concord.web.barriers.models import Barrier, CommunityResource

from .conftest import Cast
from .test_barriers import open_action, report


def call(cast: Cast, who: str, method: str, path: str, body: Any = None) -> Any:
    response = Client().generic(
        method,
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers={"Authorization": f"Bearer {cast.token(who)}"},
    )
    return response.status_code, response.json()


@pytest.mark.django_db
def test_staff_get_barriers_with_actions_history_and_overdue_flags(cast: Cast) -> None:
    barrier = report(cast, description="Drowsy at work.")
    action = open_action(cast, barrier)
    status, body = call(cast, "sup_a", "GET", f"/api/v1/patients/{cast.patient_a.pk}/barriers")
    assert status == 200 and len(body) == 1
    (shown,) = body
    assert (shown["id"], shown["kind"], shown["status"], shown["description"]) == (
        barrier.pk,
        "side_effects",
        "being_addressed",
        "Drowsy at work.",
    )
    assert [h["to_status"] for h in shown["history"]] == ["open", "being_addressed"]
    (shown_action,) = shown["actions"]
    assert shown_action["id"] == action.pk and shown_action["overdue"] is False
    assert shown_action["owner"] == str(cast.users["colleague_a"])
    assert shown_action["follow_up_on"] == (timezone.localdate() + timedelta(days=7)).isoformat()
    assert shown_action["outcome_note"] == "" and len(shown_action["history"]) == 1
    (row,) = AuditEvent.objects.filter(object_type="barrier", action="list")
    assert (row.channel, row.actor_username) == ("api", "sup_a")


@pytest.mark.django_db
def test_patients_get_their_own_without_the_teams_notes(cast: Cast) -> None:
    status, created = call(
        cast, "patient_a", "POST", "/api/v1/me/barriers", {"kind": "cost", "words": "Too dear."}
    )
    assert status == 201 and created["description"] == "Too dear."
    again_status, again = call(cast, "patient_a", "POST", "/api/v1/me/barriers", {"kind": "cost"})
    assert again_status == 200 and again["id"] == created["id"]  # already on the list
    open_action(cast, Barrier.objects.get(), kind="cost_help")
    status, body = call(cast, "patient_a", "GET", "/api/v1/me/barriers")
    assert status == 200
    assert body[0]["history"] is None
    assert body[0]["actions"][0]["outcome_note"] is None
    assert body[0]["actions"][0]["history"] is None
    assert call(cast, "patient_b", "GET", "/api/v1/me/barriers") == (200, [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"website": "javascript:alert(1)"}, "website"),
        ({"phone": "", "email": "", "website": ""}, "phone"),
        ({"languages": "Spanish"}, "languages"),
    ],
)
def test_directory_errors_name_the_field_in_the_api_error_shape(
    cast: Cast, body: dict[str, str], field: str
) -> None:
    payload = {
        "name": "Advice",
        "category": "financial",
        "description": "Help.",
        "phone": "0113 496 0101",
        **body,
    }
    status, answer = call(cast, "clin_a", "POST", "/api/v1/community-resources", payload)
    assert status == 422
    assert answer["error"]["code"] == "invalid" and field in answer["error"]["fields"]
    assert not CommunityResource.objects.exists()


@pytest.mark.django_db
def test_directory_filters_in_the_api(cast: Cast) -> None:
    base = {"category": "transport", "description": "Minibus.", "phone": "0113 496 0202"}
    for name, languages in (("Eastbank Transport", "en, es"), ("Dial-a-Ride", "en")):
        status, _ = call(
            cast,
            "clin_b",
            "POST",
            "/api/v1/community-resources",
            {**base, "name": name, "languages": languages},
        )
        assert status == 201
    status, body = call(cast, "sup_a", "GET", "/api/v1/community-resources?language=es")
    assert status == 200 and [r["name"] for r in body] == ["Eastbank Transport"]
    assert body[0]["languages"] == ["en", "es"] and body[0]["needs_verification"] is True
    _, by_text = call(cast, "clin_a", "GET", "/api/v1/community-resources?q=dial")
    assert [r["name"] for r in by_text] == ["Dial-a-Ride"]


@pytest.mark.django_db
def test_supervisors_get_403_on_writes_and_nothing_is_written(cast: Cast) -> None:
    status, answer = call(
        cast, "sup_a", "POST", f"/api/v1/patients/{cast.patient_a.pk}/barriers", {"kind": "cost"}
    )
    assert status == 403 and answer["error"]["code"] == "forbidden"
    assert not Barrier.objects.exists()
