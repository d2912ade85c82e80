"""The sentences of an after-visit summary, one builder per kind of record.

Called inside ``translation.override(language)``: every fixed sentence goes through gettext,
kept short and in everyday words (the summary aims at reading ease 60+ and grade 8 or lower).
What the patient and the care team wrote — the goal in the patient's words, the name of a
task, its instructions, the decision's question, what matters to the patient — is inserted as
written, never translated or reworded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
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
from concord.web.plans.goals import GoalView
from concord.web.plans.models import (
    AgreementResponse,
    Exercise,
    GoalStatus,
    Side,
    TaskKind,
    TaskVersion,
)
from concord.web.plans.tasks import TaskView


@dataclass(frozen=True)
class Item:
    """One point of a section: a line and the short lines under it."""

    text: str
    details: list[str] = field(default_factory=list)
    lang: str = ""  # set when the text is in another language than the summary

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "details": self.details}
        if self.lang:
            data["lang"] = self.lang
        return data


# ------------------------------------------------------------------ words and dates


def quoted(words: str) -> str:
    return "“" + words.strip() + "”"


def without_full_stop(text: str) -> str:
    return text.strip().rstrip(".")


def long_day(day: date | datetime) -> str:
    """``Tuesday 3 March 2026`` in the active language."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    return formats.date_format(day, "l j F Y")


def short_day(day: date | datetime) -> str:
    """``3 March 2026`` in the active language."""
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    return formats.date_format(day, "j F Y")


def clock(moment: datetime) -> str:
    return formats.time_format(timezone.localtime(moment).time(), "H:i")


