"""Plain-language sentences of who did what, for the history pages (staff and portal)."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from concord.analytics.goal_progress import (
    NO_RELIABLE_CHANGE,
    NOT_ENOUGH_RATINGS,
    RELIABLE_DETERIORATION,
    RELIABLE_IMPROVEMENT,
)
from concord.web.plans.models import GoalAnswer, GoalVersion, Side, VersionState

PROGRESS_LABELS = {
    RELIABLE_IMPROVEMENT: lambda: _("reliable improvement"),
    RELIABLE_DETERIORATION: lambda: _("reliable deterioration"),
    NO_RELIABLE_CHANGE: lambda: _("no reliable change"),
    NOT_ENOUGH_RATINGS: lambda: _("needs two ratings"),
}


def when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def person(user: object) -> str:
    return str(user) if user is not None else _("someone no longer registered")


def proposal_text(version: GoalVersion, *, for_patient: bool = False) -> str:
    """Who proposed this version, how, and when."""
    values = {"who": person(version.proposed_by), "when": when(version.proposed_at)}
    if version.proposed_side == Side.PATIENT:
        if version.proposed_in_session:
            if for_patient:
                return (
                    _("You proposed this in a session (written down by %(who)s), %(when)s.")
                    % values
                )
            return _("Proposed by the patient in session, recorded by %(who)s, %(when)s.") % values
        if for_patient:
            return _("You proposed this, %(when)s.") % values
        return _("Proposed by the patient in the portal, %(when)s.") % values
    if for_patient:
        return _("Your care team (%(who)s) proposed this, %(when)s.") % values
    return _("Proposed by %(who)s (care team), %(when)s.") % values


def response_text(version: GoalVersion, *, for_patient: bool = False) -> str:
    """The other side's answer (or that it is still waiting, or was replaced)."""
    if version.state == VersionState.PROPOSED:
        if version.proposed_side == Side.CLINICIAN:
            return (
                _("Waiting for your answer.")
                if for_patient
                else _("Waiting for the patient's answer.")
            )
        return (
            _("Waiting for your care team's answer.")
            if for_patient
            else _("Waiting for the care team's answer.")
        )
    if not version.response_side:
        return _("Replaced by a later version before it was answered.")
    agreed = version.response == GoalAnswer.AGREED
    values = {"who": person(version.response_by), "when": when(version.response_at)}
    if version.response_side == Side.PATIENT:
        if version.response_in_session:
            if for_patient:
                text = (
                    _("You agreed in a session (written down by %(who)s), %(when)s.")
                    if agreed
                    else _("You did not agree, in a session (written down by %(who)s), %(when)s.")
                )
            else:
                text = (
                    _("Agreed by the patient in session, recorded by %(who)s, %(when)s.")
                    if agreed
                    else _("Not agreed by the patient in session, recorded by %(who)s, %(when)s.")
                )
        elif for_patient:
            text = _("You agreed, %(when)s.") if agreed else _("You did not agree, %(when)s.")
        else:
            text = (
                _("Agreed by the patient in the portal, %(when)s.")
                if agreed
                else _("Not agreed by the patient in the portal, %(when)s.")
            )
    elif for_patient:
        text = (
            _("Your care team (%(who)s) agreed, %(when)s.")
            if agreed
            else _("Your care team (%(who)s) did not agree, %(when)s.")
        )
    else:
        text = (
            _("Agreed by %(who)s (care team), %(when)s.")
            if agreed
            else _("Not agreed by %(who)s (care team), %(when)s.")
        )
    return text % values


def progress_label(category: str) -> str:
    label = PROGRESS_LABELS.get(category)
    return label() if label else category
