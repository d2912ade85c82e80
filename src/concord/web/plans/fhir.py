"""A patient's goals as FHIR R4 ``Goal`` resources in a ``collection`` Bundle, validated with
the ``fhir.resources`` R4B models (R4B's Goal is R4's).

Mapping (the version in force, else the latest proposal):

* ``lifecycleStatus``: proposed -> ``proposed``; agreed, revision waiting -> ``active``;
  achieved -> ``completed``; dropped -> ``cancelled``;
* ``achievementStatus`` (goal-achievement codes): achieved -> ``achieved``; else from the
  goal-based-outcome change: reliable improvement -> ``improving``, reliable deterioration ->
  ``worsening``, no reliable change -> ``no-change`` (absent with fewer than two ratings);
* ``description.text``: the goal in the patient's own words; ``note``: the clinician's
  restatement and why it matters; ``target``: the measurable target and the target date;
* ``expressedBy``: the patient, or the clinician who proposed it (``Practitioner/<user id>``);
* ``meta.versionId``: the version number; ``identifier``: ``urn:concord:goal:<id>``.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.bundle import Bundle

from concord.analytics.goal_progress import (
    NO_RELIABLE_CHANGE,
    RELIABLE_DETERIORATION,
    RELIABLE_IMPROVEMENT,
)
from concord.web.plans.goals import GoalView
from concord.web.plans.models import GoalStatus, Side

LIFECYCLE = {
    GoalStatus.PROPOSED: "proposed",
    GoalStatus.AGREED: "active",
    GoalStatus.REVISED: "active",
    GoalStatus.ACHIEVED: "completed",
    GoalStatus.DROPPED: "cancelled",
}
ACHIEVEMENT = {
    RELIABLE_IMPROVEMENT: "improving",
    RELIABLE_DETERIORATION: "worsening",
    NO_RELIABLE_CHANGE: "no-change",
}
ACHIEVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/goal-achievement"
IDENTIFIER_SYSTEM = "urn:concord:goal"


def goal_resource(patient_id: int, view: GoalView) -> dict[str, Any]:
    version = view.in_force or view.current
    goal = view.goal
    resource: dict[str, Any] = {
        "resourceType": "Goal",
        "id": str(goal.pk),
        "meta": {"versionId": str(version.number)},
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": str(goal.pk)}],
        "lifecycleStatus": LIFECYCLE[GoalStatus(goal.status)],
        "description": {"text": version.patient_words},
        "subject": {"reference": f"Patient/{patient_id}"},
        "startDate": goal.created_at.date().isoformat(),
    }
    code = (
        "achieved"
        if goal.status == GoalStatus.ACHIEVED
        else ACHIEVEMENT.get(view.progress.category)
    )
    if code:
        resource["achievementStatus"] = {"coding": [{"system": ACHIEVEMENT_SYSTEM, "code": code}]}
    if version.target or version.target_date:
        target: dict[str, Any] = {}
        if version.target:
            target["detailString"] = version.target
        if version.target_date:
            target["dueDate"] = version.target_date.isoformat()
        resource["target"] = [target]
    if version.proposed_side == Side.PATIENT:
        resource["expressedBy"] = {"reference": f"Patient/{patient_id}"}
    elif version.proposed_by_id:
        resource["expressedBy"] = {
            "reference": f"Practitioner/{version.proposed_by_id}",
            "display": str(version.proposed_by),
        }
    notes = []
    if version.clinician_restatement:
        notes.append({"text": f"Clinician's restatement: {version.clinician_restatement}"})
    if version.why_it_matters:
        notes.append({"text": f"Why it matters to the patient: {version.why_it_matters}"})
    if goal.closed_note:
        notes.append({"text": goal.closed_note})
    if notes:
        resource["note"] = notes
    return resource


def goals_bundle(patient_id: int, views: list[GoalView]) -> dict[str, Any]:
    """A validated collection Bundle of the patient's goals (plain JSON)."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"urn:concord:goal:{v.goal.pk}",
                "resource": goal_resource(patient_id, v),
            }
            for v in views
        ],
    }
    Bundle.model_validate(bundle)  # raises on a resource FHIR would refuse
    return bundle