def and_join(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(list)s and %(last)s") % {"list": ", ".join(parts[:-1]), "last": parts[-1]}


def times_a_day(n: int) -> str:
    return ngettext("once a day", "%(n)d times a day", n) % {"n": n}


def days_a_week(n: int) -> str:
    if n == 7:
        return _("every day")
    return ngettext("%(n)d day a week", "%(n)d days a week", n) % {"n": n}


def how_we_meet(modality: str) -> str:
    if modality == Modality.TELEHEALTH:
        return _("by video")
    if modality == Modality.PHONE:
        return _("by phone")
    return _("in person")


# ------------------------------------------------------------------ goals


def goal_item(view: GoalView, session: CareSession, window: SessionWindow) -> Item | None:
    """A goal talked about at the visit: rated there, changed there, or closed there."""
    ratings = [r for r in view.ratings if r.session_id == session.pk or window.contains(r.rated_at)]
    versions = [
        v
        for v in view.versions
        if v.session_id == session.pk
        or window.contains(v.proposed_at)
        or window.contains(v.response_at)
    ]
    closed = window.contains(view.goal.closed_at)
    if not (ratings or versions or closed):
        return None
    agreed = view.in_force
    words = (agreed or view.current).patient_words
    details = _goal_change(view, versions, closed)
    if ratings:
        latest = ratings[-1]
        details.append(_("You rated your progress %(score)d out of 10.") % {"score": latest.score})
        earlier = [r for r in view.ratings if (r.rated_at, r.pk) < (latest.rated_at, latest.pk)]
        if earlier:
            details.append(
                _("Last time it was %(score)d out of 10.") % {"score": earlier[-1].score}
            )
    details.extend(_goal_aim(agreed or view.current))
    return Item(_("Your goal: %(words)s") % {"words": quoted(words)}, details)


def _goal_change(view: GoalView, versions: list[Any], closed: bool) -> list[str]:
    if closed and view.goal.status == GoalStatus.ACHIEVED:
        return [_("You reached this goal. Well done!")]
    if closed and view.goal.status == GoalStatus.DROPPED:
        return [_("We agreed to stop working on this goal.")]
    if not versions:
        return []
    agreed = view.in_force
    if view.versions[0] in versions:  # the goal itself is new
        if agreed is not None:
            return [_("This is a new goal. We both agreed to it.")]
        return [_("This is a new goal. It is not agreed yet.")]
    if agreed is not None and agreed in versions:
        earlier = [v for v in view.versions if v.number < agreed.number and v.response == "agreed"]
        lines = [_("We changed the words of this goal.")]
        if earlier and earlier[-1].patient_words != agreed.patient_words:
            lines.append(
                _("Before, it was: %(words)s") % {"words": quoted(earlier[-1].patient_words)}
            )
        return lines
    waiting = view.waiting
    if waiting is not None and waiting in versions:
        values = {"words": quoted(waiting.patient_words)}
        if waiting.proposed_side == Side.CLINICIAN:
            return [_("We suggested new words: %(words)s. Tell us if you agree.") % values]
        return [_("You suggested new words: %(words)s. We will answer soon.") % values]
    return []


def _goal_aim(version: Any) -> list[str]:
    target = without_full_stop(version.target or "")
    if target and version.target_date:
        return [
            _("Aim: %(target)s, by %(date)s.")
            % {"target": target, "date": short_day(version.target_date)}
        ]
    if target:
        return [_("Aim: %(target)s.") % {"target": target}]
    if version.target_date:
        return [_("Aim to reach it by %(date)s.") % {"date": short_day(version.target_date)}]
    return []


# ------------------------------------------------------------------ tasks


def exercise_line(exercise: Exercise) -> str:
    amount = ngettext("%(n)d set", "%(n)d sets", exercise.sets) % {"n": exercise.sets}
    if exercise.repetitions:
        amount = _("%(sets)s of %(reps)d") % {"sets": amount, "reps": exercise.repetitions}
    if exercise.hold_seconds:
        hold = ngettext(
            "hold for %(n)d second", "hold for %(n)d seconds", exercise.hold_seconds
        ) % {"n": exercise.hold_seconds}
        amount = _("%(amount)s, %(hold)s") % {"amount": amount, "hold": hold}
    line = _("%(name)s: %(amount)s, %(times)s, %(days)s.") % {
        "name": exercise.name.strip(),
        "amount": amount,
        "times": times_a_day(exercise.times_per_day),
        "days": days_a_week(exercise.days_per_week),
    }
    instructions = exercise.instructions.strip()
    return f"{line} {instructions}" if instructions else line


def dose_text(amount: Decimal) -> str:
    return formats.number_format(amount.normalize(), use_l10n=True)


def task_kind_lines(version: TaskVersion, kind: str) -> list[str]:
    if kind == TaskKind.EXERCISE:
        return [exercise_line(e) for e in version.exercises.all()]
    if kind == TaskKind.HOMEWORK and version.times_per_day and version.days_per_week:
        return [
            _("Do it %(times)s, %(days)s.")
            % {
                "times": times_a_day(version.times_per_day),
                "days": days_a_week(version.days_per_week),
            }
        ]
    regimen = version.regimen
    if kind == TaskKind.MEDICATION and regimen is not None:
        lines = [
            _("%(medicine)s: %(dose)s %(unit)s a day.")
            % {
                "medicine": regimen.medication_name,
                "dose": dose_text(regimen.daily_dose),
                "unit": regimen.unit,
            }
        ]
        if regimen.dose_times:
            lines.append(_("Take it at %(times)s.") % {"times": and_join(regimen.dose_times)})
        return lines
    return []


ANSWERS: dict[str, Callable[[], str]] = {
    AgreementResponse.AGREE: lambda: _("You said you agree."),
    AgreementResponse.NOT_SURE: lambda: _("You said you are not sure."),
    AgreementResponse.DISAGREE: lambda: _("You said you do not agree."),
}


def _answer_lines(version: TaskVersion, has_portal: bool) -> list[str]:
    answers = list(version.agreements.all())
    if not answers:
        return [_("Tell us in the portal if this works for you.")] if has_portal else []
    latest = answers[-1]
    return [
        ANSWERS[latest.response](),
        _("How sure you feel: %(n)d out of 10.") % {"n": latest.confidence},
    ]


def task_item(view: TaskView, window: SessionWindow, has_portal: bool) -> Item | None:
    """A task agreed, changed or stopped at or since the previous visit."""
    versions = [v for v in view.versions if window.contains_for_tasks(v.created_at)]
    ended = window.contains_day_for_tasks(view.task.ended_on)
    if not (versions or ended):
        return None
    shown = versions[-1] if versions else view.current
    if ended:
        return Item(shown.title, [_("We agreed to stop this.")])
    details = [_("This is new.") if versions[0].number == 1 else _("This has changed.")]
    if versions[0].number > 1 and shown.change_note.strip():
        details.append(_("What changed: %(note)s") % {"note": shown.change_note.strip()})
    details.extend(task_kind_lines(shown, view.task.kind))
    if shown.instructions.strip():
        details.append(shown.instructions.strip())
    details.extend(_answer_lines(shown, has_portal))
    return Item(shown.title, details)


def still_in_plan(views: Sequence[TaskView], listed: set[int]) -> Item | None:
    others = [v.current.title for v in views if v.task.is_active and v.task.pk not in listed]
    if not others:
        return None
    return Item(_("Still in your plan: %(tasks)s.") % {"tasks": and_join(others)})


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
