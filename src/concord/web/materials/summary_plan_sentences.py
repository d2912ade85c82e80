"""The sentences of an after-visit summary about the shared plan: goals and tasks.

Called inside ``translation.override(language)``: every fixed sentence goes through gettext,
kept short and in everyday words (the summary aims at reading ease 60+ and grade 8 or lower).
What the patient and the care team wrote — the goal in the patient's words, the name of a
task, its instructions, the decision's question, what matters to the patient — is inserted as
written, never translated or reworded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from concord.web.clinic.models import CareSession
from concord.web.materials.summary_window import SessionWindow
from concord.web.materials.summary_words import (
    Item,
    and_join,
    days_a_week,
    quoted,
    short_day,
    times_a_day,
    without_full_stop,
)
from concord.web.plans.goals import GoalView
from concord.web.plans.models import (
    AgreementResponse,
    Exercise,
    GoalAnswer,
    GoalStatus,
    Side,
    TaskKind,
    TaskVersion,
)
from concord.web.plans.tasks import TaskView

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
    details.extend(_waiting_change(view, versions))
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
        earlier = [
            v for v in view.versions if v.number < agreed.number and v.response == GoalAnswer.AGREED
        ]
        before = earlier[-1] if earlier else None
        if before is not None and before.patient_words != agreed.patient_words:
            return [
                _("We changed the words of this goal."),
                _("Before, it was: %(words)s") % {"words": quoted(before.patient_words)},
            ]
        return [_("We changed the aim of this goal.")]
    waiting = view.waiting
    if waiting is not None and waiting in versions:
        if waiting.proposed_side == Side.CLINICIAN:
            return [_("We suggested a change to this goal. Tell us if you agree.")]
        return [_("You suggested a change to this goal. We will answer soon.")]
    return []


def _waiting_change(view: GoalView, versions: list[Any]) -> list[str]:
    """What a change suggested at the visit (and not answered yet) would make of the goal."""
    waiting, shown = view.waiting, view.in_force
    if waiting is None or waiting not in versions or shown is None:
        return []
    lines = []
    if waiting.patient_words != shown.patient_words:
        lines.append(_("New words: %(words)s") % {"words": quoted(waiting.patient_words)})
    if (waiting.target, waiting.target_date) != (shown.target, shown.target_date):
        lines.extend(_goal_aim(waiting, new=True))
    return lines


def _goal_aim(version: Any, *, new: bool = False) -> list[str]:
    target = without_full_stop(version.target or "")
    values = {
        "target": target,
        "date": short_day(version.target_date) if version.target_date else "",
    }
    if target and version.target_date:
        text = _("New aim: %(target)s, by %(date)s.") if new else _("Aim: %(target)s, by %(date)s.")
    elif target:
        text = _("New aim: %(target)s.") if new else _("Aim: %(target)s.")
    elif version.target_date:
        text = _("New aim: reach it by %(date)s.") if new else _("Aim to reach it by %(date)s.")
    else:
        return []
    return [text % values]


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
