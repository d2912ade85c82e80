"""The shared plan: consent records, supporters and what each consented scope lets them see."""

from __future__ import annotations

from typing import Any

from concord.web.audit.service import Actor
from concord.web.consent import supporters

from .access_tables import API_ANON, ApiTable, PageTable, statuses
from .conftest import Cast

STAFF_A = {"clin_a": 200, "colleague_a": 200, "sup_a": 200}
CLINICIANS_A = {"clin_a": 200, "colleague_a": 200}
PATIENTS = {"patient_a": 200, "patient_b": 200}


def web(cast: Cast, name: str) -> Actor:
    return Actor(cast.users[name], "web", "127.0.0.1")


def _link(cast: Cast) -> dict[str, Any]:
    return {"link_id": cast.supporter_link.pk}


def _invitation_token(cast: Cast) -> dict[str, Any]:
    """A fresh invitation from patient A (a pending link sharing appointments)."""
    _link_row, raw = supporters.invite(
        web(cast, "patient_a"),
        {
            "name": "Kim",
            "relationship": "friend",
            "contact": "kim@example.org",
            "scopes": ["appointments"],
        },
    )
    return {"token": raw}


# Every page and API operation of this area, with the exact status for every person of the
# cast (collected by test_access_matrix). The cast's supporter is linked to patient A with
# no scope granted: every supporter page but their home is 404 for them.
CONSENT_PAGES: PageTable = {
    "consent:my_consents": (lambda c: {}, statuses(404, **PATIENTS)),
    # POST only: patients reach the method check (405), everyone else is refused first.
    "consent:my_consent_decide": (lambda c: {}, statuses(404, patient_a=405, patient_b=405)),
    "consent:my_supporters": (lambda c: {}, statuses(404, **PATIENTS)),
    "consent:my_supporter_new": (lambda c: {}, statuses(404, **PATIENTS)),
    "consent:my_supporter": (_link, statuses(404, patient_a=200)),
    "consent:my_supporter_invitation": (_link, statuses(404, patient_a=405, patient_b=405)),
    "consent:my_supporter_end": (_link, statuses(404, patient_a=200)),
    "consent:my_access_history": (lambda c: {}, statuses(404, **PATIENTS)),
    "consent:supporting": (lambda c: {}, statuses(404, supporter=200)),
    "consent:supported_patient": (_link, statuses(404)),
    "consent:observation_new": (_link, statuses(404, supporter=405)),
    # Public: the invited person (anonymous, or signed in as a supporter) sees it; people
    # signed in with other roles are told to sign out first (404, whether valid or not).
    "consent:join": (_invitation_token, statuses(404, anonymous=200, supporter=200)),
    "consent:patient_consents": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **STAFF_A),
    ),
    "consent:consent_record": (
        lambda c: {"patient_id": c.patient_a.pk},
        statuses(404, **CLINICIANS_A),
    ),
    "consent:link_end": (_link, statuses(404, **CLINICIANS_A)),
}
CONSENT_API: ApiTable = {
    ("GET", "/api/v1/patients/{p}/consents"): (None, statuses(404, anonymous=API_ANON, **STAFF_A)),
    ("POST", "/api/v1/patients/{p}/consents"): (
        {"kind": "research", "decision": "granted", "method": "in_writing"},
        statuses(404, anonymous=API_ANON, clin_a=201, colleague_a=201, sup_a=403),
    ),
    ("GET", "/api/v1/patients/{p}/supporters"): (
        None,
        statuses(404, anonymous=API_ANON, **STAFF_A),
    ),
}
