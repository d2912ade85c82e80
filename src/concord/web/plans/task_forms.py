"""Forms of agreed tasks: the task itself by kind, the exercises of a programme, the
patient's agreement and confidence, and completion logs."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareEpisode
from concord.web.medications.models import MedicationRegimen
from concord.web.plans.forms import score_field, session_field, text
from concord.web.plans.models import (
    OPEN_GOAL_STATUSES,
    AgreementResponse,
    Exercise,
    Goal,
    TaskKind,
    TaskVersion,
)

MAX_EXERCISES = 12
LOG_DAYS_BACK = 14  # a completion may be logged for today or up to two weeks back


class GoalChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        current = obj.versions.order_by("-number").first()
        return current.patient_words[:120] if current else str(obj)


class TaskForm(forms.Form):
    """What every task has: a name, instructions, the goals it serves."""

    title = forms.CharField(label=_("Name of the task"), max_length=200)
    instructions = text(_("Instructions"), rows=3)
    change_note = text(_("What changed and why (for a new version)"), rows=2)

    def __init__(self, *args: Any, episode: CareEpisode, kind: str, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.episode = episode
        self.kind = kind
        self.fields["goals"] = GoalChoiceField(
            label=_("Goals this task serves"),
            queryset=Goal.objects.filter(episode=episode, status__in=OPEN_GOAL_STATUSES),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": _(
                    "Choose open goals of this care episode only (%(value)s is not one)."
                ),
                "invalid_pk_value": _("“%(pk)s” is not a goal."),
            },
        )
        if kind == TaskKind.HOMEWORK:
            self.fields["times_per_day"] = forms.IntegerField(
                label=_("Times a day"), min_value=1, max_value=12, initial=1
            )
            self.fields["days_per_week"] = forms.IntegerField(
                label=_("Days a week"), min_value=1, max_value=7, initial=7
            )
        if kind == TaskKind.MEDICATION:
            self.fields["regimen"] = RegimenChoiceField(
                label=_("Medicine"),
                queryset=regimens_of(episode),
                error_messages={
                    "invalid_choice": _("Choose a medicine prescribed in this care episode."),
                    "required": _("Choose the medicine this task is about."),
                },
            )


class RegimenChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


def regimens_of(episode: CareEpisode) -> QuerySet[MedicationRegimen]:
    return MedicationRegimen.objects.filter(episode=episode).order_by("-started_on", "pk")


class ExerciseForm(forms.ModelForm):
    class Meta:
        model = Exercise
        fields = [
            "name",
            "sets",
            "repetitions",
            "hold_seconds",
            "times_per_day",
            "days_per_week",
            "instructions",
        ]
        widgets = {"instructions": forms.Textarea(attrs={"rows": 2})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("name")
            and data.get("repetitions") is None
            and data.get("hold_seconds") is None
            and "repetitions" not in self.errors
            and "hold_seconds" not in self.errors
        ):
            self.add_error("repetitions", _("Give the repetitions, the hold time, or both."))
        return data


class BaseExerciseFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        filled = [f for f in self.forms if f.has_changed()]
        if not filled:
            raise forms.ValidationError(_("Add at least one exercise."))


ExerciseFormSet = forms.formset_factory(
    ExerciseForm,
    formset=BaseExerciseFormSet,
    extra=3,
    max_num=MAX_EXERCISES,
    validate_max=True,
    absolute_max=MAX_EXERCISES,
)


def exercise_initial(version: TaskVersion | None) -> list[dict[str, Any]]:
    if version is None:
        return []
    return [
        {
            "name": e.name,
            "sets": e.sets,
            "repetitions": e.repetitions,
            "hold_seconds": e.hold_seconds,
            "times_per_day": e.times_per_day,
            "days_per_week": e.days_per_week,
            "instructions": e.instructions,
        }
        for e in version.exercises.all()
    ]


class AgreementForm(forms.Form):
    """The patient's own view of a task version (portal)."""

    response = forms.ChoiceField(
        label=_("Do you agree to do this?"),
        choices=AgreementResponse.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one answer.")},
    )
    confidence = score_field(
        _("How sure are you that you can do this? 0 = not sure at all, 10 = completely sure")
    )
    words = text(_("In your own words (you can leave this empty)"), rows=2)


class StaffAgreementForm(AgreementForm):
    """The patient's answer said in a session, recorded by a clinician."""

    def __init__(self, *args: Any, episode: CareEpisode, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["response"].label = _("The patient's answer")
        self.fields["confidence"].label = _(
            "How sure the patient is that they can do it (0 = not at all, 10 = completely)"
        )
        self.fields["words"].label = _("The patient's words")
        self.fields["session"] = session_field(episode, required=True)


class CompletionForm(forms.Form):
    """One log of an exercise programme or homework: the day, and optional details."""

    day = forms.DateField(
        label=_("Day"),
        required=False,
        help_text=_("Leave empty for today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sets_done = forms.IntegerField(label=_("Sets done"), required=False, min_value=1, max_value=50)
    effort = score_field(_("How hard was it? 0 = very easy, 10 = as hard as it gets"), False)
    pain = score_field(_("Pain while doing it: 0 = none, 10 = worst imaginable"), False)
    note = text(_("Note (you can leave this empty)"), rows=2)

    def __init__(self, *args: Any, exercises: list[Exercise], today: date | None = None, **kw: Any):
        super().__init__(*args, **kw)
        self.today = today or timezone.localdate()
        if exercises:
            self.fields["exercise"] = forms.TypedChoiceField(
                label=_("Which exercise?"),
                choices=[("", _("All of them"))] + [(e.pk, e.name) for e in exercises],
                coerce=int,
                required=False,
                empty_value=None,
                error_messages={"invalid_choice": _("Choose an exercise of this programme.")},
            )
            self.order_fields(["exercise"])

    def clean_day(self) -> date:
        day: date | None = self.cleaned_data.get("day")
        if day is None:
            return self.today
        if day > self.today:
            raise forms.ValidationError(_("The day is in the future."))
        if day < self.today - timedelta(days=LOG_DAYS_BACK):
            raise forms.ValidationError(
                _("Log days up to %(n)d days back only.") % {"n": LOG_DAYS_BACK}
            )
        return day
