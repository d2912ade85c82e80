"""What other apps call: :func:`signal_changed` (new data arrived) and
:func:`highest_open_priority` (the caseload's triage column). Imports nothing of the clinic's
services, so the clinic can import it."""

from __future__ import annotations

from typing import Any

from django.db.models import Min, QuerySet

from concord.web.alerts.models import Alert, AlertStatus
from concord.web.clinic.models import CareEpisode


def signal_changed(patient_id: int) -> None:
    """New data for this patient: queue a (debounced) recomputation of their alerts."""
    from concord.web.alerts.jobs import queue_patient

    queue_patient(patient_id)


def highest_open_priority(episodes: QuerySet[CareEpisode, Any]) -> dict[int, int]:
    """Episode pk -> best (lowest) priority rank of its open alerts, in one grouped query.

    Acknowledged alerts have been acted on and snoozed ones wait for their date; neither
    counts for triage until the worker opens them again.
    """
    return dict(
        Alert.objects.filter(episode_id__in=episodes, status=AlertStatus.OPEN)
        .order_by()
        .values("episode_id")
        .annotate(best=Min("priority_rank"))
        .values_list("episode_id", "best")
    )
