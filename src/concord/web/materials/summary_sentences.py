"""The sentences of an after-visit summary about decisions, barriers and the visit itself
(who the patient saw, the next appointment, whom to contact, what to do if things get worse).
Goals and tasks: :mod:`.summary_plan_sentences`.

Called inside ``translation.override(language)``: every fixed sentence goes through gettext,
kept short and in everyday words (the summary aims at reading ease 60+ and grade 8 or lower).
What the patient and the care team wrote — the goal in the patient's words, the name of a
task, its instructions, the decision's question, what matters to the patient — is inserted as
written, never translated or reworded.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from concord.web.barriers.models import (
    ActionStatus,
    Barrier,
    BarrierKind,
    BarrierStatus,
    OwnerKind,
    RaisedBy,
)
from concord.web.barriers.suggestions import (
    PORTAL_ACTION_LABELS,
    PORTAL_ACTION_STATUS,
    PORTAL_BARRIER_LABELS,
)
from concord.web.clinic.models import CareSession, Modality
from concord.web.decisions.models import DecisionStatus
from concord.web.decisions.services import DecisionRecord
from concord.web.materials.summary_window import SessionWindow
from concord.web.materials.summary_words import (
    Item,
    clock,
    how_we_meet,
    long_day,
    quoted,
    short_day,
    without_full_stop,
)

# ------------------------------------------------------------------ decisions


def decision_item(record: DecisionRecord, window: SessionWindow) -> Item | None:
    """A decision made or looked at again at the visit (a version recorded in the window)."""
    versions = [v for v in record.versions if window.contains(v.recorded_at)]
    if not versions:
        return None
    shown = versions[-1]
    details = []
    if versions[0].number > 1:
        details.append(_("We looked at this decision again."))
    chosen = shown.chosen
    if shown.status == DecisionStatus.DECIDED and chosen is not None:
        details.append(_("We decided: %(option)s.") % {"option": without_full_stop(chosen.label)})
    else:
        details.append(_("We have not decided yet."))
    if shown.what_matters.strip():
        details.append(
            _("What matters most to you: %(words)s") % {"words": quoted(shown.what_matters)}
        )
    details.append(
        _("We will look at it again on %(date)s.") % {"date": short_day(shown.revisit_on)}
    )
    return Item(shown.question.strip(), details)


# ------------------------------------------------------------------ barriers


def barrier_item(barrier: Barrier, window: SessionWindow) -> Item | None:
    """A barrier raised at the visit, or one the visit planned an action for."""
    actions = list(barrier.actions.all())
    new_actions = [a for a in actions if window.contains(a.created_at)]
    if not (window.contains(barrier.reported_at) or new_actions):
        return None
    text = str(PORTAL_BARRIER_LABELS.get(barrier.kind, barrier.get_kind_display()))
    description = barrier.description.strip()
    if description and (barrier.words_of == RaisedBy.PATIENT or barrier.kind == BarrierKind.OTHER):
        text = _("%(barrier)s: %(words)s") % {"barrier": text, "words": quoted(description)}
    details = []
    for action in actions:
        if action.status != ActionStatus.PLANNED and action not in new_actions:
            continue
        label = str(PORTAL_ACTION_LABELS.get(action.kind, action.get_kind_display()))
        details.append(
            _("%(action)s: %(what)s") % {"action": label, "what": action.description.strip()}
        )
        if action.status == ActionStatus.PLANNED:
            details.append(_owner_line(action))
        else:
            details.append(_("Now: %(status)s.") % {"status": PORTAL_ACTION_STATUS[action.status]})
    if barrier.status in (BarrierStatus.RESOLVED, BarrierStatus.NO_LONGER_APPLIES):
        details.append(_("This is sorted now."))
    return Item(text, details)


def _owner_line(action: Any) -> str:
    when = {"date": short_day(action.follow_up_on)}
    if action.owner_kind == OwnerKind.PATIENT:
        return _("You will do this. We will check on it by %(date)s.") % when
    return _("%(who)s will do this. We will check on it by %(date)s.") % {
        **when,
        "who": action.owner_label,
    }


# ------------------------------------------------------------------ the visit itself


def intro_line(modality: str, clinician: str) -> str:
    if not clinician:
        return _("You had a visit with your care team %(how)s.") % {"how": how_we_meet(modality)}
    values = {"who": clinician}
    if modality == Modality.PHONE:
        return _("You spoke with %(who)s by phone.") % values
    if modality == Modality.TELEHEALTH:
        return _("You saw %(who)s by video.") % values
    return _("You saw %(who)s in person.") % values


def appointment_item(session: CareSession | None) -> Item:
    if session is None:
        return Item(_("No date is booked yet. Your care team will contact you to book one."))
    text = _("%(day)s at %(time)s, %(how)s.") % {
        "day": long_day(session.scheduled_at),
        "time": clock(session.scheduled_at),
        "how": how_we_meet(session.modality),
    }
    minutes = {"n": session.duration_minutes}
    details = []
    if session.clinician is not None:
        details.append(_("With %(who)s.") % {"who": str(session.clinician)})
    details.append(
        ngettext(
            "It takes about %(n)d minute.",
            "It takes about %(n)d minutes.",
            session.duration_minutes,
        )
        % minutes
    )
    return Item(text, details)


def contact_item(team: str, clinic: str, contact: str) -> Item:
    details = [_("Your main contact is %(who)s.") % {"who": contact}] if contact else []
    details.append(_("Ask them about anything in this summary that is not clear."))
    return Item(
        _("Your care team: %(team)s, %(clinic)s.") % {"team": team, "clinic": clinic}, details
    )


def worse_items(crisis_text: str, crisis_language: str, summary_language: str) -> list[Item]:
    if crisis_text:
        lang = crisis_language if crisis_language != summary_language else ""
        return [Item(crisis_text.strip(), lang=lang)]
    return [
        Item(
            _("If you feel much worse, or you think about hurting yourself, get help now."),
            [
                _("Call your local emergency number, or go to the nearest emergency department."),
                _("If it is not an emergency, contact your care team."),
            ],
        )
    ]
