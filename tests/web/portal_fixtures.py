"""A full portal for patient A, and every page a patient, a supporter or a person with a link
can open, derived from the access matrix.

The pages come from the access tables (``PAGES`` of ``test_access_matrix``): every URL that
``patient_a``, ``supporter`` or ``anonymous`` opens with status 200, with the record its row
builds. A new portal page listed in the matrix is therefore visited by the translation and
accessibility tests without anyone adding it here. :data:`EXTRA_PAGES` adds the pages the
matrix's cast cannot open (the cast's supporter has no consent yet) and pages in another
state (a submitted questionnaire).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from concord.web.audit.service import Actor
from concord.web.barriers import actions, referrals
from concord.web.consent import supporters
from concord.web.consent.models import SupporterLink
from concord.web.decisions import services as decision_services
from concord.web.demo.material_texts import SSRI_SIDE_EFFECTS_EN, SSRI_SIDE_EFFECTS_ES
from concord.web.materials import assignments, library
from concord.web.materials.models import MaterialAssignment
from concord.web.measures import submission
from concord.web.medications.models import MedicationRegimen
from concord.web.plans import completions, goal_changes, goal_ratings, tasks

from .conftest import Cast, make_session
from .plan_fixtures import agreed_goal, goal_for, homework_for, programme_for, web
from .test_access_matrix import PAGES
from .test_barriers import barrier_a, resource_a
from .test_decisions import decision_a, decision_data
from .test_materials import assignment_a, material_data
from .test_measures import phq9_due

# Who may open portal pages (staff pages are everyone else's).
PORTAL_PEOPLE = ("patient_a", "supporter", "anonymous")
# Answers that are not HTML pages (the liveness check answers JSON).
NOT_PAGES = frozenset({"healthz"})
ALL_SCOPES = ["appointments", "reminders", "adherence_summary", "goals", "observations"]


@dataclass(frozen=True)
class PortalPage:
    person: str  # a name of the cast, or "anonymous"
    url_name: str
    url: str

    @property
    def key(self) -> str:
        return f"{self.person} {self.url_name}"


def fill_portal(cast: Cast) -> dict[str, Any]:
    """Patient A with something on every portal page: appointments, medicines with doses to
    confirm, goals in every state with ratings, tasks of every kind with logs, a decision,
    material to read, barriers with actions and a referral, consents, two supporters (one
    active seeing everything, one invited), what the supporter looked at, questionnaires."""
    now = timezone.now()
    patient = web(cast, "patient_a")
    make_session(cast.episode_a, now + timedelta(days=3), status="scheduled")
    make_session(cast.episode_a, now + timedelta(days=17), status="scheduled", modality="tele")
    regimen = MedicationRegimen.objects.create(
        episode=cast.episode_a,
        medication_name="Sertraline",
        medication_class="N06AB",
        daily_dose=Decimal("50"),
        dose_times=["08:00", "20:00"],
        started_on=timezone.localdate() - timedelta(days=30),
    )
    # Goals: agreed and rated, proposed by the team, proposed by the patient, achieved.
    rated = agreed_goal(cast, "Get back to choir on Thursdays")
    goal_ratings.rate_own_goal(patient, rated.pk, {"score": "3", "note": "Went once."})
    goal_ratings.rate_own_goal(patient, rated.pk, {"score": "6"})
    goal_for(cast, "Sleep six hours most nights")
    goal_changes.propose_own_goal(
        patient,
        {"patient_words": "Cook a proper meal twice a week", "episode": str(cast.episode_a.pk)},
    )
    # Tasks: homework logged today, an exercise programme, the medicine.
    homework = homework_for(cast, title="Evening breathing practice", goals=[str(rated.pk)])
    completions.log_completion(patient, homework.pk, {})
    programme = programme_for(cast)
    tasks.create_task(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        "medication",
        {"title": "Take sertraline", "regimen": str(regimen.pk)},
    )
    decision_a(cast)
    decision_services.create_decision(
        web(cast, "clin_a"),
        cast.episode_a.pk,
        decision_data(
            cast,
            question="Should we meet every week or every two weeks?",
            status="deferred",
            chosen_option="",
            preferred_option="",
        ),
    )
    assignment_a(cast)
    barrier = barrier_a(cast)
    actions.open_action(
        web(cast, "clin_a"),
        barrier.pk,
        {
            "kind": "reminder_plan",
            "description": "Phone alarm at 20:00.",
            "owner_kind": "patient",
            "follow_up_on": (timezone.localdate() + timedelta(days=7)).isoformat(),
        },
    )
    referrals.create_referral(
        web(cast, "clin_a"),
        cast.patient_a.pk,
        {
            "resource": str(resource_a(cast).pk),
            "reason": "Help with the cost of medicines.",
            "status": "suggested",
        },
    )
    supporters.set_scopes(patient, cast.supporter_link.pk, {"scopes": ALL_SCOPES})
    supporters.invite(
        patient,
        {
            "name": "Kim Lee",
            "relationship": "child",
            "contact": "kim@example.org",
            "scopes": ["appointments"],
        },
    )
    phq9_due(cast)
    return {"regimen": regimen, "goal": rated, "homework": homework, "programme": programme}


def _submitted_phq9(cast: Cast) -> dict[str, Any]:
    """A PHQ-9 the patient submitted, with item 9 above 0 (the crisis text shows)."""
    due = phq9_due(cast)
    answers = {"q1": 1, "q2": 2, "q3": 0, "q4": 3, "q5": 1, "q6": 0, "q7": 2, "q8": 1, "q9": 1}
    submission.submit(web(cast, "patient_a"), due.pk, {k: str(v) for k, v in answers.items()})
    return {"administration_id": due.pk}


def _side_effects_leaflet(cast: Cast) -> dict[str, Any]:
    """A leaflet with a table (in English and Spanish), given to patient A."""
    existing = MaterialAssignment.objects.filter(
        patient=cast.patient_a, material__versions__language="es", note="With a table."
    ).first()
    if existing is not None:
        return {"assignment_id": existing.pk}
    clinician = web(cast, "clin_a")
    material = library.create_material(
        clinician,
        material_data(cast, title="Side effects of SSRIs", body=SSRI_SIDE_EFFECTS_EN),
    )
    library.add_language(
        clinician,
        material.pk,
        {"language": "es", "title": "Efectos secundarios", "body": SSRI_SIDE_EFFECTS_ES},
    )
    [assignment] = assignments.assign(
        clinician,
        cast.patient_a.pk,
        {
            "material": [str(material.pk)],
            "episode": str(cast.episode_a.pk),
            "note": "With a table.",
        },
    )
    return {"assignment_id": assignment.pk}


def _supported_link(cast: Cast) -> dict[str, Any]:
    link = SupporterLink.objects.get(pk=cast.supporter_link.pk)
    supporters.set_scopes(web(cast, "patient_a"), link.pk, {"scopes": ALL_SCOPES})
    return {"link_id": link.pk}


# (person, url name, arguments): pages the matrix's cast cannot open, or other states.
EXTRA_PAGES: list[tuple[str, str, Callable[[Cast], dict[str, Any]]]] = [
    ("supporter", "consent:supported_patient", _supported_link),
    ("patient_a", "measures:administration", _submitted_phq9),
    ("patient_a", "materials:portal_read", _side_effects_leaflet),
]


def portal_pages(cast: Cast) -> list[PortalPage]:
    """Every page of the portal with the records it needs (built now), in a stable order."""
    found = []
    for url_name in sorted(PAGES):
        if url_name in NOT_PAGES:
            continue
        kwargs_of, expected = PAGES[url_name]
        people = [p for p in PORTAL_PEOPLE if expected.get(p) == 200]
        if not people:
            continue
        url = reverse(url_name, kwargs=kwargs_of(cast))
        found.extend(PortalPage(person, url_name, url) for person in people)
    for person, url_name, kwargs_of in EXTRA_PAGES:
        found.append(PortalPage(person, url_name, reverse(url_name, kwargs=kwargs_of(cast))))
    return found


def actor(cast: Cast, name: str) -> Actor:
    return web(cast, name)
