"""Forms of the shared plan, used by the pages and the JSON API alike so that both check the
same way. Tasks: :mod:`concord.web.plans.task_forms`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from concord.web.clinic.models import CareEpisode, CareSession, SessionStatus
from concord.web.plans.models import SCORE_MAX, SCORE_MIN, TEXT_MAX, GoalVersion

ZERO_TO_TEN = [(n, str(n)) for n in range(SCORE_MIN, SCORE_MAX + 1)]
SESSION_LOOKAHEAD = timedelta(days=1)  # a session later today may be recorded in advance


def text(label: Any, required: bool = False, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def score_field(label: Any, required: bool = True) -> forms.TypedChoiceField:
    """A 0-10 scale as radio buttons; out-of-range values are refused by the choices."""
    return forms.TypedChoiceField(
        label=label,
        choices=ZERO_TO_TEN,
        coerce=int,
        required=required,
        empty_value=None,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
        error_messages={
            "invalid_choice": _("Choose a whole number from 0 to 10."),
            "required": _("Choose a number from 0 to 10."),
        },
    )


def sessions_for_recording(episode: CareEpisode) -> QuerySet[CareSession]:
    """Sessions of this episode a clinician may record something of the patient's in:
    attended or scheduled ones up to a day ahead, latest first."""
    return episode.sessions.filter(
        status__in=[SessionStatus.ATTENDED, SessionStatus.SCHEDULED],
        scheduled_at__lte=timezone.now() + SESSION_LOOKAHEAD,
    ).order_by("-scheduled_at", "-pk")


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        moment = timezone.localtime(obj.scheduled_at)
        return f"{date_format(moment, 'SHORT_DATETIME_FORMAT')} · {obj.get_status_display()}"


def session_field(episode: CareEpisode, required: bool) -> SessionChoiceField:
    return SessionChoiceField(
        label=_("Session"),
        queryset=sessions_for_recording(episode),
        required=required,
        error_messages={"invalid_choice": _("Choose a session of this care episode.")},
    )


class GoalContentForm(forms.Form):
    """What a goal version says (shared by the clinician's and the patient's forms)."""

    patient_words = text(_("The goal in the patient's own words"), required=True)
    patient_words.error_messages["required"] = _("Write the goal in the patient's own words.")
    why_it_matters = text(_("Why it matters to the patient"))
    target = text(
        _("Measurable target"),
        rows=2,
        help_text=_("How both of you will know it is reached, e.g. 'walk to the shop and back'."),
    )
    target_date = forms.DateField(
        label=_("Target date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, previous: GoalVersion | None = None, today: date | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.previous = previous
        self.today = today or timezone.localdate()

    def clean_patient_words(self) -> str:
        words = str(self.cleaned_data.get("patient_words") or "").strip()
        if not words:
            raise forms.ValidationError(_("Write the goal in the patient's own words."))
        return words

    def clean_target_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("target_date")
        unchanged = self.previous is not None and value == self.previous.target_date
        if value is not None and value < self.today and not unchanged:
            raise forms.ValidationError(_("The target date is in the past."))
        return value


PROPOSER_CHOICES = [
    ("clinician", _("I propose it (care team)")),
    ("patient_in_session", _("The patient proposed it in session; I am recording it")),
]
AGREEMENT_CHOICES = [
    ("ask", _("Not agreed yet: the other side agrees later (the patient in the portal)")),
    ("agreed_in_session", _("Agreed in session by both of us")),
]


class StaffGoalForm(GoalContentForm):
    """A clinician proposes a goal or a revision on the patient page."""

    clinician_restatement = text(_("Your restatement (clinical wording)"))
    proposer = forms.ChoiceField(
        label=_("Who proposes this version?"),
        choices=PROPOSER_CHOICES,
        initial="clinician",
        widget=forms.RadioSelect,
    )
    agreement = forms.ChoiceField(
        label=_("Agreement"), choices=AGREEMENT_CHOICES, initial="ask", widget=forms.RadioSelect
    )
    change_reason = text(_("What changed and why (for a revision)"), rows=2)

    field_order = [
        "patient_words",
        "clinician_restatement",
        "why_it_matters",
        "target",
        "target_date",
        "proposer",
        "agreement",
        "session",
        "change_reason",
    ]

    def __init__(self, *args: Any, episode: CareEpisode, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["session"] = session_field(episode, required=False)
        self.fields["session"].help_text = _("Needed when something was said in session.")
        self.order_fields(self.field_order)

    @property
    def in_session(self) -> bool:
        data = self.cleaned_data
        return data.get("proposer") == "patient_in_session" or (
            data.get("agreement") == "agreed_in_session" and data.get("proposer") == "clinician"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.in_session and not data.get("session") and "session" not in self.errors:
            self.add_error("session", _("Say in which session the patient said it."))
        return data


class GoalResponseForm(forms.Form):
    """The other side's answer to a proposed version (the clinician's page)."""

    response = forms.ChoiceField(
        label=_("Answer"),
        choices=[("agreed", _("Agreed")), ("not_agreed", _("Not agreed"))],
        widget=forms.RadioSelect,
    )
    words = text(_("Words (theirs, if the patient answered in session)"), rows=2)

    def __init__(self, *args: Any, episode: CareEpisode, needs_session: bool, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.needs_session = needs_session
        if needs_session:
            self.fields["session"] = session_field(episode, required=True)


class PatientGoalAnswerForm(forms.Form):
    """The patient's answer to a version the care team proposed (portal)."""

    response = forms.ChoiceField(
        label=_("Do you agree with this goal?"),
        choices=[("agreed", _("Yes, I agree")), ("not_agreed", _("No, not like this"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no.")},
    )
    words = text(_("Anything you want to say? (you can leave this empty)"), rows=2)


class PatientGoalForm(GoalContentForm):
    """A goal the patient proposes in the portal, in their own words."""

    def __init__(self, *args: Any, episodes: list[CareEpisode], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["patient_words"].label = _(
            "What do you want to change or achieve? Use your own words."
        )
        self.fields["patient_words"].error_messages["required"] = _(
            "Write your goal in your own words."
        )
        self.fields["why_it_matters"].label = _("Why does this matter to you?")
        self.fields["target"].label = _("How will you know you got there?")
        self.fields["target"].help_text = ""
        self.fields["target_date"].label = _("By when? (you can leave this empty)")
        self.episodes = episodes
        if len(episodes) > 1:
            self.fields["episode"] = forms.TypedChoiceField(
                label=_("Which part of your care is this for?"),
                choices=[(e.pk, f"{e.reason} · {e.team.name}") for e in episodes],
                coerce=int,
                widget=forms.RadioSelect,
            )
            self.order_fields(["episode"])

    def clean_patient_words(self) -> str:
        words = str(self.cleaned_data.get("patient_words") or "").strip()
        if not words:
            raise forms.ValidationError(_("Write your goal in your own words."))
        return words

    def chosen_episode(self) -> CareEpisode | None:
        if len(self.episodes) == 1:
            return self.episodes[0]
        wanted = self.cleaned_data.get("episode")
        return next((e for e in self.episodes if e.pk == wanted), None)


class CloseGoalForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("achieved", _("Achieved")), ("dropped", _("Dropped"))],
        widget=forms.RadioSelect,
    )
    note = text(_("Note"), rows=2, help_text=_("Required when a goal is dropped: why?"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == "dropped" and not str(data.get("note") or "").strip():
            self.add_error("note", _("Say why the goal is dropped."))
        return data


class PortalRatingForm(forms.Form):
    score = score_field(_("How close are you to this goal? 0 = not at all, 10 = goal reached"))
    note = text(_("Anything you want to add? (you can leave this empty)"), rows=2)


class StaffRatingForm(forms.Form):
    """A rating the patient gave in session, recorded by a clinician."""

    score = score_field(_("The patient's rating (0 = no progress, 10 = goal reached)"))
    note = text(_("Note"), rows=2)

    def __init__(self, *args: Any, episode: CareEpisode, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["session"] = session_field(episode, required=True)
        self.order_fields(["score", "session", "note"])
